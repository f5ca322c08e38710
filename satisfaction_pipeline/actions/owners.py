"""Who owns what customers complain about: points at stake per owner (`marts.action_owners`),
and whose doing low scorers' complaints point to (`marts.responsibility`): customer service
alone, service and another team, other teams only, or no theme."""

from __future__ import annotations

import datetime as dt

import polars as pl

from satisfaction_pipeline.actions.ranking import Ranking, basis, named_shares, rank
from satisfaction_pipeline.actions.stakes import (
    STAKE_COLUMNS,
    low_scorer,
    metric_values,
    stakes,
)

OWNER_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "owner": pl.String(),
    "metric": pl.String(),
    "responses": pl.Int32(),
    "mentions": pl.Int32(),
    **STAKE_COLUMNS,
}


def owner_roll_up(
    week: dt.date,
    scored: pl.DataFrame,
    complaints: pl.DataFrame,
    owners: dict[str, str],
    ranking: Ranking = Ranking(),
    window_weeks: int = 1,
) -> pl.DataFrame:
    """Points at stake per owner, on "complains about any theme of this owner": a response
    that names two of its themes counts once (themes overlap; never add them up). `scored`
    and `complaints`: the weeks the action list pools."""
    by_owner = (
        complaints.filter(pl.col("response_key").is_in(scored["response_key"].implode()))
        .select("response_key", group=pl.col("theme").replace_strict(owners, default="other"))
        .unique()
    )
    if by_owner.is_empty():
        return pl.DataFrame(schema=OWNER_SCHEMA)
    stake_rows = stakes(metric_values(scored), by_owner, ranking.resamples, ranking.seed)
    table = rank(stake_rows, ranking, named_shares(scored, by_owner), basis(scored))
    return (
        table.rename({"group": "owner"})
        .with_columns(week=pl.lit(week), window_weeks=pl.lit(window_weeks))
        .select(pl.col(c).cast(t) for c, t in OWNER_SCHEMA.items())
    )


RESPONSIBILITY_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "kind": pl.String(),  # owner: each owner a low scorer's complaints name (they may name
    # several); split: service only, service and others, others only, no theme (adds up)
    "category": pl.String(),
    "low_scorers": pl.Int32(),
    "share": pl.Float64(),
}


def responsibility(
    week: dt.date, scored: pl.DataFrame, complaints: pl.DataFrame, owners: dict[str, str]
) -> pl.DataFrame:
    """Among low scorers who left a comment: whose doing do their complaints point to?
    `complaints` may include emerging themes (no owner yet: `other`)."""
    low = scored.filter(low_scorer() & pl.col("has_comment")).select("response_key")
    if low.is_empty():
        return pl.DataFrame(schema=RESPONSIBILITY_SCHEMA)
    named = (
        complaints.join(low, on="response_key")
        .select("response_key", owner=pl.col("theme").replace_strict(owners, default="other"))
        .unique()
    )
    per_response = low.join(
        named.group_by("response_key").agg(
            service=(pl.col("owner") == "customer_service").any(),
            others=(pl.col("owner") != "customer_service").any(),
        ),
        on="response_key",
        how="left",
    ).select(
        category=pl.when(pl.col("service") & pl.col("others"))
        .then(pl.lit("service_and_others"))
        .when(pl.col("service"))
        .then(pl.lit("service_only"))
        .when(pl.col("others"))
        .then(pl.lit("others_only"))
        .otherwise(pl.lit("no_theme"))
    )
    total = low.height
    split = (
        per_response.group_by("category")
        .agg(low_scorers=pl.len())
        .with_columns(kind=pl.lit("split"))
    )
    by_owner = (
        named.group_by("owner")
        .agg(low_scorers=pl.len())
        .rename({"owner": "category"})
        .with_columns(kind=pl.lit("owner"))
    )
    return (
        pl.concat(
            [
                split.select("kind", "category", "low_scorers"),
                by_owner.select("kind", "category", "low_scorers"),
            ]
        )
        .with_columns(week=pl.lit(week), share=pl.col("low_scorers") / total)
        .sort("kind", "low_scorers", "category", descending=[True, True, False])
        .select(pl.col(c).cast(t) for c, t in RESPONSIBILITY_SCHEMA.items())
    )
