"""Map one read export to normalised responses, per its source's mapping in `satisfaction.yaml`.

Nothing is lost: every data row of the file becomes exactly one of
- a response (answers normalised on their scales, week assigned),
- a rejected row with the column, the value and what was expected,
- an excluded row (a survey tool's test, preview or spam; `ingest.qualtrics`), or
- a duplicate (the same response id seen earlier in this file).
A file that does not fit the mapping at all (a configured column missing) raises MappingError.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import zoneinfo
from dataclasses import dataclass, field

import polars as pl

from satisfaction_pipeline import warehouse
from satisfaction_pipeline.config.settings import (
    SEGMENT_DIMENSIONS,
    Constant,
    Question,
    Settings,
    Source,
)
from satisfaction_pipeline.ingest.dates import (
    submitted_at,
)
from satisfaction_pipeline.ingest.qualtrics import (
    FINDING_SCHEMA,
    exclusion_reasons,
    nps_group_findings,
)
from satisfaction_pipeline.ingest.readers import (
    EXTRA,
    PROBLEM,
    ROW,
    RawTable,
)
from satisfaction_pipeline.ingest.scales import (
    ScaleDirectionError,
    csat_mapping,
    fold_label,
    is_no_answer,
    orient,
    parse_number,
)

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


ITEM_SCHEMA: dict[str, pl.DataType] = {
    "response_key": pl.String(),
    "source": pl.String(),
    "question": pl.String(),  # the item's id
    "label": pl.String(),
    "metric": pl.String(),
    "scale": pl.String(),
    "value": pl.Float64(),  # CSAT points, NPS 0-10, CES turned so that higher is easier
}

ANSWER_REJECT_SCHEMA: dict[str, pl.DataType] = {
    "file_name": pl.String(),
    "source": pl.String(),
    "row_number": pl.Int32(),
    "response_id": pl.String(),
    "column_name": pl.String(),
    "value": pl.String(),
    "reason": pl.String(),
}

DUPLICATE_SCHEMA: dict[str, pl.DataType] = {
    "file_name": pl.String(),
    "source": pl.String(),
    "row_number": pl.Int32(),
    "response_id": pl.String(),
    "kept_file": pl.String(),
    "kept_row": pl.Int32(),
    "differs": pl.Boolean(),  # its answers differ from the kept row's
}

CONTENT_ID = "_content_id"  # the id of a row of a source without a response id column


def _id_content(table: RawTable, columns: dict[str, str], source: Source) -> pl.Series:
    """What a row without a response id is known by: its date and answers as written in the
    export (before any "no answer" word is blanked), in the order of their column names, so that
    reordering the configuration's questions or adding a segment or a no-answer word keeps the
    ids. Adding or removing a question, or renaming a column, changes them."""
    names = sorted({source.columns.submitted_at, *(q.column for q in source.questions)})
    cells = [pl.col(columns[n]).fill_null("").str.strip_chars() for n in names]
    return table.frame.select(pl.concat_str(cells, separator="\x1f")).to_series()


def content_ids(content: pl.Series) -> pl.Series:
    """Ids for the rows of an export without a response id: a hash of each row's mapped cells,
    and, for the second and later rows of identical content in the file, their rank
    (`3f9c…-2`). Stable across re-exports, so an overlapping export's rows are known again; two
    identical answers in one file stay two responses. The trade-off (docs/ingestion.md): a row
    edited in a later export (a comment added) is a new response there."""
    digests = pl.Series(
        [hashlib.sha256(text.encode("utf-8")).hexdigest()[:20] for text in content.to_list()],
        dtype=pl.String,
    )
    rank = pl.int_range(pl.len()).over("digest") + 1
    return (
        pl.DataFrame({"digest": digests})
        .select(
            pl.when(rank == 1)
            .then(pl.col("digest"))
            .otherwise(pl.col("digest") + "-" + rank.cast(pl.String))
        )
        .to_series()
    )


class MappingError(Exception):
    """The file does not fit the source's mapping (e.g. a configured column is missing)."""


@dataclass
class MappedFile:
    responses: pl.DataFrame
    rejected: pl.DataFrame
    duplicates: int
    rows_read: int
    # the answers to a battery's other questions, one row each (ITEM_SCHEMA)
    items: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ITEM_SCHEMA))
    # unusable answers of loaded rows, one row each (ANSWER_REJECT_SCHEMA)
    rejected_answers: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=ANSWER_REJECT_SCHEMA)
    )
    # the duplicates row by row, each with the row kept (DUPLICATE_SCHEMA)
    duplicate_rows: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=DUPLICATE_SCHEMA)
    )
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
    needed = [c for c in (source.columns.response_id, source.columns.submitted_at) if c]
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


def _cells(table: RawTable, columns: dict[str, str], source: Source) -> pl.DataFrame:
    """The mapped columns under their configured names, with "N/A"-like answers to the scored
    questions blanked (no answer, never 0) — the built-in words and the source's and question's
    own `no_answer` —, plus the reader's columns and each row's position."""
    frame = table.frame.select(
        # first: after the cells (in the reader's chunks), this one-chunk column made Polars
        # copy every cell into one chunk at the next step
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_index"),
        *[pl.col(actual).str.strip_chars().alias(name) for name, actual in columns.items()],
        ROW,
        PROBLEM,
    )
    blanked = []
    for question in source.questions:
        if question.metric == "comment":
            continue
        name, scale = question.column, question.scale
        labels = {fold_label(k) for k in scale.labels} if scale.custom_labels else set()
        own = frozenset(fold_label(w) for w in [*source.no_answer, *question.no_answer])
        distinct = frame.get_column(name).unique().to_list()
        no_answer = [
            v for v in distinct if v and is_no_answer(v, own) and fold_label(v) not in labels
        ]
        if no_answer:
            blanked.append(pl.col(name).replace(no_answer, ""))
    return frame.with_columns(blanked) if blanked else frame


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
    frame = _cells(table, columns, source)
    rows_read = frame.height
    if not source.columns.response_id:
        frame = frame.with_columns(
            content_ids(_id_content(table, columns, source)).alias(CONTENT_ID)
        )
    id_column = source.columns.response_id or CONTENT_ID
    excluded = pl.DataFrame(schema=EXCLUDED_SCHEMA)
    if (exclusions := exclusion_reasons(table, source)) is not None:
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
    frame = frame.hstack(submitted_at(frame, source, settings, table.format, now, zone))
    # a row's own problems reject it; an unusable answer is set aside alone (rejected_answers),
    # the row keeping its other answers and comment, unless nothing usable is left
    row_errors = [
        (pl.col(PROBLEM), None),
        (
            pl.when(pl.col(id_column) == "").then(
                pl.lit(f"response id is empty (column {id_column!r})")
            ),
            source.columns.response_id,
        ),
        (pl.col("_date_error"), source.columns.submitted_at),
    ]
    answer_errors: list[tuple[pl.Expr, str]] = []
    values: dict[str, pl.Expr] = {}

    if question := source.question("csat"):
        values["csat_answer"], values["csat"], error = _csat(question, frame)
        values["csat_scale"] = pl.lit(question.scale.label)
        answer_errors.append((error, question.column))
    if question := source.question("nps"):
        values["nps"], error = _number(question, frame, integer=True)
        values["nps_scale"] = pl.lit(question.scale.label)
        answer_errors.append((error, question.column))
    if question := source.question("ces"):
        values["ces_answer"], error = _number(question, frame, integer=False)
        scale = question.scale
        higher_is_better = scale.higher_is_better is not False  # CES: higher unless declared
        values["ces"] = orient(values["ces_answer"], scale.min, scale.max, higher_is_better)
        values["ces_scale"] = pl.lit(scale.label)
        values["ces_version"] = pl.lit(scale.ces_version)
        answer_errors.append((error, question.column))
    comments = [_text(q.column) for q in source.questions if q.metric == "comment"]
    if len(comments) == 1:  # most sources: no copy of what is often the longest column
        values["comment"] = comments[0]
    elif comments:  # joined: "" when all are empty, which is no comment
        joined = pl.concat_str(comments, separator="\n\n", ignore_nulls=True)
        values["comment"] = pl.when(joined != "").then(joined)
    items = []  # the battery's other questions: (question, its value)
    for item in source.items():
        value, error = _item(item, frame)
        answer_errors.append((error, item.column))
        items.append((item, value))
    usable = [values[k].is_not_null() for k in ("csat", "nps", "ces", "comment") if k in values]
    usable += [value.is_not_null() for _, value in items]

    answered = [pl.col(q.column) != "" for q in source.questions]
    question_columns = ", ".join(q.column for q in source.questions)
    invitations = source.invitations == "unanswered_rows"

    # each check evaluated once, into its own column, then summed up per row
    row_names = [f"_row_error_{i}" for i in range(len(row_errors))]
    answer_names = [f"_answer_error_{i}" for i in range(len(answer_errors))]
    checks = [
        *zip(row_names, row_errors, strict=True),
        *zip(answer_names, answer_errors, strict=True),
    ]
    row_reason = pl.concat_str(row_names, separator=" | ", ignore_nulls=True)
    answer_reason = (  # a source of comments only has no answer to fail
        pl.concat_str(answer_names, separator=" | ", ignore_nulls=True)
        if answer_names
        else pl.lit("")
    )
    unusable = ~pl.any_horizontal(usable)
    nothing = pl.lit(f"no answer in any question column ({question_columns})")
    checked = frame.with_columns(e.alias(n) for n, (e, _) in checks).with_columns(
        _reason=pl.when(row_reason != "")
        .then(row_reason)
        .when(unusable & (answer_reason != ""))
        .then(answer_reason)
        .when(unusable & ~pl.any_horizontal(answered) & (not invitations))
        .then(nothing)
        .otherwise(pl.lit("")),
        _column=pl.coalesce(
            pl.when(pl.col(n).is_not_null()).then(pl.lit(c)) for n, (_, c) in checks if c
        ),
    )
    checked = checked.with_columns(_valid=pl.col("_reason") == "")
    if invitations:  # an invitation nobody answered: counted for the response rate
        unanswered = pl.col("_valid") & ~pl.any_horizontal(answered)
        unanswered_rows = checked.filter(unanswered)
        excluded = pl.concat(
            [excluded, _unanswered(unanswered_rows, id_column, source, file_name, settings)]
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
    # lazy: each output below copies the kept rows of only the columns it reads (checked holds
    # every cell and check of the file, a copy of which was a third of a big file's mapping)
    unique = checked.lazy().filter(pl.col("_kept"))
    duplicates = int(checked.get_column("_valid").sum() - checked.get_column("_kept").sum())
    duplicate_rows = _in_file_duplicates(checked, list(columns), id_column, source, file_name)
    rejected_answers = _rejected_answers(
        unique, answer_names, answer_errors, id_column, source, file_name
    )

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
    responses = warehouse.conform(
        unique.select(
            **{name: expr for name, expr in fields.items() if expr is not None}
        ).with_columns(week=_week_of(pl.col("submitted_at"), settings.timezone)),
        RESPONSE_SCHEMA,
    ).collect()  # in one plan: conforming a collected frame copied all its columns again

    findings = pl.DataFrame(schema=FINDING_SCHEMA)
    if question := source.question("nps"):
        actual = columns[question.column]
        findings = nps_group_findings(
            table, source, actual, unique, values["nps"], file_name, id_column
        )
    return MappedFile(
        items=_item_answers(unique, items, id_column, source),
        responses=responses,
        rejected=_rejected(bad, table, source, file_name),
        duplicates=duplicates,
        duplicate_rows=duplicate_rows,
        rejected_answers=rejected_answers,
        rows_read=rows_read,
        excluded=excluded,
        findings=findings,
    )


def _unanswered(
    rows: pl.DataFrame, id_column: str, source: Source, file_name: str, settings: Settings
) -> pl.DataFrame:
    """EXCLUDED_SCHEMA rows for invitations nobody answered, with the week they were sent."""
    return warehouse.conform(
        rows.select(
            file_name=pl.lit(file_name),
            source=pl.lit(source.name),
            row_number=ROW,
            response_id=pl.col(id_column),
            reason=pl.lit("unanswered"),
            detail=pl.lit("no answer: an invitation nobody answered"),
            week=_week_of(pl.col("_utc"), settings.timezone),
        ),
        EXCLUDED_SCHEMA,
    )


def _item(question: Question, frame: pl.DataFrame) -> tuple[pl.Expr, pl.Expr]:
    """(value, error) of a battery item, on its metric's footing: CSAT points, NPS 0-10, CES
    turned so that higher is easier."""
    if question.metric == "csat":
        _, points, error = _csat(question, frame)
        return points.cast(pl.Float64), error
    if question.metric == "nps":
        return _number(question, frame, integer=True)
    answer, error = _number(question, frame, integer=False)
    scale = question.scale
    return orient(answer, scale.min, scale.max, scale.higher_is_better is not False), error


def _item_answers(
    kept: pl.LazyFrame, items: list[tuple[Question, pl.Expr]], id_column: str, source: Source
) -> pl.DataFrame:
    """One row per answered battery item of the kept rows (ITEM_SCHEMA)."""
    found = [
        kept.select(
            response_key=pl.lit(f"{source.name}:") + pl.col(id_column),
            source=pl.lit(source.name),
            question=pl.lit(item.id),
            label=pl.lit(item.label or item.id),
            metric=pl.lit(item.metric),
            scale=pl.lit(item.scale.label),
            value=value.cast(pl.Float64),
        ).filter(pl.col("value").is_not_null())
        for item, value in items
    ]
    return warehouse.conform(
        pl.concat(found).collect() if found else pl.DataFrame(schema=ITEM_SCHEMA), ITEM_SCHEMA
    )


def _rejected_answers(
    valid: pl.LazyFrame,
    names: list[str],
    errors: list[tuple[pl.Expr, str]],
    id_column: str,
    source: Source,
    file_name: str,
) -> pl.DataFrame:
    """One row per unusable answer of a loaded row (ANSWER_REJECT_SCHEMA): its column, value and
    what was expected."""
    found = [
        valid.filter(pl.col(name).is_not_null()).select(
            file_name=pl.lit(file_name),
            source=pl.lit(source.name),
            row_number=ROW,
            response_id=pl.col(id_column),
            column_name=pl.lit(column),
            value=pl.col(column),
            reason=pl.col(name),
        )
        for name, (_, column) in zip(names, errors, strict=True)
    ]
    return warehouse.conform(
        pl.concat(found).collect() if found else pl.DataFrame(schema=ANSWER_REJECT_SCHEMA),
        ANSWER_REJECT_SCHEMA,
    )


def _in_file_duplicates(
    checked: pl.DataFrame, cells: list[str], id_column: str, source: Source, file_name: str
) -> pl.DataFrame:
    """The valid rows not kept because their id is kept from another row of the file, each with
    that row and whether their answers differ."""
    copies = checked.filter(pl.col("_valid") & ~pl.col("_kept"))
    # what a row says, its mapped cells joined: two rows of one id that differ in it are a
    # conflict, not a copy. Worked out for those rows only, not the whole file's.
    content = pl.concat_str([pl.col(c).fill_null("") for c in cells], separator="\x1f")
    kept = checked.filter(
        pl.col("_kept") & pl.col(id_column).is_in(copies.get_column(id_column).implode())
    ).select(pl.col(id_column).alias("_kept_id"), _kept_row=ROW, _kept_content=content)
    return warehouse.conform(
        copies.join(kept, left_on=id_column, right_on="_kept_id").select(
            file_name=pl.lit(file_name),
            source=pl.lit(source.name),
            row_number=ROW,
            response_id=pl.col(id_column),
            kept_file=pl.lit(file_name),
            kept_row="_kept_row",
            differs=content != pl.col("_kept_content"),
        ),
        DUPLICATE_SCHEMA,
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
