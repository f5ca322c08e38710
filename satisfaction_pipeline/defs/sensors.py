"""Tell the operations address when the weekly job fails: the run id, the failing step and its
reason, by SMTP, or to the outbox when no SMTP server is configured."""

import dataclasses

import dagster as dg

from satisfaction_pipeline.defs.jobs import weekly_job
from satisfaction_pipeline.defs.resources import SmtpResource, SurveySettings
from satisfaction_pipeline.lib.mail import MailError, failure_message, send, write_outbox


@dg.run_failure_sensor(
    monitored_jobs=[weekly_job],
    name="weekly_run_failure_email",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="E-mails recipients.operations when the weekly job fails.",
)
def weekly_run_failure_email(
    context: dg.RunFailureSensorContext, survey_settings: SurveySettings, smtp: SmtpResource
) -> dg.SkipReason | None:
    to = survey_settings.load().recipients.operations
    if not to:
        return dg.SkipReason("recipients.operations is empty in the configuration")
    run = context.dagster_run
    failures = context.get_step_failure_events()
    step = failures[0].step_key if failures else "(none: the run failed before a step)"
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
    try:
        server = smtp.settings()
    except MailError as exc:  # the operations address still hears of the failure
        context.log.error(f"SMTP settings unusable ({exc}): the failure e-mail goes to the outbox")
        server = None
    message = failure_message(
        sender=server.sender if server else "satisfaction-pipeline@localhost",
        to=to,
        run_id=run.run_id,
        job=run.job_name,
        weeks=weeks,
        step=step,
        reason=reason.strip(),
    )
    if server is None:
        path = write_outbox(message, survey_settings.outbox_dir, f"failure-{run.run_id}")
        context.log.info(f"no SMTP_HOST set: the failure e-mail was written to {path}")
        return None
    try:  # one quick try: a sensor has about a minute
        send(message, dataclasses.replace(server, timeout=10.0), retries=0)
    except MailError as exc:
        context.log.error(f"the failure of run {run.run_id} could not be e-mailed: {exc}")
    return None
