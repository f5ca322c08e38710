"""Learned themes: how long a model takes to train, how big it is, how fast it reads comments,
and (with --folds) its cross-validated accuracy on a labelled file.

    make bench-theme-model
    .venv/bin/python bench/theme_model.py --examples absa16_en_train.xml --folds 5

Both models are measured: TF-IDF with the sentence encoder (the default of `themes train`) and
TF-IDF alone (`--no-encoder`). Prediction runs `ThemeModel.find`, as the pipeline does (whole
comment plus its sentences), on generated French and English comments that are all distinct.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.themes import comments
from satisfaction_pipeline.themes.examples import keep_language, read_examples
from satisfaction_pipeline.themes.model import (
    Recipe,
    cross_validate,
    format_cross_validation,
    load_model,
    train,
)

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "themes_gold.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=Path, default=GOLD)
    parser.add_argument("--language", choices=["fr", "en", "auto"], default="auto")
    parser.add_argument("--comments", type=int, default=20_000)
    parser.add_argument("--folds", type=int, default=0, help="cross-validate too (e.g. 5)")
    args = parser.parse_args()
    examples = keep_language(read_examples(args.examples), args.language)
    print(examples.summary())
    texts = comments(args.comments)
    for name, recipe in (("TF-IDF + encoder", Recipe()), ("TF-IDF alone", Recipe(encoder=False))):
        if args.folds:
            started = time.perf_counter()
            result = cross_validate(examples, recipe, folds=args.folds)
            print(f"\n{name}: {args.folds}-fold cross-validation, {_since(started)}")
            print(format_cross_validation(result))
        started = time.perf_counter()
        model = train(examples, recipe)
        trained = _since(started)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.npz"
            model.save(path)
            size = path.stat().st_size / 1e6
            started = time.perf_counter()
            model = load_model(path)
            loaded = _since(started)
        model.find(["warm-up: loads the encoder"])
        started = time.perf_counter()
        found = model.find(texts)
        seconds = time.perf_counter() - started
        print(
            f"\n{name}: trained in {trained} on {len(examples.items)} texts "
            f"(choices {model.choices}); file {size:.1f} MB, loaded in {loaded}\n"
            f"  {len(texts):,} comments read in {seconds:.1f} s: {len(texts) / seconds:,.0f} "
            f"comments/s, {sum(map(len, found)) / len(texts):.2f} themes per comment"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory: {peak:,.0f} MB")


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


if __name__ == "__main__":
    main()
