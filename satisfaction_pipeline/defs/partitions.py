"""Weekly partitions: a week starts on Monday 00:00 in the configured time zone and its key is
that Monday's date (`2026-11-16`)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from satisfaction_pipeline.lib.config import load_settings
from satisfaction_pipeline.lib.paths import Paths

_settings = load_settings(Paths.from_environment().config)

weekly_partitions = dg.WeeklyPartitionsDefinition(
    start_date=_settings.first_week.isoformat(),
    timezone=_settings.timezone,
    day_offset=1,  # Monday
)


def weeks_in(window: dg.TimeWindow) -> list[dt.date]:
    """The Mondays of the weeks a run covers (one for a single week, many for a backfill)."""
    first, end = window.start.date(), window.end.date()
    return [first + dt.timedelta(weeks=k) for k in range((end - first).days // 7)]
