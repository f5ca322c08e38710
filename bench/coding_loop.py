"""What coding the comments `themes suggest` puts first adds to the default model, against coding
as many random ones (issue #24):

    make bench-coding-loop

Data: real French text nobody here wrote, labelled by meaning by helpers who saw neither the
rules nor any model's output (bench/gold/README.md), in two sources:

- reviews: the pool an analyst codes from is 1,160 Trustpilot reviews (`fr_reviews_pool`, stars
  as CSAT); the 500 reviews of `fr_reviews` are held back;
- tweets to a telecom's support, no score: the pool is 1,400 tweets (`fr_tweets_pool`), the 400
  of `fr_tweets` are held back.

The held-back sets play no part in any choice: the suggestion order was chosen on halves of
the pools (bench/coding_order.py). For each source, the pool is tagged by the packaged default
model as a run tags a week (its rows in marts.comment_themes of an in-memory warehouse);
`themes suggest`'s own functions pick the unexplained comments and order them
(coding.candidates, coding.suggest).
Coding k comments is training the default corpus plus their labels (coding.learn_codes, as
`themes train` does with coding sheets); the model then reads the held-back set. Against: k
comments drawn at random among the same unexplained ones, and k drawn from the whole pool (a
team coding a random sample), 3 draws each (mean ± sd).

Figures as in bench/theme_quality.py: complaint F1 (each text's set of complaint themes against
its labels), praise → complaint, and coverage (low scorers' comments — texts without a score:
those whose labels complain — given a complaint theme).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "gold"))

from sample import samples  # noqa: E402  (bench/gold/sample.py)
from theme_quality import Item, by_model, f1, gold_items, measure  # noqa: E402

from satisfaction_pipeline import warehouse  # noqa: E402
from satisfaction_pipeline.themes.coding import candidates, learn_codes, suggest  # noqa: E402
from satisfaction_pipeline.themes.corpus import DEFAULT_MODEL  # noqa: E402
from satisfaction_pipeline.themes.examples import Example, Examples  # noqa: E402
from satisfaction_pipeline.themes.model import HIGH, LOW, MIDDLE, ThemeModel, load_model  # noqa: E402

SOURCES = {"reviews": ("fr_reviews_pool", "fr_reviews"), "tweets": ("fr_tweets_pool", "fr_tweets")}
SIZES = (50, 100, 200)
DRAWS = 3
WEEK = dt.date(2026, 11, 16)
STARS = {LOW: 2, MIDDLE: 4, HIGH: 5}  # a band as the CSAT 1–5 answer that gives it


def tagged_pool(items: list[Item], model: ThemeModel) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding the pool as one built week: its responses, and the theme
    rows the model gives them (what `themes suggest` reads)."""
    conn = duckdb.connect()
    warehouse.create_schema(conn)
    csat = [STARS.get(i.band) for i in items]
    responses = pl.DataFrame(
        {
            "response_key": [f"p{n:05d}" for n in range(len(items))],
            "comment": [i.text for i in items],
            "csat": csat,
        },
        schema_overrides={"csat": pl.Int8},
    ).with_columns(
        source=pl.lit("pool"),
        response_id="response_key",
        submitted_at=pl.lit(dt.datetime.combine(WEEK, dt.time(12))),
        week=pl.lit(WEEK),
        csat_scale=pl.when(pl.col("csat").is_not_null()).then(pl.lit("1-5")),
        csat_satisfied=pl.col("csat") >= 4,
        file_name=pl.lit("pool"),
        file_row=pl.int_range(pl.len(), dtype=pl.Int32),
        has_comment=pl.lit(True),
        counted=pl.lit(True),
    )
    readings = model.read([i.text for i in items], [i.band for i in items])
    rows = pl.DataFrame(
        [
            (f"p{n:05d}", f.theme, f.polarity, f.start, f.end)
            for n, reading in enumerate(readings)
            for f in reading.found
        ],
        schema=["response_key", "theme", "polarity", "span_start", "span_end"],
        orient="row",
    ).with_columns(
        week=pl.lit(WEEK), evidence=pl.lit(""), mentions=pl.lit(1), language=pl.lit("fr"),
        method=pl.lit("model"),
    )  # fmt: skip
    conn.register("responses", responses.to_arrow())
    conn.execute("INSERT INTO marts.responses BY NAME SELECT * FROM responses")
    conn.register("rows", rows.to_arrow())
    conn.execute("INSERT INTO marts.comment_themes BY NAME SELECT * FROM rows")
    return conn


def coded(items: list[Item], keys: list[str]) -> Examples:
    """The pool's labels of `keys`, as `themes train` reads a coding sheet coded with them."""
    examples = []
    for key in keys:
        item = items[int(key[1:])]
        labels = {
            theme: "complaint" if "complaint" in polarities else sorted(polarities)[0]
            for theme, polarities in item.labels.items()
        }
        other = "complaint" if item.complains_elsewhere else None
        examples.append(Example(key, item.text, labels, key, "fr", key, item.band, other, key))
    return Examples(examples, "pool", coding=True)


def figures(model: ThemeModel, held: list[Item]) -> dict[str, float]:
    c = measure(held, by_model(model, held))["counts"]
    return {
        "f1": f1(c["tp"], c["predicted"], c["gold"])[2],
        "praise": c["praise_as_complaint"] / max(c["praise_only"], 1),
        "coverage": c["low_covered"] / max(c["low"], 1),
    }


def spread(runs: list[dict[str, float]]) -> str:
    def one(key: str, scale: float = 1.0, digits: int = 3) -> str:
        values = [r[key] * scale for r in runs]
        if len(values) == 1:
            return f"{values[0]:.{digits}f}"
        return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"

    return (
        f"F1 {one('f1')}  praise→complaint {one('praise', 100, 1)} %  "
        f"coverage {one('coverage', 100, 1)} %"
    )


def run(source: str, exports: Path) -> None:
    pool_name, held_name = SOURCES[source]
    drawn = samples(exports)
    pool, held = gold_items(pool_name, exports, drawn), gold_items(held_name, exports, drawn)
    base = load_model(DEFAULT_MODEL)
    conn = tagged_pool(pool, base)
    found = candidates(conn, WEEK, WEEK, set())
    order = suggest(found, base, max(SIZES))["response_key"].to_list()
    unexplained = found["response_key"].to_list()
    everyone = [f"p{n:05d}" for n in range(len(pool))]
    print(
        f"\n{source}: pool {len(pool)}, of which {len(unexplained)} no theme explains "
        f"({found.filter(pl.col('band') == LOW).height} from low scorers); held back {len(held)}"
    )
    print(f"  default model, nothing coded:   {spread([figures(base, held)])}")
    for k in SIZES:
        started = time.perf_counter()
        chosen = order[:k]
        suggested = figures(learn_codes(coded(pool, chosen), "default", 0).model, held)
        same = [
            figures(learn_codes(coded(pool, random.Random(d).sample(unexplained, len(chosen))),
                                "default", 0).model, held)
            for d in range(DRAWS)
        ]  # fmt: skip
        anyone = [
            figures(learn_codes(coded(pool, random.Random(d).sample(everyone, k)), "default", 0)
                    .model, held)
            for d in range(DRAWS)
        ]  # fmt: skip
        note = f" (all {len(chosen)} there are)" if len(chosen) < k else ""
        print(f"  {k} coded{note}, {time.perf_counter() - started:.0f} s:")
        print(f"    suggested order:              {spread([suggested])}")
        print(f"    random, same unexplained:     {spread(same)}")
        print(f"    random, whole pool:           {spread(anyone)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=Path, default=ROOT.parent / "shared" / "data" / "exports")
    parser.add_argument("--sources", nargs="+", choices=list(SOURCES), default=list(SOURCES))
    args = parser.parse_args()
    if not (args.exports / "trustpilot_fr_multi.csv").exists():
        sys.exit(f"{args.exports}: the real exports are not here (../shared/data/exports)")
    for source in args.sources:
        run(source, args.exports)


if __name__ == "__main__":
    main()
