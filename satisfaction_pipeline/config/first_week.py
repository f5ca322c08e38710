"""The first weekly partition. A configuration may set `first_week`; without it, the weeks start
with the earliest response loaded: ingestion records that week's Monday in a small file beside
the warehouse (`satisfaction.duckdb.first_week`), which the definitions read when they load — a
file, so that loading them never opens the warehouse a run may be writing. Before any data, the
weeks start with last week."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def recorded_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".first_week")


def first_week(
    configured: dt.date | None, warehouse: Path, today: dt.date | None = None
) -> dt.date:
    """`first_week` when configured, else the earliest week with responses, else last week."""
    if configured is not None:
        return configured
    if recorded := _recorded(warehouse):
        return recorded
    today = today or dt.date.today()
    return today - dt.timedelta(days=today.weekday(), weeks=1)


def record_earliest_week(warehouse: Path, week: dt.date) -> bool:
    """Record `week` (a Monday with responses) if it is earlier than the week recorded; True
    when the weeks now start earlier. Written whole, then renamed: a reader never sees half."""
    recorded = _recorded(warehouse)
    if recorded is not None and recorded <= week:
        return False
    path = recorded_path(warehouse)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(week.isoformat() + "\n", encoding="utf-8")
    partial.replace(path)
    return True


def _recorded(warehouse: Path) -> dt.date | None:
    try:
        return dt.date.fromisoformat(recorded_path(warehouse).read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None
