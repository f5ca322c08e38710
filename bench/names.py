"""How many people's names `redact` removes from comments it never saw: the labelled sample of
`corpus/names/sample.csv` (400 comments, 369 names, written and labelled by a helper who never
saw the redaction code), split by id into a development half (odd ids) and a held-out half (even
ids) that no decision looked at. Prints recall of names, the words wrongly redacted, the
comments without any name that lost a word, and the time a long comment takes.

    make bench-names            # both halves
    .venv/bin/python bench/names.py --show heldout   # and list the misses
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from pathlib import Path

from satisfaction_pipeline.redact import redact

SAMPLE = Path(__file__).parents[1] / "corpus" / "names" / "sample.csv"
WORD = re.compile(r"[^\W\d_]{2,}(?:['’-][^\W\d_]+)*")


def rows(half: str) -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as file:
        every = list(csv.DictReader(file))
    odd = [int(r["id"].split("-")[1]) % 2 == 1 for r in every]
    return [r for r, is_odd in zip(every, odd, strict=True) if is_odd == (half == "dev")]


def count(word: str, text: str) -> int:
    return len(re.findall(rf"(?<!\w){re.escape(word)}(?!\w)", text))


def measure(half: str, show: bool = False) -> dict[str, float]:
    """A name is caught when every word of it (two letters or more) is gone from the redacted
    text, counting only its own occurrences (a word used otherwise too may stay)."""
    caught = total = wrong = untouched_traps = traps = 0
    misses = []
    for row in rows(half):
        text, names = row["text"], [n for n in row["names"].split(" | ") if n]
        out = redact(text) or ""
        words_of_names = {w for n in names for w in WORD.findall(n)}
        for name in names:
            total += 1
            # its words still there beyond their uses that are no name
            uses = {w: count(w, text) - sum(WORD.findall(n).count(w) for n in names)
                    for w in WORD.findall(name)}  # fmt: skip
            left = [w for w, other in uses.items() if count(w, out) > other]
            caught += not left
            if left:
                misses.append((name, text[:100]))
        lost = [
            w
            for w in WORD.findall(text)
            if w not in words_of_names and count(w, out) < count(w, text)
        ]
        wrong += len(set(lost))
        if not names:
            traps += 1
            untouched_traps += out == text
    print(
        f"{half}: names removed {caught}/{total} = {caught / total:.1%}; other words removed "
        f"{wrong}; comments without a name left as written {untouched_traps}/{traps}"
    )
    if show:
        for name, text in misses:
            print(f"  missed {name!r}: {text!r}")
    return {"recall": caught / total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", choices=["dev", "heldout"], help="list that half's misses")
    args = parser.parse_args()
    started = time.perf_counter()
    redact("warm-up: Merci à Camille")  # loads the models once
    print(f"models loaded in {time.perf_counter() - started:.1f} s")
    for half in ("dev", "heldout"):
        started = time.perf_counter()
        measure(half, show=args.show == half)
        print(f"  {len(rows(half))} comments in {time.perf_counter() - started:.2f} s")
    # a pasted letter: the time must grow with the length, not its square
    for size in (10_000, 100_000):
        text = "Bonjour Camille, le conseiller Paul était super. " * (size // 50)
        started = time.perf_counter()
        redact(text)
        print(f"one comment of {len(text):,} characters: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
