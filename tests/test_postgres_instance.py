"""The production Dagster instance (`deploy/dagster.yaml`) against a real PostgreSQL server
started on loopback for the test: one week built through the schedule's code path, its run
recorded in PostgreSQL. Skipped, saying why, where PostgreSQL is not installed."""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import psycopg2
import pytest

from satisfaction_pipeline.config.paths import Paths

from .conftest import LAST_WEEK, PROJECT


def _postgres_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, or Debian's /usr/lib/postgresql/<v>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _as_server_user() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as the `postgres` user."""
    if os.geteuid() != 0:
        return []
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no `postgres` user to start PostgreSQL as")
    return ["runuser", "-u", "postgres", "--"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def postgres() -> Iterator[dict[str, str]]:
    """A throwaway PostgreSQL server on 127.0.0.1; yields the DAGSTER_PG_* settings."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (Debian: apt install postgresql); the test of the "
            "Postgres-backed Dagster instance needs its initdb and pg_ctl"
        )
    prefix = _as_server_user()
    root = Path(tempfile.mkdtemp(prefix="satisfaction-pg-"))
    if prefix:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()
    run = {"check": True, "capture_output": True, "text": True, "timeout": 120}
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "dagster", "-A", "trust",
         "--no-sync", "--encoding", "UTF8"], **run,
    )  # fmt: skip
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    subprocess.run(
        [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
         "-l", str(root / "server.log"), "start"], **run,
    )  # fmt: skip
    try:
        admin = psycopg2.connect(host="127.0.0.1", port=port, user="dagster", dbname="postgres")
        admin.autocommit = True  # CREATE DATABASE cannot run in a transaction
        admin.cursor().execute("CREATE DATABASE dagster")
        admin.close()
        yield {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(port),
            "DAGSTER_PG_DB": "dagster",
            "DAGSTER_PG_USER": "dagster",
            "DAGSTER_PG_PASSWORD": "",
        }
    finally:
        subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def test_a_week_built_by_the_schedule_is_recorded_in_postgres(
    pipeline_env: Paths, postgres: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "production_home"
    home.mkdir()
    shutil.copy(PROJECT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    for variable, value in postgres.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    from satisfaction_pipeline.definitions import load_definitions
    from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL

    definitions = load_definitions()
    schedule = definitions.resolve_schedule_def("weekly_report_schedule")

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        # the Monday after LAST_WEEK, 06:00 where the weeks are counted: what the daemon does
        monday = dt.datetime.combine(
            LAST_WEEK + dt.timedelta(days=7), dt.time(6), ZoneInfo(schedule.execution_timezone)
        )
        # entered and left: an open context keeps this instance current for later tests
        with dg.build_schedule_context(
            instance=instance, scheduled_execution_time=monday
        ) as context:
            [request] = schedule.evaluate_tick(context).run_requests
        assert request.partition_key == LAST_WEEK.isoformat()
        job = definitions.resolve_job_def(schedule.job_name)
        result = job.execute_in_process(
            instance=instance, partition_key=request.partition_key, tags=request.tags
        )
        assert result.success
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == 1

    with psycopg2.connect(
        host="127.0.0.1", port=int(postgres["DAGSTER_PG_PORT"]), user="dagster", dbname="dagster"
    ) as conn:
        cursor = conn.cursor()
        cursor.execute("SELECT run_id, pipeline_name, status, partition FROM runs")
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = %s",
            [result.run_id, "ASSET_MATERIALIZATION"],
        )
        materializations = cursor.fetchone()[0]
    assert rows == [(result.run_id, "weekly_report_job", "SUCCESS", LAST_WEEK.isoformat())]
    assert materializations >= 7  # every asset of the weekly job
    assert (pipeline_env.reports / LAST_WEEK.isoformat() / "report.pdf").exists()
