"""Turn one export file into normalised responses and rejected rows, per the source's mapping.

Nothing is lost: every data row of the file becomes exactly one of
- a response (scores normalised, week assigned),
- a rejected row with the column, the value and what was expected, or
- a duplicate (the same response id seen earlier in this file or an earlier file).
A file that cannot be read at all is recorded as failed, with the reason, and the others load.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from satisfaction_pipeline.lib import warehouse
from satisfaction_pipeline.lib.config import (
    SEGMENT_DIMENSIONS,
    Constant,
    Question,
    Settings,
    Source,
)
from satisfaction_pipeline.lib.readers import (
    EXTRA,
    PROBLEM,
    ROW,
    SPREADSHEET_FORMATS,
    RawTable,
    ReadError,
    read_export,
)
from satisfaction_pipeline.lib.scales import (
    ScaleDirectionError,
    csat_mapping,
    fold_label,
    is_no_answer,
    orient,
    parse_number,
)

# Date layouts read without configuration; day-first or month-first dates need `date_format`,
# because 03/04/2026 cannot be told apart otherwise.
NAIVE_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)
OFFSET_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%#z",
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%#z",
    "%Y-%m-%dT%H:%M%#z",
)
# `date_format: day_first` (French exports) or `month_first` (US exports), with or without time.
DATE_ORDERS = {
    "day_first": ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"),
    "month_first": ("%m/%d/%Y",),
}
TIMES = (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "")
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # serial day 0 in Excel's 1900 date system

RESPONSE_SCHEMA: dict[str, pl.DataType] = {
    "response_key": pl.String(),
    "source": pl.String(),
    "response_id": pl.String(),
    "submitted_at": pl.Datetime("us"),
    "week": pl.Date(),
    "customer_ref": pl.String(),
    "customer_email": pl.String(),
    **{dimension: pl.String() for dimension in SEGMENT_DIMENSIONS},
    "extra_segments": pl.String(),
    "csat_answer": pl.String(),
    "csat": pl.Int8(),
    "csat_scale": pl.String(),
    "nps": pl.Int8(),
    "nps_scale": pl.String(),
    "ces_answer": pl.Float64(),
    "ces": pl.Float64(),
    "ces_scale": pl.String(),
    "ces_version": pl.String(),
    "comment": pl.String(),
    "file_name": pl.String(),
    "file_row": pl.Int32(),
}

REJECT_SCHEMA: dict[str, pl.DataType] = {
    "file_name": pl.String(),
    "source": pl.String(),
    "row_number": pl.Int32(),
    "column_name": pl.String(),
    "reason": pl.String(),
    "raw_record": pl.String(),
}


EXCLUDED_SCHEMA: dict[str, pl.DataType] = {
    "file_name": pl.String(),
    "source": pl.String(),
    "row_number": pl.Int32(),
    "response_id": pl.String(),
    "reason": pl.String(),  # survey_preview, survey_test, spam, unfinished or unanswered
    "detail": pl.String(),  # the cell that says so, e.g. "Status = 2"
    "week": pl.Date(),  # unanswered invitations: the week they were sent
}

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "file_name": pl.String(),
    "source": pl.String(),
    "row_number": pl.Int32(),
    "response_id": pl.String(),
    "column_name": pl.String(),
    "finding": pl.String(),  # nps_group_disagrees, nps_group_unknown
    "detail": pl.String(),
}

# Qualtrics' response types that are not customers answering (the Status column holds the
# code, or its text in a "choice text" export), and the distribution channels of the same.
QUALTRICS_STATUS = {
    "1": "survey_preview", "survey preview": "survey_preview",
    "2": "survey_test", "survey test": "survey_test",
    "8": "spam", "spam": "spam",
}  # fmt: skip
QUALTRICS_CHANNELS = {"preview": "survey_preview", "test": "survey_test"}
UNFINISHED = {"0", "false"}
# Qualtrics' NPS group column (`Q2_NPS_GROUP` beside `Q2`): its codes and texts
NPS_GROUPS = {
    "1": "detractor", "detractor": "detractor", "detracteur": "detractor",  # keys: fold_label
    "2": "passive", "passive": "passive", "passif": "passive",
    "3": "promoter", "promoter": "promoter", "promoteur": "promoter",
}  # fmt: skip


class MappingError(Exception):
    """The file does not fit the source's mapping (e.g. a configured column is missing)."""


@dataclass
class MappedFile:
    responses: pl.DataFrame
    rejected: pl.DataFrame
    duplicates: int
    rows_read: int
    # survey-tool test, preview and spam responses (and, if configured, unfinished ones)
    excluded: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=EXCLUDED_SCHEMA))
    # loaded rows where the export contradicts itself (its NPS group vs its NPS answer)
    findings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FINDING_SCHEMA))


def resolve_columns(table: RawTable, source: Source) -> dict[str, str]:
    """Each column the source's mapping names → the file's column it means.

    A name matches a column exactly, else one of the column's other names (a Qualtrics question
    text or short name), else the one column whose name differs only in case, accents or spacing.
    Raise MappingError naming each column not found, its closest match and the columns found.
    """
    needed = [source.columns.response_id, source.columns.submitted_at]
    needed += [c for c in (source.columns.customer_ref, source.columns.customer_email) if c]
    needed += [c for c in source.segments.values() if isinstance(c, str)]
    needed += [q.column for q in source.questions]
    names = {**table.aliases, **{c: c for c in table.columns}}
    folded: dict[str, set[str]] = {}
    for name, column in names.items():
        folded.setdefault(fold_label(name), set()).add(column)
    resolved, missing = {}, []
    for wanted in dict.fromkeys(needed):
        loose = folded.get(fold_label(wanted), set())
        if wanted in names:
            resolved[wanted] = names[wanted]
        elif len(loose) == 1:
            resolved[wanted] = next(iter(loose))
        else:
            missing.append(wanted)
    if missing:
        choices = {fold_label(c): c for c in table.columns}
        lines = []
        for column in missing:
            close = difflib.get_close_matches(fold_label(column), choices, n=1, cutoff=0.5)
            hint = f" (closest: {choices[close[0]]!r})" if close else ""
            lines.append(f"column {column!r} not found{hint}")
        found = ", ".join(repr(c) for c in table.columns)
        raise MappingError(f"{'; '.join(lines)}. Columns found: {found}")
    return resolved


def _text(column: str) -> pl.Expr:
    return pl.when(pl.col(column) != "").then(pl.col(column))


def _date_formats(source: Source) -> tuple[str, ...]:
    """The configured layouts first, then ISO ones (what spreadsheet date cells read as)."""
    if source.date_format in DATE_ORDERS:
        configured = tuple(d + t for d in DATE_ORDERS[source.date_format] for t in TIMES)
    else:
        configured = (source.date_format,) if source.date_format else ()
    return configured + NAIVE_DATE_FORMATS


def _submitted_at(
    frame: pl.DataFrame,
    source: Source,
    settings: Settings,
    table_format: str,
    now: dt.datetime,
    file_zone: str | None = None,
) -> pl.DataFrame:
    """`_utc` (naive UTC timestamp) and `_date_error` for the submitted-at column. Naive times are
    in the zone the export gives (`file_zone`: Qualtrics' ImportId row), else the source's (UTC
    for a column that says so, like Typeform's `Submit Date (UTC)`), else the configured one.

    Layouts are tried one after the other and the loop stops once every value is read, so a
    file in one layout costs one parse."""
    column = source.columns.submitted_at
    zone = file_zone or source.timezone or ("UTC" if "(UTC)" in column else settings.timezone)
    value = frame.get_column(column)
    with_offset = OFFSET_DATE_FORMATS if not source.date_format else ()
    utc = pl.Series(column, [None] * len(value), dtype=pl.Datetime("us"))
    naive = utc
    for layout in [*with_offset, *_date_formats(source), "excel serial"]:
        unread = utc.is_null() & naive.is_null() & (value != "")
        if not unread.any():
            break
        if layout == "excel serial":  # a date cell without date formatting shows its number
            if table_format in SPREADSHEET_FORMATS:
                naive = naive.fill_null(_excel_serial(value))
        elif layout in with_offset:
            parsed = value.str.strptime(pl.Datetime("us", "UTC"), layout, strict=False)
            utc = utc.fill_null(parsed.dt.replace_time_zone(None))
        else:
            naive = naive.fill_null(value.str.strptime(pl.Datetime("us"), layout, strict=False))
    local = naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    utc = utc.fill_null(local.dt.convert_time_zone("UTC").dt.replace_time_zone(None))
    expected = source.date_format or "YYYY-MM-DD HH:MM[:SS] (or set date_format)"
    cells = pl.DataFrame({"v": value, "naive": naive, "local": local, "utc": utc})
    v = pl.col("v")
    error = (
        pl.when(v == "")
        .then(pl.lit(f"submitted-at is empty (column {column!r})"))
        .when(pl.col("naive").is_not_null() & pl.col("utc").is_null())
        .then(pl.format(f"time '{{}}' does not exist in {zone} (clock change)", v))
        .when(pl.col("utc").is_null())
        .then(pl.format(f"cannot read date '{{}}' in column {column!r}; expected {expected}", v))
        .when(pl.col("utc") > now)
        .then(
            pl.format(
                f"date '{{}}' in column {column!r} is in the future (the load ran at "
                f"{now:%Y-%m-%d %H:%M} UTC); check the column's time zone",
                v,
            )
        )
    )
    return cells.select(_utc=pl.col("utc"), _date_error=error)


def _excel_serial(value: pl.Series) -> pl.Series:
    """Excel's day numbers (1900 system, fractions for the time) as timestamps."""
    serial = value.cast(pl.Float64, strict=False)
    milliseconds = (serial * 86_400_000).round().cast(pl.Int64, strict=False)
    stamp = pl.lit(EXCEL_EPOCH) + pl.duration(milliseconds=pl.col("ms"))
    in_range = pl.col("s").is_between(1, 2958465)  # 1900-01-01 … 9999-12-31
    frame = pl.DataFrame({"s": serial, "ms": milliseconds})
    return frame.select(pl.when(in_range).then(stamp).cast(pl.Datetime("us"))).to_series()


def _csat(question: Question, frame: pl.DataFrame) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    column = question.column
    distinct = [v for v in frame.get_column(column).unique().to_list() if v]
    scale = question.scale
    try:
        mapping, expected = csat_mapping(distinct, scale.labels, scale.max, scale.higher_is_better)
    except ScaleDirectionError as exc:
        raise MappingError(f"column {column!r}: {exc}") from None
    points = pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.Int8)
    error = pl.when((pl.col(column) != "") & points.is_null()).then(
        pl.format(
            f"unknown CSAT answer '{{}}' in column {column!r}; expected {expected}", pl.col(column)
        )
    )
    return _text(column), points, error


def _number(question: Question, frame: pl.DataFrame, integer: bool) -> tuple[pl.Expr, pl.Expr]:
    """(value, error) for a numeric answer that must lie within the question's scale."""
    column, scale = question.column, question.scale
    distinct = [v for v in frame.get_column(column).unique().to_list() if v]
    labels = {fold_label(k): v for k, v in scale.labels.items()} if scale.custom_labels else {}
    numbers = {v: _as_float(labels.get(fold_label(v), parse_number(v))) for v in distinct}
    valid = {
        v: n
        for v, n in numbers.items()
        if n is not None and scale.min <= n <= scale.max and (n.is_integer() or not integer)
    }
    value = pl.col(column).replace_strict(valid, default=None, return_dtype=pl.Float64)
    kind = "whole number" if integer else "number"
    if labels:
        kind += f" or one of {', '.join(scale.labels)}"
    label = question.metric.upper()
    error = pl.when((pl.col(column) != "") & value.is_null()).then(
        pl.format(
            f"{label} answer '{{}}' in column {column!r} is not a {kind} "
            f"from {scale.min} to {scale.max}",
            pl.col(column),
        )
    )
    return value, error


def _as_float(number: float | None) -> float | None:
    return None if number is None else float(number)


def _segment(mapping: str | Constant) -> pl.Expr:
    return pl.lit(mapping.value) if isinstance(mapping, Constant) else _text(mapping)


def _cells(table: RawTable, columns: dict[str, str], scored: list[Question]) -> pl.DataFrame:
    """The mapped columns under their configured names, with "N/A"-like answers to the scored
    questions blanked (no answer, never 0), plus the reader's columns and each row's position."""
    frame = table.frame.select(
        *[pl.col(actual).str.strip_chars().alias(name) for name, actual in columns.items()],
        ROW,
        PROBLEM,
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_index"),
    )
    blanked = []
    for question in scored:
        name, scale = question.column, question.scale
        labels = {fold_label(k) for k in scale.labels} if scale.custom_labels else set()
        distinct = frame.get_column(name).unique().to_list()
        no_answer = [v for v in distinct if v and is_no_answer(v) and fold_label(v) not in labels]
        if no_answer:
            blanked.append(pl.col(name).replace(no_answer, ""))
    return frame.with_columns(blanked) if blanked else frame


def _file_column(table: RawTable, *names: str) -> str | None:
    """The file's column called one of `names` (or having it as its question text), compared
    without case, accents or spacing; None if there is none."""
    wanted = {fold_label(n) for n in names}
    found = [c for c in table.columns if fold_label(c) in wanted]
    found += [c for alias, c in table.aliases.items() if fold_label(alias) in wanted]
    return found[0] if found else None


def _exclusions(table: RawTable, source: Source) -> pl.DataFrame | None:
    """Per row of a Qualtrics export: `_excluded`, why it is not a customer's response (a survey
    preview or test, spam, or unfinished when the source excludes those; null for a response),
    and `_excluded_detail`, the cell that says so. None for other layouts."""
    if table.format != "qualtrics":
        return None
    tests: list[tuple[str, dict[str, str]]] = []
    if status := _file_column(table, "Status", "Response Type"):
        tests.append((status, QUALTRICS_STATUS))
    if channel := _file_column(table, "DistributionChannel", "Distribution Channel"):
        tests.append((channel, QUALTRICS_CHANNELS))
    if source.unfinished == "exclude" and (finished := _file_column(table, "Finished")):
        tests.append((finished, dict.fromkeys(UNFINISHED, "unfinished")))
    if not tests:
        return None
    reasons = [
        pl.col(column).str.strip_chars().str.to_lowercase().replace_strict(codes, default=None)
        for column, codes in tests
    ]
    details = [
        pl.when(reason.is_not_null()).then(pl.format(f"{column} = {{}}", pl.col(column)))
        for (column, _), reason in zip(tests, reasons, strict=True)
    ]
    return table.frame.select(_excluded=pl.coalesce(reasons), _excluded_detail=pl.coalesce(details))


def _time_zone(table: RawTable, column: str, actual: str, source: Source) -> str | None:
    """The time zone the export gives its submitted-at column (Qualtrics: `timeZone` in the
    ImportId header row), checked against the source's; None when the export says nothing."""
    declared = table.import_ids.get(actual, {}).get("timeZone")
    if not declared:
        return None
    zone = "UTC" if declared.upper() in {"Z", "UTC", "GMT", "ETC/UTC"} else declared
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise MappingError(
            f"column {column!r}: the export gives its times the zone {declared!r} (ImportId "
            "header row), which is not an IANA time zone; set the source's timezone and fix "
            "the export's"
        ) from None
    if source.timezone and source.timezone != zone:
        raise MappingError(
            f"column {column!r}: the export says its times are in {zone} (ImportId header "
            f"row), but the source's timezone is {source.timezone}; remove the source's "
            "timezone to use the export's, or correct it"
        )
    return zone


def _nps_group_findings(
    table: RawTable, source: Source, actual: str, kept: pl.DataFrame, nps: pl.Expr, file_name: str
) -> pl.DataFrame:
    """Loaded rows whose Qualtrics NPS group (`Q2_NPS_GROUP` beside `Q2`) disagrees with the
    category of their NPS answer: the export contradicts itself. Our category (0-6, 7-8, 9-10)
    is the one used; the row is a data-quality finding."""
    group_column = _file_column(table, f"{actual}_NPS_GROUP")
    if group_column is None or kept.is_empty():
        return pl.DataFrame(schema=FINDING_SCHEMA)
    said = table.frame.get_column(group_column).gather(kept.get_column("_index"))
    distinct = [v for v in said.unique().to_list() if v and v.strip()]
    folded = {v: NPS_GROUPS.get(fold_label(v), "unknown") for v in distinct}
    theirs = pl.col("said").replace_strict(folded, default=None, return_dtype=pl.String)
    ours = pl.when(pl.col("nps") >= 9).then(pl.lit("promoter"))
    ours = ours.when(pl.col("nps") >= 7).then(pl.lit("passive")).otherwise(pl.lit("detractor"))
    checked = kept.select(ROW, pl.col(source.columns.response_id).alias("id"), nps=nps)
    checked = checked.with_columns(said=said).with_columns(theirs=theirs, ours=ours)
    wrong = checked.filter(
        pl.col("nps").is_not_null()
        & pl.col("theirs").is_not_null()  # an empty group cell says nothing
        & (pl.col("theirs") != pl.col("ours"))
    )
    return warehouse.conform(
        wrong.select(
            file_name=pl.lit(file_name),
            source=pl.lit(source.name),
            row_number=ROW,
            response_id="id",
            column_name=pl.lit(group_column),
            finding=pl.when(pl.col("theirs") == "unknown")
            .then(pl.lit("nps_group_unknown"))
            .otherwise(pl.lit("nps_group_disagrees")),
            detail=pl.when(pl.col("theirs") == "unknown")
            .then(
                pl.format(
                    f"{group_column} says '{{}}', not a group (1-3, Detractor, Passive, Promoter)",
                    "said",
                )
            )
            .otherwise(
                pl.format(
                    f"{group_column} says '{{}}', but the NPS answer {{}} makes a {{}}",
                    "said",
                    pl.col("nps").cast(pl.Int64),
                    "ours",
                )
            ),
        ),
        FINDING_SCHEMA,
    )


def map_file(
    table: RawTable,
    source: Source,
    settings: Settings,
    file_name: str,
    now: dt.datetime | None = None,
) -> MappedFile:
    """Map one read file to responses / rejected rows / in-file duplicates.

    `now` (UTC, naive) is when the load runs: a later submission date is rejected.
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if not table.columns:  # no header: an empty export, or JSON lines none of them an object
        bad = table.frame.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_index"),
            ROW,
            _reason=pl.col(PROBLEM).fill_null("row has no cells"),
            _column=pl.lit(None, pl.String),
        )
        rejected = _rejected(bad, table, source, file_name)
        return MappedFile(pl.DataFrame(schema=RESPONSE_SCHEMA), rejected, 0, bad.height)
    columns = resolve_columns(table, source)
    scored = [q for q in source.questions if q.metric != "comment"]
    frame = _cells(table, columns, scored)
    rows_read = frame.height

    id_column = source.columns.response_id
    excluded = pl.DataFrame(schema=EXCLUDED_SCHEMA)
    if (exclusions := _exclusions(table, source)) is not None:
        frame = frame.hstack(exclusions)
        excluded = warehouse.conform(
            frame.filter(pl.col("_excluded").is_not_null()).select(
                file_name=pl.lit(file_name),
                source=pl.lit(source.name),
                row_number=ROW,
                response_id=_text(id_column),
                reason="_excluded",
                detail="_excluded_detail",
            ),
            EXCLUDED_SCHEMA,
        )
        frame = frame.filter(pl.col("_excluded").is_null()).drop("_excluded", "_excluded_detail")
    date_column = source.columns.submitted_at
    zone = _time_zone(table, date_column, columns[date_column], source)
    frame = frame.hstack(_submitted_at(frame, source, settings, table.format, now, zone))
    errors = [
        pl.col(PROBLEM),
        pl.when(pl.col(id_column) == "").then(
            pl.lit(f"response id is empty (column {id_column!r})")
        ),
        pl.col("_date_error"),
    ]
    error_columns = [None, id_column, source.columns.submitted_at]
    values: dict[str, pl.Expr] = {}

    if question := source.question("csat"):
        values["csat_answer"], values["csat"], error = _csat(question, frame)
        values["csat_scale"] = pl.lit(question.scale.label)
        errors.append(error)
        error_columns.append(question.column)
    if question := source.question("nps"):
        values["nps"], error = _number(question, frame, integer=True)
        values["nps_scale"] = pl.lit(question.scale.label)
        errors.append(error)
        error_columns.append(question.column)
    if question := source.question("ces"):
        values["ces_answer"], error = _number(question, frame, integer=False)
        scale = question.scale
        higher_is_better = scale.higher_is_better is not False  # CES: higher unless declared
        values["ces"] = orient(values["ces_answer"], scale.min, scale.max, higher_is_better)
        values["ces_scale"] = pl.lit(scale.label)
        values["ces_version"] = pl.lit(scale.ces_version)
        errors.append(error)
        error_columns.append(question.column)
    comments = [_text(q.column) for q in source.questions if q.metric == "comment"]
    if len(comments) == 1:  # most sources: no copy of what is often the longest column
        values["comment"] = comments[0]
    elif comments:
        values["comment"] = pl.concat_str(comments, separator="\n\n", ignore_nulls=True)

    answered = [pl.col(q.column) != "" for q in source.questions]
    question_columns = ", ".join(q.column for q in source.questions)
    invitations = source.invitations == "unanswered_rows"
    if not invitations:  # a row without answers is a mistake, unless the export lists invitations
        errors.append(
            pl.when(~pl.any_horizontal(answered)).then(
                pl.lit(f"no answer in any question column ({question_columns})")
            )
        )
        error_columns.append(None)

    # each check evaluated once, into its own column, then summed up per row
    names = [f"_error_{i}" for i in range(len(errors))]
    checked = (
        frame.with_columns(e.alias(n) for e, n in zip(errors, names, strict=True))
        .with_columns(
            _reason=pl.concat_str(names, separator=" | ", ignore_nulls=True),
            _column=pl.coalesce(
                pl.when(pl.col(n).is_not_null()).then(pl.lit(c))
                for n, c in zip(names, error_columns, strict=True)
                if c
            ),
        )
        .drop(names)
    )
    checked = checked.with_columns(_valid=pl.col("_reason") == "")
    if invitations:  # an invitation nobody answered: counted for the response rate
        unanswered = pl.col("_valid") & ~pl.any_horizontal(answered)
        excluded = pl.concat(
            [excluded, _unanswered(checked.filter(unanswered), source, file_name, settings)]
        )
        checked = checked.filter(~unanswered)
    valid = pl.col("_valid")
    valid_id = pl.when(valid).then(pl.col(id_column))  # null for invalid rows: never a match
    if source.duplicates == "keep_latest":
        kept = valid & valid_id.is_last_distinct()
    else:
        kept = valid & valid_id.is_first_distinct()
    checked = checked.with_columns(_kept=kept)
    bad = checked.filter(~pl.col("_valid")).select("_index", ROW, "_reason", "_column")
    unique = checked.filter(pl.col("_kept"))
    duplicates = int(checked.get_column("_valid").sum()) - unique.height

    fields: dict[str, pl.Expr | None] = {
        "response_key": pl.lit(f"{source.name}:") + pl.col(id_column),
        "source": pl.lit(source.name),
        "response_id": pl.col(id_column),
        "submitted_at": pl.col("_utc"),
        "customer_ref": _text(c) if (c := source.columns.customer_ref) else None,
        "customer_email": _text(c) if (c := source.columns.customer_email) else None,
        **{d: _segment(source.segments[d]) for d in SEGMENT_DIMENSIONS if d in source.segments},
        "extra_segments": _extra_segments(source),
        **values,
        "file_name": pl.lit(file_name),
        "file_row": pl.col(ROW),
    }
    responses = unique.select(
        **{name: expr for name, expr in fields.items() if expr is not None}
    ).with_columns(week=_week_of(pl.col("submitted_at"), settings.timezone))

    findings = pl.DataFrame(schema=FINDING_SCHEMA)
    if question := source.question("nps"):
        actual = columns[question.column]
        findings = _nps_group_findings(table, source, actual, unique, values["nps"], file_name)
    return MappedFile(
        responses=warehouse.conform(responses, RESPONSE_SCHEMA),
        rejected=_rejected(bad, table, source, file_name),
        duplicates=duplicates,
        rows_read=rows_read,
        excluded=excluded,
        findings=findings,
    )


def _unanswered(
    rows: pl.DataFrame, source: Source, file_name: str, settings: Settings
) -> pl.DataFrame:
    """EXCLUDED_SCHEMA rows for invitations nobody answered, with the week they were sent."""
    return warehouse.conform(
        rows.select(
            file_name=pl.lit(file_name),
            source=pl.lit(source.name),
            row_number=ROW,
            response_id=pl.col(source.columns.response_id),
            reason=pl.lit("unanswered"),
            detail=pl.lit("no answer: an invitation nobody answered"),
            week=_week_of(pl.col("_utc"), settings.timezone),
        ),
        EXCLUDED_SCHEMA,
    )


def _extra_segments(source: Source) -> pl.Expr | None:
    extra = {k: v for k, v in source.segments.items() if k not in SEGMENT_DIMENSIONS}
    if not extra:
        return None
    return pl.struct(**{k: _segment(v) for k, v in extra.items()}).struct.json_encode()


def _week_of(utc: pl.Expr, timezone: str) -> pl.Expr:
    """The Monday (local date) of the week a UTC timestamp falls in."""
    local_day = utc.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.date()
    return local_day - pl.duration(days=local_day.dt.weekday() - 1)


def _rejected(bad: pl.DataFrame, table: RawTable, source: Source, file_name: str) -> pl.DataFrame:
    """Rejected rows with their whole raw content: every column as read, and what did not fit."""
    raw = table.frame.select(pl.all().gather(bad.get_column("_index")))
    names = table.columns
    records = []
    for row in raw.select(*names, EXTRA).iter_rows():
        record = dict(zip(names, row[:-1], strict=True))
        if row[-1] is not None:
            record[EXTRA] = row[-1]
        records.append(json.dumps(record, ensure_ascii=False))
    frame = bad.select(
        file_name=pl.lit(file_name),
        source=pl.lit(source.name),
        row_number=pl.col(ROW),
        column_name=pl.col("_column"),
        reason=pl.col("_reason"),
    ).with_columns(raw_record=pl.Series(records, dtype=pl.String))
    return warehouse.conform(frame, REJECT_SCHEMA)


def matching_files(inbox: Path, source: Source) -> list[Path]:
    """The inbox files for a source, sorted by name so that loading order is reproducible."""
    return sorted(p for p in inbox.glob(source.pattern) if p.is_file())


FILE_SCHEMA: dict[str, pl.DataType] = {
    "file_name": pl.String(),
    "file_sha256": pl.String(),
    "source": pl.String(),
    "format": pl.String(),
    "encoding": pl.String(),
    "delimiter": pl.String(),
    "size_bytes": pl.Int64(),
    "rows_read": pl.Int32(),
    "rows_loaded": pl.Int32(),
    "rows_rejected": pl.Int32(),
    "rows_duplicate": pl.Int32(),
    "ingested_at": pl.Datetime("us"),
    "status": pl.String(),
    "detail": pl.String(),
    "rows_replaced": pl.Int32(),
    "rows_excluded": pl.Int32(),
}


class IngestError(Exception):
    """The inbox cannot be loaded at all (e.g. it does not exist); nothing was written."""


@dataclass
class InboxSummary:
    """What one pass over the inbox did; `files` has one row per file met (FILE_SCHEMA) except
    those unchanged since they were loaded, which are listed in `skipped`."""

    files: pl.DataFrame
    skipped: list[str]
    unmatched: list[str]
    rejected_reasons: dict[str, int]
    new_by_week: dict[dt.date, int]  # responses loaded by this pass, per week
    unsettled: list[str] = field(default_factory=list)  # still being written: left for later
    excluded_reasons: dict[str, int] = field(default_factory=dict)  # survey_test: 3, …
    findings: dict[str, int] = field(default_factory=dict)  # nps_group_disagrees: 2

    @property
    def failed(self) -> dict[str, str]:
        """File name → why it could not be read, for the files that failed in this pass."""
        failed = self.files.filter(pl.col("status") == "failed")
        return dict(failed.select("file_name", "detail").iter_rows())


@dataclass
class FileRead:
    """One inbox file as read in the first pass, before anything is written."""

    name: str
    digest: str
    size: int
    source: Source
    result: MappedFile | None = None
    status: str = "loaded"  # loaded | failed | duplicate_file
    detail: str | None = None
    rows_read: int = 0
    # what the reader found (the table itself is dropped once mapped, to keep memory down)
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


def read_inbox_file(
    name: str,
    data: bytes,
    source: Source,
    settings: Settings,
    now: dt.datetime,
    digest: str | None = None,
) -> FileRead:
    """Read and map one file; a file that cannot be read becomes a failed record, not an error."""
    read = FileRead(name, digest or hashlib.sha256(data).hexdigest(), len(data), source)
    try:
        table = read_export(data, Path(name).suffix, source)
        read.format, read.encoding, read.delimiter = table.format, table.encoding, table.delimiter
        read.result = map_file(table, source, settings, name, now)
        read.rows_read = read.result.rows_read
    except (ReadError, MappingError) as exc:
        read.status, read.detail = "failed", str(exc)
    except Exception as exc:  # a bug or an input we did not foresee: lose this file, not the run
        read.status = "failed"
        read.detail = f"unexpected error while reading ({type(exc).__name__}: {exc}); please report"
    return read


@dataclass
class InboxRead:
    """The first pass over the inbox: every file read and mapped, nothing written yet."""

    reads: list[FileRead]  # files to record (new, changed, failed, copies)
    skipped: list[str]  # loaded before and unchanged
    unmatched: list[str]  # matched by no source pattern
    unsettled: list[str] = field(default_factory=list)  # changed after `settled_before`


def read_inbox(
    settings: Settings,
    inbox: Path,
    now: dt.datetime,
    known: pl.DataFrame | None = None,
    settled_before: float | None = None,
) -> InboxRead:
    """Read every export of the inbox against its source; `known` (file_name, file_sha256,
    rows_read) are the files loaded before, to skip them and to recognise their copies. With
    `settled_before` (epoch seconds), a file modified later is left alone, unrecorded, for the
    next pass: it may still be being copied in, and its half would be loaded for good."""
    if not inbox.is_dir():
        raise IngestError(
            f"the inbox folder {inbox} does not exist (set --inbox or SATISFACTION_INBOX)"
        )
    known_rows = list(known.iter_rows()) if known is not None else []
    loaded = {(name, digest) for name, digest, _ in known_rows}
    by_digest = {digest: (name, count) for name, digest, count in known_rows}
    claimed: dict[str, str] = {}
    reads: list[FileRead] = []
    skipped: list[str] = []
    unsettled: list[str] = []
    for source in settings.sources:
        for path in matching_files(inbox, source):
            name = path.relative_to(inbox).as_posix()
            if settled_before is not None and path.stat().st_mtime > settled_before:
                claimed.setdefault(name, source.name)
                unsettled.append(name)
                continue
            data = path.read_bytes()  # read once: the hash and the rows are of the same bytes
            digest = hashlib.sha256(data).hexdigest()
            if name in claimed:  # one record per file: the first source's, now failed
                first = next((r for r in reads if r.name == name), None)
                if first is not None:
                    first.status, first.result, first.rows_read = "failed", None, 0
                    first.detail = (
                        f"matches the patterns of sources {claimed[name]!r} and "
                        f"{source.name!r}; make the patterns exclusive"
                    )
                continue
            claimed[name] = source.name
            if (name, digest) in loaded:
                skipped.append(name)
                continue
            if digest in by_digest:
                original, count = by_digest[digest]
                read = FileRead(name, digest, len(data), source, status="duplicate_file")
                read.detail, read.rows_read = f"same content as {original}", count
                reads.append(read)
                continue
            read = read_inbox_file(name, data, source, settings, now, digest)
            if read.status == "loaded":
                by_digest[digest] = (name, read.rows_read)
            reads.append(read)
    unmatched = sorted(
        p.relative_to(inbox).as_posix()
        for p in inbox.rglob("*")
        if p.is_file() and p.relative_to(inbox).as_posix() not in claimed
    )
    return InboxRead(reads, skipped, unmatched, unsettled)


def ingest_inbox(
    conn: duckdb.DuckDBPyConnection,
    settings: Settings,
    inbox: Path,
    now: dt.datetime,
    settled_before: float | None = None,
) -> InboxSummary:
    """Load every new or changed export of the inbox into raw.responses, in one transaction.

    A file is known by (name, content hash): an unchanged file is skipped, a changed one is read
    again and the responses it shares with earlier files count as duplicates (or replace them,
    for a source with `duplicates: keep_latest`). A copy of a loaded file under another name is
    recorded as a duplicate file without being read. A file that cannot be read (undecodable,
    a configured column missing) is recorded as failed with the reason, and tried again next run.
    """
    known = warehouse.query(conn, "ingest/known_files")
    inbox_read = read_inbox(settings, inbox, now, known, settled_before)
    reads = inbox_read.reads
    file_rows, reasons, weeks = [], Counter(), Counter()
    excluded, findings = Counter(), Counter()
    with warehouse.transaction(conn):
        for read in reads:
            counts = _store(conn, read) if read.result else {}
            if read.result:
                reasons.update(_reason_kinds(read.result.rejected))
                excluded.update(read.result.excluded.get_column("reason").to_list())
                findings.update(counts.pop("findings"))
                weeks.update(counts.pop("weeks"))
            file_rows.append(
                {
                    "file_name": read.name,
                    "file_sha256": read.digest,
                    "source": read.source.name,
                    "format": read.format or read.source.format,
                    "encoding": read.encoding,
                    "delimiter": read.delimiter,
                    "size_bytes": read.size,
                    "rows_read": read.rows_read,
                    "rows_loaded": counts.get("loaded", 0),
                    "rows_rejected": counts.get("rejected", 0),
                    "rows_duplicate": counts.get("duplicate", read.rows_read),
                    "rows_replaced": counts.get("replaced", 0),
                    "rows_excluded": counts.get("excluded", 0),
                    "ingested_at": now,
                    "status": read.status,
                    "detail": read.detail,
                }
            )
        files = pl.DataFrame(file_rows, schema=FILE_SCHEMA)
        warehouse.execute(conn, "ingest/insert_file", new_file=files)
    return InboxSummary(
        files,
        inbox_read.skipped,
        inbox_read.unmatched,
        dict(reasons.most_common()),
        dict(sorted(weeks.items())),
        inbox_read.unsettled,
        dict(excluded.most_common()),
        dict(findings.most_common()),
    )


# Columns that make two versions of a response different (not where they were read from).
_CONTENT = [c for c in RESPONSE_SCHEMA if c not in {"file_name", "file_row"}]


def _store(conn: duckdb.DuckDBPyConnection, read: FileRead) -> dict:
    """Write one mapped file's new responses and rejected rows; return its counts."""
    result = read.result
    responses = result.responses
    stored = warehouse.query(conn, "ingest/existing_keys", new_responses=responses)
    fresh = responses.join(stored, on="response_key", how="anti")
    newer = pl.DataFrame(schema=RESPONSE_SCHEMA)
    if read.source.duplicates == "keep_latest" and not stored.is_empty():
        again = responses.join(stored.select("response_key"), on="response_key", how="semi")
        same = again.select(_CONTENT).join(
            stored.select(_CONTENT), on=_CONTENT, how="semi", nulls_equal=True
        )
        newer = again.join(same.select("response_key"), on="response_key", how="anti")
        warehouse.execute(conn, "ingest/replace_responses", newer_versions=newer)
    rejected = result.rejected.with_columns(file_sha256=pl.lit(read.digest))
    warehouse.execute(conn, "ingest/insert_raw_responses", new_responses=fresh)
    warehouse.execute(conn, "ingest/insert_rejected_rows", new_rejected=rejected)
    digest = pl.lit(read.digest)
    warehouse.execute(
        conn,
        "ingest/insert_excluded_rows",
        new_excluded=result.excluded.with_columns(file_sha256=digest),
    )
    # a finding is a response's: recorded when the response is stored, not at every re-read
    stored_now = pl.concat([fresh.select("response_id"), newer.select("response_id")])
    findings = result.findings.join(stored_now, on="response_id", how="semi")
    warehouse.execute(
        conn, "ingest/insert_findings", new_findings=findings.with_columns(file_sha256=digest)
    )
    return {
        "findings": findings.get_column("finding").to_list(),
        "excluded": result.excluded.height,
        "loaded": fresh.height + newer.height,
        "rejected": rejected.height,
        # counted, not derived, so that the accounting check can catch a lost row
        "duplicate": result.duplicates + responses.height - fresh.height - newer.height,
        "replaced": newer.height,
        "weeks": [
            *fresh.get_column("week").to_list(),
            *newer.get_column("week").to_list(),
            # a replaced response may have moved week: its old week must be rebuilt too
            *stored.join(newer.select("response_key"), on="response_key", how="semi")
            .get_column("week")
            .to_list(),
        ],
    }


def _reason_kinds(rejected: pl.DataFrame) -> Counter:
    """Rejection reasons with the offending values blanked, so that alike reasons count together."""
    kinds = Counter()
    for reason in rejected.get_column("reason").to_list():
        for part in reason.split(" | "):
            kinds[re.sub(r"'[^']*'(?= in column| does not| is not)", "…", part, count=1)] += 1
    return kinds
