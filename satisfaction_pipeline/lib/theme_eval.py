"""Measure theme detection against hand-labelled comments.

Gold file: CSV with columns `comment` and `labels` (`theme:polarity` items separated by `;`,
empty for none), optionally `id` and `language`. Detection is scored like SemEval's aspect
categories: per comment, the set of predicted themes against the gold set; precision, recall
and F1 per theme and micro-averaged over comments. Polarity accuracy is the share of correctly
detected themes whose polarity (complaint / praise / neutral) is also right.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from satisfaction_pipeline.lib.taxonomy import Taxonomy
from satisfaction_pipeline.lib.themes import comment_themes, tag_comments

POLARITIES = ("complaint", "praise", "neutral")


class GoldError(Exception):
    """A gold file that cannot be read: the file, row and what was expected."""


@dataclass(frozen=True)
class Scores:
    per_theme: pl.DataFrame  # theme, gold, predicted, tp, precision, recall, f1
    micro: dict[str, float]  # precision, recall, f1, polarity_accuracy, comments


def read_gold(path: Path | str, known_themes: set[str]) -> pl.DataFrame:
    """Rows id, comment, gold (list of theme:polarity), from a CSV gold file."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"comment", "labels"} - set(reader.fieldnames or [])
        if missing:
            raise GoldError(
                f"{path}: missing column(s) {sorted(missing)}; found {reader.fieldnames}"
            )
        rows = []
        for number, row in enumerate(reader, start=2):
            labels = [item.strip() for item in (row["labels"] or "").split(";") if item.strip()]
            for label in labels:
                theme, _, polarity = label.partition(":")
                if theme not in known_themes or polarity not in POLARITIES:
                    raise GoldError(
                        f"{path}, row {number}: label {label!r} is not theme:polarity with a "
                        f"theme of the taxonomy and one of {', '.join(POLARITIES)}"
                    )
            rows.append((row.get("id") or str(number), row["comment"], labels))
    return pl.DataFrame(rows, schema=["id", "comment", "gold"], orient="row")


def predict(comments: pl.Series, taxonomy: Taxonomy) -> list[dict[str, str]]:
    """For each comment, theme → its polarity (the most mentioned; ties: complaint first)."""
    texts = pl.DataFrame({"id": range(len(comments)), "text": comments})
    found = comment_themes(texts, tag_comments(texts, taxonomy))
    rank = {p: i for i, p in enumerate(POLARITIES)}
    predicted: list[dict[str, str]] = [{} for _ in range(len(comments))]
    best = sorted(
        found.select("id", "theme", "polarity", "mentions").iter_rows(),
        key=lambda r: (r[0], r[1], -r[3], rank[r[2]]),
    )
    for comment, theme, polarity, _ in best:
        predicted[comment].setdefault(theme, polarity)
    return predicted


def evaluate(gold: pl.DataFrame, taxonomy: Taxonomy) -> Scores:
    predicted = predict(gold["comment"], taxonomy)
    counts = {t.id: {"gold": 0, "predicted": 0, "tp": 0} for t in taxonomy.themes}
    polarity_right = matched = 0
    for labels, guess in zip(gold["gold"].to_list(), predicted, strict=True):
        wanted = dict(label.split(":", 1) for label in labels)
        for theme in wanted:
            counts[theme]["gold"] += 1
        for theme in guess:
            counts[theme]["predicted"] += 1
        for theme in wanted.keys() & guess.keys():
            counts[theme]["tp"] += 1
            matched += 1
            polarity_right += wanted[theme] == guess[theme]
    per_theme = pl.DataFrame([{"theme": t, **c} for t, c in counts.items()]).with_columns(
        **_ratios(pl.col("tp"), pl.col("predicted"), pl.col("gold"))
    )
    tp, predicted_n, gold_n = (
        sum(c[k] for c in counts.values()) for k in ("tp", "predicted", "gold")
    )
    precision = tp / predicted_n if predicted_n else 0.0
    recall = tp / gold_n if gold_n else 0.0
    micro = {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "polarity_accuracy": polarity_right / matched if matched else 0.0,
        "comments": float(gold.height),
    }
    return Scores(per_theme.sort("theme"), micro)


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
    lines = [f"{'theme':<24}{'gold':>6}{'found':>7}{'P':>7}{'R':>7}{'F1':>7}"]
    for row in scores.per_theme.iter_rows(named=True):
        lines.append(
            f"{row['theme']:<24}{row['gold']:>6}{row['predicted']:>7}"
            f"{row['precision']:>7.2f}{row['recall']:>7.2f}{row['f1']:>7.2f}"
        )
    m = scores.micro
    lines.append(
        f"{'micro-average':<24}{'':>6}{'':>7}{m['precision']:>7.2f}{m['recall']:>7.2f}{m['f1']:>7.2f}"
    )
    lines.append(
        f"polarity accuracy on the themes found correctly: {m['polarity_accuracy']:.2f} "
        f"({int(m['comments'])} comments)"
    )
    return "\n".join(lines)
