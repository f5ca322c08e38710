"""The Dagster path against the CLI (issue #27 item 6): one week, and all the demo's weeks, built
by `satisfaction-pipeline run / backfill` and by Dagster's own command, `dagster asset
materialize --select '*'` (what "Materialize all" in the UI runs: the same job, in a process
of its own that loads the definitions), alternately, on the same demo warehouse.

    python bench/ui_path.py [--rounds 3] [--ui]

Prints each wall time, the medians and the ratio Dagster / CLI. Both build weeks already built
(a re-run: nothing is read again by the theme model), as a re-run from the UI would. With
`--ui`, also the UI itself: `satisfaction-pipeline ui` (webserver and daemon) is started and
the week is launched through its GraphQL API, as "Materialize all" does, from the run's
creation to its end (the queue, the run's process, its steps), beside the CLI's run while the
UI is up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
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
    parser.add_argument("--ui", action="store_true", help="also launch the week from the UI")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ui_path_") as folder:
        base = Path(folder)
        home = base / "dagster_home"  # the CLI makes it, with the dagster.yaml it ships
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
        if args.ui:
            from_the_ui(env, cli, last, args.rounds)


PORT = 3119
ASSETS = ["survey_files", "responses", "weekly_scores", "standouts", "comment_themes",
          "emerging_themes", "action_list", "score_movement", "theme_spikes", "weekly_report",
          "report_email"]  # fmt: skip
LAUNCH = """mutation($p: ExecutionParams!) { launchPipelineExecution(executionParams: $p) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }"""
STATUS = "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"


def graphql(query: str, variables: dict) -> dict:
    request = urllib.request.Request(
        f"http://localhost:{PORT}/graphql",
        json.dumps({"query": query, "variables": variables}).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)["data"]


def launched(week: str) -> float:
    """A week's every asset launched through the UI's API; seconds until the run ended."""
    selector = {"repositoryLocationName": "satisfaction_pipeline",
                "repositoryName": "__repository__", "pipelineName": "__ASSET_JOB",
                "assetSelection": [{"path": [key]} for key in ASSETS]}  # fmt: skip
    tags = [{"key": "dagster/partition", "value": week}]
    started = time.perf_counter()
    answer = graphql(LAUNCH, {"p": {"selector": selector, "executionMetadata": {"tags": tags}}})
    run_id = answer["launchPipelineExecution"]["run"]["runId"]
    while (status := graphql(STATUS, {"id": run_id})["runOrError"]["status"]) not in {
        "SUCCESS", "FAILURE", "CANCELED"
    }:  # fmt: skip
        time.sleep(0.2)
    if status != "SUCCESS":
        sys.exit(f"the run launched from the UI ended {status}")
    return time.perf_counter() - started


def from_the_ui(env: dict[str, str], cli: str, week: str, rounds: int) -> None:
    ui = subprocess.Popen([cli, "ui", "--port", str(PORT)], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://localhost:{PORT}/server_info", timeout=2)
                break
            except OSError:
                time.sleep(1)
        time.sleep(20)  # the daemon's first sensor ticks
        times: dict[str, list[float]] = {"UI": [], "CLI": []}
        for _ in range(rounds):
            times["UI"].append(launched(week))
            times["CLI"].append(timed([cli, "run", "--week", week], env))
    finally:
        os.killpg(ui.pid, 15)
        ui.wait(timeout=60)
    medians = {way: statistics.median(t) for way, t in times.items()}
    for way, t in times.items():
        print(f"{'one week, UI up':>20} {way:>8}: " + ", ".join(f"{x:.2f}" for x in t)
              + f" s (median {medians[way]:.2f} s)")  # fmt: skip
    print(f"{'one week, UI up':>20}    ratio: {medians['UI'] / medians['CLI']:.2f}× (UI / CLI)")


if __name__ == "__main__":
    main()
