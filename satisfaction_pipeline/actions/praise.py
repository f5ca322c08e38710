"""What customers appreciated, per team and per agent (`marts.praise`): praise mentions per theme
with two redacted quotes — how a service team's value is shown to management."""

from __future__ import annotations

import datetime as dt

import polars as pl

from satisfaction_pipeline.actions.quotes import may_quote
from satisfaction_pipeline.redact import quotable

PRAISE_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "dimension": pl.String(),  # team or agent
    "segment": pl.String(),
    "theme": pl.String(),
    "mentions": pl.Int32(),  # responses praising the theme
    "examples": pl.List(pl.String()),  # two PII-redacted quotes
}


def praise(week: dt.date, scored: pl.DataFrame, praised: pl.DataFrame) -> pl.DataFrame:
    """What customers appreciated, per team and per agent: praise mentions per theme with two
    redacted quotes (`praised`: response_key, theme, evidence, mentions)."""
    frames = []
    for dimension in ("team", "agent"):
        rows = praised.join(
            scored.select(
                "response_key", "comment", "customer_ref", segment=pl.col(dimension)
            ).drop_nulls("segment"),
            on="response_key",
        )
        if rows.is_empty():
            continue
        counts = rows.group_by("segment", "theme").agg(mentions=pl.col("response_key").n_unique())
        quotes = (
            rows.join(may_quote(scored).select("response_key"), on="response_key", how="semi")
            .sort(["segment", "theme", pl.col("comment").str.len_chars(), "response_key"])
            .with_columns(
                comment=pl.struct("comment", "customer_ref").map_elements(
                    lambda r: quotable(r["comment"], r["customer_ref"]), pl.String
                )
            )  # quoted before choosing: two comments may differ only in what is redacted
            .unique(["segment", "theme", "comment"], keep="first", maintain_order=True)
            .group_by("segment", "theme", maintain_order=True)
            .head(2)
            .group_by("segment", "theme", maintain_order=True)
            .agg(examples="comment")
        )
        frames.append(  # praise without a quote that may be shown still counts
            counts.join(quotes, on=["segment", "theme"], how="left").with_columns(
                dimension=pl.lit(dimension), week=pl.lit(week)
            )
        )
    if not frames:
        return pl.DataFrame(schema=PRAISE_SCHEMA)
    return pl.concat(
        [f.select(pl.col(c).cast(t) for c, t in PRAISE_SCHEMA.items()) for f in frames]
    ).sort(["dimension", "mentions", "segment", "theme"], descending=[True, True, False, False])
