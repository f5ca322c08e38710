"""Themes given by a handful of examples (themes/fewshot.py): how well they are found.

    .venv/bin/python bench/few_shot.py

Each of the 12 default themes is posed as a new theme given by 5 example sentences drawn (seeded)
from the corpus' training files, among those labelled with it as a complaint. On the training
files (the examples left out), the similarity threshold with the best mean F1 is chosen; the
held-out file (another hand) measures it: per theme, precision and recall of the sentences that
carry the theme, and the polarity of those found.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from satisfaction_pipeline.themes.corpus import DEFAULT_MODEL, read_corpus, training_files  # noqa: E402
from satisfaction_pipeline.themes.fewshot import ExampleThemes, _polarity  # noqa: E402
from satisfaction_pipeline.themes.model import load_model  # noqa: E402

CORPUS = ROOT / "corpus" / "themes"
SHOTS = 5
THRESHOLDS = [0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5]


def sentences(paths):
    return [s for p in paths for c in read_corpus(p) for s in c.sentences]


def f1(tp, predicted, gold):
    p, r = tp / max(predicted, 1), tp / max(gold, 1)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def main() -> None:
    rng = random.Random(2026)
    train, held = sentences(training_files(CORPUS)), sentences([CORPUS / "heldout.csv"])
    themes = sorted({t for s in train for t in s.labels})
    examples = {
        t: rng.sample([s for s in train if s.labels.get(t) == "complaint"], SHOTS) for t in themes
    }
    shots = ExampleThemes.of({t: [s.text for s in chosen] for t, chosen in examples.items()})
    used = {s.id for chosen in examples.values() for s in chosen}
    train = [s for s in train if s.id not in used]
    similarity = {"train": shots.similarities([s.text for s in train])}
    by_threshold = {}
    for threshold in THRESHOLDS:
        scores = []
        for i, theme in enumerate(themes):
            found = similarity["train"][:, i] >= threshold
            gold = np.array([theme in s.labels for s in train])
            scores.append(f1(np.sum(found & gold), found.sum(), gold.sum())[2])
        by_threshold[threshold] = float(np.mean(scores))
        mean = by_threshold[threshold]
        print(f"training files, threshold {threshold}: mean F1 over themes {mean:.3f}")
    chosen = max(by_threshold, key=by_threshold.get)
    print(f"chosen: {chosen}\n\nheld-out file ({len(held)} sentences), {SHOTS} examples a theme:")
    similarity = shots.similarities([s.text for s in held])
    tones = load_model(DEFAULT_MODEL).tone([s.text for s in held])
    totals = np.zeros(3)
    right = judged = 0
    for i, theme in enumerate(themes):
        found = similarity[:, i] >= chosen
        gold = np.array([theme in s.labels for s in held])
        counts = np.array([np.sum(found & gold), found.sum(), gold.sum()])
        totals += counts
        p, r, f = f1(*counts)
        print(f"  {theme:<22} gold {counts[2]:>4}  P {p:.2f}  R {r:.2f}  F1 {f:.2f}")
        for j in np.flatnonzero(found & gold):
            if held[j].labels[theme] is not None:
                judged += 1
                right += _polarity(tones[j]) == held[j].labels[theme]
    p, r, f = f1(*totals)
    print(f"  {'micro-average':<22}            P {p:.2f}  R {r:.2f}  F1 {f:.2f}")
    print(f"  polarity of the themes found right (by the tone): {right / max(judged, 1):.2f}")


if __name__ == "__main__":
    main()
