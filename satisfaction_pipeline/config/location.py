"""What the Dagster code location and its alerts need of the configuration — time zone, first
week, the report's deadline, the inbox sensor's settings, the operations recipients — available
whatever state `satisfaction.yaml` is in.

Each time the configuration loads, these are kept beside the warehouse
(`satisfaction.duckdb.location.json`). When it does not (a typo saved while the daemon runs),
the definitions still load from the kept ones: the schedule and sensors stay up, a run fails
on the configuration with its one readable message, and the failure and overdue e-mails reach
the operations recipients of the last configuration that loaded (or SATISFACTION_OPERATIONS,
which names them whatever the file says).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from pydantic import BaseModel

from satisfaction_pipeline.config.settings import ConfigError, Inbox, Settings, load_settings

OPERATIONS_VARIABLE = "SATISFACTION_OPERATIONS"  # comma-separated addresses


class LocationSettings(BaseModel):
    timezone: str = Settings.model_fields["timezone"].default
    first_week: dt.date | None = None
    deadline: dt.time = dt.time(9, 0)
    inbox: Inbox = Inbox()
    operations: list[str] = []
    # why the configuration did not load, when these are the kept ones (or the defaults)
    config_error: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> LocationSettings:
        return cls(
            timezone=settings.timezone,
            first_week=settings.first_week,
            deadline=settings.report.deadline,
            inbox=settings.inbox,
            operations=settings.recipients.operations,
        )


def kept_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".location.json")


def location_settings(config: Path, warehouse: Path) -> LocationSettings:
    """From the configuration, then kept; if it does not load, the kept ones (the defaults
    before any), with the configuration's error."""
    kept = kept_path(warehouse)
    try:
        found = LocationSettings.of(load_settings(config))
    except ConfigError as exc:
        found = (_read(kept) or LocationSettings()).model_copy(update={"config_error": str(exc)})
    else:
        _keep(kept, found)
    if named := [
        a.strip() for a in os.environ.get(OPERATIONS_VARIABLE, "").split(",") if a.strip()
    ]:
        found = found.model_copy(update={"operations": named})
    return found


def _read(path: Path) -> LocationSettings | None:
    try:
        return LocationSettings.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _keep(path: Path, found: LocationSettings) -> None:
    """Written whole, then renamed (a reader never sees half), and only when it changed; a
    folder that cannot be written keeps nothing, quietly: the run that needs it says why."""
    text = found.model_dump_json(indent=2)
    try:
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass
