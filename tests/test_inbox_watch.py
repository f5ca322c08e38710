"""The inbox sensor: a new or changed export starts an ingestion run once it is finished; a
touched or half-written file does not."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.defs.inbox import inbox_job, inbox_sensor
from satisfaction_pipeline.defs.partitions import weekly_partitions
from satisfaction_pipeline.defs.resources import SurveySettings
from satisfaction_pipeline.ingest.watch import look

HOUR = 3600.0
COUNTS = ["status", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate"]


def _age(path: Path, seconds: float) -> None:
    """Make a file look written `seconds` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_finished_new_file_is_ready_once_and_a_touch_changes_nothing(tmp_path: Path) -> None:
    export = tmp_path / "support_2026-11-09.csv"
    export.write_text("id;note\n1;5\n", encoding="utf-8")
    _age(export, HOUR)
    files = {export.name: export}

    first = look(files, {}, time.time(), settle_seconds=10)
    assert first.ready == [export.name] and first.settling == []
    again = look(files, json.loads(json.dumps(first.state)), time.time(), 10)  # a JSON cursor
    assert again.ready == [] and again.state == first.state

    export.touch()  # same bytes, new time: it looks like a write in progress, then is known
    touched = look(files, again.state, time.time(), 10)
    assert touched.ready == [] and touched.settling == [export.name]
    _age(export, 11)  # quiet again: its bytes are hashed, and are those already seen
    settled = look(files, touched.state, time.time(), 10)
    assert settled.ready == [] and settled.settling == []

    export.write_text("id;note\n1;5\n2;1\n", encoding="utf-8")  # changed content
    _age(export, HOUR)
    assert look(files, settled.state, time.time(), 10).ready == [export.name]


def test_a_file_still_growing_waits_until_it_holds_still(tmp_path: Path) -> None:
    export = tmp_path / "big.csv"
    export.write_bytes(b"id;note\n" + b"1;5\n" * 1000)
    files = {export.name: export}
    growing = look(files, {}, time.time(), settle_seconds=60)
    assert growing.ready == [] and growing.settling == [export.name]
    with export.open("ab") as handle:
        handle.write(b"2;4\n" * 1000)
    still = look(files, growing.state, time.time(), 60)
    assert still.ready == [] and still.settling == [export.name]
    _age(export, 61)  # the copy ended a minute ago
    done = look(files, still.state, time.time(), 60)
    assert done.ready == [export.name]
    assert look({}, done.state, time.time(), 60).state == {}  # a file gone is forgotten


def _inbox_copy(pipeline_env: Paths, tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    shutil.copytree(pipeline_env.inbox, inbox)
    for path in inbox.iterdir():
        _age(path, HOUR)
    return inbox


def test_the_sensor_asks_for_one_ingestion_run_per_new_content(
    pipeline_env: Paths, tmp_path: Path
) -> None:
    inbox = _inbox_copy(pipeline_env, tmp_path)
    from satisfaction_pipeline.config.settings import load_settings
    from satisfaction_pipeline.ingest.inbox import ingest_inbox
    from satisfaction_pipeline.warehouse import create_schema

    survey_settings = SurveySettings(
        config_path=str(pipeline_env.config), inbox=str(inbox), reports=str(pipeline_env.reports)
    )
    resources = {
        "survey_settings": survey_settings,
        "warehouse": DuckDBResource(database=str(pipeline_env.warehouse)),
    }
    with dg.instance_for_test() as instance:

        def look(cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str | None]:
            # entered and left: a context left open keeps its instance current in Dagster's
            # context variables, and later definitions loads would use that dead instance
            with dg.build_sensor_context(
                instance=instance, cursor=cursor, resources=resources
            ) as context:
                return inbox_sensor(context), context.cursor

        request, cursor = look(None)
        assert isinstance(request, dg.RunRequest)
        assert request.partition_key == weekly_partitions.get_last_partition_key()
        assert request.tags["satisfaction/trigger"] == "inbox"
        assert isinstance(look(cursor)[0], dg.SkipReason)  # nothing new since

        # switched on over exports already loaded: its first look asks for no run
        pipeline_env.warehouse.parent.mkdir(parents=True)
        with duckdb.connect(str(pipeline_env.warehouse)) as conn:
            create_schema(conn)
            ingest_inbox(conn, load_settings(pipeline_env.config), inbox, dt.datetime(2026, 11, 16))
        first, _ = look(None)
        assert isinstance(first, dg.SkipReason), first

        late = inbox / "support_fr_late.csv"
        shutil.copy(next(inbox.glob("support_fr_*.csv")), late)
        late.write_bytes(late.read_bytes() + b"\n")  # same rows, other bytes: a new content
        _age(late, HOUR)
        again, _ = look(cursor)
        assert isinstance(again, dg.RunRequest) and again.run_key != request.run_key
        assert again.tags["satisfaction/files"] == "support_fr_late.csv"


def test_the_ingestion_run_loads_the_inbox_and_builds_no_report(pipeline_env: Paths) -> None:
    week = weekly_partitions.get_last_partition_key()
    from satisfaction_pipeline.definitions import load_definitions

    job = load_definitions().resolve_job_def(inbox_job.name)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(instance=instance, partition_key=week)
    assert result.success
    assert {e.asset_key.path[-1] for e in result.get_asset_materialization_events()} == {
        "survey_files"
    }
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        loaded = conn.execute("SELECT count(*) FROM raw.responses").fetchall()[0][0]
        marts = conn.execute("SELECT count(*) FROM marts.weekly_scores").fetchall()[0][0]
    assert loaded > 0 and marts == 0
    assert not (pipeline_env.reports / week).exists()


def test_a_run_leaves_an_export_still_being_written_for_the_next_one(
    pipeline_env: Paths, tmp_path: Path, settings
) -> None:
    """A half-copied export must not be loaded: its last row would be cut, and the complete
    file later would find that response already loaded (for good, as a duplicate)."""
    from satisfaction_pipeline import warehouse
    from satisfaction_pipeline.ingest.inbox import ingest_inbox

    inbox = _inbox_copy(pipeline_env, tmp_path)
    export = next(inbox.glob("support_fr_*.csv"))
    whole = export.read_bytes()
    export.write_bytes(whole[: len(whole) // 2])  # being copied in right now
    now = dt.datetime(2026, 11, 16, 6, 0)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        warehouse.create_schema(conn)
        first = ingest_inbox(conn, settings, inbox, now, settled_before=time.time() - 10)
        assert first.unsettled == [export.name]
        assert export.name not in first.files.get_column("file_name").to_list()

        export.write_bytes(whole)  # the copy ends; a while later, the next run
        _age(export, HOUR)
        second = ingest_inbox(conn, settings, inbox, now, settled_before=time.time() - 10)
        assert second.unsettled == []
        counts = second.files.filter(pl.col("file_name") == export.name).select(COUNTS)
    with duckdb.connect(str(tmp_path / "whole.duckdb")) as conn:  # the file read whole at once
        warehouse.create_schema(conn)
        alone = ingest_inbox(conn, settings, inbox, now, settled_before=time.time() - 10)
        assert counts.rows(named=True) == (
            alone.files.filter(pl.col("file_name") == export.name).select(COUNTS).rows(named=True)
        )


def test_a_file_replaced_by_one_of_the_same_size_and_time_is_seen(tmp_path: Path) -> None:
    """`cp -p` or `rsync -t` of a corrected export: same size, same modification time."""
    export = tmp_path / "support.csv"
    export.write_bytes(b"id;note\n1;5\n")
    _age(export, HOUR)
    first = look({export.name: export}, {}, time.time(), 10)
    stat = export.stat()
    replacement = tmp_path / "incoming.tmp"
    replacement.write_bytes(b"id;note\n1;4\n")  # one byte differs
    os.utime(replacement, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(replacement, export)
    assert export.stat().st_size == stat.st_size and export.stat().st_mtime_ns == stat.st_mtime_ns
    assert look({export.name: export}, first.state, time.time(), 10).ready == [export.name]
