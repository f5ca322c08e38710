"""Monday's report on time: by `report.deadline` (09:00 by default, the configured time zone) the
week that just ended must have its report.

- In the UI: a freshness check on `weekly_report` (Dagster's time-partition freshness check,
  evaluated by its sensor) fails when the last complete week's partition is missing after the
  deadline, so the asset shows as overdue.
- By e-mail: `weekly_report_overdue_email` tells recipients.operations once per week, whatever
  the cause (a failed run, a run stuck in the queue, a daemon that was down at 06:00).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.config.settings import load_settings
from satisfaction_pipeline.defs.partitions import FIRST_WEEK
from satisfaction_pipeline.defs.report import weekly_report
from satisfaction_pipeline.defs.resources import SmtpResource, SurveySettings, deliver
from satisfaction_pipeline.delivery.message import overdue_message

_settings = load_settings(Paths.from_environment().config)
_deadline = _settings.report.deadline

report_freshness_checks = dg.build_time_partition_freshness_checks(
    assets=[weekly_report],
    deadline_cron=f"{_deadline.minute} {_deadline.hour} * * 1",
    timezone=_settings.timezone,
)
report_freshness_sensor = dg.build_sensor_for_freshness_checks(
    freshness_checks=report_freshness_checks,
    name="weekly_report_freshness",
    default_status=dg.DefaultSensorStatus.RUNNING,
)


def due_week(now: dt.datetime, deadline: dt.time, timezone: str) -> str | None:
    """The week whose report must exist at `now`: the week before this one, once this Monday's
    deadline has passed; None before it."""
    local = now.astimezone(ZoneInfo(timezone))
    monday = local.date() - dt.timedelta(days=local.weekday())
    if local < dt.datetime.combine(monday, deadline, local.tzinfo):
        return None
    return (monday - dt.timedelta(weeks=1)).isoformat()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dg.sensor(
    name="weekly_report_overdue_email",
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="E-mails recipients.operations once when the week's report is not built by "
    "report.deadline on Monday.",
)
def weekly_report_overdue_email(
    context: dg.SensorEvaluationContext, survey_settings: SurveySettings, smtp: SmtpResource
) -> dg.SkipReason:
    settings = survey_settings.load()
    week = due_week(_now(), settings.report.deadline, settings.timezone)
    if week is None or week < FIRST_WEEK.isoformat():
        return dg.SkipReason("no report is due yet this week")
    if context.cursor == week:
        return dg.SkipReason(f"the report of week {week} was already said to be overdue")
    built = context.instance.get_materialized_partitions(weekly_report.key)
    if week in built:
        return dg.SkipReason(f"the report of week {week} is built")
    to = settings.recipients.operations
    if to:
        deadline = f"{settings.report.deadline:%H:%M} on Monday ({settings.timezone})"
        deliver(
            lambda sender: overdue_message(sender=sender, to=to, week=week, deadline=deadline),
            smtp,
            survey_settings,
            context.log,
            f"overdue-{week}",
        )
    context.update_cursor(week)
    return dg.SkipReason(
        f"the report of week {week} is overdue: "
        + ("operations told" if to else "recipients.operations is empty, nobody told")
    )
