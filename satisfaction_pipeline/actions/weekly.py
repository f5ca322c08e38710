"""One week's action list and everything written beside it: each complaint theme's points at
stake (`stakes`) with its share, trend, where it is over-represented and examples, ranked; the
same per owner, whose doing low scorers' complaints point to, praise per team and agent, and the
customers to call back with the two CSV files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.special import ndtri  # scipy.stats.norm.isf(q) is -ndtri(q), without that import

from satisfaction_pipeline.actions.drivers import DRIVER_COLUMNS, drivers
from satisfaction_pipeline.actions.exports import (
    action_list_csv,
)
from satisfaction_pipeline.actions.follow_up import (
    call_backs,
    follow_up,
)
from satisfaction_pipeline.actions.owners import (
    owner_roll_up,
    responsibility,
)
from satisfaction_pipeline.actions.praise import praise
from satisfaction_pipeline.actions.quotes import examples
from satisfaction_pipeline.actions.ranking import (
    Ranking,
    in_window,
    named_shares,
    pooled_weeks,
    rank,
)
from satisfaction_pipeline.actions.ranking import basis as ranking_basis
from satisfaction_pipeline.actions.stakes import (
    STAKE_COLUMNS,
    answered_any,
    metric_values,
    stakes,
)
from satisfaction_pipeline.config.taxonomy import Taxonomy

# -- the weekly action list ----------------------------------------------------------------

# Weeks computed at once: polars, numpy's draws and products, and the wait for the quotes' names
# (another process) let go of the GIL; on 2 cores 3–4 threads took a year's list 20 → 14 s.
WEEK_THREADS = 4
OVER_INDEX_DIMENSIONS = ("channel", "team", "product", "touchpoint", "source")
OVER_INDEX_MIN_MENTIONS = 5
OVER_INDEX_ALPHA = 0.05  # one-sided, Bonferroni-corrected over the segments tested
OVER_INDEX_MIN_RATIO = 1.25

ACTION_LIST_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "theme": pl.String(),
    "owner": pl.String(),
    "metric": pl.String(),
    "responses": pl.Int32(),
    "mentions": pl.Int32(),
    "complaints": pl.Int32(),
    "share_of_responses": pl.Float64(),
    "share_of_low_comments": pl.Float64(),  # among unhappy commenters (`unhappy_commenters`)
    "share_of_low_comments_low": pl.Float64(),  # its 95 % Wilson interval
    "share_of_low_comments_high": pl.Float64(),
    **STAKE_COLUMNS,
    "share_trailing": pl.Float64(),
    "trailing_weeks": pl.Int32(),
    "rising": pl.Boolean(),
    "over_index_dimension": pl.String(),
    "over_index_segment": pl.String(),
    "over_index_rate": pl.Float64(),
    "rest_rate": pl.Float64(),
    "examples": pl.List(pl.String()),
    **DRIVER_COLUMNS,
}


def weekly_action_list(
    week: dt.date,
    scored: pl.DataFrame,
    complaints: pl.DataFrame,
    owners: dict[str, str],
    ranking: Ranking = Ranking(),
    trend: pl.DataFrame | None = None,
    window_weeks: int = 1,
    items: pl.DataFrame | None = None,
    satisfied_from: dict[str, int] | None = None,
) -> pl.DataFrame:
    """`marts.action_list` rows of one week: each complaint theme × metric, ranked.

    `scored`: the responses of the weeks the ranking pools (`window_weeks`, ending with
    `week`: `pooled_weeks`), every one, commented or not; `complaints`: response_key, theme,
    evidence, mentions of their complaint mentions; `owners`: theme → owner; `trend`: `trends`
    of the week; `items`: the battery items' answers (raw.item_answers), for the item that goes
    with each theme (`drivers`)."""
    values = metric_values(scored)
    complaints = complaints.filter(pl.col("response_key").is_in(scored["response_key"].implode()))
    mentioned = complaints.select("response_key", group="theme").unique()
    if mentioned.is_empty():
        return pl.DataFrame(schema=ACTION_LIST_SCHEMA)
    answered = with_a_score(scored).get_column("response_key")
    named = named_shares(scored, mentioned)
    shares = (
        mentioned.group_by("group")
        .agg(
            complaints=pl.len(),
            share_of_responses=pl.when(pl.lit(answered.len() > 0)).then(
                pl.col("response_key").is_in(answered.implode()).sum() / max(answered.len(), 1)
            ),
        )
        .join(named, on="group")
        .with_columns(
            share_of_low_comments=pl.when(pl.col("unhappy") > 0).then(
                pl.col("named_by") / pl.col("unhappy")
            )
        )
    )
    stake_rows = stakes(values, mentioned, ranking.resamples, ranking.seed)
    table = (
        rank(stake_rows, ranking, named, ranking_basis(scored))
        .join(shares.drop("named_by", "unhappy"), on="group", how="left")
        .join(over_index(scored, mentioned), on="group", how="left")
        .join(examples(complaints, scored), on="group", how="left")
        .join(_drivers(items, scored, mentioned, satisfied_from), on="group", how="left")
        .rename({"group": "theme"})
        .join(
            trend if trend is not None else pl.DataFrame(schema=TREND_SCHEMA),
            on="theme",
            how="left",
        )
        .with_columns(
            week=pl.lit(week),
            owner=pl.col("theme").replace_strict(owners, default="other"),
            window_weeks=pl.lit(window_weeks),
        )
    )
    return table.select(pl.col(c).cast(t) for c, t in ACTION_LIST_SCHEMA.items())


def _drivers(
    items: pl.DataFrame | None,
    scored: pl.DataFrame,
    mentioned: pl.DataFrame,
    satisfied_from: dict[str, int] | None,
) -> pl.DataFrame:
    """The battery item that goes with each theme, among the responses ranked."""
    if items is None:
        return pl.DataFrame(schema={"group": pl.String(), **DRIVER_COLUMNS})
    ranked = items.join(scored.select("response_key"), on="response_key", how="semi")
    return drivers(ranked, mentioned, satisfied_from)


def over_index(scored: pl.DataFrame, mentioned: pl.DataFrame) -> pl.DataFrame:
    """Per theme, the segment (channel, team, product, touchpoint, source) where commenters
    complain of it most, among those significantly above the rest of the week's commenters.

    Rates are among commenters, since comment rates differ by segment. The one-sided
    two-proportion z-test is Bonferroni-corrected for the number of segments tested for the
    theme (at least 5 complaints in the segment), and the rate must be at least 1.25 times the
    rest's: on themes scattered at random over a demo week, a plain 5 % test flagged half of
    them somewhere."""
    commenters = scored.filter(pl.col("has_comment"))
    mentioned = mentioned.join(commenters.select("response_key"), on="response_key")
    candidates = []
    for dimension in OVER_INDEX_DIMENSIONS:
        segments = commenters.select("response_key", segment=pl.col(dimension)).drop_nulls()
        sizes = segments.group_by("segment").agg(n=pl.len())
        candidates.append(
            mentioned.join(segments, on="response_key")
            .group_by("group", "segment")
            .agg(k=pl.len())
            .join(sizes, on="segment")
            .with_columns(
                dimension=pl.lit(dimension),
                k_all=pl.col("k").sum().over("group"),
                n_all=pl.lit(sizes["n"].sum(), pl.Int64),
            )
        )
    schema = {"group": pl.String, "segment": pl.String, "k": pl.Int64, "n": pl.Int64,
              "dimension": pl.String, "k_all": pl.Int64, "n_all": pl.Int64}  # fmt: skip
    tested = (
        pl.concat([c.select(pl.col(n).cast(t) for n, t in schema.items()) for c in candidates])
        .filter((pl.col("k") >= OVER_INDEX_MIN_MENTIONS) & (pl.col("n_all") > pl.col("n")))
        .with_columns(
            rate=pl.col("k") / pl.col("n"),
            rest_rate=(pl.col("k_all") - pl.col("k")) / (pl.col("n_all") - pl.col("n")),
            pooled=pl.col("k_all") / pl.col("n_all"),
            tests=pl.len().over("group"),
        )
        .with_columns(
            z=(pl.col("rate") - pl.col("rest_rate"))
            / (
                pl.col("pooled")
                * (1 - pl.col("pooled"))
                * (1 / pl.col("n") + 1 / (pl.col("n_all") - pl.col("n")))
            ).sqrt(),
            ratio=pl.col("rate") / pl.col("rest_rate"),
        )
    )
    critical = -ndtri(OVER_INDEX_ALPHA / np.maximum(tested["tests"].to_numpy(), 1))
    return (
        tested.with_columns(critical=pl.Series(critical, dtype=pl.Float64))
        .filter(
            pl.col("z").is_finite()  # a theme every commenter names has no "rest" to beat
            & (pl.col("z") > pl.col("critical"))
            & (pl.col("ratio") >= OVER_INDEX_MIN_RATIO)
        )
        .sort(["group", "ratio", "dimension", "segment"], descending=[False, True, False, False])
        .unique("group", keep="first", maintain_order=True)
        .select(
            "group",
            over_index_dimension="dimension",
            over_index_segment="segment",
            over_index_rate="rate",
            rest_rate="rest_rate",
        )
    )


# -- trend, owners, responsibility, praise, follow-up ---------------------------------------

TRAILING_WEEKS = 4
TREND_SCHEMA = {
    "theme": pl.String, "share_trailing": pl.Float64, "trailing_weeks": pl.Int32,
    "rising": pl.Boolean,
}  # fmt: skip


def trends(shares: pl.DataFrame, week: dt.date) -> pl.DataFrame:
    """Per theme: its mention share over the four weeks before `week` (those with responses;
    null without any), and whether it rose two weeks running (`shares`: week, theme, share,
    one row per week with responses × theme, 0 where nobody mentioned it)."""
    before = shares.filter(
        (pl.col("week") < week) & (pl.col("week") >= week - dt.timedelta(weeks=TRAILING_WEEKS))
    ).sort("theme", "week")  # the mean's sum in one order: `shares` comes in any (a group_by's)
    trailing = before.group_by("theme").agg(
        share_trailing=pl.col("share").mean(), trailing_weeks=pl.len().cast(pl.Int32)
    )
    recent = {
        k: shares.filter(pl.col("week") == week - dt.timedelta(weeks=k)).select(
            "theme", pl.col("share").alias(f"share_{k}")
        )
        for k in (0, 1, 2)
    }
    rising = (
        recent[0]
        .join(recent[1], on="theme", how="left")
        .join(recent[2], on="theme", how="left")
        .select(
            "theme",
            rising=(pl.col("share_0") > pl.col("share_1"))
            & (pl.col("share_1") > pl.col("share_2")),
        )
    )
    return trailing.join(rising, on="theme", how="full", coalesce=True).cast(TREND_SCHEMA)


def with_a_score(scored: pl.DataFrame) -> pl.DataFrame:
    """The responses that shares are of: those with a score, or every one when no response has
    any (a source of comments only)."""
    answered = scored.filter(answered_any())
    return scored if answered.is_empty() else answered


def weekly_shares(
    scored: pl.DataFrame, complaints: pl.DataFrame, until: dt.date | None = None
) -> pl.DataFrame:
    """week, theme, share (complainers / responses with a score, or / responses for a source
    of comments only), every week × theme; with `until`, only for it and the TRAILING_WEEKS
    before (what its trend reads: not every week of a backfill's history, for each week)."""
    answered = with_a_score(scored)
    themes = complaints.select("theme").unique()
    if until is not None:
        recent = pl.col("week").is_between(until - dt.timedelta(weeks=TRAILING_WEEKS), until)
        answered, complaints = answered.filter(recent), complaints.filter(recent)
    sizes = answered.group_by("week").agg(responses=pl.len())
    mentions = (
        complaints.join(answered.select("response_key"), on="response_key")
        .group_by("week", "theme")
        .agg(mentions=pl.col("response_key").n_unique())
    )
    return (
        sizes.join(themes, how="cross")
        .join(mentions, on=["week", "theme"], how="left")
        .select("week", "theme", share=pl.col("mentions").fill_null(0) / pl.col("responses"))
    )


@dataclass(frozen=True)
class WeeklyActions:
    """Everything the action step writes for one week."""

    action_list: pl.DataFrame
    action_owners: pl.DataFrame
    responsibility: pl.DataFrame
    praise: pl.DataFrame
    call_backs: pl.DataFrame
    action_list_csv: pl.DataFrame | None  # None: no complaint theme this week
    follow_up_csv: pl.DataFrame


def actions_of_weeks(
    weeks: list[dt.date], of_week: Callable[[dt.date], WeeklyActions]
) -> list[WeeklyActions]:
    """`of_week` (`weekly_actions` with the group's frames) of each of `weeks`, in their order,
    several at once: each week's figures depend only on those frames, so the threads change
    nothing but the time."""
    if len(weeks) < 2:
        return [of_week(week) for week in weeks]
    with ThreadPoolExecutor(min(WEEK_THREADS, len(weeks)), "week-actions") as pool:
        return list(pool.map(of_week, weeks))


def weekly_actions(
    week: dt.date,
    scored: pl.DataFrame,
    mentions: pl.DataFrame,
    taxonomy: Taxonomy,
    ranking: Ranking,
    language: str,
    items: pl.DataFrame | None = None,
    satisfied_from: dict[str, int] | None = None,
) -> WeeklyActions:
    """The action list, owner roll-up, responsibility split, praise and the two CSV files of
    `week`, from scored responses and theme mentions (`select_week_mentions`) of that week and
    the weeks before it: four for the trend, up to the longest pooled window for the ranking;
    `items`: the battery items' answers of those responses, if any."""
    owners = {t.id: t.owner for t in taxonomy.themes}
    named = pl.col("method") != "discovery"  # emerging groups have no owner yet
    complaints = mentions.filter((pl.col("polarity") == "complaint") & named)
    this_week = scored.filter(pl.col("week") == week)
    this_complaints = complaints.filter(pl.col("week") == week)
    # earlier weeks count in the trend and the pooled window only if their themes were found
    # (the week was built): an unbuilt week's complainers would look like everyone else
    built = scored.filter(
        pl.col("week").is_in([week, *mentions.get_column("week").unique().to_list()])
    )
    trend = trends(weekly_shares(built, complaints, until=week), week)
    # a week without responses has nothing to rank, not last weeks' list again
    complainers = complaints.get_column("response_key")
    weeks = pooled_weeks(built, week, ranking, complainers) if this_week.height else 1
    window = built.filter(in_window(week, weeks))
    window_complaints = complaints.filter(in_window(week, weeks))
    table = weekly_action_list(
        week, window, window_complaints, owners, ranking, trend, weeks, items, satisfied_from
    )
    order = (
        table.filter(pl.col("metric") == "csat")
        .sort(
            ["rank", "priority", "complaints", "theme"],
            nulls_last=True,
            descending=[False, True, True, False],
        )
        .get_column("theme")
        .to_list()
    )
    labels = {t.id: getattr(t.label, language) for t in taxonomy.themes}
    every_complaint = mentions.filter(
        (pl.col("week") == week) & (pl.col("polarity") == "complaint")
    )
    praised = mentions.filter((pl.col("week") == week) & (pl.col("polarity") == "praise") & named)
    return WeeklyActions(
        action_list=table,
        action_owners=owner_roll_up(week, window, window_complaints, owners, ranking, weeks),
        responsibility=responsibility(week, this_week, every_complaint, owners),
        praise=praise(week, this_week, praised),
        call_backs=call_backs(week, this_week, this_complaints, order),
        action_list_csv=None if table.is_empty() else action_list_csv(table, taxonomy, language),
        follow_up_csv=follow_up(this_week, this_complaints, order, labels, language),
    )
