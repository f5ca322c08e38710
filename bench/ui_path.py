"""The Dagster path against the CLI (issue #27 item 6): one week, and all the demo's weeks, built
by `satisfaction-pipeline run / backfill` and by Dagster's own command, `dagster asset
materialize --select '*'` (what "Materialize all" in the UI runs: the same job, in a process
of its own that loads the definitions), alternately, on the same demo warehouse.

    python bench/ui_path.py [--rounds 3]

Prints each wall time, the medians and the ratio Dagster / CLI. Both build weeks already built
(a re-run: nothing is read again by the theme model), as a re-run from the UI would.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ui_path_") as folder:
        base = Path(folder)
        home = base / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text(
            "telemetry:\n  enabled: false\nconcurrency:\n  pools:\n    default_limit: 1\n"
        )
        env = dict(
            os.environ,
            DAGSTER_HOME=str(home),
            SATISFACTION_CONFIG=str(PROJECT / "satisfaction.yaml"),
            SATISFACTION_INBOX=str(base / "demo" / "inbox"),
            SATISFACTION_WAREHOUSE=str(base / "demo" / "warehouse.duckdb"),
            SATISFACTION_REPORTS=str(base / "demo" / "reports"),
        )
        env.pop("SMTP_HOST", None)  # the e-mails go to the outbox
        cli = str(BIN / "satisfaction-pipeline")
        built = timed([cli, "demo", "--dir", str(base / "demo")], env)
        weeks = sorted(p.name for p in (base / "demo" / "reports").glob("20*-*-*"))
        first, last = weeks[0], weeks[-1]
        print(f"demo: {len(weeks)} weeks ({first} to {last}) built in {built:.1f} s")
        dagster = [str(BIN / "dagster"), "asset", "materialize", "--select", "*",
                   "-m", "satisfaction_pipeline.definitions"]  # fmt: skip
        cases = {
            "one week": (
                [cli, "run", "--week", last],
                [*dagster, "--partition", last],
            ),
            f"{len(weeks)} weeks, one run": (
                [cli, "backfill", "--from", first, "--to", last],
                [*dagster, "--partition-range", f"{first}...{last}"],
            ),
        }
        for case, (by_cli, by_dagster) in cases.items():
            times: dict[str, list[float]] = {"CLI": [], "dagster": []}
            for _ in range(args.rounds):  # alternately: the machine's drift hits both
                times["CLI"].append(timed(by_cli, env))
                times["dagster"].append(timed(by_dagster, env))
            medians = {way: statistics.median(t) for way, t in times.items()}
            for way, t in times.items():
                print(f"{case:>20} {way:>8}: " + ", ".join(f"{x:.2f}" for x in t)
                      + f" s (median {medians[way]:.2f} s)")  # fmt: skip
            print(f"{case:>20}    ratio: {medians['dagster'] / medians['CLI']:.2f}× "
                  "(dagster / CLI; the aim is at most 1.5×)")  # fmt: skip


if __name__ == "__main__":
    main()
