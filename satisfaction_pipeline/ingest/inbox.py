"""The inbox as a whole, in one transaction: which exports are new or changed, each read and
mapped (`mapping`), then their responses, rejected, excluded rows and findings stored in
`raw.responses` and `ops.*`, with one `ops.files` row per file.

Nothing is lost: every data row of a file is counted as loaded, rejected, excluded or a
duplicate, and a file that cannot be read at all is recorded as failed, with the reason, while
the others load.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from satisfaction_pipeline import warehouse
from satisfaction_pipeline.config.settings import (
    Settings,
    Source,
)
from satisfaction_pipeline.ingest.mapping import (
    DUPLICATE_SCHEMA,
    RESPONSE_SCHEMA,
    MappedFile,
    MappingError,
    map_file,
    resolve_columns,
)
from satisfaction_pipeline.ingest.readers import (
    ReadError,
    read_export,
)


def matching_files(inbox: Path, source: Source) -> list[Path]:
    """The inbox files for a source, sorted by name so that loading order is reproducible."""
    return sorted(p for p in inbox.glob(source.pattern) if p.is_file())


def check_inbox(settings: Settings, inbox: Path) -> tuple[list[str], list[str]]:
    """What `validate-config` can tell from the inbox without loading anything: problems (a file
    two sources' patterns match; a configured column the newest export of a source lacks, with
    the closest one) and notes (a source with no export yet)."""
    problems, notes = [], []
    if not inbox.is_dir():
        return problems, [f"the inbox {inbox} does not exist yet: exports were not checked"]
    matched: dict[str, list[Source]] = {}
    for source in settings.sources:
        files = matching_files(inbox, source)
        for path in files:
            matched.setdefault(path.relative_to(inbox).as_posix(), []).append(source)
        if not files:
            notes.append(
                f"source {source.name!r}: no export in the inbox matches {source.pattern!r}"
            )
            continue
        # the newest export with a header (an empty one says nothing of the columns)
        for newest in sorted(files, key=lambda p: (p.stat().st_mtime, p.name), reverse=True):
            name = newest.relative_to(inbox).as_posix()
            try:
                table = read_export(newest.read_bytes(), newest.suffix, source)
                if not table.columns:
                    notes.append(f"source {source.name!r}: {name} is empty, not checked")
                    continue
                resolve_columns(table, source)
            except (ReadError, MappingError) as exc:
                problems.append(f"source {source.name!r}, its newest export {name}: {exc}")
            break
    for name, sources in sorted(matched.items()):
        if len(sources) > 1 and not all(s.shares_files for s in sources):
            problems.append(
                f"{name} matches the patterns of sources {_names(sources)}: {OVERLAP_FIX}"
            )
    return problems, notes


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
    "answers_rejected": pl.Int32(),
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
    # one id, different answers: each with the row that counts (ops.duplicate_rows, differs)
    conflicts: list[str] = field(default_factory=list)

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
    # a file is read once per source that matches it: known by name, content and source
    loaded = {(name, digest, source) for name, digest, source, _ in known_rows}
    by_digest = {(digest, source): (name, count) for name, digest, source, count in known_rows}
    claimed: dict[str, list[Source]] = {}
    reads: list[FileRead] = []
    skipped: list[str] = []
    unsettled: list[str] = []
    for source in settings.sources:
        for path in matching_files(inbox, source):
            name = path.relative_to(inbox).as_posix()
            if settled_before is not None and path.stat().st_mtime > settled_before:
                if name not in claimed:
                    unsettled.append(name)
                claimed.setdefault(name, []).append(source)
                continue
            data = path.read_bytes()  # read once: the hash and the rows are of the same bytes
            digest = hashlib.sha256(data).hexdigest()
            others = claimed.setdefault(name, [])
            others.append(source)
            if len(others) > 1 and not all(s.shares_files for s in others):
                if not any(read.name == name for read in reads):  # the others skipped it
                    reads.append(FileRead(name, digest, len(data), source))
                _overlap(reads, name, others)
                continue
            if (name, digest, source.name) in loaded:
                skipped.append(name)
                continue
            if (digest, source.name) in by_digest:
                original, count = by_digest[digest, source.name]
                read = FileRead(name, digest, len(data), source, status="duplicate_file")
                read.detail, read.rows_read = f"same content as {original}", count
                reads.append(read)
                continue
            read = read_inbox_file(name, data, source, settings, now, digest)
            if read.status == "loaded":
                by_digest[digest, source.name] = (name, read.rows_read)
            reads.append(read)
    unmatched = sorted(
        p.relative_to(inbox).as_posix()
        for p in inbox.rglob("*")
        if p.is_file() and p.relative_to(inbox).as_posix() not in claimed
    )
    return InboxRead(reads, list(dict.fromkeys(skipped)), unmatched, unsettled)


def _names(sources: list[Source]) -> str:
    """'a' and 'b', or 'a', 'b' and 'c' (two sources or more)."""
    names = [repr(s.name) for s in sources]
    return " and ".join([", ".join(names[:-1]), names[-1]])


# what to do about a file several sources' patterns match, not all of them sharing it
OVERLAP_FIX = (
    "make the patterns exclusive, or set shares_files: true on each of them if they read "
    "different columns of it"
)


def _overlap(reads: list[FileRead], name: str, sources: list[Source]) -> None:
    """Each read of a file whose sources do not all share it fails, and no row of it loads."""
    for read in reads:
        if read.name == name:
            read.status, read.result, read.rows_read = "failed", None, 0
            read.detail = f"matches the patterns of sources {_names(sources)}; {OVERLAP_FIX}"


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
    excluded, findings, conflicts = Counter(), Counter(), []
    with warehouse.transaction(conn):
        for read in reads:
            counts = _store(conn, read) if read.result else {}
            if read.result:
                reasons.update(_reason_kinds(read.result.rejected))
                reasons.update(_reason_kinds(counts.pop("rejected_answers")))
                excluded.update(read.result.excluded.get_column("reason").to_list())
                findings.update(counts.pop("findings"))
                weeks.update(counts.pop("weeks"))
                conflicts += counts.pop("conflicts")
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
                    "answers_rejected": counts.get("answers_rejected", 0),
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
        conflicts,
    )


# Columns that make two versions of a response different (not where they were read from).
_CONTENT = [c for c in RESPONSE_SCHEMA if c not in {"file_name", "file_row"}]


def _store(conn: duckdb.DuckDBPyConnection, read: FileRead) -> dict:
    """Write one mapped file's new responses and rejected rows; return its counts."""
    result = read.result
    responses = result.responses
    stored = warehouse.query(conn, "ingest/existing_keys", new_responses=responses)
    # a version is its answers and its battery items' answers
    stored_items = warehouse.query(conn, "ingest/existing_items", new_responses=responses)
    stored = _with_items(stored, stored_items)
    # filters, not joins: a file's rows are mostly new, and a filter that keeps them all copies
    # nothing (a join copied a million-row file's responses twice more)
    known = pl.col("response_key").is_in(stored.get_column("response_key").implode())
    fresh = responses.filter(~known)
    again = _with_items(responses.filter(known), result.items)  # the file's stored responses
    newer = pl.DataFrame(schema=RESPONSE_SCHEMA)
    if read.source.duplicates == "keep_latest" and not stored.is_empty():
        same = again.select(*_CONTENT, ITEMS).join(
            stored.select(*_CONTENT, ITEMS), on=[*_CONTENT, ITEMS], how="semi", nulls_equal=True
        )
        newer = again.join(same.select("response_key"), on="response_key", how="anti").drop(ITEMS)
        warehouse.execute(conn, "ingest/replace_responses", newer_versions=newer)
    rejected = result.rejected.with_columns(file_sha256=pl.lit(read.digest))
    duplicates = pl.concat(
        [result.duplicate_rows, _earlier_duplicates(again, stored, newer, read)]
    ).with_columns(file_sha256=pl.lit(read.digest))
    warehouse.execute(conn, "ingest/insert_raw_responses", new_responses=fresh)
    warehouse.execute(conn, "ingest/insert_duplicate_rows", new_duplicates=duplicates)
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
    items = result.items.join(
        pl.concat([fresh.select("response_key"), newer.select("response_key")]),
        on="response_key",
        how="semi",
    )
    warehouse.execute(conn, "ingest/insert_item_answers", new_items=items)
    # an unusable answer is the stored response's, as a finding is
    answers = result.rejected_answers.join(stored_now, on="response_id", how="semi")
    warehouse.execute(
        conn,
        "ingest/insert_rejected_answers",
        new_rejected_answers=answers.with_columns(file_sha256=digest),
    )
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
        "answers_rejected": answers.height,
        "rejected_answers": answers,
        "conflicts": [
            f"{d['source']}: response {d['response_id']!r} in {d['file_name']} row "
            f"{d['row_number']} has other answers than in {d['kept_file']} row "
            f"{d['kept_row']}, which counts"
            for d in duplicates.filter(pl.col("differs")).iter_rows(named=True)
        ],
        "weeks": [
            *fresh.get_column("week").to_list(),
            *newer.get_column("week").to_list(),
            # a replaced response may have moved week: its old week must be rebuilt too
            *stored.join(newer.select("response_key"), on="response_key", how="semi")
            .get_column("week")
            .to_list(),
        ],
    }


ITEMS = "_items"  # a response's battery items' answers, as one text


def _with_items(responses: pl.DataFrame, items: pl.DataFrame) -> pl.DataFrame:
    """`responses` with their battery items' answers as one comparable text (null: none)."""
    answers = (
        items.sort("question")
        .group_by("response_key")
        .agg(
            pl.concat_str("question", pl.col("value").cast(pl.String), separator="=")
            .str.join("|")
            .alias(ITEMS)
        )
    )
    return responses.join(answers, on="response_key", how="left")


def _earlier_duplicates(
    responses: pl.DataFrame, stored: pl.DataFrame, newer: pl.DataFrame, read: FileRead
) -> pl.DataFrame:
    """The file's responses an earlier file holds and that do not replace it, each with where
    the one that counts was read and whether their answers differ (DUPLICATE_SCHEMA)."""
    compared = [c for c in _CONTENT if c not in {"response_key", "week"}] + [ITEMS]
    kept = stored.select(
        "response_key",
        *[pl.col(c).alias(f"{c}__kept") for c in compared],
        kept_file="file_name",
        kept_row="file_row",
    )
    again = responses.join(newer.select("response_key"), on="response_key", how="anti")
    return warehouse.conform(
        again.join(kept, on="response_key").select(
            file_name=pl.lit(read.name),
            source=pl.lit(read.source.name),
            row_number="file_row",
            response_id="response_id",
            kept_file="kept_file",
            kept_row="kept_row",
            differs=pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}__kept")) for c in compared),
        ),
        DUPLICATE_SCHEMA,
    )


def _reason_kinds(rejected: pl.DataFrame) -> Counter:
    """Rejection reasons with the offending values blanked, so that alike reasons count together."""
    kinds = Counter()
    for reason in rejected.get_column("reason").to_list():
        for part in reason.split(" | "):
            kinds[re.sub(r"'[^']*'(?= in column| does not| is not)", "…", part, count=1)] += 1
    return kinds


def weeks_left_out(
    new_by_week: dict[dt.date, int], run_weeks: list[dt.date], start: dt.date, configured: bool
) -> list[str]:
    """What to say of responses loaded for weeks this run does not build: the command that
    builds them — or, for weeks before a configured first_week, the Monday to set; never a
    backfill that cannot run."""
    outside = sorted(w for w in new_by_week if w not in run_weeks)
    before = [w for w in outside if w < start]
    after = [w for w in outside if w >= start]
    lines = []
    if before:
        responses = sum(new_by_week[w] for w in before)
        if configured:
            lines.append(
                f"{responses} responses were loaded for {len(before)} week(s) before first_week "
                f"({start}), the earliest in the week of {before[0]}: they are kept, and set "
                f"first_week: {before[0]} in the config to report them"
            )
        else:
            last = outside[-1]
            lines.append(
                f"{responses} responses were loaded for weeks from {before[0]}, before the "
                f"earliest so far ({start}): the weeks now start on {before[0]}. Build them with "
                f"satisfaction-pipeline backfill --from {before[0]} --to {last} (in the Dagster "
                "UI, reload the definitions first)"
            )
            after = []  # the backfill above covers them
    if after:
        lines.append(
            f"new responses were loaded for weeks outside this run "
            f"({', '.join(str(w) for w in after)}): the daemon's late_export_sensor rebuilds "
            "those already built; without it, build them with satisfaction-pipeline "
            f"backfill --from {after[0]} --to {after[-1]}"
        )
    return lines
