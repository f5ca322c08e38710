"""Report rendering time: the demo's last week rendered to HTML and to PDF, as the
`weekly_report` asset does (charts included).

    make bench-report                      # builds ./demo first if it is not there
    .venv/bin/python bench/report.py --warehouse demo/warehouse.duckdb --repeat 5
    .venv/bin/python bench/report.py --repeat 1 --language en --out /tmp/report   # to look at

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

from satisfaction_pipeline.config.settings import load_settings
from satisfaction_pipeline.i18n import languages
from satisfaction_pipeline.report.context import warehouse_context
from satisfaction_pipeline.report.pdf import render_pdf
from satisfaction_pipeline.report.render import render_html

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "demo" / "warehouse.duckdb")
    parser.add_argument("--config", type=Path, default=ROOT / "satisfaction.yaml")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--language", choices=languages(), help="instead of the config's")
    parser.add_argument("--out", type=Path, help="also write report.html and report.pdf here")
    args = parser.parse_args()
    settings = load_settings(args.config)
    if args.language:
        report = settings.report.model_copy(update={"language": args.language})
        settings = settings.model_copy(update={"report": report})
    taxonomy = settings.theme_taxonomy(args.config.parent)
    html_times, pdf_times = [], []
    with duckdb.connect(str(args.warehouse), read_only=True) as conn:
        week = conn.execute("SELECT max(week) FROM marts.weekly_scores").fetchall()[0][0]
        for _ in range(args.repeat):
            started = time.perf_counter()
            context = warehouse_context(conn, week, settings, taxonomy)
            html = render_html(context)
            html_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            pdf = render_pdf(html)
            pdf_times.append(time.perf_counter() - started)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.html").write_text(html, encoding="utf-8")
        (args.out / "report.pdf").write_bytes(pdf)
    print(
        f"week {week}: HTML (queries and charts included) median "
        f"{statistics.median(html_times):.2f} s, {len(html) / 1e3:.0f} kB; PDF median "
        f"{statistics.median(pdf_times):.2f} s (min {min(pdf_times):.2f}), "
        f"{len(pdf) / 1e3:.0f} kB, over {args.repeat} runs"
    )


if __name__ == "__main__":
    main()
