"""What customers appreciated, per team and per agent (`marts.praise`): praise mentions per theme,
and two redacted quotes for what the report shows — how a service team's value is shown to
management."""

from __future__ import annotations

import datetime as dt

import polars as pl

from satisfaction_pipeline.actions.quotes import may_quote_as_praise
from satisfaction_pipeline.redact import quotable, quotable_all

QUOTED_ROWS = 8  # the most praised teams' themes, as many as the report shows, carry quotes

PRAISE_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "dimension": pl.String(),  # team or agent
    "segment": pl.String(),
    "theme": pl.String(),
    "mentions": pl.Int32(),  # responses praising the theme
    "examples": pl.List(pl.String()),  # two PII-redacted quotes (the QUOTED_ROWS of teams)
}


def praise(week: dt.date, scored: pl.DataFrame, praised: pl.DataFrame) -> pl.DataFrame:
    """What customers appreciated, per team and per agent: praise mentions per theme, with two
    redacted quotes for the QUOTED_ROWS most praised of the teams (`praised`: response_key,
    theme, evidence, mentions)."""
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
        # quoted: the rows the report can show, not every agent's (redaction is the costly part)
        shown = (
            counts.sort(["mentions", "segment", "theme"], descending=[True, False, False])
            .head(QUOTED_ROWS if dimension == "team" else 0)
            .select("segment", "theme")
        )
        candidates = (
            rows.join(shown, on=["segment", "theme"], how="semi")
            .join(may_quote_as_praise(scored).select("response_key"), on="response_key", how="semi")
            .sort(["segment", "theme", pl.col("comment").str.len_chars(), "response_key"])
        )
        # the first two of each are most often the two quoted: their names read in one batch
        read_ahead = candidates.group_by("segment", "theme", maintain_order=True).head(2)
        quotable_all(list(read_ahead.select("comment", "customer_ref").iter_rows()))
        quotes = pl.DataFrame(
            [
                (segment, theme, _two_quotes(group))
                for (segment, theme), group in candidates.group_by(
                    "segment", "theme", maintain_order=True
                )
            ],
            schema={"segment": pl.String(), "theme": pl.String(), "examples": pl.List(pl.String())},
            orient="row",
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


def _two_quotes(candidates: pl.DataFrame) -> list[str]:
    """The first two different quotes of `candidates` (comment, customer_ref; best first).
    Quoted before they are compared, since two comments may differ only in what is redacted,
    and only as far as needed: redaction reads names with a language model."""
    quotes: list[str] = []
    for comment, customer_ref in candidates.select("comment", "customer_ref").iter_rows():
        quote = quotable(comment, customer_ref)
        if quote not in quotes:
            quotes.append(quote)
            if len(quotes) == 2:
                break
    return quotes
