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
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.config.location import OPERATIONS_VARIABLE
from satisfaction_pipeline.defs.partitions import FIRST_WEEK, LOCATION
from satisfaction_pipeline.defs.report import weekly_report
from satisfaction_pipeline.defs.resources import (
    SmtpResource,
    SurveySettings,
    alert_settings,
    deliver,
)
from satisfaction_pipeline.delivery.message import overdue_message

_deadline = LOCATION.deadline

report_freshness_checks = dg.build_time_partition_freshness_checks(
    assets=[weekly_report],
    deadline_cron=f"{_deadline.minute} {_deadline.hour} * * 1",
    timezone=LOCATION.timezone,
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
    context: dg.SensorEvaluationContext,
    survey_settings: SurveySettings,
    smtp: SmtpResource,
    warehouse: DuckDBResource,
) -> dg.SkipReason:
    # never from the configuration alone: a broken one may be why the report is late
    settings = alert_settings(survey_settings, warehouse)
    week = due_week(_now(), settings.deadline, settings.timezone)
    if week is None or week < FIRST_WEEK.isoformat():
        return dg.SkipReason("no report is due yet this week")
    if context.cursor == week:
        return dg.SkipReason(f"the report of week {week} was already said to be overdue")
    built = context.instance.get_materialized_partitions(weekly_report.key)
    if week in built:
        return dg.SkipReason(f"the report of week {week} is built")
    to = settings.operations
    if to:
        deadline = f"{settings.deadline:%H:%M} on Monday ({settings.timezone})"
        deliver(
            lambda sender: overdue_message(
                sender=sender, to=to, week=week, deadline=deadline, cause=settings.config_error
            ),
            smtp,
            survey_settings,
            context.log,
            f"overdue-{week}",
        )
    context.update_cursor(week)
    return dg.SkipReason(
        f"the report of week {week} is overdue: "
        + (
            "operations told"
            if to
            else f"no operations recipient ({OPERATIONS_VARIABLE}), nobody told"
        )
    )
