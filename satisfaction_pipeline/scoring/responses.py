"""The responses a week's figures are computed from, read from `raw.responses` (so that weeks
never built count too): every response with whether it counts (`counted`: one vote per customer
per week, `votes_per_customer`) and whether its comment may be quoted (`quotable`, the privacy
threshold)."""

from __future__ import annotations

import duckdb
import polars as pl

from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.scoring.privacy import with_quotable

# Where an answer came from and how it was exported: kept in marts.responses, never read by the
# scores, themes and action list computed from the counted responses. Left out of their reads,
# a few weeks at a time: 0.3 GB less at the action list's peak on the bench's year.
AS_EXPORTED = ("csat_answer", "nps_scale", "ces_answer", "ces_version", "file_name", "file_row")


def counted_responses(
    conn: duckdb.DuckDBPyConnection, settings: Settings, weeks: dict
) -> pl.DataFrame:
    """The responses that count in these weeks (one per customer per week by default: the
    `votes_per_customer` setting), read from raw.responses so that weeks never built count too;
    without the columns of `AS_EXPORTED`."""
    counted = wh.query_without(
        conn, "marts/select_raw_responses", AS_EXPORTED, **weeks, votes=settings.votes_per_customer
    ).filter("counted")
    return _with_quotable(counted, settings).drop("counted")


def week_responses(
    conn: duckdb.DuckDBPyConnection, settings: Settings, weeks: dict
) -> pl.DataFrame:
    """Every response of these weeks, with whether it counts (`counted`) and whether its comment
    may be quoted (`quotable`: a counted response of segments above the privacy threshold)."""
    every = _every(conn, settings, weeks)
    quotable = _with_quotable(every.filter("counted"), settings)
    return every.join(
        quotable.select("response_key", "quotable"), on="response_key", how="left",
        maintain_order="left",
    ).with_columns(pl.col("quotable").fill_null(False))  # fmt: skip


def _every(conn: duckdb.DuckDBPyConnection, settings: Settings, weeks: dict) -> pl.DataFrame:
    return wh.query(conn, "marts/select_raw_responses", **weeks, votes=settings.votes_per_customer)


def _with_quotable(counted: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    threshold = settings.privacy.min_responses_for_comments
    return with_quotable(counted, threshold, settings.extra_segments())
