"""Theme tagging throughput: N generated comments, French and English, tagged the way the
`comment_themes` asset tags them: the patterns (tokens, language, lemmas, patterns, polarity,
evidence), then the default model (themes, polarity with the score band, tone).

    make bench-themes              # 1,000,000 comments
    .venv/bin/python bench/themes.py --comments 200000

Prints comments/second and the peak memory of the process. Aims on a 2-core machine: patterns at
least 50,000 comments/second, the default model at least 2,000 (issue #20; aim 5,000).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from satisfaction_pipeline.config.taxonomy import default_taxonomy
from satisfaction_pipeline.demo_data import COMPLAINTS_EN, COMPLAINTS_FR, PRAISE_EN, PRAISE_FR
from satisfaction_pipeline.themes.corpus import DEFAULT_MODEL
from satisfaction_pipeline.themes.model import load_model
from satisfaction_pipeline.themes.tagger import comment_themes, tag_comments

NOISE = [
    "Bonjour,", "Hello,", "Franchement", "Honestly", "😡", "👍", "MERCI !!!", "<br>",
    "https://example.com/aide", "cordialement", "regards", "bref.", "Voilà.", "ok",
]  # fmt: skip


def comments(count: int, seed: int = 5) -> list[str]:
    """Comments of one to three sentences from the demo's complaint and praise bank, with noise
    words, capitals and the odd long paste, so that the vocabulary is varied."""
    rng = random.Random(seed)
    french = [s for group in COMPLAINTS_FR.values() for s in group] + PRAISE_FR
    english = [s for group in COMPLAINTS_EN.values() for s in group] + PRAISE_EN
    out = []
    for i in range(count):
        bank = french if rng.random() < 0.6 else english
        parts = [rng.choice(bank).format(agent="Camille R.") for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            parts.insert(rng.randrange(len(parts) + 1), rng.choice(NOISE))
        text = " ".join(parts)
        if rng.random() < 0.05:
            text = text.upper()
        if i % 10_000 == 0:
            text = " ".join([text] * 40)  # a long pasted comment now and then
        out.append(f"{text} #{rng.randrange(10_000)}")  # numbers vary the vocabulary a little
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    texts = pl.DataFrame({"id": range(args.comments), "text": comments(args.comments)})
    print(f"{'generate ' + format(args.comments, ',') + ' comments':<40} "
          f"{time.perf_counter() - started:7.2f} s")  # fmt: skip
    taxonomy = default_taxonomy()
    tag_comments(texts.head(100), taxonomy)  # compile the patterns once, outside the timing
    started = time.perf_counter()
    tagged = tag_comments(texts, taxonomy)
    rows = comment_themes(texts, tagged)
    seconds = time.perf_counter() - started
    characters = texts["text"].str.len_chars().sum()
    print(f"{'tag (mentions, polarity, evidence)':<40} {seconds:7.2f} s")
    print(f"  {rows.height:,} comment_themes rows; {characters / args.comments:.0f} chars/comment")
    print(f"{'comments per second':<40} {args.comments / seconds:9,.0f}  (aim: 50,000)")
    model = load_model(DEFAULT_MODEL)
    strings = texts["text"].to_list()
    bands = [i % 4 for i in range(len(strings))]
    started = time.perf_counter()
    found = sum(len(r.found) for r in model.read(strings, bands))
    seconds = time.perf_counter() - started
    print(f"{'default model (themes, polarity, tone)':<40} {seconds:7.2f} s, {found:,} themes")
    print(f"{'comments per second':<40} {args.comments / seconds:9,.0f}  (aim: 2,000-5,000)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak memory (RSS)':<40} {peak_mb:7,.0f} MB")


if __name__ == "__main__":
    main()
