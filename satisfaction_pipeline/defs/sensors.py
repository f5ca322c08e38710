"""Tell the operations address when a run fails (the weekly job, an ingestion started by the
inbox sensor, a backup, a materialisation or backfill launched from the UI): the run id, the
failing step and its reason, by SMTP, or to the outbox when no SMTP server takes it."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.config.location import OPERATIONS_VARIABLE
from satisfaction_pipeline.defs.resources import (
    SmtpResource,
    SurveySettings,
    alert_settings,
    deliver,
)
from satisfaction_pipeline.delivery.message import failure_message


@dg.run_failure_sensor(  # no monitored_jobs: every job of this code location
    name="weekly_run_failure_email",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="E-mails recipients.operations when a run fails.",
)
def weekly_run_failure_email(
    context: dg.RunFailureSensorContext,
    survey_settings: SurveySettings,
    smtp: SmtpResource,
    warehouse: DuckDBResource,
) -> dg.SkipReason | None:
    # never from the configuration alone: a broken one is what the failure may be about
    to = alert_settings(survey_settings, warehouse).operations
    if not to:
        return dg.SkipReason(
            "no operations recipient: recipients.operations is empty in the configuration, "
            f"and {OPERATIONS_VARIABLE} is not set"
        )
    run = context.dagster_run
    failures = context.get_step_failure_events()
    step = failures[0].step_key if failures else _unfinished_step(context)
    reason = context.failure_event.message or "see the run's logs"
    if failures and failures[0].step_failure_data and failures[0].step_failure_data.error:
        user = failures[0].step_failure_data.user_failure_data
        error = failures[0].step_failure_data.error
        reason = (user.description if user and user.description else None) or error.message
    tags = run.tags
    start = tags.get("dagster/asset_partition_range_start")
    weeks = tags.get("dagster/partition") or (
        f"{start} to {tags.get('dagster/asset_partition_range_end')}" if start else "(no week)"
    )
    deliver(
        lambda sender: failure_message(
            sender=sender,
            to=to,
            run_id=run.run_id,
            job=run.job_name,
            weeks=weeks,
            step=step,
            reason=reason.strip(),
        ),
        smtp,
        survey_settings,
        context.log,
        f"failure-{run.run_id}",
    )
    return None


def _unfinished_step(context: dg.RunFailureSensorContext) -> str:
    """The step a run was in when it failed without a step failing (its process was killed)."""
    ended = {dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    steps: dict[str, bool] = {}
    for record in context.instance.all_logs(
        context.dagster_run.run_id, of_type={dg.DagsterEventType.STEP_START, *ended}
    ):
        event = record.dagster_event
        if event is not None and event.step_key:
            steps[event.step_key] = event.event_type in ended
    unfinished = [step for step, done in steps.items() if not done]
    return ", ".join(unfinished) or "(none: the run failed before a step)"
