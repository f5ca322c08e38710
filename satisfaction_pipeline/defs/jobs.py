"""The weekly job and its schedule: every Monday 06:00 (configured time zone) it builds the week
that just ended."""

import dagster as dg

from satisfaction_pipeline.defs import freshness

weekly_job = dg.define_asset_job(
    "weekly_report_job",
    # the report's freshness check is the freshness sensor's business, not the week's build
    selection=dg.AssetSelection.groups("weekly")
    - dg.AssetSelection.checks(*freshness.report_freshness_checks),
    description="Ingest the inbox, score the week, render the report.",
)

weekly_schedule = dg.build_schedule_from_partitioned_job(
    weekly_job,
    name="weekly_report_schedule",
    description="Every Monday at 06:00 (the configured time zone), builds and e-mails the "
    "report of the week that just ended.",
    hour_of_day=6,
    minute_of_hour=0,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
