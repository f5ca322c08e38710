"""A battery's items ("satisfaction with response time", "… with courtesy"): each scored per week
exactly as the headline scores are — same intervals, same changes and tests —, from the answers
of the responses that count (raw.item_answers)."""

from __future__ import annotations

import polars as pl

from satisfaction_pipeline.config.settings import SEGMENT_DIMENSIONS
from satisfaction_pipeline.scoring.scores import (
    WEEKLY_SCORES_SCHEMA,
    weekly_scores,
    with_changes,
)

SEPARATOR = "\x1f"  # between a source and an item's id, in the segment they are scored under


def item_scores(
    items: pl.DataFrame,
    min_sample_size: int,
    satisfied_from: dict[str, int] | None = None,
) -> pl.DataFrame:
    """Per week × source × item: n, score, 95 % interval and the changes vs last week and the
    four before (the columns of marts.weekly_scores, `dimension` and `segment` replaced by
    `source`, `question` and `label`). `items`: week, source, question, label, metric, scale,
    value, of counted responses."""
    if items.is_empty():
        return pl.DataFrame(schema=ITEM_SCORES_SCHEMA)
    metric = pl.col("metric")
    # each item as a response of its own, whose one answer is in its metric's column: a
    # "segment" of the source dimension, so that it is scored by the very same code
    answers = items.select(
        "week",
        source=pl.col("source") + SEPARATOR + pl.col("question"),
        csat=pl.when(metric == "csat").then(pl.col("value")).cast(pl.Int8),
        csat_scale=pl.when(metric == "csat").then(pl.col("scale")),
        nps=pl.when(metric == "nps").then(pl.col("value")).cast(pl.Int8),
        ces=pl.when(metric == "ces").then(pl.col("value")),
        ces_scale=pl.when(metric == "ces").then(pl.col("scale")),
        **{d: pl.lit(None, pl.String) for d in SEGMENT_DIMENSIONS},
        extra_segments=pl.lit(None, pl.String),
    )
    scores = weekly_scores(answers, [], min_sample_size, satisfied_from)
    scores = with_changes(scores.filter(pl.col("dimension") == "source"), min_sample_size)
    labels = items.unique(["source", "question"], keep="last").select("source", "question", "label")
    parts = pl.col("segment").str.split_exact(SEPARATOR, 1)
    return (
        scores.with_columns(
            source=parts.struct.field("field_0"), question=parts.struct.field("field_1")
        )
        .join(labels, on=["source", "question"], how="left")
        .select(ITEM_SCORES_SCHEMA)
        .sort("week", "source", "question")
    )


ITEM_SCORES_SCHEMA = [
    "week", "source", "question", "label",
    *[c for c in WEEKLY_SCORES_SCHEMA if c not in ("week", "dimension", "segment")],
    *[f"{m}_{base}" for base in ("prev", "trail")
      for m in ("n", "score", "change", "p", "significant")],
]  # fmt: skip
