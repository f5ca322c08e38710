"""Scoring throughput: N responses over 52 weeks with 5 segment columns; time to build all of
`weekly_scores` (scores, intervals, changes), against a bare DuckDB GROUP BY computing only n and
the mean of the same columns per week and segment.

    make bench-scores              # 10,000,000 responses
    .venv/bin/python bench/scores.py --rows 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from satisfaction_pipeline.config.settings import Standouts
from satisfaction_pipeline.scoring.scores import weekly_scores, with_changes
from satisfaction_pipeline.scoring.standouts import find_standouts

SEGMENTS = {"channel": 4, "team": 12, "agent": 120, "product": 8, "touchpoint": 3}


def responses(rows: int, seed: int = 3) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    first = dt.date(2025, 11, 17)
    weeks = [first + dt.timedelta(weeks=k) for k in range(52)]
    frame = pl.DataFrame(
        {
            "week": pl.Series(weeks).gather(rng.integers(0, 52, rows)),
            **{
                name: pl.Series([f"{name}_{i}" for i in range(size)]).gather(
                    rng.integers(0, size, rows)
                )
                for name, size in SEGMENTS.items()
            },
            "source": pl.Series(["support", "purchase"]).gather(rng.integers(0, 2, rows)),
            "extra_segments": pl.Series([None] * rows, dtype=pl.String),
            "csat": pl.Series(rng.integers(1, 6, rows), dtype=pl.Int8),
            "csat_scale": pl.Series(["1-5"] * rows),
            "nps": pl.Series(rng.integers(0, 11, rows), dtype=pl.Int8),
            "ces": pl.Series(rng.integers(1, 8, rows).astype(float)),
            "ces_scale": pl.Series(["1-7"] * rows),
            "comment": pl.Series([None] * rows, dtype=pl.String),
        }
    )
    return frame


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:7.2f} s")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    frame, _ = timed(f"generate {args.rows:,} responses", lambda: responses(args.rows))

    def build() -> pl.DataFrame:
        scores = weekly_scores(frame, [], 30)
        return with_changes(scores, 30)

    table, ours = timed("weekly_scores (scores, intervals, changes)", build)
    print(f"  {len(table):,} rows in weekly_scores")
    weeks = table.get_column("week").unique().to_list()
    found, _ = timed("standouts of all 52 weeks", lambda: find_standouts(table, weeks, Standouts()))
    print(f"  {len(found):,} standouts (random data: few expected)")

    dimensions = [*SEGMENTS, "source"]
    sets = ", ".join(["(week)", *[f"(week, {d})" for d in dimensions]])
    sql = (
        "SELECT week, " + ", ".join(dimensions) + ", count(csat), avg(csat), count(nps), "
        f"avg(nps), count(ces), avg(ces) FROM frame GROUP BY GROUPING SETS ({sets})"
    )
    with duckdb.connect() as conn:
        conn.register("frame", frame)
        _, bare = timed("duckdb GROUP BY (n and mean only)", lambda: conn.sql(sql).fetchall())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory (RSS)':<44} {peak_mb:7,.0f} MB")
    print(f"{'weekly_scores / bare GROUP BY':<44} {ours / bare:7.1f} ×  (aim: within 3 ×)")


if __name__ == "__main__":
    main()
