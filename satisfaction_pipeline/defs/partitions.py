"""Weekly partitions: a week starts on Monday 00:00 in the configured time zone and its key is
that Monday's date (`2026-11-16`). `WEEKLY` is what every weekly asset shares: the partitions,
one run for a whole range of weeks (`BackfillPolicy.single_run()`, so a UI backfill of a year is
one run, not 52), and the warehouse's one-writer pool."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from satisfaction_pipeline.config.first_week import first_week
from satisfaction_pipeline.config.location import location_settings
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL

_paths = Paths.from_environment()
# from the configuration, or the last that loaded: a broken file must not take the schedule and
# the alerts down with it (config/location.py)
LOCATION = location_settings(_paths.config, _paths.warehouse)
# configured, or the earliest week with data when the definitions load (reload them in the UI
# after loading older exports)
FIRST_WEEK = first_week(LOCATION.first_week, _paths.warehouse)

weekly_partitions = dg.WeeklyPartitionsDefinition(
    start_date=FIRST_WEEK.isoformat(),
    timezone=LOCATION.timezone,
    day_offset=1,  # Monday
)


def weeks_in(window: dg.TimeWindow) -> list[dt.date]:
    """The Mondays of the weeks a run covers (one for a single week, many for a backfill)."""
    first, end = window.start.date(), window.end.date()
    return [first + dt.timedelta(weeks=k) for k in range((end - first).days // 7)]


HAND_STARTED = {"cli", "cli-backfill", "demo"}  # satisfaction/trigger of runs the CLI starts

WEEKLY = {
    "partitions_def": weekly_partitions,
    "backfill_policy": dg.BackfillPolicy.single_run(),
    "group_name": "weekly",
    "pool": WAREHOUSE_POOL,  # one step at a time opens the DuckDB file, across all runs
}
