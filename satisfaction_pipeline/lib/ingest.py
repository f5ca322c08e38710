"""Turn one export file into normalised responses and rejected rows, per the source's mapping.

Nothing is lost: every data row of the file becomes exactly one of
- a response (scores normalised, week assigned),
- a rejected row with the column, the value and what was expected, or
- a duplicate (the same response id seen earlier in this file or an earlier file).
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass
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
from satisfaction_pipeline.lib.readers import RawTable, ReadError, read_export
from satisfaction_pipeline.lib.scales import csat_mapping, orient, parse_number

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
)
OFFSET_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S%#z", "%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%#z")

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
    "nps": pl.Int8(),
    "nps_scale": pl.String(),
    "ces_answer": pl.Float64(),
    "ces": pl.Float64(),
    "ces_scale": pl.String(),
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


class MappingError(Exception):
    """The file does not fit the source's mapping (e.g. a configured column is missing)."""


@dataclass
class MappedFile:
    responses: pl.DataFrame
    rejected: pl.DataFrame
    duplicates: int
    rows_read: int


def check_columns(table: RawTable, source: Source) -> None:
    """Raise MappingError naming each configured column the file lacks and its closest match."""
    needed = [source.columns.response_id, source.columns.submitted_at]
    needed += [c for c in (source.columns.customer_ref, source.columns.customer_email) if c]
    needed += [c for c in source.segments.values() if isinstance(c, str)]
    needed += [q.column for q in source.questions]
    missing = [c for c in dict.fromkeys(needed) if c not in table.columns]
    if not missing:
        return
    folded = {c.casefold(): c for c in table.columns}
    lines = []
    for column in missing:
        close = difflib.get_close_matches(column.casefold(), folded, n=1, cutoff=0.5)
        hint = f" (closest: {folded[close[0]]!r})" if close else ""
        lines.append(f"column {column!r} not found{hint}")
    found = ", ".join(repr(c) for c in table.columns)
    raise MappingError(f"{'; '.join(lines)}. Columns found: {found}")


def _frame(table: RawTable) -> tuple[pl.DataFrame, list[int]]:
    """Cells as a String frame; short rows are padded, rows with extra filled cells are flagged."""
    width = len(table.columns)
    rows, overflow = [], []
    for index, row in enumerate(table.rows):
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            overflow.append(index)
        rows.append([*row[:width], *[""] * (width - len(row))])
    frame = pl.DataFrame(rows, schema=dict.fromkeys(table.columns, pl.String), orient="row")
    return frame.with_columns(pl.col(pl.String).str.strip_chars()), overflow


def _text(column: str) -> pl.Expr:
    return pl.when(pl.col(column) != "").then(pl.col(column))


def _submitted_at(source: Source, settings: Settings) -> tuple[pl.Expr, pl.Expr]:
    """(UTC timestamp, error) for the submitted-at column; naive times are in the source's zone."""
    column = source.columns.submitted_at
    zone = source.timezone or settings.timezone
    formats = (source.date_format,) if source.date_format else NAIVE_DATE_FORMATS
    value = pl.col(column)
    naive = pl.coalesce([value.str.strptime(pl.Datetime("us"), f, strict=False) for f in formats])
    local = naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    utc = local.dt.convert_time_zone("UTC")
    if not source.date_format:
        with_offset = [
            value.str.strptime(pl.Datetime("us", "UTC"), f, strict=False)
            for f in OFFSET_DATE_FORMATS
        ]
        utc = pl.coalesce([*with_offset, utc])
    expected = source.date_format or "YYYY-MM-DD HH:MM[:SS] (or set date_format)"
    error = (
        pl.when(value == "")
        .then(pl.lit(f"submitted-at is empty (column {column!r})"))
        .when(naive.is_not_null() & local.is_null() & utc.is_null())
        .then(pl.format(f"time '{{}}' does not exist in {zone} (clock change)", value))
        .when(utc.is_null())
        .then(
            pl.format(f"cannot read date '{{}}' in column {column!r}; expected {expected}", value)
        )
    )
    return utc.dt.replace_time_zone(None), error


def _csat(question: Question, frame: pl.DataFrame) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    column = question.column
    distinct = [v for v in frame.get_column(column).unique().to_list() if v]
    mapping, expected = csat_mapping(distinct, question.scale.labels)
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
    numbers = {v: parse_number(v) for v in distinct}
    valid = {
        v: n
        for v, n in numbers.items()
        if n is not None and scale.min <= n <= scale.max and (n.is_integer() or not integer)
    }
    value = pl.col(column).replace_strict(valid, default=None, return_dtype=pl.Float64)
    kind = "whole number" if integer else "number"
    label = question.metric.upper()
    error = pl.when((pl.col(column) != "") & value.is_null()).then(
        pl.format(
            f"{label} answer '{{}}' in column {column!r} is not a {kind} "
            f"from {scale.min} to {scale.max}",
            pl.col(column),
        )
    )
    return value, error


def _segment(mapping: str | Constant) -> pl.Expr:
    return pl.lit(mapping.value) if isinstance(mapping, Constant) else _text(mapping)


def map_file(table: RawTable, source: Source, settings: Settings, file_name: str) -> MappedFile:
    """Map one read file to responses / rejected rows / in-file duplicates."""
    if not table.columns:  # an empty export (no header even): nothing to load, nothing lost
        empty = pl.DataFrame(schema=RESPONSE_SCHEMA)
        return MappedFile(empty, pl.DataFrame(schema=REJECT_SCHEMA), duplicates=0, rows_read=0)
    check_columns(table, source)
    frame, overflow = _frame(table)
    frame = frame.with_columns(
        _row=pl.Series(table.row_numbers, dtype=pl.Int32),
        _overflow=pl.int_range(pl.len()).is_in(overflow),
    )

    id_column = source.columns.response_id
    submitted_at, date_error = _submitted_at(source, settings)
    errors = [
        pl.when(pl.col("_overflow")).then(
            pl.lit(f"row has more cells than the {len(table.columns)} header columns")
        ),
        pl.when(pl.col(id_column) == "").then(
            pl.lit(f"response id is empty (column {id_column!r})")
        ),
        date_error,
    ]
    error_columns = [None, id_column, source.columns.submitted_at]
    values: dict[str, pl.Expr] = {}

    if question := source.question("csat"):
        values["csat_answer"], values["csat"], error = _csat(question, frame)
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
        values["ces"] = orient(values["ces_answer"], scale.min, scale.max, scale.higher_is_better)
        values["ces_scale"] = pl.lit(scale.label)
        errors.append(error)
        error_columns.append(question.column)
    comments = [_text(q.column) for q in source.questions if q.metric == "comment"]
    if comments:
        values["comment"] = pl.concat_str(comments, separator="\n\n", ignore_nulls=True)

    answered = [pl.col(q.column) != "" for q in source.questions]
    question_columns = ", ".join(q.column for q in source.questions)
    errors.append(
        pl.when(~pl.any_horizontal(answered)).then(
            pl.lit(f"no answer in any question column ({question_columns})")
        )
    )
    error_columns.append(None)

    checked = frame.with_columns(
        _reason=pl.concat_str(errors, separator=" | ", ignore_nulls=True),
        _column=pl.coalesce(
            [
                pl.when(e.is_not_null()).then(pl.lit(c))
                for e, c in zip(errors, error_columns, strict=True)
                if c
            ]
        ),
    )
    bad = checked.filter(pl.col("_reason") != "")
    good = checked.filter(pl.col("_reason") == "")
    unique = good.unique(subset=[id_column], keep="first", maintain_order=True)

    columns = source.columns
    fields: dict[str, pl.Expr | None] = {
        "response_key": pl.lit(f"{source.name}:") + pl.col(id_column),
        "source": pl.lit(source.name),
        "response_id": pl.col(id_column),
        "submitted_at": submitted_at,
        "customer_ref": _text(columns.customer_ref) if columns.customer_ref else None,
        "customer_email": _text(columns.customer_email) if columns.customer_email else None,
        **{d: _segment(source.segments[d]) for d in SEGMENT_DIMENSIONS if d in source.segments},
        "extra_segments": _extra_segments(source),
        **values,
        "file_name": pl.lit(file_name),
        "file_row": pl.col("_row"),
    }
    responses = unique.select(
        **{name: expr for name, expr in fields.items() if expr is not None}
    ).with_columns(week=_week_of(pl.col("submitted_at"), settings.timezone))

    return MappedFile(
        responses=_conform(responses, RESPONSE_SCHEMA),
        rejected=_rejected(bad, table.columns, source, file_name),
        duplicates=good.height - unique.height,
        rows_read=frame.height,
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


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Give a frame exactly `schema`'s columns, in order, adding absent ones as nulls."""
    return frame.select(
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items()
    )


def _rejected(
    bad: pl.DataFrame, columns: list[str], source: Source, file_name: str
) -> pl.DataFrame:
    records = [
        json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False)
        for row in bad.select(columns).iter_rows()
    ]
    frame = bad.select(
        file_name=pl.lit(file_name),
        source=pl.lit(source.name),
        row_number=pl.col("_row"),
        column_name=pl.col("_column"),
        reason=pl.col("_reason"),
    ).with_columns(raw_record=pl.Series(records, dtype=pl.String))
    return _conform(frame, REJECT_SCHEMA)


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
}


class IngestError(Exception):
    """One or more inbox files cannot be loaded; nothing was written."""


@dataclass
class InboxSummary:
    """What one pass over the inbox did; `files` has one row per newly read file (FILE_SCHEMA)."""

    files: pl.DataFrame
    skipped: list[str]
    unmatched: list[str]
    rejected_reasons: dict[str, int]
    new_by_week: dict[dt.date, int]  # responses loaded by this pass, per week


def ingest_inbox(
    conn: duckdb.DuckDBPyConnection, settings: Settings, inbox: Path, now: dt.datetime
) -> InboxSummary:
    """Load every new or changed export of the inbox into raw.responses, in one transaction.

    A file is known by (name, content hash): an unchanged file is skipped, a changed one is read
    again and the responses it shares with earlier files count as duplicates. Files that cannot be
    read at all (missing columns, undecodable) stop the load before anything is written, with one
    message per file.
    """
    if not inbox.is_dir():
        raise IngestError(
            f"the inbox folder {inbox} does not exist (set --inbox or SATISFACTION_INBOX)"
        )
    known = set(warehouse.query(conn, "ingest/known_files").iter_rows())
    claimed: dict[str, str] = {}
    mapped: list[tuple[str, str, int, Source, RawTable, MappedFile]] = []
    skipped: list[str] = []
    problems: list[str] = []
    for source in settings.sources:
        for path in matching_files(inbox, source):
            name = path.relative_to(inbox).as_posix()
            if name in claimed:
                problems.append(
                    f"{name}: matches the patterns of sources {claimed[name]!r} "
                    f"and {source.name!r}; make the patterns exclusive"
                )
                continue
            claimed[name] = source.name
            data = path.read_bytes()  # read once: the hash and the rows are of the same bytes
            digest = hashlib.sha256(data).hexdigest()
            if (name, digest) in known:
                skipped.append(name)
                continue
            try:
                table = read_export(data, path.suffix, source)
                mapped.append(
                    (
                        name,
                        digest,
                        len(data),
                        source,
                        table,
                        map_file(table, source, settings, name),
                    )
                )
            except (ReadError, MappingError) as exc:
                problems.append(f"{name} (source {source.name!r}): {exc}")
    if problems:
        raise IngestError("cannot load the inbox:\n" + "\n".join(f"  - {p}" for p in problems))

    file_rows, reasons, weeks = [], Counter(), Counter()
    with warehouse.transaction(conn):
        for name, digest, size, source, table, result in mapped:
            responses = result.responses
            existing = warehouse.query(conn, "ingest/existing_keys", new_responses=responses)
            fresh = responses.join(existing, on="response_key", how="anti")
            rejected = result.rejected.with_columns(file_sha256=pl.lit(digest))
            warehouse.execute(conn, "ingest/insert_raw_responses", new_responses=fresh)
            warehouse.execute(conn, "ingest/insert_rejected_rows", new_rejected=rejected)
            reasons.update(_reason_kinds(rejected))
            weeks.update(fresh.get_column("week").to_list())
            file_rows.append(
                {
                    "file_name": name,
                    "file_sha256": digest,
                    "source": source.name,
                    "format": table.format,
                    "encoding": table.encoding,
                    "delimiter": table.delimiter,
                    "size_bytes": size,
                    "rows_read": result.rows_read,
                    "rows_loaded": fresh.height,
                    "rows_rejected": rejected.height,
                    "rows_duplicate": result.duplicates + responses.height - fresh.height,
                    "ingested_at": now,
                }
            )
        files = pl.DataFrame(file_rows, schema=FILE_SCHEMA)
        warehouse.execute(conn, "ingest/insert_file", new_file=files)
    unmatched = sorted(
        p.relative_to(inbox).as_posix()
        for p in inbox.rglob("*")
        if p.is_file() and p.relative_to(inbox).as_posix() not in claimed
    )
    return InboxSummary(
        files, skipped, unmatched, dict(reasons.most_common()), dict(sorted(weeks.items()))
    )


def _reason_kinds(rejected: pl.DataFrame) -> Counter:
    """Rejection reasons with the offending values blanked, so that alike reasons count together."""
    kinds = Counter()
    for reason in rejected.get_column("reason").to_list():
        for part in reason.split(" | "):
            kinds[re.sub(r"'[^']*'(?= in column| does not| is not)", "…", part, count=1)] += 1
    return kinds
