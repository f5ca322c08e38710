"""Ingestion's assets and checks: the inbox's exports loaded into `raw.responses` (and `ops.*`),
every row accounted for, every file readable."""

import datetime as dt
import time
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import progress
from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.config.first_week import record_earliest_week
from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.defs.metadata import (
    checked_per_week,
    for_each_week,
    markdown_table,
    run_metadata,
)
from satisfaction_pipeline.defs.partitions import (
    FIRST_WEEK,
    HAND_STARTED,
    WEEKLY,
    weekly_partitions,
    weeks_in,
)
from satisfaction_pipeline.defs.resources import SurveySettings, check_writable, open_warehouse
from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL
from satisfaction_pipeline.ingest.archive import ArchiveError, archive_ingested
from satisfaction_pipeline.ingest.inbox import (
    InboxSummary,
    IngestError,
    ingest_inbox,
    weeks_left_out,
)

CONFLICTS_SHOWN = 10  # one warning each; the rest are counted


@dg.asset(kinds={"duckdb", "polars"}, **WEEKLY)
def survey_files(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """Every export in the inbox loaded into `raw.responses`; bad rows to `ops.rejected_rows`.

    Reads all new or changed files (known by name and content hash), so that the week being built
    sees every export dropped so far. Recorded per file in `ops.files`.
    """
    settings = survey_settings.load()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if _writes_reports(context.run):  # found now, before anything is written, not steps later
        check_writable(Path(survey_settings.reports))
    with open_warehouse(warehouse) as conn:
        try:
            # A file modified in the last settle_seconds may still be being copied in. Not for a
            # run a person starts from the command line: they know their files are complete.
            by_hand = context.run.tags.get("satisfaction/trigger") in HAND_STARTED
            settled_before = None if by_hand else time.time() - settings.inbox.settle_seconds
            summary = ingest_inbox(conn, settings, survey_settings.inbox_dir, now, settled_before)
        except IngestError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        # where the weeks start without first_week: the warehouse's earliest response (a
        # warehouse older than this rule holds weeks no new export will bring)
        earliest = None
        if settings.first_week is None:  # a configured first week needs no scan
            earliest = wh.query(conn, "ingest/earliest_week").item()
        run_weeks = weeks_in(context.partition_time_window)
        week_rows = dict(wh.query(conn, "ingest/rows_per_week", **wh.week_range(run_weeks)).rows())
    moved = earliest is not None and record_earliest_week(Path(warehouse.database), earliest)
    archived = _archive(context, settings, survey_settings, warehouse, now)
    files = summary.files
    for row in files.filter(pl.col("status") == "failed").iter_rows(named=True):
        context.log.warning(
            f"{row['file_name']} (source {row['source']!r}) could not be read and was not "
            f"loaded: {row['detail']}"
        )
    for name in summary.unsettled:
        context.log.warning(
            f"{name} changed less than {settings.inbox.settle_seconds} s ago and may still be "
            "being written: left for the next run"
        )
    for name in summary.unmatched:
        context.log.warning(f"{name}: in the inbox but matched by no source pattern; not loaded")
    for conflict in summary.conflicts[:CONFLICTS_SHOWN]:
        context.log.warning(f"{conflict} (ops.duplicate_rows)")
    if len(summary.conflicts) > CONFLICTS_SHOWN:
        context.log.warning(
            f"and {len(summary.conflicts) - CONFLICTS_SHOWN} more responses whose id came again "
            "with other answers: SELECT * FROM ops.duplicate_rows WHERE differs"
        )
    configured = settings.first_week is not None
    told = weeks_left_out(summary.new_by_week, run_weeks, FIRST_WEEK, configured)
    if moved and earliest < FIRST_WEEK and not any(w < FIRST_WEEK for w in summary.new_by_week):
        told.append(
            f"the weeks now start on {earliest}, the week of the earliest response in the "
            "warehouse (in the Dagster UI, reload the definitions to see them)"
        )
    for line in told:
        context.log.warning(line)
    totals = {c: int(files.get_column(c).sum()) for c in files.columns if c.startswith("rows_")}
    totals["rows_accounted_for"] = totals["rows_read"] == (
        totals["rows_loaded"]
        + totals["rows_rejected"]
        + totals["rows_duplicate"]
        + totals["rows_excluded"]
    )
    progress.weeks_done("survey_files", len(run_weeks))
    for_each_week(
        context,
        run_weeks,
        lambda week: {
            "dagster/row_count": week_rows.get(week, 0),  # raw.responses' rows of the week
            "new_responses": summary.new_by_week.get(week, 0),  # loaded by this run
        },
    )
    # the files are the inbox's, not a week's: every week of the run shows them, named run_…
    return dg.MaterializeResult(
        metadata=run_metadata(
            run_weeks,
            **_files_metadata(summary, files, totals, archived),
        )
    )


def _files_metadata(
    summary: InboxSummary, files: pl.DataFrame, totals: dict, archived: dict
) -> dict:
    """What the run's ingestion read, loaded, rejected and left, file by file."""
    return {
        "new_files": int((files.get_column("status") == "loaded").sum()),
        "failed_files": dg.MetadataValue.json(summary.failed),
        "duplicate_files": int((files.get_column("status") == "duplicate_file").sum()),
        "unchanged_files": len(summary.skipped),
        "unmatched_files": dg.MetadataValue.json(summary.unmatched),
        "still_being_written": dg.MetadataValue.json(summary.unsettled),
        "new_responses_by_week": dg.MetadataValue.json(
            {str(week): count for week, count in summary.new_by_week.items()}
        ),
        **totals,
        "rejection_reasons": dg.MetadataValue.json(summary.rejected_reasons),
        "excluded_reasons": dg.MetadataValue.json(summary.excluded_reasons),
        "findings": dg.MetadataValue.json(summary.findings),
        "conflicting_duplicates": len(summary.conflicts),
        "answers_rejected": int(files.get_column("answers_rejected").sum()),
        "archived_files": dg.MetadataValue.json(archived),
        "preview": dg.MetadataValue.md(
            markdown_table(files.drop("file_sha256", "ingested_at", "detail"))
            if len(files)
            else "No new file."
        ),
    }


def _writes_reports(run: dg.DagsterRun) -> bool:
    """Whether the run goes on to write report files: the weekly job does (its runs from the
    command line carry no selection: the whole job), an ingestion by the inbox sensor not."""
    selected = run.asset_selection
    reporting = {dg.AssetKey("action_list"), dg.AssetKey("weekly_report")}
    return not selected or bool(reporting & selected)


def _archive(
    context: dg.AssetExecutionContext,
    settings: Settings,
    survey_settings: SurveySettings,
    warehouse: DuckDBResource,
    now: dt.datetime,
) -> dict[str, str]:
    """Move the exports ingested `inbox.archive_after_days` ago out of the inbox, once the
    ingestion is committed; each move is logged. {inbox name: archived path}."""
    after_days = settings.inbox.archive_after_days
    if after_days is None:
        return {}
    with open_warehouse(warehouse) as conn:
        ingested = wh.query(conn, "ingest/archivable_files")
    try:  # the ingestion is committed: archiving trouble must not stop the week's report
        moved = archive_ingested(
            survey_settings.inbox_dir, survey_settings.archive_dir, ingested, now, after_days
        )
    except (ArchiveError, OSError) as exc:
        context.log.warning(f"exports not archived: {exc}")
        return {}
    for name, target, what in moved:
        context.log.info(f"archived {name} → {target} ({what})")
    return {name: str(target) for name, target, _ in moved}


@dg.asset_check(
    asset=survey_files, blocking=True, pool=WAREHOUSE_POOL, partitions_def=weekly_partitions
)
def every_row_is_accounted_for(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> dg.AssetCheckResult:
    """For every file in `ops.files`: rows read = loaded + rejected + duplicate + excluded
    (files are not weekly: each week of the run shows the result over all of them)."""
    return checked_per_week(context, warehouse, "checks/files_not_adding_up", "files_not_adding_up")


@dg.asset_check(asset=survey_files, pool=WAREHOUSE_POOL, partitions_def=weekly_partitions)
def every_file_is_readable(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> dg.AssetCheckResult:
    """No export in the inbox is left unread (undecodable, a configured column missing…).

    A warning, not a blocker: the other files load and the report is built without that one."""
    return checked_per_week(
        context, warehouse, "checks/failed_files", "failed_files", dg.AssetCheckSeverity.WARN
    )
