"""Shared fixtures: demo exports generated into a temporary inbox, and an environment that points
the pipeline at a temporary warehouse file, report folder and Dagster instance."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from satisfaction_pipeline.config.settings import Settings, load_settings, parse_settings
from satisfaction_pipeline.demo_data import DemoManifest, generate_demo

PROJECT = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = PROJECT / "satisfaction.yaml"
LAST_WEEK = dt.date(2026, 11, 9)

# Dagster's partitions are built from the configuration when `defs` is first imported.
os.environ.setdefault("SATISFACTION_CONFIG", str(EXAMPLE_CONFIG))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def demo_inbox(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    """Four small weeks of the three demo exports (read-only: copy before changing files)."""
    inbox = tmp_path_factory.mktemp("demo") / "inbox"
    return generate_demo(inbox, LAST_WEEK, weeks=4, volume=0.35)


@pytest.fixture
def conn(tmp_path: Path):
    """A fresh warehouse file with every table, opened."""
    import duckdb

    from satisfaction_pipeline import warehouse

    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.create_schema(connection)
    yield connection
    connection.close()


@pytest.fixture
def pipeline_env(tmp_path: Path, demo_inbox: DemoManifest, monkeypatch: pytest.MonkeyPatch):
    """SATISFACTION_* and DAGSTER_HOME set for one test; returns the paths."""
    from satisfaction_pipeline.config.paths import Paths

    paths = Paths(
        config=EXAMPLE_CONFIG,
        inbox=demo_inbox.files[0].parent,
        warehouse=tmp_path / "warehouse" / "satisfaction.duckdb",
        reports=tmp_path / "reports",
    )
    for variable, value in {
        "SATISFACTION_CONFIG": paths.config,
        "SATISFACTION_INBOX": paths.inbox,
        "SATISFACTION_WAREHOUSE": paths.warehouse,
        "SATISFACTION_REPORTS": paths.reports,
        "DAGSTER_HOME": tmp_path / "dagster_home",
    }.items():
        monkeypatch.setenv(variable, str(value))
    for variable in ("SMTP_HOST", "SMTP_PORT", "SMTP_USER", "SMTP_PASSWORD", "SMTP_SECURITY",
                     "REPORT_SENDER", "SMTP_CA_FILE"):  # fmt: skip
        monkeypatch.delenv(variable, raising=False)  # tests never e-mail the real world
    (tmp_path / "dagster_home").mkdir()
    (tmp_path / "dagster_home" / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"
    )
    return paths


def generic_settings(**overrides) -> Settings:
    """One hand-written CSV source: id, date, csat, nps, effort (CES 1-7), comment."""
    source = {
        "name": "generic",
        "pattern": "*.csv",
        "columns": {"response_id": "id", "submitted_at": "date"},
        "questions": [
            {"column": "csat", "metric": "csat"},
            {"column": "nps", "metric": "nps"},
            {"column": "effort", "metric": "ces", "scale": {"min": 1, "max": 7}},
            {"column": "comment", "metric": "comment"},
        ],
    }
    return parse_settings({"timezone": "Europe/Paris", "sources": [source | overrides]})
