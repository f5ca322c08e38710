"""Fault injection, the full matrix: kill -9 the weekly run at the start of each step, and
half-way through it, then run the week again, and check what a crash must never leave behind.

    make bench-faults
    .venv/bin/python bench/faults.py --weeks 4 --volume 0.35

Generates the demo's exports, builds the last week once without interruption (the reference,
e-mailed through a real SMTP server on loopback, aiosmtpd), then for every step of the weekly
job and two moments (its start, half its reference duration into it): a fresh warehouse, reports
folder and Dagster instance; `satisfaction-pipeline run` killed there; the same command again.
Each line says how long the kill and the recovery took and whether the tables equal the
reference's, the report files are whole (right after the kill and after the rerun), the week's
e-mail arrived once and no run is left marked running. One more line kills the run inside the
SMTP conversation, after the server took the message and before the run recorded it: the rerun
must not send a second copy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import dagster as dg  # noqa: E402

from satisfaction_pipeline.demo_data import generate_demo  # noqa: E402
from tests.faults import (  # noqa: E402
    differences,
    incomplete_files,
    kill_in_step,
    runs_left_running,
    start_cli,
    step_times,
    tables,
)

WEEK = dt.date(2026, 11, 9)
STEPS = [
    "survey_files",
    "responses",
    "comment_themes",
    "weekly_scores",
    "action_list",
    "score_movement",
    "weekly_report",
    "report_email",
]


class Server:
    """Keeps what it is sent; kills the sender after taking a message when told to."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.victim: int | None = None

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.original_content)
        if self.victim is not None:
            os.kill(self.victim, signal.SIGKILL)
            self.victim = None
        return "250 Message accepted"


def _environment(base: Path, name: str) -> None:
    """Point SATISFACTION_* and DAGSTER_HOME at a fresh warehouse, reports and instance."""
    folder = base / name
    (folder / "dagster_home").mkdir(parents=True)
    (folder / "dagster_home" / "dagster.yaml").write_text(
        "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"
    )
    os.environ["SATISFACTION_WAREHOUSE"] = str(folder / "warehouse.duckdb")
    os.environ["SATISFACTION_REPORTS"] = str(folder / "reports")
    os.environ["DAGSTER_HOME"] = str(folder / "dagster_home")


def _run_to_the_end() -> tuple[float, str]:
    began = time.monotonic()
    process = start_cli("run", "--week", WEEK.isoformat())
    output = process.communicate(timeout=1200)[0]
    if process.returncode != 0:
        raise SystemExit(f"the run failed:\n{output}")
    return time.monotonic() - began, output


def _torn_files() -> list[str]:
    """Right after the kill: the report files in place must each be whole (or not there)."""
    reports = Path(os.environ["SATISFACTION_REPORTS"])
    return incomplete_files(reports, [WEEK.isoformat()], missing_ok=True)


def _check(reference: dict, server: Server, before: int, torn: list[str]) -> dict[str, str]:
    warehouse = Path(os.environ["SATISFACTION_WAREHOUSE"])
    got = tables(warehouse)
    for table in (got, reference):  # e-mails are counted at the server instead
        table.pop("ops.email_log", None)
    differ = differences(reference, got)
    files = torn + incomplete_files(Path(os.environ["SATISFACTION_REPORTS"]), [WEEK.isoformat()])
    return {
        "tables": "same" if not differ else f"DIFFER: {'; '.join(differ)}",
        "files": "whole" if not files else f"BROKEN: {'; '.join(files)}",
        "e-mails": str(len(server.received) - before),
        "left running": str(len(runs_left_running())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--volume", type=float, default=0.35)
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="faults-"))
    manifest = generate_demo(base / "inbox", WEEK, weeks=args.weeks, volume=args.volume)
    server = Server()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    os.environ.update(
        SATISFACTION_CONFIG=str(ROOT / "satisfaction.yaml"),
        SATISFACTION_INBOX=str(base / "inbox"),
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_SECURITY="none",
        REPORT_SENDER="reports@example.com",
    )
    try:
        _environment(base, "reference")
        seconds, _ = _run_to_the_end()
        reference = tables(Path(os.environ["SATISFACTION_WAREHOUSE"]))
        with dg.DagsterInstance.get() as instance:
            run_id = instance.get_run_records()[0].dagster_run.run_id
            durations = {s: end - start for s, (start, end) in step_times(instance, run_id).items()}
        print(f"{len(manifest.responses):,} responses in {len(manifest.files)} exports over "
              f"{args.weeks} weeks; the week {WEEK} built in {seconds:.1f} s uninterrupted "
              f"({os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
              f"Python {platform.python_version()})\n")  # fmt: skip
        header = ("step", "killed at", "kill after", "recovery", "tables", "files", "e-mails",
                  "left running")  # fmt: skip
        print(" | ".join(header))
        print("|".join("---" for _ in header))
        failures = 0
        for step in STEPS:
            for label, delay in (("start", 0.0), ("half-way", durations[step] / 2)):
                _environment(base, f"{step}-{label}")
                before = len(server.received)
                process = start_cli("run", "--week", WEEK.isoformat())
                killed = kill_in_step(process, step, delay)
                torn = _torn_files()
                recovery, output = _run_to_the_end()
                result = _check(dict(reference), server, before, torn)
                failures += _line(step, f"{label} (+{delay:.2f} s)", killed, recovery, result,
                                  output)  # fmt: skip
        _environment(base, "smtp-accepted")
        before = len(server.received)
        process = start_cli("run", "--week", WEEK.isoformat())
        began = time.monotonic()
        server.victim = process.pid
        process.wait(timeout=1200)
        killed = time.monotonic() - began
        torn = _torn_files()
        recovery, output = _run_to_the_end()
        result = _check(dict(reference), server, before, torn)
        failures += _line("report_email", "server took it, log not written", killed, recovery,
                          result, output, emails_expected="1", interrupted=True)  # fmt: skip
    finally:
        controller.stop()
        shutil.rmtree(base, ignore_errors=True)
    print(f"\n{failures} scenario(s) broke a rule" if failures else "\nevery scenario held")
    sys.exit(1 if failures else 0)


def _line(
    step: str,
    when: str,
    killed: float,
    recovery: float,
    result: dict[str, str],
    output: str,
    emails_expected: str = "1",
    interrupted: bool = False,
) -> int:
    """Print one scenario; 1 if it broke a rule. A kill inside report_email may come after
    the run logged 'sending': then the rerun sends nothing and says so (at most once)."""
    cut_off = "E-mail" in output and "interrupted" in output
    emails = result["e-mails"]
    held = (
        result["tables"] == "same"
        and result["files"] == "whole"
        and result["left running"] == "0"
        and (emails == emails_expected or (step == "report_email" and cut_off and emails == "0"))
        and (cut_off or not interrupted)
    )
    note = " (interrupted: told, not resent)" if cut_off else ""
    print(f"{step} | {when} | {killed:.1f} s | {recovery:.1f} s | {result['tables']} | "
          f"{result['files']} | {emails}{note} | {result['left running']}"
          + ("" if held else "  ← BROKEN"))  # fmt: skip
    return 0 if held else 1


if __name__ == "__main__":
    main()
