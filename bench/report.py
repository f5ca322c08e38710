"""Report rendering time: the demo's last week rendered to HTML and to PDF, as the
`weekly_report` asset does (charts included).

    make bench-report                      # builds ./demo first if it is not there
    .venv/bin/python bench/report.py --warehouse demo/warehouse.duckdb --repeat 5

Aim: the PDF under 3 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from satisfaction_pipeline.lib import warehouse as wh
from satisfaction_pipeline.lib.config import load_settings
from satisfaction_pipeline.lib.pdf import render_pdf
from satisfaction_pipeline.lib.report import build_context, render_html

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "demo" / "warehouse.duckdb")
    parser.add_argument("--config", type=Path, default=ROOT / "satisfaction.yaml")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = load_settings(args.config)
    with duckdb.connect(str(args.warehouse), read_only=True) as conn:
        week = conn.execute("SELECT max(week) FROM marts.weekly_scores").fetchall()[0][0]
        queries = {
            name: wh.query(conn, f"report/{name}", week=week)
            for name in ("weekly_scores", "comments", "standouts", "themes", "emerging",
                         "action_list", "responsibility", "praise", "trends", "call_backs")
        }  # fmt: skip
        file_counts = wh.query(conn, "report/file_counts").to_dicts()[0]
        week_counts = wh.query(conn, "report/week_counts", week=week).to_dicts()[0]
        rejections = wh.query(conn, "report/rejections")
    html_times, pdf_times = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        context = build_context(
            week, queries["weekly_scores"], queries["comments"], file_counts, week_counts,
            language=settings.report.language, title=settings.report.title,
            verbatims=settings.report.verbatims, min_sample_size=settings.min_sample_size,
            satisfied_from=settings.csat_satisfied_from(), standouts=queries["standouts"],
            standout_rules=settings.standouts, themes=queries["themes"],
            emerging=queries["emerging"], taxonomy=settings.theme_taxonomy(args.config.parent),
            actions=queries["action_list"], responsibility=queries["responsibility"],
            praise=queries["praise"], trends=queries["trends"],
            call_backs=queries["call_backs"], rejections=rejections,
        )  # fmt: skip
        html = render_html(context)
        html_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        pdf = render_pdf(html)
        pdf_times.append(time.perf_counter() - started)
    print(
        f"week {week}: HTML (queries excluded, charts included) median "
        f"{statistics.median(html_times):.2f} s, {len(html) / 1e3:.0f} kB; PDF median "
        f"{statistics.median(pdf_times):.2f} s (min {min(pdf_times):.2f}), "
        f"{len(pdf) / 1e3:.0f} kB, over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()
