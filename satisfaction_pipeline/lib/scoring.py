"""Score responses with Polars: categories per response, CSAT / NPS / CES per week and segment.

Definitions (README, methodology):
- CSAT = % of valid answers in the top two boxes (4 or 5 of 5).
- NPS = % promoters (9-10) - % detractors (0-6), from -100 to +100; undefined with no answers.
- CES = mean answer on its own scale, oriented so that higher is better; scales are never mixed.
"""

from __future__ import annotations

import polars as pl

from satisfaction_pipeline.lib.config import SEGMENT_DIMENSIONS
from satisfaction_pipeline.lib.scales import nps_category

WEEKLY_SCORES_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "dimension": pl.String(),
    "segment": pl.String(),
    "metric": pl.String(),
    "scale": pl.String(),
    "n": pl.Int32(),
    "score": pl.Float64(),
    "satisfied": pl.Int32(),
    "promoters": pl.Int32(),
    "passives": pl.Int32(),
    "detractors": pl.Int32(),
    "small_sample": pl.Boolean(),
}


def score_responses(raw: pl.DataFrame) -> pl.DataFrame:
    """Add each response's score categories: CSAT top-2-box, NPS category, has a comment."""
    return raw.with_columns(
        csat_satisfied=pl.col("csat") >= 4,
        nps_category=pl.col("nps").replace_strict(
            {score: nps_category(score) for score in range(11)}, return_dtype=pl.String
        ),
        has_comment=pl.col("comment").is_not_null() & (pl.col("comment").str.strip_chars() != ""),
    )


def _segments(responses: pl.DataFrame, extra_dimensions: list[str]) -> pl.DataFrame:
    """Long frame: each response once per dimension it has a value for (plus `overall`/`all`)."""
    dimensions: dict[str, pl.Expr] = {"overall": pl.lit("all")}
    dimensions |= {d: pl.col(d) for d in (*SEGMENT_DIMENSIONS, "source")}
    dimensions |= {
        d: pl.col("extra_segments").str.json_path_match(f"$.{d}") for d in extra_dimensions
    }
    parts = [
        responses.with_columns(dimension=pl.lit(name), segment=expr.cast(pl.String))
        for name, expr in dimensions.items()
    ]
    return pl.concat(parts).filter(pl.col("segment").is_not_null())


def weekly_scores(
    responses: pl.DataFrame, extra_dimensions: list[str], min_sample_size: int
) -> pl.DataFrame:
    """CSAT, NPS and CES per week x dimension x segment (schema WEEKLY_SCORES_SCHEMA)."""
    long = _segments(responses, extra_dimensions)
    keys = ["week", "dimension", "segment"]
    csat = (
        long.filter(pl.col("csat").is_not_null())
        .group_by(keys)
        .agg(n=pl.len(), satisfied=pl.col("csat_satisfied").sum().cast(pl.Int64))
        .with_columns(metric=pl.lit("csat"), scale=pl.lit("1-5"))
        .with_columns(score=100.0 * pl.col("satisfied") / pl.col("n"))
    )
    nps_scores = (
        long.filter(pl.col("nps").is_not_null())
        .group_by(keys)
        .agg(
            n=pl.len(),
            # Counts as signed integers: summing booleans gives unsigned ones, and
            # promoters - detractors must be able to go below zero.
            promoters=(pl.col("nps_category") == "promoter").sum().cast(pl.Int64),
            passives=(pl.col("nps_category") == "passive").sum().cast(pl.Int64),
            detractors=(pl.col("nps_category") == "detractor").sum().cast(pl.Int64),
        )
        .with_columns(metric=pl.lit("nps"), scale=pl.lit("0-10"))
        .with_columns(score=100.0 * (pl.col("promoters") - pl.col("detractors")) / pl.col("n"))
    )
    ces = (
        long.filter(pl.col("ces").is_not_null())
        .group_by([*keys, pl.col("ces_scale").alias("scale")])
        .agg(n=pl.len(), score=pl.col("ces").mean())
        .with_columns(metric=pl.lit("ces"))
    )
    frames = [
        f.select(
            (pl.col(c) if c in f.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in WEEKLY_SCORES_SCHEMA.items()
            if c != "small_sample"
        )
        for f in (csat, nps_scores, ces)
    ]
    return (
        pl.concat(frames)
        .with_columns(small_sample=pl.col("n") < min_sample_size)
        .sort(["week", "dimension", "segment", "metric", "scale"])
    )
