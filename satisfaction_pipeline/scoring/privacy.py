"""Privacy thresholds: which segments' scores are shown, whose comments may be quoted.

A small team's verbatims can identify the person who wrote them, or the one they are about, so a
comment is quoted only when every segment its response belongs to (channel, team, agent,
product, touchpoint, source and the configured others) had at least `min_responses_for_comments`
counted responses that week. A segment's score is shown in the report only from
`min_responses_for_score` answers (Settings.privacy).
"""

from __future__ import annotations

import polars as pl

from satisfaction_pipeline.config.settings import SEGMENT_DIMENSIONS


def with_quotable(responses: pl.DataFrame, min_responses: int, extra: list[str]) -> pl.DataFrame:
    """`responses` (counted ones, any weeks) with `quotable`: whether their comment may be
    quoted under the comments threshold."""
    dimensions = [*SEGMENT_DIMENSIONS, "source"]  # the report labels quotes by source too
    segments = [pl.col(d) for d in dimensions if d in responses.columns]
    segments += [pl.col("extra_segments").str.json_path_match(f"$.{d}").alias(d) for d in extra]
    large_enough = [
        segment.is_null() | (pl.len().over("week", segment) >= min_responses)
        for segment in segments
    ]
    return responses.with_columns(
        quotable=pl.all_horizontal(large_enough) if large_enough else pl.lit(True)
    )
