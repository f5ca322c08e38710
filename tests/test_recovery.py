"""A crash never stops the next run (docs/operations.md, "When something breaks"): a run whose
process died is recognised and released; a run killed mid-step is rebuilt to the same tables;
an e-mail cut off mid-send is not sent twice; a full disk, a read-only reports folder and a
damaged warehouse file give a clear error and leave the warehouse as it was. The full matrix
(every step, at its start and half-way) is `make bench-faults`."""

from __future__ import annotations

import datetime as dt
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import dagster as dg
import duckdb
import psutil
import pytest
from aiosmtpd.controller import Controller

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.defs.warehouse_pool import (
    WAREHOUSE_POOL,
    Process,
    ensure_one_writer,
    wait_for_warehouse,
    warehouse_pool,
)

from .conftest import LAST_WEEK
from .faults import differences, incomplete_files, kill_in_step, runs_left_running, start_cli
from .faults import tables as table_rows

WEEK = LAST_WEEK.isoformat()


def _dead_process() -> Process:
    """A process that ran on this machine and is gone."""
    child = subprocess.Popen(["sleep", "30"])
    process = Process(socket.gethostname(), child.pid, psutil.Process(child.pid).create_time())
    child.kill()
    child.wait()
    return process


@pytest.mark.parametrize(
    ("make", "alive"),
    [
        (Process.current, True),
        (_dead_process, False),
        # the same id, another process: what a reboot or a long uptime gives a dead run's id
        (lambda: Process(socket.gethostname(), os.getpid(), 1_000_000.0), False),
        (lambda: Process("another-machine", os.getpid(), 1_000_000.0), None),
    ],
    ids=["this process", "gone", "id reused", "another machine"],
)
def test_a_process_is_known_alive_gone_or_unverifiable(make, alive: bool | None) -> None:
    process = make()
    assert process.alive() is alive
    assert Process.of(process.tags()) == Process(process.host, process.pid, process.started)


def _holding_run(instance: dg.DagsterInstance, process: Process, pool: str = WAREHOUSE_POOL) -> str:
    """A started run of a one-op job, tagged with `process`, holding a slot of `pool` (this
    process's warehouse's, by default)."""

    @dg.op
    def step() -> None: ...

    @dg.job
    def weekly_report_job() -> None:
        step()

    run = instance.create_run_for_job(
        weekly_report_job, tags=process.tags(), status=dg.DagsterRunStatus.STARTED
    )
    if pool != WAREHOUSE_POOL:
        instance.event_log_storage.set_concurrency_slots(pool, 1)
    claim = instance.event_log_storage.claim_concurrency_slot(pool, run.run_id, "step")
    assert claim.is_claimed
    return run.run_id


def test_a_dead_holder_is_released_and_the_waiting_run_goes_on() -> None:
    with dg.instance_for_test() as instance:
        ensure_one_writer(instance)
        run_id = _holding_run(instance, _dead_process())
        said: list[str] = []
        waiting = threading.Thread(target=wait_for_warehouse, args=(instance, said.append, 0.05))
        waiting.start()
        waiting.join(timeout=10)
        assert not waiting.is_alive(), said
        assert len(said) == 1 and said[0].startswith(f"released run {run_id}"), said
        assert "gone" in said[0] and "marked failed" in said[0]
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        failure = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[0]
        assert "ended (killed?" in failure.dagster_event.message
        assert (
            instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).active_slot_count == 0
        )


@pytest.mark.parametrize(
    "process",
    [Process.current(), Process("another-machine", 4242, 1_000_000.0)],
    ids=["alive", "another machine"],
)
def test_a_live_or_unverifiable_holder_is_waited_for(process: Process) -> None:
    with dg.instance_for_test() as instance:
        ensure_one_writer(instance)
        run_id = _holding_run(instance, process)
        said: list[str] = []
        waiting = threading.Thread(target=wait_for_warehouse, args=(instance, said.append, 0.05))
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive() and len(said) == 1, said
        assert said[0].startswith(f"waiting for the warehouse: run {run_id} (weekly_report_job")
        state = "alive" if process.here else "cannot be checked from here"
        assert said[0].endswith(f"process {process.pid} on "
                                f"{'this machine' if process.here else 'host another-machine'}"
                                f": {state}")  # fmt: skip
        instance.event_log_storage.free_concurrency_slots_for_run(run_id)
        waiting.join(timeout=5)
        assert not waiting.is_alive()
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED


def test_status_shows_the_holder_and_unlock_frees_only_a_dead_one(
    pipeline_env: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    with dg.DagsterInstance.get() as instance:
        ensure_one_writer(instance)
        live = _holding_run(instance, Process.current())
    assert main(["status"]) == 0
    shown = capsys.readouterr().out
    assert f"run {live} (weekly_report_job, step step)" in shown
    assert f"process {os.getpid()} on this machine: alive" in shown
    assert main(["unlock"]) == 1
    refused = capsys.readouterr().err
    assert f"not released: run {live}" in refused and f"kill {os.getpid()}" in refused

    with dg.DagsterInstance.get() as instance:
        instance.event_log_storage.free_concurrency_slots_for_run(live)
        instance.report_run_failed(instance.get_run_by_id(live))
        elsewhere = _holding_run(instance, Process("another-machine", 4242, 1_000_000.0))
    assert main(["unlock"]) == 1
    assert "unlock --force" in capsys.readouterr().err
    assert main(["unlock", "--force"]) == 0
    assert f"released run {elsewhere}" in capsys.readouterr().out

    with dg.DagsterInstance.get() as instance:
        dead = _holding_run(instance, _dead_process())
    assert main(["status"]) == 0
    assert "gone" in capsys.readouterr().out
    assert main(["unlock"]) == 0
    assert f"released run {dead}" in capsys.readouterr().out
    assert main(["status"]) == 0
    assert "held by: nobody" in capsys.readouterr().out
    assert runs_left_running() == []


def _reference(pipeline_env: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The tables of an uninterrupted run of WEEK, built beside; then the environment points at
    a fresh warehouse, reports folder and Dagster instance for the run under test."""
    assert main(["run", "--week", WEEK]) == 0
    expected = table_rows(pipeline_env.warehouse)
    for variable, value in {
        "SATISFACTION_WAREHOUSE": tmp_path / "crashed" / "satisfaction.duckdb",
        "SATISFACTION_REPORTS": tmp_path / "crashed" / "reports",
        "DAGSTER_HOME": tmp_path / "crashed" / "dagster_home",
    }.items():
        monkeypatch.setenv(variable, str(value))
    (tmp_path / "crashed" / "dagster_home").mkdir(parents=True)
    shutil.copy(pipeline_env.warehouse.parents[1] / "dagster_home" / "dagster.yaml",
                tmp_path / "crashed" / "dagster_home" / "dagster.yaml")  # fmt: skip
    return expected


def test_a_run_killed_mid_step_is_released_and_the_next_builds_the_same_tables(
    pipeline_env: Paths,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expected = _reference(pipeline_env, tmp_path, monkeypatch)
    capsys.readouterr()
    killed = start_cli("run", "--week", WEEK)
    kill_in_step(killed, "comment_themes", delay=0.3)
    assert killed.returncode == -signal.SIGKILL
    reports = Path(os.environ["SATISFACTION_REPORTS"])
    assert incomplete_files(reports, [WEEK], missing_ok=True) == []

    assert main(["run", "--week", WEEK]) == 0
    said = capsys.readouterr().err
    assert "released run " in said and "it ended without finishing (killed?)" in said
    crashed = Path(os.environ["SATISFACTION_WAREHOUSE"])
    assert differences(expected, table_rows(crashed)) == []
    assert incomplete_files(reports, [WEEK]) == []
    assert runs_left_running() == []
    outbox = list((reports / "outbox").glob("*.eml"))
    assert len(outbox) == 1  # the week's e-mail, once

    # the failure sensor's next tick tells operations (SATISFACTION_OPERATIONS, no SMTP: the
    # outbox) which step the killed run was in
    from dagster_duckdb import DuckDBResource

    from satisfaction_pipeline.defs.resources import SmtpResource, SurveySettings
    from satisfaction_pipeline.defs.sensors import weekly_run_failure_email

    monkeypatch.setenv("SATISFACTION_OPERATIONS", "astreinte@example.com")
    with dg.DagsterInstance.get() as instance:
        [dead] = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        [failure] = instance.all_logs(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
        weekly_run_failure_email(
            dg.build_run_status_sensor_context(
                sensor_name="weekly_run_failure_email",
                dagster_event=failure.dagster_event,
                dagster_instance=instance,
                dagster_run=dead,
                resources={
                    "survey_settings": SurveySettings(
                        config_path=str(pipeline_env.config), inbox=str(pipeline_env.inbox),
                        reports=str(reports),
                    ),
                    "smtp": SmtpResource(),
                    "warehouse": DuckDBResource(database=str(crashed)),
                },
            ).for_run_failure()
        )  # fmt: skip
    told = email.message_from_bytes(
        (reports / "outbox" / f"failure-{dead.run_id}.eml").read_bytes(), policy=policy.default
    )
    assert told["To"] == "astreinte@example.com" and "comment_themes" in told["Subject"]


class _KillsTheSender:
    """An SMTP server that keeps the message, then kills the process that sent it before
    answering: the server has it, the sender never hears so."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.victim: int | None = None

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.original_content)
        if self.victim is not None:
            os.kill(self.victim, signal.SIGKILL)
            self.victim = None
        return "250 Message accepted"


def test_an_email_cut_off_mid_send_is_not_sent_twice_and_resend_keeps_its_message_id(
    pipeline_env: Paths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = _KillsTheSender()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "REPORT_SENDER": "reports@example.com",
    }.items():
        monkeypatch.setenv(name, value)  # fmt: skip
    try:
        sending = start_cli("run", "--week", WEEK)
        server.victim = sending.pid
        sending.wait(timeout=600)
        assert sending.returncode == -signal.SIGKILL and len(server.received) == 1

        assert main(["run", "--week", WEEK]) == 0
        said = capsys.readouterr()
        assert "cut off while sending" in said.err and f"E-mail {WEEK}: interrupted" in said.out
        assert len(server.received) == 1  # not twice

        assert main(["run", "--week", WEEK, "--resend"]) == 0
        assert len(server.received) == 2
    finally:
        controller.stop()
    first, again = (email.message_from_bytes(m, policy=policy.default) for m in server.received)
    assert first["Message-ID"] == again["Message-ID"]
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        log = conn.execute("SELECT status FROM ops.email_log ORDER BY logged_at").fetchall()
    assert log == [("interrupted",), ("sent",)]
    assert runs_left_running() == []


def _in_a_mount_namespace(script: str) -> subprocess.CompletedProcess:
    """Run a shell script as root of a mount namespace of its own (util-linux's unshare), so
    that it may mount a small tmpfs or a read-only folder without touching the machine's."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"no mount namespace here: {probe.stderr.decode().strip()}")
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", script], env=dict(os.environ),
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


def _cli() -> str:
    return f"'{sys.executable}' -m satisfaction_pipeline.cli"


def test_a_full_disk_mid_ingest_fails_clearly_and_leaves_the_warehouse_as_it_was(
    pipeline_env: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the warehouse holds the first week; the other weeks' exports arrive on a full disk
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    exports = sorted(pipeline_env.inbox.iterdir())
    first_week = (LAST_WEEK - dt.timedelta(weeks=3)).isoformat()
    for export in exports:
        if first_week in export.name:
            shutil.copy(export, inbox)
    assert list(inbox.iterdir()), "the first week's exports"
    monkeypatch.setenv("SATISFACTION_INBOX", str(inbox))
    assert main(["run", "--week", first_week]) == 0
    before = table_rows(pipeline_env.warehouse)
    for export in exports:
        shutil.copy(export, inbox)
    disk = tmp_path / "small_disk"
    disk.mkdir()
    size_kb = pipeline_env.warehouse.stat().st_size // 1024 + 64
    result = _in_a_mount_namespace(
        f"mount -t tmpfs -o size={size_kb}k tmpfs '{disk}' && "
        f"cp '{pipeline_env.warehouse}' '{disk}/w.duckdb' && "
        f"SATISFACTION_WAREHOUSE='{disk}/w.duckdb' {_cli()} run --week {WEEK}; "
        f"echo exit=$?; cp '{disk}/w.duckdb' '{tmp_path}/after.duckdb'; "
        f"ls '{disk}'"
    )
    output = result.stdout + result.stderr
    assert "exit=1" in output, output
    assert f"the disk of the warehouse {disk}/w.duckdb is full" in output, output
    assert "Traceback" not in output
    assert differences(before, table_rows(tmp_path / "after.duckdb")) == []


def test_a_read_only_reports_folder_fails_before_anything_is_written(
    pipeline_env: Paths,
) -> None:
    reports = pipeline_env.reports
    reports.mkdir(parents=True)
    result = _in_a_mount_namespace(
        f"mount --bind '{reports}' '{reports}' && mount -o remount,bind,ro '{reports}' && "
        f"{_cli()} run --week {WEEK}; echo exit=$?"
    )
    output = result.stdout + result.stderr
    assert "exit=1" in output, output
    assert f"could not write the report files to {reports}/" in output, output
    assert "Read-only file system" in output and "Traceback" not in output
    assert not pipeline_env.warehouse.exists()  # nothing ingested: the warehouse as it was


def test_a_damaged_warehouse_is_refused_naming_the_last_backup(
    pipeline_env: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    backups = pipeline_env.warehouse.parent / "backups"
    backups.mkdir(parents=True)
    backup = backups / "satisfaction.20261116T060000Z.duckdb"
    duckdb.connect(str(backup)).close()
    pipeline_env.warehouse.write_bytes(b"this is not a database\n" * 100)
    damaged = pipeline_env.warehouse.read_bytes()

    assert main(["run", "--week", WEEK]) == 1
    said = capsys.readouterr().err
    assert f"the warehouse {pipeline_env.warehouse} is not a readable DuckDB database" in said
    assert f"The last backup is {backup}" in said
    assert f"cp '{backup}' '{pipeline_env.warehouse}'" in said
    assert pipeline_env.warehouse.read_bytes() == damaged
    assert runs_left_running() == []


def test_each_warehouse_file_has_its_own_writer_pool(tmp_path: Path) -> None:
    """One writer per file, and only per file: a live run writing another warehouse file does
    not make this one's run wait (a 30-row run once waited 4 minutes behind a backfill of a
    different file, the pool being the instance's)."""
    first = warehouse_pool(tmp_path / "a" / "satisfaction.duckdb")
    second = warehouse_pool(tmp_path / "b" / "satisfaction.duckdb")
    assert first != second and first.startswith("duckdb_warehouse_satisfaction_")
    assert warehouse_pool(tmp_path / "a" / "x" / ".." / "satisfaction.duckdb") == first
    other = warehouse_pool(tmp_path / "another.duckdb")
    assert other != WAREHOUSE_POOL
    with dg.instance_for_test() as instance:
        ensure_one_writer(instance)
        _holding_run(instance, Process.current(), pool=other)
        said: list[str] = []
        waiting = threading.Thread(target=wait_for_warehouse, args=(instance, said.append, 0.05))
        waiting.start()
        waiting.join(timeout=10)
        assert not waiting.is_alive() and said == []
        own = _holding_run(instance, Process.current())  # this warehouse's: then it waits
        waiting = threading.Thread(target=wait_for_warehouse, args=(instance, said.append, 0.05))
        waiting.start()
        time.sleep(0.5)
        assert waiting.is_alive() and said[0].startswith("waiting for the warehouse")
        instance.event_log_storage.free_concurrency_slots_for_run(own)
        waiting.join(timeout=10)
        assert not waiting.is_alive()
