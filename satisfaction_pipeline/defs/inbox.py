"""The inbox sensor: a new or changed export, once finished, starts an ingestion run, so that a
broken file is reported the day it arrives rather than on Monday morning.

It is on when `inbox: {watch: true}` in the configuration (the production example), off
otherwise (the demo); the UI can start or stop it either way. The run ingests every new export
of the inbox into `raw.responses` (the `survey_files` asset and its checks, for the last
complete week); Monday's schedule builds the report as before. Its first look takes the
exports already loaded (`ops.files`, by content) as seen: switching it on starts no run.

The late-export sensor: a run that loads responses for weeks already built (a late or corrected
export, by the inbox sensor or any run) is followed by a run of the weekly job over exactly
those weeks, one per run of consecutive weeks; weeks that got nothing new are not touched, and
the reports it rebuilds are not e-mailed again (delivery: a changed report is sent on request).
"""

import datetime as dt
import hashlib
import json
import time
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.defs.ingest import survey_files
from satisfaction_pipeline.defs.jobs import weekly_job
from satisfaction_pipeline.defs.partitions import LOCATION, weekly_partitions
from satisfaction_pipeline.defs.report import weekly_report
from satisfaction_pipeline.defs.resources import SurveySettings
from satisfaction_pipeline.ingest.watch import exports, look

_inbox = LOCATION.inbox

inbox_job = dg.define_asset_job(
    "inbox_job",
    selection=dg.AssetSelection.assets(survey_files),
    description="Load the new exports of the inbox (no scoring, no report).",
)


@dg.sensor(
    job=inbox_job,
    minimum_interval_seconds=_inbox.interval_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING
    if _inbox.watch
    else dg.DefaultSensorStatus.STOPPED,
    description="Starts an ingestion run when an export in the inbox is new or changed and has "
    "finished being written (known by its content: touching a file does nothing).",
)
def inbox_sensor(
    context: dg.SensorEvaluationContext, survey_settings: SurveySettings, warehouse: DuckDBResource
) -> dg.RunRequest | dg.SkipReason:
    try:
        settings = survey_settings.load()
    except dg.Failure as exc:  # the failure e-mail's business is runs; this says it in the UI
        return dg.SkipReason(f"the configuration does not load, no export is read: {exc}")
    files = exports(settings, survey_settings.inbox_dir)
    week = weekly_partitions.get_last_partition_key()
    if week is None:  # before the cursor moves: what arrives now is seen once a week is due
        return dg.SkipReason("no complete week since first_week yet: nothing to ingest for")
    if context.cursor is None:  # the first look: what is loaded already is seen
        try:
            before = _loaded(warehouse, files)
        except duckdb.Error as exc:  # a run holds the file: the next look tries again
            return dg.SkipReason(f"first look: the warehouse is busy ({exc}); next look soon")
    else:
        before = json.loads(context.cursor)
    seen = look(files, before, time.time(), settings.inbox.settle_seconds)
    context.update_cursor(json.dumps(seen.state, sort_keys=True, separators=(",", ":")))
    if seen.settling:
        context.log.info(f"still being written, left for a later look: {', '.join(seen.settling)}")
    if not seen.ready:
        return dg.SkipReason(f"no new finished export among {len(files)} in the inbox")
    contents = "".join(f"{name}:{seen.state[name]['sha']}\n" for name in seen.ready)
    return dg.RunRequest(
        # the same exports never start two runs, even if the cursor were lost
        run_key=hashlib.sha256(contents.encode()).hexdigest()[:32],
        partition_key=week,
        tags={"satisfaction/trigger": "inbox", "satisfaction/files": ", ".join(seen.ready)[:200]},
    )


def _loaded(warehouse: DuckDBResource, files: dict[str, Path]) -> dict[str, dict]:
    """The inbox's files as `look` remembers them, for those whose content is loaded already."""
    if not Path(warehouse.database).is_file():
        return {}
    with duckdb.connect(warehouse.database, read_only=True) as conn:
        loaded = wh.query(conn, "ingest/known_files").select("file_name", "file_sha256").rows()
    return {name: {"sha": sha[:32]} for name, sha in loaded if name in files}


@dg.sensor(
    job=weekly_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Rebuilds the weeks a run loaded new responses for after they were built (a "
    "late or corrected export): exactly those weeks, one run per run of consecutive weeks, "
    "the reports not e-mailed again.",
)
def late_export_sensor(context: dg.SensorEvaluationContext):
    instance = context.instance
    loads = dg.AssetRecordsFilter(
        asset_key=survey_files.key,
        after_storage_id=int(context.cursor) if context.cursor else None,
    )
    if context.cursor is None:  # the first look: from now on, not the history
        latest = instance.fetch_materializations(loads, limit=1).records
        context.update_cursor(str(latest[0].storage_id if latest else 0))
        return dg.SkipReason("first look: loads from now on are followed")
    records = instance.fetch_materializations(loads, limit=1000, ascending=True).records
    if not records:
        return dg.SkipReason("no export loaded since the last look")
    built = instance.get_materialized_partitions(weekly_report.key)
    late: set[str] = set()
    for run_id in dict.fromkeys(r.run_id for r in records):  # each loading run once
        record = next(r for r in records if r.run_id == run_id)
        new = record.asset_materialization.metadata.get("run_new_responses_by_week")
        weeks = {week for week, count in (new.value if new else {}).items() if count}
        late |= (weeks & built) - _rebuilt_by(instance.get_run_by_id(run_id))
    context.update_cursor(str(records[-1].storage_id))
    if not late:
        return dg.SkipReason("the exports loaded since the last look touch no built week")
    return [
        dg.RunRequest(
            run_key=f"late-export-{records[-1].storage_id}-{first}",
            tags={
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
                "satisfaction/trigger": "late-export",
            },
        )
        for first, last in _spans(sorted(late))
    ]


def _rebuilt_by(run: dg.DagsterRun | None) -> set[str]:
    """The weeks a loading run builds itself (the weekly job, a UI selection with the report)."""
    if run is None or run.job_name == inbox_job.name:
        return set()
    if run.asset_selection and weekly_report.key not in run.asset_selection:
        return set()
    tags = run.tags
    if week := tags.get("dagster/partition"):
        return {week}
    first = tags.get("dagster/asset_partition_range_start")
    if first is None:
        return set()
    keys = weekly_partitions.get_partition_keys()
    last = tags.get("dagster/asset_partition_range_end", first)
    return {k for k in keys if first <= k <= last}


def _spans(weeks: list[str]) -> list[tuple[str, str]]:
    """Consecutive weeks (ISO Mondays) as (first, last) spans."""
    spans: list[list[str]] = []
    for week in weeks:
        day = dt.date.fromisoformat(week)
        if spans and dt.date.fromisoformat(spans[-1][1]) + dt.timedelta(weeks=1) == day:
            spans[-1][1] = week
        else:
            spans.append([week, week])
    return [(first, last) for first, last in spans]
