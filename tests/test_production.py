"""Running for a year unwatched: two runs started together share the one DuckDB file by taking
turns (the warehouse concurrency pool), instead of one failing on the file's lock."""

from __future__ import annotations

import datetime as dt
import email
import os
import shutil
import subprocess
import sys
import time
from email import policy
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.defs import freshness
from satisfaction_pipeline.defs.freshness import due_week
from satisfaction_pipeline.defs.resources import SmtpResource, SurveySettings
from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL, ensure_one_writer

from .conftest import LAST_WEEK, PROJECT


def _warehouse_steps(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, float, float]]:
    """(step, start, end) of each step of a run, from the instance's event log."""
    started: dict[str, float] = {}
    steps = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = record.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS,
                                  dg.DagsterEventType.STEP_FAILURE):  # fmt: skip
            steps.append((event.step_key, started[event.step_key], record.timestamp))
    return steps


def test_two_runs_started_together_both_succeed_one_step_at_a_time(pipeline_env: Paths) -> None:
    """The weekly run and a rebuild of the week before, launched at the same moment as two
    processes on one warehouse and one Dagster instance: both succeed, and no two steps that
    open the warehouse ever ran at the same time."""
    with dg.DagsterInstance.get() as instance:
        # As after installation: the instance's tables exist and the pool has its one slot
        # (docs/deployment.md sets it). Two first-ever runs racing to create the tables, or the
        # slot, can each make one: a race of installation, outside this test.
        ensure_one_writer(instance)
    weeks = [LAST_WEEK - dt.timedelta(weeks=1), LAST_WEEK]
    command = [sys.executable, "-m", "satisfaction_pipeline.cli", "run", "--week"]
    runs = [
        subprocess.Popen(
            [*command, week.isoformat()],
            env=dict(os.environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for week in weeks
    ]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], "\n".join(outputs)

    with dg.DagsterInstance.get() as instance:
        records = instance.get_run_records()
        assert len(records) == 2 and all(r.dagster_run.is_success for r in records)
        assert instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).slot_count == 1
        first, second = (_warehouse_steps(instance, r.dagster_run.run_id) for r in records)
    assert len(first) == len(second) >= 7  # every asset and check of the job, in both runs
    overlaps = [(a, b) for a in first for b in second if a[1] < b[2] and b[1] < a[2]]
    assert overlaps == [], overlaps


def test_the_running_daemon_ingests_a_dropped_export_within_one_sensor_interval(
    pipeline_env: Paths, tmp_path: Path
) -> None:
    """The real thing: `dagster-daemon run` with the sensor on (as the production config has
    it), an empty inbox, then an export copied in. Its ingestion run must be created within
    one sensor interval (plus the daemon's own loop) and succeed."""
    interval = 5
    config = yaml.safe_load(pipeline_env.config.read_text(encoding="utf-8"))
    config["inbox"] = {"watch": True, "interval_seconds": interval, "settle_seconds": 0}
    watched = tmp_path / "watched.yaml"
    watched.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    inbox = tmp_path / "empty_inbox"
    inbox.mkdir()
    env = dict(os.environ, SATISFACTION_CONFIG=str(watched), SATISFACTION_INBOX=str(inbox))
    # its output goes to a file: a pipe nobody reads while it runs fills up, and then every
    # process writing a log line to it (the run's steps too) blocks
    output = (tmp_path / "daemon.log").open("w+")
    daemon = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-daemon"), "run",
         "-w", str(PROJECT / "workspace.yaml")],
        env=env, stdout=output, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        with dg.DagsterInstance.get() as instance:
            _wait(lambda: _sensor_ticks(instance) > 0, 90, "the daemon's first look")
            export = next(pipeline_env.inbox.glob("support_fr_*.csv"))
            dropped = time.time()
            shutil.copy(export, inbox / export.name)
            run = _wait(lambda: _inbox_run(instance), 4 * interval + 10, "the ingestion run")
            created = run.create_timestamp.timestamp() - dropped
            finished = _wait(lambda: _finished(instance, run.dagster_run.run_id), 120, "its end")
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
        output.seek(0)
        log = output.read()
        output.close()
    assert finished.is_success, log[-3000:]
    assert run.dagster_run.tags["satisfaction/files"] == export.name
    # the next look is at most one interval away; the daemon adds its own loop (a busy machine
    # measured 9-10 s with a 5 s interval)
    assert created <= 2 * interval + 5, f"created {created:.1f} s after the drop"
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM raw.responses").fetchall()[0][0] > 0


def _wait(probe, seconds: float, what: str):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if found := probe():
            return found
        time.sleep(0.5)
    raise AssertionError(f"waited {seconds} s for {what}")


def _sensor_ticks(instance: dg.DagsterInstance) -> int:
    states = [s for s in instance.all_instigator_state() if s.name == "inbox_sensor"]
    return (
        len(instance.get_ticks(states[0].instigator_origin_id, states[0].selector_id))
        if states
        else 0
    )


def _inbox_run(instance: dg.DagsterInstance):
    records = instance.get_run_records(dg.RunsFilter(tags={"satisfaction/trigger": "inbox"}))
    return records[0] if records else None


def _finished(instance: dg.DagsterInstance, run_id: str):
    run = instance.get_run_by_id(run_id)
    return run if run is not None and run.is_finished else None


@pytest.mark.parametrize(
    ("now", "due"),
    [
        ("2026-11-16T08:59:00+01:00", None),  # Monday, a minute before 09:00 in Paris
        ("2026-11-16T09:00:00+01:00", "2026-11-09"),
        ("2026-11-16T08:30:00+00:00", "2026-11-09"),  # 09:30 in Paris
        ("2026-11-18T03:00:00+01:00", "2026-11-09"),  # Wednesday: still that week's
        ("2026-03-30T07:30:00+00:00", "2026-03-23"),  # 09:30 CEST, the day after clocks went on
    ],
)
def test_the_report_is_due_after_mondays_deadline(now: str, due: str | None) -> None:
    assert due_week(dt.datetime.fromisoformat(now), dt.time(9), "Europe/Paris") == due


def test_operations_hear_once_when_the_report_is_overdue(
    pipeline_env: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    told = _config_telling_operations(pipeline_env)
    survey = SurveySettings(
        config_path=str(told), inbox=str(pipeline_env.inbox), reports=str(pipeline_env.reports)
    )
    resources = {
        "survey_settings": survey,
        "smtp": SmtpResource(),
        "warehouse": _warehouse(pipeline_env),
    }
    monkeypatch.setattr(freshness, "_now", lambda: dt.datetime(2026, 11, 16, 9, 30, tzinfo=dt.UTC))
    week = "2026-11-09"
    with dg.instance_for_test() as instance:

        def evaluate(cursor: str | None) -> tuple[str, str | None]:
            with dg.build_sensor_context(
                instance=instance, cursor=cursor, resources=resources
            ) as context:  # left, so that its instance does not stay current
                skip = freshness.weekly_report_overdue_email(context)
                return skip.skip_message, context.cursor

        message, cursor = evaluate(None)
        assert message == f"the report of week {week} is overdue: operations told"
        [mail] = (pipeline_env.reports / "outbox").glob(f"overdue-{week}*.eml")
        sent = email.message_from_bytes(mail.read_bytes(), policy=policy.default)
        assert sent["To"] == "exploitation@example.com" and week in sent["Subject"]
        assert "09:00 on Monday (Europe/Paris)" in sent.get_content()
        assert evaluate(cursor)[0].endswith("was already said to be overdue")

        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key="weekly_report", partition=week)
        )
        assert evaluate(None)[0] == f"the report of week {week} is built"


def test_the_report_has_a_freshness_check_due_monday_at_the_deadline() -> None:
    from satisfaction_pipeline.definitions import load_definitions

    definitions = load_definitions()
    [check] = [k for c in definitions.asset_checks for k in c.check_keys if "fresh" in k.name]
    assert check.asset_key == dg.AssetKey("weekly_report")
    sensor = definitions.resolve_sensor_def("weekly_report_freshness")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    job = definitions.resolve_job_def("weekly_report_job")
    assert not any("freshness" in name for name in job.graph.node_dict)


def test_a_backup_is_a_consistent_copy_and_never_overwrites(
    pipeline_env: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    copy = tmp_path / "saved" / "warehouse.duckdb"
    assert main(["backup", "--to", str(copy)]) == 0
    assert f"warehouse copied to {copy}" in capsys.readouterr().out
    tables = ("raw.responses", "marts.weekly_scores", "ops.files", "ops.schema_version")
    counts = []
    for path in (pipeline_env.warehouse, copy):
        with duckdb.connect(str(path), read_only=True) as conn:
            counts.append([conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables])
    assert counts[0] == counts[1] and counts[0][0] > 0

    assert main(["backup", "--to", str(copy)]) == 1
    assert "exists already: choose another --to" in capsys.readouterr().err


def test_an_overdue_e_mail_the_server_refuses_goes_to_the_outbox(
    pipeline_env: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    told = _config_telling_operations(pipeline_env)
    for variable, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(_free_port()),
        "SMTP_SECURITY": "none",
        "REPORT_SENDER": "s@example.com",
    }.items():
        monkeypatch.setenv(variable, value)  # fmt: skip
    monkeypatch.setattr(freshness, "_now", lambda: dt.datetime(2026, 11, 16, 9, 30, tzinfo=dt.UTC))
    survey = SurveySettings(
        config_path=str(told), inbox=str(pipeline_env.inbox), reports=str(pipeline_env.reports)
    )
    with (
        dg.instance_for_test() as instance,
        dg.build_sensor_context(
            instance=instance,
            resources={
                "survey_settings": survey,
                "smtp": SmtpResource(),
                "warehouse": _warehouse(pipeline_env),
            },
        ) as context,
    ):
        freshness.weekly_report_overdue_email(context)
    [kept] = (pipeline_env.reports / "outbox").glob("overdue-2026-11-09*.eml")
    assert "exploitation@example.com" in kept.read_text(encoding="utf-8")


def _warehouse(pipeline_env: Paths) -> DuckDBResource:
    return DuckDBResource(database=str(pipeline_env.warehouse))


def _config_telling_operations(pipeline_env: Paths) -> Path:
    """A copy of the configuration with an operations address to tell."""
    config = yaml.safe_load(pipeline_env.config.read_text(encoding="utf-8"))
    config["recipients"]["operations"] = ["exploitation@example.com"]
    told = pipeline_env.reports.parent / "told.yaml"
    told.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return told


def _free_port() -> int:
    """A loopback port nothing listens on: the SMTP connection is refused."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_cli_waits_asleep_while_another_run_holds_the_warehouse() -> None:
    """Dagster's own wait for a pool slot spins a CPU core; the CLI waits before starting,
    sleeping, says once who holds the warehouse, and goes on as soon as it is free."""
    import threading

    from satisfaction_pipeline.defs.warehouse_pool import wait_for_warehouse

    with dg.instance_for_test() as instance:
        ensure_one_writer(instance)
        storage = instance.event_log_storage
        assert storage.claim_concurrency_slot(WAREHOUSE_POOL, "weekly-run", "responses").is_claimed
        said: list[str] = []
        waiting = threading.Thread(target=wait_for_warehouse, args=(instance, said.append, 0.05))
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive() and said == [
            "waiting for the warehouse: run weekly-run is using it"
        ]
        storage.free_concurrency_slot_for_step("weekly-run", "responses")
        waiting.join(timeout=5)
        assert not waiting.is_alive() and len(said) == 1
