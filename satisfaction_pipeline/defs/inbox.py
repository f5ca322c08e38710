"""The inbox sensor: a new or changed export, once finished, starts an ingestion run, so that a
broken file is reported the day it arrives rather than on Monday morning.

It is on when `inbox: {watch: true}` in the configuration (the production example), off
otherwise (the demo); the UI can start or stop it either way. The run ingests every new export
of the inbox into `raw.responses` (the `survey_files` asset and its checks, for the last
complete week); Monday's schedule builds the report as before. Late responses for a week
already reported are named in the run's metadata and log: backfill that week to update it.
"""

import hashlib
import json
import time

import dagster as dg

from satisfaction_pipeline.defs.ingest import survey_files
from satisfaction_pipeline.defs.partitions import LOCATION, weekly_partitions
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
    context: dg.SensorEvaluationContext, survey_settings: SurveySettings
) -> dg.RunRequest | dg.SkipReason:
    try:
        settings = survey_settings.load()
    except dg.Failure as exc:  # the failure e-mail's business is runs; this says it in the UI
        return dg.SkipReason(f"the configuration does not load, no export is read: {exc}")
    files = exports(settings, survey_settings.inbox_dir)
    week = weekly_partitions.get_last_partition_key()
    if week is None:  # before the cursor moves: what arrives now is seen once a week is due
        return dg.SkipReason("no complete week since first_week yet: nothing to ingest for")
    seen = look(
        files, json.loads(context.cursor or "{}"), time.time(), settings.inbox.settle_seconds
    )
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
