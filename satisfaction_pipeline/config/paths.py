"""Where the pipeline reads and writes: command-line options or environment, then defaults.

The CLI sets the environment variables from its options before Dagster loads the definitions, so
the UI, the daemon and the CLI all resolve the same paths the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENVIRONMENT = {
    "config": ("SATISFACTION_CONFIG", "satisfaction.yaml"),
    "inbox": ("SATISFACTION_INBOX", "inbox"),
    "warehouse": ("SATISFACTION_WAREHOUSE", "warehouse/satisfaction.duckdb"),
    "reports": ("SATISFACTION_REPORTS", "reports"),
}


@dataclass(frozen=True)
class Paths:
    config: Path
    inbox: Path
    warehouse: Path
    reports: Path

    @classmethod
    def from_environment(cls) -> Paths:
        """Absolute paths from SATISFACTION_* variables, relative ones against the working dir."""
        return cls(
            **{
                key: Path(os.environ.get(variable) or default).expanduser().resolve()
                for key, (variable, default) in ENVIRONMENT.items()
            }
        )

    def export(self) -> None:
        """Publish these paths to the environment, for Dagster code loaded after this call."""
        for key, (variable, _) in ENVIRONMENT.items():
            os.environ[variable] = str(getattr(self, key))


REPORTS_URL = "SATISFACTION_REPORTS_URL"  # where a web server serves the reports folder


def report_url(reports: Path, file: Path) -> str:
    """A link the operator opens from the Dagster UI: under SATISFACTION_REPORTS_URL when a web
    server serves the reports folder (a browser does not follow file:// links from a web page),
    else the file's own file:// address, for a UI on the same machine."""
    base = os.environ.get(REPORTS_URL, "").strip()
    if not base:
        return file.resolve().as_uri()
    return base.rstrip("/") + "/" + file.resolve().relative_to(reports.resolve()).as_posix()
