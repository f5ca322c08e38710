"""The weekly job and its schedule: every Monday 06:00 (configured time zone) it builds the week
that just ended."""

import dagster as dg

weekly_job = dg.define_asset_job(
    "weekly_report_job",
    selection=dg.AssetSelection.groups("weekly"),
    description="Ingest the inbox, score the week, render the report.",
)

weekly_schedule = dg.build_schedule_from_partitioned_job(
    weekly_job,
    name="weekly_report_schedule",
    hour_of_day=6,
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
