"""Fault injection for the pipeline, shared by tests/test_recovery.py and bench/faults.py: run
the real CLI in a process of its own, kill -9 it when a given step starts (or some time into
it), and check what a crash must never leave behind — tables that differ from an uninterrupted
run's, half-written report files, a second e-mail, a run still marked running.

The environment (SATISFACTION_*, DAGSTER_HOME, SMTP_*) is the caller's: `os.environ`."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import psutil
from pypdf import PdfReader

# Columns that differ between two runs of the same data by nature: when, and random ids.
VOLATILE = {"ingested_at", "logged_at", "applied_at", "built_at", "message_id", "detail", "release"}
STEP_EVENTS = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS}


def start_cli(*args: str) -> subprocess.Popen:
    """`satisfaction-pipeline ARGS…` in a process of its own (its output kept for failures)."""
    return subprocess.Popen(
        [sys.executable, "-m", "satisfaction_pipeline.cli", *args],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def step_times(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float | None]]:
    """step → (start, end or None) of a run, from the instance's event log."""
    times: dict[str, tuple[float, float | None]] = {}
    for record in instance.all_logs(run_id, of_type=STEP_EVENTS):
        if record.dagster_event.event_type == dg.DagsterEventType.STEP_START:
            times[record.step_key] = (record.timestamp, None)
        else:
            times[record.step_key] = (times[record.step_key][0], record.timestamp)
    return times


def kill_in_step(
    process: subprocess.Popen, step: str, delay: float = 0.0, timeout: float = 300
) -> float:
    """SIGKILL the CLI process `delay` seconds after its run starts `step`; returns how long
    after the process started. Fails if the process ends first, or if a process it started (the
    names reader) outlives it."""
    began = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        while time.monotonic() - began < timeout:
            if process.poll() is not None:
                raise AssertionError(f"the run ended before step {step}:\n{process.stdout.read()}")
            started = [
                times[step][0]
                for record in instance.get_run_records(
                    dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
                )
                if step in (times := step_times(instance, record.dagster_run.run_id))
            ]
            if started:
                time.sleep(max(0.0, started[0] + delay - time.time()))
                children = psutil.Process(process.pid).children(recursive=True)
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=30)
                _, alive = psutil.wait_procs(children, timeout=10)
                assert not alive, f"the killed run's processes outlived it: {alive}"
                return time.monotonic() - began
            time.sleep(0.02)
    raise AssertionError(f"step {step} did not start within {timeout} s")


def tables(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without the columns that differ by nature (VOLATILE)."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        names = conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() ORDER BY ALL"
        ).fetchall()
        content = {}
        for schema, name in names:
            columns = [
                c
                for (c,) in conn.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? "
                    "AND table_name = ? ORDER BY column_index",
                    [schema, name],
                ).fetchall()
                if c not in VOLATILE
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows = conn.execute(f"SELECT {listed} FROM {schema}.{name}").fetchall()
            content[f"{schema}.{name}"] = sorted(rows, key=repr)
    return content


def differences(expected: dict[str, list[tuple]], got: dict[str, list[tuple]]) -> list[str]:
    """The tables whose rows differ, each with how many rows it has on either side."""
    return [
        f"{name}: {len(expected.get(name, []))} rows expected, {len(got.get(name, []))} found"
        for name in sorted(expected.keys() | got.keys())
        if expected.get(name) != got.get(name)
    ]


def incomplete_files(reports: Path, weeks: list[str], missing_ok: bool = False) -> list[str]:
    """The week's report files that are missing (unless `missing_ok`: right after a kill, a file
    not written yet is fine), or there but unreadable: a half-written PDF or CSV in place."""
    problems = []
    for week in weeks:
        folder = reports / week
        for name in ("report.html", "report.pdf", "action_list.csv", "follow_up.csv"):
            path = folder / name
            if not path.exists() and (missing_ok or name == "action_list.csv"):
                continue  # a week without a complaint theme has no action list
            try:
                if name.endswith(".pdf"):
                    assert len(PdfReader(path).pages) > 0
                elif name.endswith(".csv"):
                    with path.open(encoding="utf-8-sig", newline="") as file:
                        assert next(csv.reader(file))  # the heading row, whole
                else:
                    assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
            except Exception as exc:
                problems.append(f"{path}: {type(exc).__name__}: {exc}")
    return problems


def runs_left_running() -> list[str]:
    """Runs of the instance still marked running."""
    with dg.DagsterInstance.get() as instance:
        return [
            r.dagster_run.run_id
            for r in instance.get_run_records(
                dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
            )
        ]
