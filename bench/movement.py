"""Why the scores moved: the decomposition's and the spikes' time for large weeks.

    make bench-movement
    .venv/bin/python bench/movement.py --responses 200000 --themes 15

Generates `responses` a week over nine weeks (CSAT, NPS and CES on two scales; 45 % with a
comment naming one to three of `themes` themes) and times what the score_movement asset does for
the last week: response_values + primary_themes + decompose, then find_spikes against the eight
weeks before. Aim: well under the bootstrap's few seconds (bench-actions) for 200,000 a week.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from satisfaction_pipeline.actions.movement import (
    decompose,
    find_spikes,
    primary_themes,
    response_values,
)

WEEK = dt.date(2026, 11, 16)


def _week_data(rng, week: dt.date, n: int, themes: int, offset: int):
    keys = [f"r{offset + i}" for i in range(n)]
    comment = rng.random(n) < 0.45
    scored = pl.DataFrame(
        {
            "week": [week] * n,
            "response_key": keys,
            "csat": rng.integers(1, 6, n),
            "csat_scale": ["1-5"] * n,
            "nps": rng.integers(0, 11, n),
            "ces": rng.integers(1, 8, n).astype(float),
            "ces_scale": np.where(rng.random(n) < 0.5, "1-7", "1-5"),
            "comment": ["a comment" if c else None for c in comment],
            "customer_ref": [None] * n,
            "has_comment": comment,
        },
        schema_overrides={"csat": pl.Int8, "nps": pl.Int8, "customer_ref": pl.String,
                          "comment": pl.String},
    ).with_columns(pl.when(pl.col("ces_scale") == "1-5").then(pl.col("ces").clip(1, 5))
                   .otherwise(pl.col("ces")).alias("ces"))  # fmt: skip
    commented = np.flatnonzero(comment)
    rows = []
    for k in range(1, 4):
        chosen = commented[rng.random(commented.size) < 1 / k]
        rows.append(
            pl.DataFrame(
                {
                    "response_key": [keys[i] for i in chosen],
                    "week": [week] * chosen.size,
                    "theme": [f"theme_{t}" for t in rng.integers(0, themes, chosen.size)],
                    "polarity": rng.choice(["complaint", "praise", "neutral"], chosen.size),
                    "mentions": rng.integers(1, 3, chosen.size),
                    "span_start": rng.integers(0, 200, chosen.size),
                }
            )
        )
    mentions = pl.concat(rows).unique(["response_key", "theme", "polarity"])
    return scored, mentions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--themes", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    weeks = [WEEK - dt.timedelta(weeks=k) for k in range(8, -1, -1)]
    parts = [_week_data(rng, w, args.responses, args.themes, i * args.responses)
             for i, w in enumerate(weeks)]  # fmt: skip
    scored = pl.concat([p[0] for p in parts])
    mentions = pl.concat([p[1] for p in parts])
    print(f"{len(weeks)} weeks × {args.responses:,} responses, {mentions.height:,} mentions")

    started = time.perf_counter()
    values = response_values(scored, {"1-5": 4})
    groups = primary_themes(scored, mentions)
    movement = decompose(values, groups, WEEK)
    decomposed = time.perf_counter() - started
    started = time.perf_counter()
    spikes = find_spikes(values, scored, mentions, WEEK, weeks)
    spiked = time.perf_counter() - started
    check = movement.group_by("metric", "scale").agg(
        gap=(pl.col("contribution").sum() - pl.col("total_change").first()).abs()
    )
    print(f"decomposition: {decomposed:.2f} s ({movement.height} rows; "
          f"largest |Σ parts − change| {check['gap'].max():.1e})")  # fmt: skip
    print(f"spikes: {spiked:.2f} s ({spikes.height} flagged on random data)")


if __name__ == "__main__":
    main()
