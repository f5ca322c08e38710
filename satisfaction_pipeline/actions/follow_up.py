"""Closed loop: the low scorers who left a comment, to call back, grouped by their top complaint
theme — `follow_up.csv` (names and comments, kept inside the company) and the per-theme counts
the report shows (`marts.call_backs`)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from satisfaction_pipeline.actions.stakes import METRICS, low_scorer
from satisfaction_pipeline.i18n import N_, translations

FOLLOW_UP_HEADINGS = [N_("theme"), N_("response id"), N_("submitted at"),
                      N_("customer reference"), N_("customer e-mail"), N_("channel"),
                      N_("team"), N_("agent"), "CSAT", "NPS", "CES", N_("comment")]  # fmt: skip
NO_THEME = N_("(no theme)")


def _to_call_back(scored: pl.DataFrame, complaints: pl.DataFrame, order: list[str]):
    """The low scorers who left a comment, each with its top complaint theme (the first of
    `order` it names; null for none) and that theme's position."""
    position = {theme: i for i, theme in enumerate(order)}
    low = scored.filter(low_scorer() & pl.col("has_comment"))
    top = (
        complaints.join(low.select("response_key"), on="response_key")
        .with_columns(
            position=pl.col("theme").replace_strict(
                position, default=len(order), return_dtype=pl.Int32
            )
        )
        .sort("response_key", "position", "theme")
        .unique("response_key", keep="first")
        .select("response_key", "theme", "position")
    )
    return low.join(top, on="response_key", how="left").with_columns(
        pl.col("position").fill_null(len(order) + 1)
    )


CALL_BACKS_SCHEMA = {"week": pl.Date(), "theme": pl.String(), "customers": pl.Int32()}


def call_backs(
    week: dt.date, scored: pl.DataFrame, complaints: pl.DataFrame, order: list[str]
) -> pl.DataFrame:
    """How many customers `follow_up.csv` lists per top theme (`no_theme` for the others):
    the report's count, without their names."""
    rows = _to_call_back(scored, complaints, order)
    return (
        rows.group_by("theme", "position")
        .agg(customers=pl.len())
        .sort("position", "theme")
        .select(pl.lit(week).alias("week"), pl.col("theme").fill_null("no_theme"), "customers")
        .cast(CALL_BACKS_SCHEMA)
    )


def follow_up(
    scored: pl.DataFrame,
    complaints: pl.DataFrame,
    order: list[str],
    labels: dict[str, str],
    language: str,
) -> pl.DataFrame:
    """`follow_up.csv`: the low scorers who left a comment, to call back, grouped by their
    top complaint theme (the first of `order`, the action list's order, that they name), then
    by time. The comment is as written: this file stays inside the company."""
    rows = _to_call_back(scored, complaints, order)
    values = [
        pl.col("theme")
        .replace_strict(labels, default=pl.col("theme"))
        .fill_null(translations(language).gettext(NO_THEME)),
        "response_id",
        pl.col("submitted_at").dt.strftime("%Y-%m-%d %H:%M"),
        "customer_ref",
        "customer_email",
        "channel",
        "team",
        "agent",
        "csat",
        "nps",
        "ces",
        "comment",
    ]
    # a metric nobody answered this week (a CSAT-only source) gets no column
    unanswered = {m for m in METRICS if scored.get_column(m).null_count() == scored.height}
    return rows.sort("position", "submitted_at", "response_key").select(
        expr.alias(name) if isinstance(expr, pl.Expr) else pl.col(expr).alias(name)
        for expr, name in zip(
            values, [translations(language).gettext(h) for h in FOLLOW_UP_HEADINGS], strict=True
        )
        if not (isinstance(expr, str) and expr in unanswered)
    )
