"""Measure theme detection — the taxonomy's patterns or a trained model — against hand-labelled
comments.

The gold file is any examples file (`themes.examples`): a CSV such as `tests/data/themes_gold.csv`
(columns `comment` and `labels`, `theme:polarity` items separated by `;`), an XLSX coding frame,
or SemEval ABSA XML. Detection is scored like SemEval's aspect categories (slot 1): per comment,
the set of predicted themes against the gold set; precision, recall and F1 per theme and
micro-averaged over comments. Polarity accuracy is the share of correctly detected themes whose
polarity (complaint / praise / neutral) is also right, where the gold gives one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.themes.detect import ModelThemes
from satisfaction_pipeline.themes.examples import Examples, ExamplesError, read_examples
from satisfaction_pipeline.themes.model import POLARITIES, score_sets
from satisfaction_pipeline.themes.tagger import comment_themes, tag_comments

Predictor = Callable[[list[str]], list[dict[str, str]]]


class GoldError(Exception):
    """A gold file that cannot be used: the file, row and what was expected."""


@dataclass(frozen=True)
class Scores:
    per_theme: pl.DataFrame  # theme, gold, predicted, tp, precision, recall, f1
    micro: dict[str, float]  # precision, recall, f1, polarity_accuracy, comments

    @classmethod
    def of(cls, per_theme: dict[str, dict[str, int]], micro: dict[str, float], comments: int):
        """From counts per theme (gold, predicted, tp) and the micro-averaged figures."""
        table = pl.DataFrame([{"theme": t, **c} for t, c in per_theme.items()]).with_columns(
            **_ratios(pl.col("tp"), pl.col("predicted"), pl.col("gold"))
        )
        return cls(table.sort("theme"), {**micro, "comments": float(comments)})


def read_gold(
    path: Path | str, text_column: str | None = None, theme_columns: list[str] | None = None
) -> Examples:
    """The labelled comments of a gold file."""
    try:
        return read_examples(path, text_column, theme_columns)
    except ExamplesError as exc:
        raise GoldError(str(exc)) from None


def unknown_themes(gold: Examples, known_themes: set[str], against: str) -> str | None:
    """A warning naming the gold's themes that `against` cannot find: they count as misses."""
    unknown = sorted(set(gold.themes) - known_themes)
    if not unknown:
        return None
    where = {theme: next(e.id for e in gold.items if theme in e.labels) for theme in unknown}
    listing = ", ".join(f"{t!r} (first in {where[t]})" for t in unknown)
    return (
        f"{gold.source}: theme(s) {listing} are not in {against}, so every one counts as "
        f"missed; its themes are {', '.join(sorted(known_themes))}"
    )


def engine_predictor(taxonomy: Taxonomy, learned: ModelThemes | None) -> Predictor:
    """What the pipeline assigns, without scores: the model's themes, and the patterns' for
    the themes it does not assign or whose patterns the configuration wrote."""
    patterns = taxonomy_predictor(taxonomy)
    if learned is None:
        return patterns

    def predict(comments: list[str]) -> list[dict[str, str]]:
        by_model = learned.model.predict(comments)
        by_patterns = patterns(comments)
        replaced = learned.themes - learned.patterns_kept
        return [
            {t: p for t, p in model_found.items() if t in learned.themes}
            | {t: p for t, p in pattern_found.items() if t not in replaced}
            for model_found, pattern_found in zip(by_model, by_patterns, strict=True)
        ]

    return predict


def taxonomy_predictor(taxonomy: Taxonomy) -> Predictor:
    """For each comment, theme → its polarity (the most mentioned; ties: complaint first)."""

    def predict(comments: list[str]) -> list[dict[str, str]]:
        texts = pl.DataFrame({"id": range(len(comments)), "text": comments}, strict=False)
        found = comment_themes(texts, tag_comments(texts, taxonomy))
        rank = {p: i for i, p in enumerate(POLARITIES)}
        predicted: list[dict[str, str]] = [{} for _ in comments]
        best = sorted(
            found.select("id", "theme", "polarity", "mentions").iter_rows(),
            key=lambda r: (r[0], r[1], -r[3], rank[r[2]]),
        )
        for comment, theme, polarity, _ in best:
            predicted[comment].setdefault(theme, polarity)
        return predicted

    return predict


def evaluate(gold: Examples, predict: Predictor, themes: list[str]) -> Scores:
    """Scores of `predict` on the gold comments; `themes` are the ones it can find."""
    per_theme = {t: {"gold": 0, "predicted": 0, "tp": 0} for t in themes}
    micro = score_sets([e.labels for e in gold.items], predict(gold.texts), per_theme)
    return Scores.of(per_theme, micro, len(gold.items))


def _ratios(tp: pl.Expr, predicted: pl.Expr, gold: pl.Expr) -> dict[str, pl.Expr]:
    precision = pl.when(predicted > 0).then(tp / predicted).otherwise(0.0)
    recall = pl.when(gold > 0).then(tp / gold).otherwise(0.0)
    f1 = (
        pl.when(precision + recall > 0)
        .then(2 * precision * recall / (precision + recall))
        .otherwise(0.0)
    )
    return {"precision": precision, "recall": recall, "f1": f1}


def format_scores(scores: Scores) -> str:
    """A plain-text table: one line per theme, then the micro average."""
    width = max([24, *(len(t) + 2 for t in scores.per_theme["theme"])])
    lines = [f"{'theme':<{width}}{'gold':>6}{'found':>7}{'P':>7}{'R':>7}{'F1':>7}"]
    for row in scores.per_theme.iter_rows(named=True):
        lines.append(
            f"{row['theme']:<{width}}{row['gold']:>6}{row['predicted']:>7}"
            f"{row['precision']:>7.2f}{row['recall']:>7.2f}{row['f1']:>7.2f}"
        )
    m = scores.micro
    lines.append(
        f"{'micro-average':<{width}}{'':>6}{'':>7}"
        f"{m['precision']:>7.2f}{m['recall']:>7.2f}{m['f1']:>7.2f}"
    )
    polarity = m["polarity_accuracy"]
    lines.append(
        f"polarity accuracy on the themes found correctly: "
        f"{'n/a (the gold gives no polarity)' if polarity != polarity else f'{polarity:.2f}'} "
        f"({int(m['comments'])} comments)"
    )
    return "\n".join(lines)
