"""Which order `themes suggest` should put the comments in, chosen on the coding pool alone
(issue #24): the held-back texts of bench/coding_loop.py play no part here.

    make bench-coding-order

The pool of each source (1,160 Trustpilot reviews, 1,400 telecom tweets; bench/gold/README.md)
is split in two halves by the hash of each text. One half is tagged as a week and gives the
comments to code; the model learned from them reads the other half; then the halves swap. Each
candidate order codes the first k of the half's unexplained comments (k = 25, 50, 100, fewer
when there are fewer) and is compared with k drawn at random among the same comments (DRAWS
draws): the figure printed is its complaint F1 minus the random draws' mean, per source and
size, and their mean over everything.

On 5 Dec (k = all the unexplained comments when fewer than 100; those rows count as 0), mean
gain over random in F1 points, and the worst: low scorers first +0.32 (−0.84); low scorers
first then the most unsure, what `themes suggest` ships since, +0.28 (−0.56); the most unsure
+0.24 (−0.56); typical (KMeans medoids of the embeddings, biggest cluster first) +0.03 (−0.75);
the same, low scorers' clusters first, −0.00 (−0.75); the order shipped before (uncertainty on
the threshold, groups taking turns) −0.48 (−2.24); the lowest best probability first −0.62
(−1.59). Random draws of the same k spread ±0.2 to ±1.3 points: no order is told apart from
chance; the shipped one is the issue's "low scorers first, then the uncertain", with the
smallest worst case of those ahead.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
from sklearn.cluster import KMeans

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "bench" / "gold"))

from coding_loop import SOURCES, WEEK, coded, figures, tagged_pool  # noqa: E402
from sample import samples  # noqa: E402  (bench/gold/sample.py)
from theme_quality import Item, gold_items  # noqa: E402

from satisfaction_pipeline.themes import coding  # noqa: E402
from satisfaction_pipeline.themes.coding import candidates, learn_codes  # noqa: E402
from satisfaction_pipeline.themes.corpus import DEFAULT_MODEL  # noqa: E402
from satisfaction_pipeline.themes.model import LOW, ThemeModel, embed, load_model  # noqa: E402

SIZES = (25, 50, 100)
DRAWS = 4

Order = Callable[[pl.DataFrame, ThemeModel, int], list[str]]


def shipped(found: pl.DataFrame, model: ThemeModel, k: int) -> list[str]:
    """What `themes suggest` does (coding.suggest): low scorers first, then the most unsure."""
    return coding.suggest(found, model, k)["response_key"].to_list()


def low_first(found: pl.DataFrame, model: ThemeModel, k: int) -> list[str]:
    """Low scorers' comments first, in the order they came."""
    return found.sort(pl.col("band") != LOW, maintain_order=True)["response_key"].head(k).to_list()


def most_unsure(found: pl.DataFrame, model: ThemeModel, k: int) -> list[str]:
    """Uncertainty alone, over every theme: the sum of p(1 − p)."""
    p = model.probabilities(found["text"].to_list())
    worth = (p * (1 - p)).sum(axis=1)
    return [found["response_key"][int(i)] for i in np.argsort(-worth, kind="stable")[:k]]


def least_known(found: pl.DataFrame, model: ThemeModel, k: int) -> list[str]:
    """What the model knows least of first: the lowest best probability."""
    p = model.probabilities(found["text"].to_list()).max(axis=1)
    return [found["response_key"][int(i)] for i in np.argsort(p, kind="stable")[:k]]


def typical(found: pl.DataFrame, model: ThemeModel, k: int) -> list[str]:
    """Representative: k clusters of the sentence embeddings, the comment nearest each centre,
    the biggest cluster first."""
    vectors = embed(found["text"].to_list())
    k = min(k, len(vectors))
    means = KMeans(n_clusters=k, n_init=4, random_state=0).fit(vectors)
    distance = np.linalg.norm(vectors - means.cluster_centers_[means.labels_], axis=1)
    sizes = np.bincount(means.labels_, minlength=k)
    nearest = [
        int(np.flatnonzero(means.labels_ == c)[np.argmin(distance[means.labels_ == c])])
        for c in range(k)
    ]
    nearest.sort(key=lambda i: -sizes[means.labels_[i]])
    return [found["response_key"][i] for i in nearest]


def typical_low_first(found: pl.DataFrame, model: ThemeModel, k: int) -> list[str]:
    """Representative, low scorers' clusters first (each cluster's comment nearest its
    centre; clusters ordered by their share of low scorers, then size)."""
    vectors = embed(found["text"].to_list())
    k = min(k, len(vectors))
    means = KMeans(n_clusters=k, n_init=4, random_state=0).fit(vectors)
    distance = np.linalg.norm(vectors - means.cluster_centers_[means.labels_], axis=1)
    low = (found["band"] == LOW).to_numpy()
    order = []
    for c in range(k):
        members = np.flatnonzero(means.labels_ == c)
        centre = int(members[np.argmin(distance[members])])
        order.append((-low[members].sum(), -len(members), centre))
    return [found["response_key"][i] for *_, i in sorted(order)]


ORDERS: dict[str, Order] = {
    "themes suggest": shipped,
    "low scorers first": low_first,
    "most unsure": most_unsure,
    "least known": least_known,
    "typical": typical,
    "typical, low first": typical_low_first,
}


def halves(items: list[Item]) -> tuple[list[Item], list[Item]]:
    odd = [int(hashlib.sha1(i.text.encode()).hexdigest()[:8], 16) % 2 for i in items]
    return (
        [i for i, o in zip(items, odd, strict=True) if not o],
        [i for i, o in zip(items, odd, strict=True) if o],
    )


def compare(
    coded_half: list[Item], read_half: list[Item], base: ThemeModel, orders: dict[str, Order]
) -> dict:
    conn = tagged_pool(coded_half, base)
    found = candidates(conn, WEEK, WEEK, set())
    keys = found["response_key"].to_list()

    def f1_of(chosen: list[str]) -> float:
        return figures(learn_codes(coded(coded_half, chosen), "default", 0).model, read_half)["f1"]

    gains: dict[str, dict[int, float]] = {name: {} for name in orders}
    for k in SIZES:
        k = min(k, len(keys))
        chance = [f1_of(random.Random(d).sample(keys, k)) for d in range(DRAWS)]
        mean = statistics.mean(chance)
        print(f"    k={k}: random {mean:.3f} ± {statistics.stdev(chance):.3f}", flush=True)
        for name, order in orders.items():
            gains[name][k] = f1_of(order(found, base, k)) - mean
            print(f"      {name:<20} {gains[name][k]:+.3f}", flush=True)
        if k == len(keys):
            break
    return gains


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=Path, default=ROOT.parent / "shared" / "data" / "exports")
    parser.add_argument("--sources", nargs="+", choices=list(SOURCES), default=list(SOURCES))
    parser.add_argument("--orders", nargs="+", choices=list(ORDERS), default=list(ORDERS))
    args = parser.parse_args()
    orders = {name: ORDERS[name] for name in args.orders}
    drawn = samples(args.exports)
    base = load_model(DEFAULT_MODEL)
    every: dict[str, list[float]] = {name: [] for name in orders}
    for source in args.sources:
        a, b = halves(gold_items(SOURCES[source][0], args.exports, drawn))
        for label, (coded_half, read_half) in {"A→B": (a, b), "B→A": (b, a)}.items():
            print(f"{source} {label}: code from {len(coded_half)}, read {len(read_half)}")
            for name, by_size in compare(coded_half, read_half, base, orders).items():
                every[name] += by_size.values()
    print("\nmean gain over random (F1 points), every source, half and size:")
    for name, gains in sorted(every.items(), key=lambda kv: -statistics.mean(kv[1])):
        print(f"  {name:<20} {100 * statistics.mean(gains):+.2f}  (min {100 * min(gains):+.2f})")


if __name__ == "__main__":
    main()
