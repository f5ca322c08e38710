"""Draw the real third-party texts that the gold labels of bench/gold/ are about, as the labellers
received them: JSON lines of source, key, text_sha1 and text (the texts stay in ../shared/data;
only the labels, keyed by the source's own id and the text's hash, are kept here).

    .venv/bin/python bench/gold/sample.py ../shared/data/exports /tmp/label_inputs
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import sys
from pathlib import Path

SEED = 2026
TWEETS_POOL = 1400


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter=delimiter))


def samples(exports: Path) -> dict[str, list[dict[str, str]]]:
    """fr_reviews: all 140 reviews of trustpilot_fr_ecommerce.csv (key: the data row, from 1)
    and 360 of trustpilot_fr_multi.csv (key: id); fr_tweets: 400 customers' tweets of
    free_tweets_fr.csv (from_brand false; key: tweet_id); en_cfpb: 500 narratives of
    cfpb_complaints_sample.csv (key: Complaint ID, with its Issue and Product as hints);
    fr_reviews_pool: the 1,160 other reviews with text of trustpilot_fr_multi.csv."""
    rng = random.Random(SEED)
    ecommerce = _rows(exports / "trustpilot_fr_ecommerce.csv", ";")
    reviews = [
        {"source": "trustpilot_fr_ecommerce.csv", "key": str(i), "text": r["commentaire"]}
        for i, r in enumerate(ecommerce, 1)
        if r["commentaire"].strip()
    ]
    multi = [r for r in _rows(exports / "trustpilot_fr_multi.csv") if r["verbatim"].strip()]
    reviews += [
        {"source": "trustpilot_fr_multi.csv", "key": r["id"], "text": r["verbatim"]}
        for r in rng.sample(multi, 360)
    ]
    tweets = [
        r
        for r in _rows(exports / "free_tweets_fr.csv")
        if r["from_brand"] == "false" and r["text"].strip()
    ]
    fr_tweets = [
        {"source": "free_tweets_fr.csv", "key": r["tweet_id"], "text": r["text"]}
        for r in rng.sample(tweets, 400)
    ]
    narratives = [
        r
        for r in _rows(exports / "cfpb_complaints_sample.csv")
        if r["Consumer complaint narrative"].strip()
    ]
    cfpb = [
        {"source": "cfpb_complaints_sample.csv", "key": r["Complaint ID"],
         "text": r["Consumer complaint narrative"], "cfpb_issue": r["Issue"],
         "cfpb_product": r["Product"]}
        for r in rng.sample(narratives, 500)
    ]  # fmt: skip
    drawn = {"fr_reviews": reviews, "fr_tweets": fr_tweets, "en_cfpb": cfpb}
    for items in drawn.values():
        rng.shuffle(items)
    # the coding pool (issue #24): every other review of trustpilot_fr_multi.csv, to measure
    # what coding suggested comments adds to a model; its own generator keeps the draws above
    labelled = {r["key"] for r in reviews}
    pool = [
        {"source": "trustpilot_fr_multi.csv", "key": r["id"], "text": r["verbatim"]}
        for r in multi
        if r["id"] not in labelled
    ]
    random.Random(SEED + 1).shuffle(pool)
    drawn["fr_reviews_pool"] = pool
    labelled = {t["key"] for t in fr_tweets}
    others = [
        {"source": "free_tweets_fr.csv", "key": r["tweet_id"], "text": r["text"]}
        for r in tweets
        if r["tweet_id"] not in labelled
    ]
    drawn["fr_tweets_pool"] = random.Random(SEED + 2).sample(others, TWEETS_POOL)
    for items in drawn.values():
        for n, item in enumerate(items, 1):
            item["n"], item["text_sha1"] = n, _sha1(item["text"])
    return drawn


def main() -> None:
    exports, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for name, items in samples(exports).items():
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as file:
            for item in items:
                file.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"{name}: {len(items)} texts")


if __name__ == "__main__":
    main()
