"""Which question of a battery goes with each complaint theme: among the responses that answered
it, the item whose share of good answers (CSAT satisfied, NPS promoter, CES easy) is furthest
below among those complaining of the theme than among the others. A pointer for the analyst —
"wait time goes with the response-time question" —, not a cause."""

from __future__ import annotations

import polars as pl

from satisfaction_pipeline.config.settings import CSAT_SATISFIED_FROM
from satisfaction_pipeline.scoring.scores import EASY_FROM

MIN_ANSWERS = 5  # per side: fewer, and a share says nothing
MIN_GAP = 0.10  # of good answers, between the two sides

DRIVER_COLUMNS: dict[str, pl.DataType] = {
    "driver_question": pl.String(),  # the item's id (marts.weekly_item_scores.question)
    "driver_label": pl.String(),
    "driver_share_theme": pl.Float64(),  # its good answers among the theme's complainers
    "driver_share_others": pl.Float64(),  # and among the others who answered it
}


def good_answer(satisfied_from: dict[str, int] | None = None) -> pl.Expr:
    """Whether an item's answer (`metric`, `scale`, `value`) is a good one on its metric."""
    thresholds = CSAT_SATISFIED_FROM | (satisfied_from or {})
    bounds = pl.col("scale").str.split_exact("-", 1).struct
    low, high = bounds.field("field_0").cast(pl.Float64), bounds.field("field_1").cast(pl.Float64)
    return (
        pl.when(pl.col("metric") == "csat")
        .then(pl.col("value") >= pl.col("scale").replace_strict(thresholds, default=None))
        .when(pl.col("metric") == "nps")
        .then(pl.col("value") >= 9)
        .otherwise(pl.col("value") >= low + EASY_FROM * (high - low))
    )


def drivers(
    items: pl.DataFrame,
    mentioned: pl.DataFrame,
    satisfied_from: dict[str, int] | None = None,
) -> pl.DataFrame:
    """Per theme (`group`), the battery item that goes with it (DRIVER_COLUMNS), when one has
    at least MIN_ANSWERS answers on each side and MIN_GAP fewer good answers among the theme's
    complainers. `items`: response_key, question, label, metric, scale, value of the responses
    ranked; `mentioned`: response_key, group."""
    if items.is_empty() or mentioned.is_empty():
        return pl.DataFrame(schema={"group": pl.String(), **DRIVER_COLUMNS})
    answers = items.select(
        "response_key", "question", "label", good=good_answer(satisfied_from).cast(pl.Float64)
    )
    totals = answers.group_by("question").agg(n=pl.len(), good=pl.col("good").sum())
    theme = (
        answers.join(mentioned, on="response_key")
        .group_by("group", "question", "label")
        .agg(n_theme=pl.len(), good_theme=pl.col("good").sum())
    )
    compared = (
        theme.join(totals, on="question")
        .with_columns(
            n_others=pl.col("n") - pl.col("n_theme"),
            driver_share_theme=pl.col("good_theme") / pl.col("n_theme"),
        )
        .with_columns(
            driver_share_others=(pl.col("good") - pl.col("good_theme")) / pl.col("n_others")
        )
        .filter(
            (pl.col("n_theme") >= MIN_ANSWERS)
            & (pl.col("n_others") >= MIN_ANSWERS)
            & (pl.col("driver_share_others") - pl.col("driver_share_theme") >= MIN_GAP)
        )
    )
    return (
        compared.sort(
            pl.col("driver_share_others") - pl.col("driver_share_theme"), "question",
            descending=[True, False],
        )
        .unique("group", keep="first", maintain_order=True)
        .select("group", driver_question="question", driver_label="label",
                driver_share_theme="driver_share_theme",
                driver_share_others="driver_share_others")
    )  # fmt: skip
