"""The warehouse's one-writer pool: who holds it, whether that run's process is still alive, and
releasing the hold of a run that died.

DuckDB lets one process at a time open the file (a reader too, while another writes), so every
asset and check that opens the warehouse is in the warehouse's Dagster pool, whose limit is 1: a
backfill started during the weekly run waits for its turn instead of failing on the file's lock.
The pool is the file's (`duckdb_warehouse_<file>_<hash of its path>`): runs on two warehouse
files never wait on each other, even in one Dagster instance. The limit lives in the instance:
`dagster.yaml` (concurrency: pools: default_limit: 1), and the CLI sets it explicitly
(`ensure_one_writer`).

A run killed mid-step (kill -9, out of memory, a closed laptop, a reboot) frees nothing: it
stays STARTED and keeps its slot, and every later run would wait for ever. So each run records
where it runs, as run tags (`Process`: host, process id, the process's start time, which tells a
reused process id from the run's own), and whoever waits for the warehouse checks: the CLI
before it starts a run (`wait_for_warehouse`), the daemon every few seconds for the runs of
the schedule, the sensors and the UI (`dead_run_sensor`), `satisfaction-pipeline unlock` when
asked. A run whose process is gone from this machine is marked failed, with the reason, and its
slots are freed; one whose process is alive, or that runs on another machine (which cannot be
checked from here), is waited for — Dagster's run monitoring (dagster.yaml) is the fallback
there.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import psutil

from satisfaction_pipeline.config.paths import Paths


def warehouse_pool(warehouse: Path) -> str:
    """The one-writer pool of a warehouse file: named after the file, told apart by its path."""
    path = str(warehouse.expanduser().resolve())
    stem = re.sub(r"[^a-z0-9]+", "_", warehouse.stem.lower()).strip("_") or "warehouse"
    return f"duckdb_warehouse_{stem}_{hashlib.sha256(path.encode()).hexdigest()[:8]}"


# the pool of the warehouse this process works on (SATISFACTION_WAREHOUSE)
WAREHOUSE_POOL = warehouse_pool(Paths.from_environment().warehouse)
HOST_TAG = "satisfaction/host"
PID_TAG = "satisfaction/pid"
STARTED_TAG = "satisfaction/process_started"  # epoch seconds, as psutil gives it
UNFINISHED = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]


def ensure_one_writer(instance: dg.DagsterInstance) -> None:
    """Give the warehouse pool its limit of 1 in this instance, whatever its dagster.yaml says
    (an instance made before the pool existed has no limit, so runs would not wait). Under a
    file lock in DAGSTER_HOME: two processes first setting it at once could each add a slot."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        raise RuntimeError(
            "this Dagster instance's storage cannot limit concurrency; "
            "run `dagster instance migrate` with DAGSTER_HOME set to it"
        )
    with (Path(instance.root_directory) / ".warehouse_pool.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if storage.get_concurrency_info(WAREHOUSE_POOL).slot_count != 1:
            storage.set_concurrency_slots(WAREHOUSE_POOL, 1)


@dataclass(frozen=True)
class Process:
    """Where a run runs: the machine, the process id and when that process started."""

    host: str
    pid: int
    started: float

    @classmethod
    def current(cls) -> Process:
        return cls(socket.gethostname(), os.getpid(), psutil.Process().create_time())

    @classmethod
    def of(cls, tags: dict[str, str]) -> Process | None:
        """The process a run's tags record; None for a run that recorded none (yet)."""
        try:
            return cls(tags[HOST_TAG], int(tags[PID_TAG]), float(tags[STARTED_TAG]))
        except (KeyError, ValueError):
            return None

    def tags(self) -> dict[str, str]:
        return {HOST_TAG: self.host, PID_TAG: str(self.pid), STARTED_TAG: f"{self.started:.3f}"}

    @property
    def here(self) -> bool:
        return self.host == socket.gethostname()

    def alive(self) -> bool | None:
        """Whether the process still runs; None when it runs on another machine."""
        if not self.here:
            return None
        try:
            process = psutil.Process(self.pid)
            # another process given the same id since (a reboot, a busy machine) is not the run;
            # a start time read twice may differ by a second (Linux derives it from the boot
            # time, which moves with clock adjustments), and a live run must never be released
            return (
                abs(process.create_time() - self.started) < 2.0
                and process.status() != psutil.STATUS_ZOMBIE
            )
        except psutil.NoSuchProcess:
            return False


def record_process(instance: dg.DagsterInstance, run: dg.DagsterRun) -> None:
    """Tag the run with the process it runs in (once: its steps all run in that process)."""
    process = Process.current()
    if Process.of(run.tags) != process:
        instance.add_run_tags(run.run_id, process.tags())


@dataclass(frozen=True)
class Holder:
    """A run that holds the warehouse, or that ended without saying so."""

    run_id: str
    steps: tuple[str, ...]  # the steps holding the pool's slots (none: it holds no slot)
    job: str | None  # None: no such run in this instance
    status: dg.DagsterRunStatus | None
    started_at: dt.datetime | None
    process: Process | None

    @property
    def alive(self) -> bool | None:
        """True or False when known; None when the run's process cannot be checked from here."""
        if self.status is not None and self.status not in UNFINISHED:
            return False  # it ended: its slot should have been freed with it
        return None if self.process is None else self.process.alive()

    def describe(self, now: dt.datetime | None = None) -> str:
        """`run 1b2c… (weekly_report_job, step comment_themes), started 12:03 UTC, 4 min ago,
        process 1234 on this machine: gone`."""
        parts = [self.job or "not in this Dagster instance"]
        if self.steps:
            parts.append(f"step {', '.join(self.steps)}")
        what = f"run {self.run_id} ({', '.join(parts)})"
        if self.started_at is not None:
            now = now or dt.datetime.now(dt.UTC)
            minutes = int((now - self.started_at).total_seconds() // 60)
            what += f", started {self.started_at:%Y-%m-%d %H:%M} UTC, {minutes} min ago"
        if self.process is None:
            return what + ", process unknown (a run that has not recorded it, or an older one)"
        where = "this machine" if self.process.here else f"host {self.process.host}"
        state = {True: "alive", False: "gone", None: "cannot be checked from here"}[self.alive]
        return what + f", process {self.process.pid} on {where}: {state}"


def _holder(instance: dg.DagsterInstance, run_id: str, steps: tuple[str, ...]) -> Holder:
    record = instance.get_run_record_by_id(run_id)
    if record is None:
        return Holder(run_id, steps, None, None, None, None)
    run = record.dagster_run
    started = record.start_time or record.create_timestamp.timestamp()
    return Holder(
        run_id,
        steps,
        run.job_name,
        run.status,
        dt.datetime.fromtimestamp(started, dt.UTC),
        Process.of(run.tags),
    )


def holders(instance: dg.DagsterInstance) -> list[Holder]:
    """The runs that hold the warehouse pool's slots now."""
    claimed = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL).claimed_slots
    steps: dict[str, list[str]] = {}
    for slot in claimed:
        steps.setdefault(slot.run_id, []).append(slot.step_key)
    return [_holder(instance, run_id, tuple(keys)) for run_id, keys in steps.items()]


def waiting_runs(instance: dg.DagsterInstance) -> list[Holder]:
    """The runs still marked running that hold no slot (waiting for the warehouse, between
    two steps, or dead before they took one)."""
    held = {h.run_id for h in holders(instance)}
    return [
        _holder(instance, record.dagster_run.run_id, ())
        for record in instance.get_run_records(dg.RunsFilter(statuses=UNFINISHED))
        if record.dagster_run.run_id not in held
    ]


def dead_runs(instance: dg.DagsterInstance) -> list[Holder]:
    """The runs whose process is known to be gone, but that still hold the warehouse or still
    say they are running."""
    return [h for h in [*holders(instance), *waiting_runs(instance)] if h.alive is False]


def release(instance: dg.DagsterInstance, holder: Holder, by: str) -> str:
    """Mark a dead run failed, saying why, and free its slots; what was done, in words."""
    run = instance.get_run_by_id(holder.run_id)
    if run is not None and run.status not in UNFINISHED:  # ended, but its slot was left held
        instance.event_log_storage.free_concurrency_slots_for_run(holder.run_id)
        return f"{holder.describe()} — it had ended ({run.status.value}): the warehouse freed"
    if run is not None:
        where = (
            f"process {holder.process.pid} on {holder.process.host}"
            if holder.process
            else "its process"
        )
        step = f" during step {', '.join(holder.steps)}" if holder.steps else ""
        instance.report_run_failed(
            run,
            f"The run stopped without finishing{step}: {where} ended (killed? out of memory, "
            f"kill -9, a reboot). Marked failed by {by}; its hold on the warehouse was freed. "
            "Every step writes its tables in one transaction: run the weeks again to build "
            "what it did not.",
        )
    instance.event_log_storage.free_concurrency_slots_for_run(holder.run_id)
    return (
        f"{holder.describe()} — it ended without finishing (killed?): marked failed, "
        "and the warehouse freed"
    )


def release_dead_runs(instance: dg.DagsterInstance, by: str) -> list[str]:
    """Release every run whose process is gone (`dead_runs`); one sentence per run."""
    return [release(instance, holder, by) for holder in dead_runs(instance)]


def wait_for_warehouse(
    instance: dg.DagsterInstance, say: Callable[[str], None], poll_seconds: float = 2.0
) -> None:
    """Return once no step holds the warehouse pool, asleep meanwhile, releasing the holders
    whose process has died. Dagster polls for a pool slot without sleeping, so a run started
    while another holds the warehouse would keep a CPU core busy for the whole wait; the CLI
    waits here first. `say` hears what was released, and once who holds the warehouse."""
    told = False
    while True:
        for sentence in release_dead_runs(instance, "the next run, which was waiting for it"):
            say(f"released {sentence}")
        info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        if info.active_slot_count < info.slot_count:
            return
        if not told:
            known = [h for h in holders(instance) if h.job is not None]
            if known:
                say("waiting for the warehouse: " + "; ".join(h.describe() for h in known))
            else:
                runs = ", ".join(sorted(info.active_run_ids))
                say(f"waiting for the warehouse: run {runs} is using it")
            told = True
        time.sleep(poll_seconds)


@dg.sensor(
    minimum_interval_seconds=10,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed the runs whose process died on this machine (kill -9, out of "
    "memory, a reboot) and frees their hold on the warehouse, so that later runs go on.",
)
def dead_run_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    released = release_dead_runs(context.instance, "the dead_run_sensor")
    for sentence in released:
        context.log.warning(f"released {sentence}")
    return dg.SkipReason(
        f"released {len(released)} dead run(s)" if released else "no dead run holds anything"
    )
