"""A year of history: the real CLI backfill of 52 weeks from one export, against what an analyst's
pandas script does with the same file, in the same run (#23).

    make bench-backfill                      # 1,000,000 responses over 52 weeks
    .venv/bin/python bench/backfill.py --rows 10000000
    .venv/bin/python bench/backfill.py --rows 200000 --keep /tmp/bench   # keep the files

Prints, for one CSV export in the generic layout (id, time, channel, team, agent, product, CSAT
label, NPS 0-10, CES 1-7, comment):
- the pandas script (read; CSAT / NPS / CES per week x segment; 12 regex themes; NPS points per
  theme) and DuckDB's bare `read_csv` of the file;
- `satisfaction-pipeline backfill` of every week, wall time and peak RSS of its process, and each
  step's time from the run's Dagster events; the data steps (all but theme tagging and report
  rendering) against the pandas script;
- theme tagging apart: comments/s on the first run, and on a second backfill where nothing changed;
- `satisfaction-pipeline run --week` of the week after, its export just arrived, on that warehouse.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from satisfaction_pipeline.demo_data import (  # noqa: E402
    COMPLAINTS_EN,
    COMPLAINTS_FR,
    EN_LABELS,
    PRAISE_EN,
    PRAISE_FR,
)

FIRST_WEEK = dt.date(2025, 11, 24)
CHANNELS = ["phone", "chat", "email", "store"]
TEAMS = [f"team_{k}" for k in range(8)]
AGENTS = [f"agent_{k:02d}" for k in range(60)]
PRODUCTS = ["fibre", "mobile", "tv", "energy", "insurance"]
PHRASES = [p for ps in [*COMPLAINTS_FR.values(), *COMPLAINTS_EN.values()] for p in ps]
PRAISE = [p.format(agent="the agent") for p in [*PRAISE_FR, *PRAISE_EN]]
FILLER = [
    "vraiment",
    "encore",
    "depuis",
    "hier",
    "today",
    "again",
    "order",
    "account",
    "ticket",
    "contrat",
    "client",
]

CONFIG = {
    "timezone": "Europe/Paris",
    "first_week": FIRST_WEEK.isoformat(),
    "report": {"language": "en"},
    "taxonomy": "default",
    "sources": [
        {
            "name": "survey",
            "pattern": "*.csv",
            "columns": {"response_id": "id", "submitted_at": "time"},
            "segments": {
                "channel": "channel",
                "team": "team",
                "agent": "agent",
                "product": "product",
            },
            "questions": [
                {"column": "csat", "metric": "csat"},
                {"column": "nps", "metric": "nps"},
                {"column": "ces", "metric": "ces", "scale": {"min": 1, "max": 7}},
                {"column": "comment", "metric": "comment"},
            ],
        }
    ],
}


def write_export(
    path: Path, rows: int, weeks: int, first_week: dt.date = FIRST_WEEK, first_id: int = 0
) -> None:
    """One export of `rows` responses spread over `weeks` weeks; about half carry a comment, and
    the comments say why (the demo's complaints and praise, each made unique by a few words)."""
    rng = random.Random(23 + first_id)
    start = dt.datetime.combine(first_week, dt.time(8))
    span = weeks * 7 * 24 * 3600 - 16 * 3600
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("id,time,channel,team,agent,product,csat,nps,ces,comment\n")
        for i in range(first_id, first_id + rows):
            when = start + dt.timedelta(seconds=rng.randrange(span))
            mood = rng.gauss(0.5, 1)
            csat = max(0, min(4, round(2.6 + 1.1 * mood + rng.gauss(0, 0.5))))
            nps = max(0, min(10, round(7 + 2 * mood + rng.gauss(0, 1))))
            ces = max(1, min(7, round(5 + 1.2 * mood + rng.gauss(0, 0.8))))
            comment = ""
            if rng.random() < 0.5:
                said = rng.choice(PRAISE if mood > 0.6 else PHRASES)
                tail = " ".join(rng.choices(FILLER, k=rng.randrange(4)))
                comment = f'"{said} {tail} #{rng.randrange(10_000)}"'
            out.write(
                f"R{i:09d},{when:%Y-%m-%d %H:%M:%S},{rng.choice(CHANNELS)},{rng.choice(TEAMS)},"
                f"{rng.choice(AGENTS)},{rng.choice(PRODUCTS)},{EN_LABELS[csat]},{nps},{ces},"
                f"{comment}\n"
            )


PANDAS_SCRIPT = r"""
import re, sys, time
import pandas as pd
started = time.perf_counter()
df = pd.read_csv(sys.argv[1])
df["time"] = pd.to_datetime(df["time"]).dt.tz_localize("Europe/Paris", ambiguous="NaT",
                                                       nonexistent="NaT")
df["week"] = df["time"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time
labels = {"Very dissatisfied": 1, "Dissatisfied": 2, "Neither satisfied nor dissatisfied": 3,
          "Satisfied": 4, "Very satisfied": 5}
df["csat_n"] = df["csat"].map(labels)
df["satisfied"] = df["csat_n"] >= 4
df["promoter"] = df["nps"] >= 9
df["detractor"] = df["nps"] <= 6
scores = []
for segment in ["channel", "team", "agent", "product"]:
    g = df.groupby(["week", segment]).agg(n=("id", "size"), csat=("satisfied", "mean"),
        promoters=("promoter", "mean"), detractors=("detractor", "mean"), ces=("ces", "mean"))
    g["nps"] = 100 * (g["promoters"] - g["detractors"])
    scores.append(g)
themes = {"wait": r"attente|attendu|wait|queue", "unresolved": r"résolu|fixed|rappel|called",
          "attitude": r"aimable|rude|désagréable", "knowledge": r"connaissait|did not know",
          "billing": r"factur|rembours|charged", "product": r"box|connexion",
          "delivery": r"deliver|order arrived", "website": r"website|checkout",
          "praise": r"merci|thank|great|rapide", "agent": r"agent|conseiller",
          "phone": r"téléphone|phone", "data": r"données|data"}
comments = df["comment"].fillna("")
overall = df.groupby("week").agg(p=("promoter", "mean"), d=("detractor", "mean"))
points = {}
for theme, pattern in themes.items():
    has = comments.str.contains(pattern, flags=re.IGNORECASE, regex=True)
    without = df[~has].groupby("week").agg(p=("promoter", "mean"), d=("detractor", "mean"))
    points[theme] = 100 * ((without.p - without.d) - (overall.p - overall.d))
print(f"{time.perf_counter() - started:.2f}")
"""


def run(command: list[str], env: dict[str, str]) -> Ran:
    """One command in a child process: wall seconds, its peak RSS, its output, and its memory
    sampled every 0.1 s (its own, and with its children's: the report workers, the theme and
    names helpers), for each step's peaks."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        samples: list[tuple[float, int, int]] = []
        sampler = threading.Thread(target=_sample, args=(process.pid, samples), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)  # this child's own peak memory
        seconds = time.perf_counter() - started
        sampler.join()
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status):
            sys.exit(f"{' '.join(command)} failed:\n{out.read()}\n{err.read()}")
        return Ran(seconds, usage.ru_maxrss / 1e6, out.read(), samples)  # ru_maxrss: kB


@dataclass
class Ran:
    seconds: float
    peak_gb: float
    out: str
    samples: list[tuple[float, int, int]]  # (epoch seconds, bytes resident: own, with children)


def _sample(pid: int, samples: list[tuple[float, int, int]]) -> None:
    try:
        process = psutil.Process(pid)
        while process.status() != psutil.STATUS_ZOMBIE:
            own = process.memory_info().rss
            family = own
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    family += child.memory_info().rss
            samples.append((time.time(), own, family))
            time.sleep(0.1)
    except psutil.Error:
        pass  # it ended


def steps_of(dagster_home: Path, ran: Ran) -> dict[str, tuple[float, float, float]]:
    """Per step of the run the CLI printed (`run <id> succeeded`): seconds, and the peak memory
    sampled while it ran (GB): the run's process, and with its children."""
    import dagster as dg

    run_id = next(
        w for line in ran.out.splitlines() if line.startswith("run ") for w in [line.split()[1]]
    )
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with dg.DagsterInstance.get() as instance:
        stats = instance.get_run_step_stats(run_id)
    steps = {}
    for s in stats:
        start, end = s.start_time or 0, s.end_time or 0
        during = [(own, family) for at, own, family in ran.samples if start <= at <= end]
        own, family = (max(peaks) / 1e9 for peaks in zip(*during or [(0, 0)], strict=True))
        steps[s.step_key] = (end - start, own, family)
    return steps


def print_steps(steps: dict[str, tuple[float, float, float]]) -> None:
    print(f"    {'step':<44} {'time':>10}  {'peak':>7}  {'with children':>13}")
    for step, (seconds, own, family) in sorted(steps.items(), key=lambda kv: -kv[1][0]):
        print(f"    {step:<44} {seconds:8.2f} s  {own:4.2f} GB  {family:10.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    parser.add_argument(
        "--backfill-only", action="store_true", help="not the second backfill nor the weekly run"
    )
    parser.add_argument(
        "--dagster",
        action="store_true",
        help="the second backfill also through `dagster asset materialize` (the UI's path)",
    )
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    if args.keep and root.exists():
        shutil.rmtree(root)
    (root / "inbox").mkdir(parents=True)
    (root / "dagster_home").mkdir()
    export = root / "inbox" / "survey.csv"
    config = root / "satisfaction.yaml"
    config.write_text(json.dumps(CONFIG, indent=2))
    last = FIRST_WEEK + dt.timedelta(weeks=args.weeks - 1)
    python, cli = sys.executable, str(Path(sys.executable).with_name("satisfaction-pipeline"))
    env = os.environ | {
        "SATISFACTION_CONFIG": str(config),
        "SATISFACTION_INBOX": str(root / "inbox"),
        "SATISFACTION_WAREHOUSE": str(root / "warehouse.duckdb"),
        "SATISFACTION_REPORTS": str(root / "reports"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    try:
        started = time.perf_counter()
        write_export(export, args.rows, args.weeks)
        size = export.stat().st_size / 1e6
        print(
            f"{args.rows:,} responses over {args.weeks} weeks, {size:.0f} MB "
            f"(generated in {time.perf_counter() - started:.0f} s); {os.cpu_count()} cores"
        )
        script = root / "analyst.py"
        script.write_text(PANDAS_SCRIPT)
        analyst = run([python, str(script), str(export)], env)
        # DuckDB's bare read into a table in memory (the reference), and into a table of
        # a database file, written to disk as the warehouse's are (checkpointed)
        duck = (
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[2]); "
            "c.execute('SET enable_progress_bar = false'); t = time.perf_counter(); "
            "c.execute('CREATE TABLE t AS SELECT * FROM read_csv(?)', [sys.argv[1]]); "
            "sys.argv[2] == ':memory:' or c.execute('CHECKPOINT'); print(time.perf_counter() - t)"
        )
        duck_seconds = float(run([python, "-c", duck, str(export), ":memory:"], env).out)
        on_disk = root / "duckdb_read.duckdb"
        duck_file = float(run([python, "-c", duck, str(export), str(on_disk)], env).out)
        on_disk.unlink()
        pandas_wall = analyst.seconds
        print(
            f"  pandas script (an analyst's)  {pandas_wall:8.2f} s  peak {analyst.peak_gb:.2f} GB"
        )
        print(
            f"  DuckDB read_csv into a table  {duck_seconds:8.2f} s  (in a file: {duck_file:.2f} s)"
        )

        command = [cli, "backfill", "--from", FIRST_WEEK.isoformat(), "--to", last.isoformat()]
        first = run(command, env)
        steps = steps_of(root / "dagster_home", first)
        family = max((rss for _, _, rss in first.samples), default=0) / 1e9
        print(
            f"\nbackfill of {args.weeks} weeks, wall {first.seconds:.1f} s, peak RSS "
            f"{first.peak_gb:.2f} GB ({family:.2f} GB with its helpers and report workers); "
            "each step's time and the peak sampled while it ran:"
        )
        print_steps(steps)
        seconds = {k: t for k, (t, *_) in steps.items()}
        apart = {"comment_themes", "weekly_report", "report_email"}
        data = sum(t for k, t in seconds.items() if k not in apart)
        ingest = seconds.get("survey_files", 0) + seconds.get("responses", 0)
        print(
            f"  data steps {data:.1f} s = {data / pandas_wall:.1f}x the pandas script; "
            f"{data / args.rows * 1e6:.1f} s per million responses; ingest "
            f"{ingest / duck_seconds:.1f}x DuckDB's read ({ingest / duck_file:.1f}x into a file)"
        )
        tagging = seconds.get("comment_themes", 0)
        comments = args.rows // 2
        reports = seconds.get("weekly_report", 0)
        print(
            f"  theme tagging {tagging:.1f} s, about {comments / max(tagging, 1e-9):,.0f} "
            f"comments/s; reports {reports:.1f} s, {reports / args.weeks:.2f} s a week"
        )

        if args.backfill_only:
            return
        again = run(command, env)
        tagging_again = steps_of(root / "dagster_home", again).get("comment_themes", (0, 0))[0]
        print(
            f"\nthe same backfill again, nothing changed: wall {again.seconds:.1f} s, theme "
            f"tagging {tagging_again:.1f} s"
        )
        if args.dagster:  # the same, as the UI launches it: a process that loads the definitions
            by_dagster = run(
                [str(Path(sys.executable).with_name("dagster")), "asset", "materialize",
                 "--select", "*", "-m", "satisfaction_pipeline.definitions",
                 "--partition-range", f"{FIRST_WEEK}...{last}"], env,
            )  # fmt: skip
            print(
                f"the same through `dagster asset materialize --select '*'`: wall "
                f"{by_dagster.seconds:.1f} s, {by_dagster.seconds / again.seconds:.2f}x the CLI's"
            )
        # the weekly run: the next week's export arrives, as it would (new responses to read,
        # tag and quote), on top of the year-long warehouse
        new_week = last + dt.timedelta(weeks=1)
        write_export(root / "inbox" / "next_week.csv", args.rows // args.weeks, 1, new_week,
                     first_id=args.rows)  # fmt: skip
        weekly = run([cli, "run", "--week", new_week.isoformat()], env)
        print(
            f"\nrun --week {new_week} (its export of {args.rows // args.weeks:,} responses just "
            f"arrived) on that warehouse: wall {weekly.seconds:.1f} s, peak {weekly.peak_gb:.2f} GB"
        )
        print_steps(steps_of(root / "dagster_home", weekly))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
