"""Throughput of the weekly pipeline on generated data; prints figures, asserts nothing.

    .venv/bin/python bench/bench_pipeline.py [--volume 10] [--weeks 4]

Measures, on `volume` × the demo's weekly size (about 320 responses a week at volume 1):
- ingest: reading + mapping + loading all export files into a fresh DuckDB file;
- scoring: marts.responses + marts.weekly_scores for all weeks (Polars);
- report: HTML + PDF rendering of one week;
- one week end to end through Dagster (`satisfaction-pipeline run`), on the demo's size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("SATISFACTION_CONFIG", str(PROJECT / "satisfaction.yaml"))

from satisfaction_pipeline import warehouse as wh  # noqa: E402
from satisfaction_pipeline.config.settings import load_settings  # noqa: E402
from satisfaction_pipeline.demo_data import generate_demo  # noqa: E402
from satisfaction_pipeline.ingest.inbox import ingest_inbox  # noqa: E402
from satisfaction_pipeline.report.context import build_context  # noqa: E402
from satisfaction_pipeline.report.pdf import render_pdf  # noqa: E402
from satisfaction_pipeline.report.render import render_html  # noqa: E402
from satisfaction_pipeline.scoring.scores import score_responses, weekly_scores  # noqa: E402

LAST_WEEK = dt.date(2026, 11, 9)


def _timed(label: str, rows: int | None, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    rate = f", {rows / seconds:,.0f} rows/s" if rows else ""
    print(f"{label:<34} {seconds:8.2f} s{rate}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volume", type=float, default=10.0)
    parser.add_argument("--weeks", type=int, default=4)
    args = parser.parse_args()
    settings = load_settings(PROJECT / "satisfaction.yaml")

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = _timed(
            "generate exports",
            None,
            lambda: generate_demo(root / "inbox", LAST_WEEK, args.weeks, volume=args.volume),
        )
        rows = len(manifest.responses)
        size = sum(p.stat().st_size for p in manifest.files) / 1e6
        print(f"  {len(manifest.files)} files, {rows:,} rows, {size:.1f} MB")

        conn = duckdb.connect(str(root / "w.duckdb"))
        wh.create_schema(conn)
        now = dt.datetime(2026, 11, 16)
        _timed(
            "ingest (read, map, load)",
            rows,
            lambda: ingest_inbox(conn, settings, root / "inbox", now),
        )

        weeks = wh.week_range(manifest.weeks)

        def score():
            raw = wh.query(conn, "marts/select_raw_responses", **weeks, votes="all")
            scored = score_responses(raw.drop("counted"))
            with wh.transaction(conn):
                wh.execute(conn, "marts/delete_responses", **weeks)
                wh.execute(conn, "marts/insert_responses", scored_responses=scored)
            scores = weekly_scores(scored, settings.extra_segments(), settings.min_sample_size)
            with wh.transaction(conn):
                wh.execute(conn, "marts/delete_weekly_scores", **weeks)
                wh.execute(conn, "marts/insert_weekly_scores", weekly_scores=scores)
            return scored.height

        scored_rows = _timed("score (responses + weekly_scores)", rows, score)
        print(f"  {scored_rows:,} responses scored")

        def report():
            context = build_context(
                LAST_WEEK,
                wh.query(conn, "report/weekly_scores", week=LAST_WEEK),
                wh.query(conn, "report/comments", week=LAST_WEEK),
                wh.query(conn, "report/file_counts").to_dicts()[0],
                wh.query(conn, "report/week_counts", week=LAST_WEEK).to_dicts()[0],
                language="fr",
                title=None,
                verbatims=6,
                min_sample_size=30,
            )
            html = render_html(context)
            (root / "report.pdf").write_bytes(render_pdf(html))

        _timed("report (HTML + PDF, one week)", None, report)
        conn.close()

        env = {
            **os.environ,
            "SATISFACTION_INBOX": str(root / "demo_inbox"),
            "SATISFACTION_WAREHOUSE": str(root / "demo.duckdb"),
            "SATISFACTION_REPORTS": str(root / "reports"),
            "DAGSTER_HOME": str(root / "dagster"),
        }
        generate_demo(root / "demo_inbox", LAST_WEEK, 1)
        os.environ.update(env)
        from satisfaction_pipeline.cli import main as cli

        code = _timed(
            "one demo week through Dagster",
            None,
            lambda: cli(["run", "--week", LAST_WEEK.isoformat()]),
        )
        assert code == 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS)              {peak:8.0f} MB")


if __name__ == "__main__":
    main()
