"""Running for a year unwatched: two runs started together share the one DuckDB file by taking
turns (the warehouse concurrency pool), instead of one failing on the file's lock."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import dagster as dg

from satisfaction_pipeline.defs.resources import WAREHOUSE_POOL
from satisfaction_pipeline.lib.paths import Paths

from .conftest import LAST_WEEK


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
    with dg.DagsterInstance.get():
        pass  # the instance's SQLite tables exist, as after installation (two first-ever runs
        # racing to create them is another matter, outside this test)
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
