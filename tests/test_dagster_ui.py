"""The Dagster UI path (issue #27), through Dagster's own API on a real instance: every asset
materializes alone, each week of a ranged run shows its own figures and check results, and a
step waits for a warehouse another process holds instead of failing."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.definitions import load_definitions

from .conftest import LAST_WEEK

WEEK = LAST_WEEK.isoformat()


def _tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every marts table's rows, to see which ones a run changed."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        names = [
            name
            for (name,) in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
                " AND table_name NOT IN ('theme_builds', 'comment_readings')"
            ).fetchall()
        ]
        return {n: sorted(conn.execute(f"SELECT * FROM marts.{n}").fetchall(), key=repr)
                for n in names}  # fmt: skip


def test_every_asset_materializes_alone_for_a_week(pipeline_env: Paths) -> None:
    """What "Materialize selected" does in the UI for one asset and one week: a multi-asset's
    other asset is neither written nor said to be materialized."""
    assert main(["run", "--week", WEEK]) == 0
    defs = load_definitions()
    job = defs.resolve_implicit_global_asset_job_def()
    keys = sorted(defs.resolve_asset_graph().materializable_asset_keys, key=str)
    assert len(keys) == 11
    before = _tables(pipeline_env.warehouse)
    with dg.DagsterInstance.get() as instance:
        for key in keys:
            result = job.execute_in_process(
                asset_selection=[key], partition_key=WEEK, instance=instance,
                tags={"satisfaction/trigger": "cli"}, raise_on_error=False,
            )  # fmt: skip
            assert result.success, key
            materialized = {
                (event.asset_key, event.partition)
                for event in result.get_asset_materialization_events()
            }
            assert materialized == {(key, WEEK)}, key
    # nothing changed: the same inputs give the same rows, whichever asset wrote them
    assert _tables(pipeline_env.warehouse) == before
    # a range of weeks, as the backfill dialog launches it: one run, each week its own
    previous = (LAST_WEEK - dt.timedelta(weeks=1)).isoformat()
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            asset_selection=[dg.AssetKey("standouts")], instance=instance,
            tags={"dagster/asset_partition_range_start": previous,
                  "dagster/asset_partition_range_end": WEEK},
        )  # fmt: skip
    assert {(e.asset_key.to_user_string(), e.partition)
            for e in result.get_asset_materialization_events()} == {
        ("standouts", previous), ("standouts", WEEK)
    }  # fmt: skip


def test_each_week_of_a_ranged_run_shows_its_own_figures(pipeline_env: Paths) -> None:
    first = LAST_WEEK - dt.timedelta(weeks=2)
    weeks = [(first + dt.timedelta(weeks=k)).isoformat() for k in range(3)]
    assert main(["backfill", "--from", weeks[0], "--to", weeks[-1]]) == 0
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        rows = dict(conn.execute(
            "SELECT strftime(week, '%Y-%m-%d'), count(*) FROM marts.responses GROUP BY ALL"
        ).fetchall())  # fmt: skip
        csat = dict(conn.execute(
            "SELECT strftime(week, '%Y-%m-%d'), round(score, 2) FROM marts.weekly_scores"
            " WHERE dimension = 'overall' AND metric = 'csat'"
        ).fetchall())  # fmt: skip
    assert len(set(rows.values())) > 1  # weeks differ: a range's figure would show

    with dg.DagsterInstance.get() as instance:

        def latest(asset: str, week: str) -> dict:
            [event] = instance.fetch_materializations(
                dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[week]),
                limit=1,
            ).records
            metadata = event.asset_materialization.metadata
            return {name: value.value for name, value in metadata.items()}

        for week in weeks:
            assert latest("responses", week)["dagster/row_count"] == rows[week]
            scores = latest("weekly_scores", week)
            assert scores["csat"] == csat[week] and scores["n_csat"] > 0
            assert "3 week(s) built in one run" in scores["run_weeks"]
            report = latest("weekly_report", week)
            assert report["report"].endswith(f"/{week}/report.html")
            assert report["report_pdf"] == str(pipeline_env.reports / week / "report.pdf")
            assert "| rank | theme | owner |" in latest("action_list", week)["preview"]
            assert latest("report_email", week)["outcome"] == "backfill: not sent"
        checks = _check_weeks(instance)
    # every check has its own result for every week
    assert checks == {(check, week) for check in CHECKS for week in weeks}


CHECKS = {
    "every_row_is_accounted_for",
    "every_file_is_readable",
    "response_ids_are_unique",
    "scores_in_range",
    "evidence_is_in_its_comment",
}


def _check_weeks(instance: dg.DagsterInstance) -> set[tuple[str, str]]:
    """The (check, week) pairs the instance holds a passed evaluation for."""
    found = set()
    for key in load_definitions().resolve_asset_graph().asset_check_keys:
        for info in instance.event_log_storage.get_asset_check_partition_info([key]):
            if info.partition_key and info.latest_execution_status.value == "SUCCEEDED":
                found.add((key.name, info.partition_key))
    return found


def test_a_step_waits_for_a_warehouse_another_process_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance without the pool's limit lets two steps start at once: the second waits for
    the file, saying so, instead of failing on DuckDB's lock."""
    from satisfaction_pipeline.defs import resources

    database = tmp_path / "w.duckdb"
    duckdb.connect(str(database)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(2)", str(database)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())
    logger = dg.get_dagster_logger()
    logger.addHandler(handler)
    monkeypatch.setattr(resources, "LOCK_SAID_EVERY", 0.5)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with resources.open_warehouse(DuckDBResource(database=str(database))) as conn:
            waited = time.monotonic() - started
            assert conn.execute("SELECT 42").fetchall() == [(42,)]
    finally:
        logger.removeHandler(handler)
        holder.wait()
    assert waited > 0.5
    assert said and all("waiting for the warehouse" in line for line in said)
    assert "default_limit: 1" in said[0]


def test_only_processes_that_run_steps_start_the_name_reader_early() -> None:
    """A run launched from the UI loads its models while the definitions load, as a CLI run
    does; the webserver and the daemon, which load the definitions too, never start them."""
    from satisfaction_pipeline.definitions import _runs_steps

    assert _runs_steps(["api", "execute_run", '{"__class__": "ExecuteRunArgs"}'])
    assert _runs_steps(["asset", "materialize", "--select", "*", "--partition", WEEK])
    assert not _runs_steps(["dev", "-w", "workspace.yaml"])
    assert not _runs_steps(["run", "-w", "workspace.yaml"])  # dagster-daemon run
    server = ["api", "grpc", "--module-name", "satisfaction_pipeline.definitions"]
    assert not _runs_steps(server)  # a code server
    assert _runs_steps(server, spawned=True)  # the run it spawns
    assert not _runs_steps(["dev", "-w", "workspace.yaml"], spawned=True)


def test_a_late_export_rebuilds_exactly_the_weeks_it_touches(
    pipeline_env: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three weeks built; an export with new responses for the middle one arrives and the inbox
    sensor's run loads it: the late-export sensor asks for one run of that week alone, and the
    other weeks' reports stay as they were built."""
    import re

    from satisfaction_pipeline.defs.inbox import inbox_job, late_export_sensor

    inbox = tmp_path / "inbox"  # a copy: the demo's inbox is every test's
    shutil.copytree(pipeline_env.inbox, inbox)
    monkeypatch.setenv("SATISFACTION_INBOX", str(inbox))
    first = LAST_WEEK - dt.timedelta(weeks=2)
    middle = (LAST_WEEK - dt.timedelta(weeks=1)).isoformat()
    assert main(["backfill", "--from", first.isoformat(), "--to", WEEK]) == 0
    defs = load_definitions()
    with dg.DagsterInstance.get() as instance:

        def look(cursor: str | None):
            with dg.build_sensor_context(instance=instance, cursor=cursor) as context:
                return late_export_sensor(context), context.cursor

        skipped, cursor = look(None)
        assert "first look" in skipped.skip_message
        assert "no export loaded" in look(cursor)[0].skip_message

        export = inbox / f"support_fr_{middle}.csv"
        late = inbox / f"support_fr_{middle}_late.csv"
        text = export.read_bytes().replace(b"FR-", b"FRL-")  # other responses, same week
        late.write_bytes(re.sub(rb";C(\d{6});", rb";L\1;", text))
        loaded = defs.resolve_job_def(inbox_job.name).execute_in_process(
            instance=instance, partition_key=WEEK, tags={"satisfaction/trigger": "cli"}
        )
        assert loaded.success
        requests, cursor = look(cursor)
        assert [(r.tags["dagster/asset_partition_range_start"],
                 r.tags["dagster/asset_partition_range_end"]) for r in requests] == [
            (middle, middle)
        ]  # fmt: skip
        assert "no export loaded" in look(cursor)[0].skip_message  # asked once

        reports = {w: (pipeline_env.reports / w / "report.html").stat().st_mtime_ns
                   for w in (first.isoformat(), middle, WEEK)}  # fmt: skip
        rebuilt = defs.resolve_job_def("weekly_report_job").execute_in_process(
            instance=instance, tags=requests[0].tags
        )
        assert rebuilt.success
    after = {w: (pipeline_env.reports / w / "report.html").stat().st_mtime_ns for w in reports}
    assert [w for w in reports if after[w] != reports[w]] == [middle]
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        late_rows = conn.execute(
            "SELECT count(*) FROM marts.responses WHERE response_id LIKE 'FRL-%'"
        ).fetchall()[0][0]
    assert late_rows > 0
