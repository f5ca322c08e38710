"""From responses to the two theme tables: every comment tagged with the taxonomy, then the low
scorers' comments that no complaint theme explains grouped into emerging themes."""

from __future__ import annotations

import datetime as dt

import polars as pl

from satisfaction_pipeline.lib.emerging import find_emerging
from satisfaction_pipeline.lib.scoring import score_responses
from satisfaction_pipeline.lib.taxonomy import Taxonomy
from satisfaction_pipeline.lib.themes import comment_themes, content_words, tag_comments

COMMENT_THEMES_SCHEMA: dict[str, pl.DataType] = {
    "response_key": pl.String(),
    "week": pl.Date(),
    "theme": pl.String(),
    "polarity": pl.String(),
    "evidence": pl.String(),
    "span_start": pl.Int32(),
    "span_end": pl.Int32(),
    "mentions": pl.Int32(),
    "language": pl.String(),
    "method": pl.String(),
}


def find_themes(
    answers: pl.DataFrame,
    taxonomy: Taxonomy,
    satisfied_from: dict[str, int],
    weeks: list[dt.date],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`marts.comment_themes` rows of `weeks` (patterns, then emerging groups' members) and
    `marts.emerging_themes` rows, from the responses of `weeks` and the four weeks before."""
    scored = score_responses(answers, satisfied_from).filter(pl.col("has_comment"))
    comments = scored.select(
        "response_key",
        "week",
        low_score=(pl.col("csat_satisfied") == False) | (pl.col("nps_category") == "detractor"),  # noqa: E712  (null: not answered)
        text="comment",
    ).with_row_index("id")
    texts = comments.select("id", "text")
    tagged = tag_comments(texts, taxonomy)
    found = comment_themes(texts, tagged).join(
        comments.select("id", "response_key", "week"), on="id"
    )
    complained = found.filter(pl.col("polarity") == "complaint").select("id").unique()
    candidates = (
        comments.filter(pl.col("low_score").fill_null(False))
        .join(complained, on="id", how="anti")
        .join(tagged.languages, on="id")
        .select("id", "response_key", "week", "language")
    )
    words = content_words(texts.join(candidates.select("id"), on="id"), tagged.languages)
    groups, members = find_emerging(candidates, words, weeks)
    span = (pl.col("span_start"), pl.col("span_end") - pl.col("span_start"))
    discovered = members.join(comments.select("response_key", "text"), on="response_key").select(
        "response_key",
        "week",
        "theme",
        polarity=pl.lit("complaint"),
        evidence=pl.col("text").str.slice(*span),
        span_start="span_start",
        span_end="span_end",
        mentions=pl.lit(1, pl.Int32),
        language="language",
        method=pl.lit("discovery"),
    )  # fmt: skip
    patterns = found.filter(pl.col("week").is_in(weeks)).select(*COMMENT_THEMES_SCHEMA)
    rows = pl.concat(
        [f.select(pl.col(c).cast(t) for c, t in COMMENT_THEMES_SCHEMA.items())
         for f in (patterns, discovered)]
    )  # fmt: skip
    return rows.sort("response_key", "theme", "polarity"), groups
