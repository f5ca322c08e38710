"""How right the themes are, on text the engines were not built from: the default model next to
the taxonomy's patterns, response by response.

    make bench-theme-quality                     # held-out corpus + real texts' gold labels
    .venv/bin/python bench/theme_quality.py --validate default   # how weight and gate were chosen

Data: `corpus/themes/heldout.csv` (written by a hand that wrote no training file, kept out of
every decision) and the gold labels of `bench/gold/` on real third-party texts in
`../shared/data/exports` (skipped when that folder is absent; `--exports` to point elsewhere).

Figures per data set, each comment's predicted themes against its labels:
- complaint F1: the set of themes it complains about (micro-averaged over comments);
- theme F1 and polarity accuracy (the themes found right whose polarity is one the labels give);
- praise → complaint: of the comments that praise and complain about nothing, the share given a
  complaint;
- coverage: of the low scorers' comments of 3 words or more, the share given a complaint theme
  (for texts without a score: of those whose labels have a complaint).

`--validate` trains on the other training files and reads e-commerce (the validation domain)
with each score weight and tone gate: how the defaults in `Recipe` were chosen (the best
complaint F1 among the settings that read at most 3 % of the praise-only comments as
complaints). The held-out file plays no part in it.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import sys
import time
from collections import Counter
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "gold"))

from sample import samples  # noqa: E402  (bench/gold/sample.py)

from satisfaction_pipeline.config.taxonomy import default_taxonomy  # noqa: E402
from satisfaction_pipeline.themes.corpus import (  # noqa: E402
    DEFAULT_RECIPE,
    PACKAGED_MODELS,
    read_corpus,
    training_files,
)
from satisfaction_pipeline.themes.examples import Examples  # noqa: E402
from satisfaction_pipeline.themes.model import (  # noqa: E402
    HIGH,
    LOW,
    UNKNOWN,
    Recipe,
    ThemeModel,
    load_model,
    score_band,
    train,
)
from satisfaction_pipeline.themes.tagger import comment_themes, tag_comments  # noqa: E402

CORPUS = ROOT / "corpus" / "themes"
GOLD = ROOT / "bench" / "gold"

Labels = dict[str, set[str]]  # theme → polarities


@dataclasses.dataclass
class Item:
    text: str
    labels: Labels
    band: int = UNKNOWN
    complains_elsewhere: bool = False  # about something none of the 12 themes covers


def corpus_items(path: Path) -> list[Item]:
    return [Item(c.text, c.labels, c.band, c.complains_elsewhere) for c in read_corpus(path)]


def gold_items(name: str, exports: Path, drawn: dict) -> list[Item]:
    """The gold labels of bench/gold/NAME.labels.csv joined to their texts; reviews carry their
    stars as a CSAT 1–5 band."""
    texts = {(d["source"], d["key"]): d["text"] for d in drawn[name]}
    stars = _stars(exports) if name.startswith("fr_reviews") else {}
    items = []
    with (GOLD / f"{name}.labels.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            labels: Labels = {}
            for label in filter(None, row["labels"].split(";")):
                theme, _, polarity = label.partition(":")
                labels.setdefault(theme, set()).add(polarity)
            star = stars.get((row["source"], row["key"]))
            band = UNKNOWN if star is None else score_band(star >= 4, None, star == 5)
            text = texts[(row["source"], row["key"])]
            items.append(Item(text, labels, band, row["other_complaint"] == "yes"))
    return items


def _stars(exports: Path) -> dict[tuple[str, str], int]:
    stars = {}
    with (exports / "trustpilot_fr_ecommerce.csv").open(encoding="utf-8", newline="") as file:
        for i, row in enumerate(csv.DictReader(file, delimiter=";"), 1):
            stars[("trustpilot_fr_ecommerce.csv", str(i))] = int(row["note"])
    with (exports / "trustpilot_fr_multi.csv").open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            stars[("trustpilot_fr_multi.csv", row["id"])] = int(row["rating"])
    return stars


# -- engines -------------------------------------------------------------------------------


def by_patterns(items: list[Item]) -> list[Labels]:
    texts = pl.DataFrame({"id": range(len(items)), "text": [i.text for i in items]})
    rows = comment_themes(texts, tag_comments(texts, default_taxonomy()))
    found: list[Labels] = [{} for _ in items]
    for id_, theme, polarity in rows.select("id", "theme", "polarity").iter_rows():
        found[id_].setdefault(theme, set()).add(polarity)
    return found


def by_model(model: ThemeModel, items: list[Item], scores: bool = True) -> list[Labels]:
    bands = [i.band for i in items] if scores else None
    return [
        {f.theme: {f.polarity} for f in found}
        for found in model.find([i.text for i in items], bands)
    ]


# -- figures -------------------------------------------------------------------------------


def complaints(labels: Labels) -> set[str]:
    return {t for t, polarities in labels.items() if "complaint" in polarities}


def measure(items: list[Item], found: list[Labels]) -> dict:
    counts = Counter()
    per_theme: dict[str, Counter] = {}
    for item, guess in zip(items, found, strict=True):
        wanted, got = complaints(item.labels), complaints(guess)
        counts.update(tp=len(wanted & got), predicted=len(got), gold=len(wanted))
        for theme in wanted | got:
            per_theme.setdefault(theme, Counter()).update(
                tp=theme in wanted and theme in got, predicted=theme in got, gold=theme in wanted
            )
        hits = item.labels.keys() & guess.keys()
        counts.update(
            theme_tp=len(hits),
            theme_predicted=len(guess),
            theme_gold=len(item.labels),
            judged=len(hits),
            polarity_right=sum(bool(guess[t] & item.labels[t]) for t in hits),
        )
        praises = any("praise" in p for p in item.labels.values())
        if not wanted and not item.complains_elsewhere and praises:
            counts.update(praise_only=1, praise_as_complaint=bool(got))
        scored = item.band != UNKNOWN
        if (item.band == LOW and len(item.text.split()) >= 3) or (not scored and wanted):
            counts.update(low=1, low_covered=bool(got))
        if item.band == HIGH and got:
            counts.update(high_with_complaint=1)
    return {"counts": counts, "per_theme": per_theme}


def f1(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    p, r = tp / max(predicted, 1), tp / max(gold, 1)
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def summary(result: dict) -> dict[str, str]:
    c = result["counts"]
    p, r, f = f1(c["tp"], c["predicted"], c["gold"])
    _, _, theme_f = f1(c["theme_tp"], c["theme_predicted"], c["theme_gold"])
    return {
        "complaint F1": f"{f:.3f} (P {p:.2f} R {r:.2f})",
        "theme F1": f"{theme_f:.3f}",
        "polarity acc": f"{c['polarity_right'] / max(c['judged'], 1):.3f}",
        "praise→complaint": f"{c['praise_as_complaint']}/{c['praise_only']}"
        f" ({c['praise_as_complaint'] / max(c['praise_only'], 1):.0%})",
        "coverage": f"{c['low_covered']}/{c['low']} ({c['low_covered'] / max(c['low'], 1):.0%})",
    }


def print_table(rows: list[tuple[str, str, dict]]) -> None:
    keys = list(rows[0][2])
    print(f"{'data':<24}{'engine':<18}" + "".join(f"{k:<24}" for k in keys))
    for data, engine, figures in rows:
        print(f"{data:<24}{engine:<18}" + "".join(f"{figures[k]:<24}" for k in keys))


def print_per_theme(name: str, result: dict) -> None:
    print(f"\n{name}: complaint themes, per theme (gold, P, R)")
    for theme, c in sorted(result["per_theme"].items()):
        p, r, _ = f1(c["tp"], c["predicted"], c["gold"])
        print(f"  {theme:<22} gold {c['gold']:>4}  P {p:.2f}  R {r:.2f}")


def data_sets(exports: Path) -> dict[str, list[Item]]:
    sets = {"corpus held-out": corpus_items(CORPUS / "heldout.csv")}
    if (exports / "cfpb_complaints_sample.csv").exists():
        drawn = samples(exports)
        sets["CFPB EN (real)"] = gold_items("en_cfpb", exports, drawn)
        sets["reviews FR (real)"] = gold_items("fr_reviews", exports, drawn)
        sets["tweets FR (real)"] = gold_items("fr_tweets", exports, drawn)
    else:
        print(f"{exports}: not found, the real texts' gold labels are skipped")
    return sets


def report(exports: Path, models: list[str], per_theme: bool) -> None:
    """Each data set read by the patterns and by each model (a packaged name or a file)."""
    loaded = {
        name: load_model(PACKAGED_MODELS[name][0] if name in PACKAGED_MODELS else Path(name))
        for name in models
    }
    rows = []
    for data, items in data_sets(exports).items():
        rows.append((data, "patterns", summary(measure(items, by_patterns(items)))))
        for name, model in loaded.items():
            started = time.perf_counter()
            learned = measure(items, by_model(model, items))
            seconds = time.perf_counter() - started
            unscored = measure(items, by_model(model, items, scores=False))
            rows.append((data, f"{name}, no score", summary(unscored)))
            rows.append((data, name, summary(learned)))
            print(f"{data}: {len(items)} texts, {name} read them in {seconds:.2f} s")
            if per_theme:
                print_per_theme(f"{data}, {name}", learned)
    print()
    print_table(rows)


def validate(recipe: Recipe = DEFAULT_RECIPE, corpus: Path = CORPUS) -> None:
    """Train on the training files but e-commerce, read it with each weight and gate."""
    files = training_files(corpus)
    held = next(p for p in files if "ecommerce" in p.name)
    comments = [c for p in files if p != held for c in read_corpus(p)]
    sentences = [s for c in comments for s in c.sentences]
    bands = [c.band for c in comments for _ in c.sentences]
    complains = [flag for c in comments for flag in c.complains()]
    model = train(Examples(sentences, "validation"), recipe, bands=bands, complains=complains)
    items = corpus_items(held)
    prior = model.arrays["score_prior"] / recipe.score_weight
    rows = []
    for weight in (0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0):
        for gate in (0.0, 0.1, 0.2, 0.3, 0.4):
            model.arrays["score_prior"] = prior * weight
            model.recipe = dataclasses.replace(recipe, tone_gate=gate)
            figures = summary(measure(items, by_model(model, items)))
            rows.append((held.stem, f"w {weight} g {gate}", figures))
    print_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--exports", type=Path, default=ROOT.parent / "shared" / "data" / "exports")
    parser.add_argument(
        "--models",
        nargs="+",
        default=[n for n, (file, _) in PACKAGED_MODELS.items() if file.exists()],
        help="packaged model names (default, default-encoder) or model files",
    )
    parser.add_argument("--per-theme", action="store_true")
    parser.add_argument("--validate", choices=list(PACKAGED_MODELS), help="a packaged recipe")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the training files' folder")
    args = parser.parse_args()
    if args.validate:
        validate(PACKAGED_MODELS[args.validate][1], args.corpus)
    else:
        report(args.exports, args.models, args.per_theme)


if __name__ == "__main__":
    main()
