"""Points at stake: the bootstrap's time for a large week.

    make bench-actions
    .venv/bin/python bench/actions.py --responses 200000 --themes 15 --resamples 2000

Generates `responses` CSAT answers with `themes` complaint themes (each mentioned by 0.5–8 % of
responses, overlapping at random, the first one lowering satisfaction) and times
`points_at_stake` for one metric, then `stakes` (three metrics, from Polars frames, as the
asset calls it). Aim: under 5 s for 200,000 × 15 × 2,000 on a 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from satisfaction_pipeline.actions.stakes import points_at_stake, stakes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=200_000)
    parser.add_argument("--themes", type=int, default=15)
    parser.add_argument("--resamples", type=int, default=2_000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    flags = rng.random((args.responses, args.themes)) < rng.uniform(0.005, 0.08, args.themes)
    csat = np.where(rng.random(args.responses) < 0.8 - 0.3 * flags[:, 0], 100.0, 0.0)
    nps = rng.choice([-100.0, 0.0, 100.0], args.responses)
    ces = np.where(rng.random(args.responses) < 0.6, 100.0, 0.0)

    started = time.perf_counter()
    stake = points_at_stake(csat, flags, args.resamples)
    seconds = time.perf_counter() - started
    print(
        f"points_at_stake: {args.responses:,} responses × {args.themes} themes × "
        f"{args.resamples:,} resamples: {seconds:.2f} s "
        f"(theme 1: {stake.points[0]:+.2f} points, "
        f"95 % {stake.low[0]:+.2f} to {stake.high[0]:+.2f})"
    )

    keys = [f"r{i}" for i in range(args.responses)]
    values = pl.DataFrame({"response_key": keys, "csat": csat, "nps": nps, "ces": ces})
    rows, columns = np.nonzero(flags)
    mentions = pl.DataFrame(
        {"response_key": [keys[r] for r in rows], "group": [f"theme_{c}" for c in columns]}
    )
    started = time.perf_counter()
    stakes(values, mentions, args.resamples)
    print(f"stakes (CSAT, NPS, CES from Polars frames): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
