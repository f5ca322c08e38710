"""How complaint themes are ranked at any volume: which weeks are pooled, what the ranking rests
on, and how sure it is.

- **Window.** A week ranks on its own when its unhappy commenters (low scorers who commented;
  every commenter for a source without scores) reach `min_low_comments`. A smaller week pools the
  weeks just before it, trying each of `windows` in turn (1, then 4, then 13 weeks by default);
  the report says which ("over the last 4 weeks").
- **Basis.** Points at stake (`stakes`) when the window has enough satisfied respondents to
  compare with. When (nearly) everyone is unhappy, leave-one-out points cannot separate themes
  — they are 0 when nobody scores well — so the ranking falls back to each theme's share of the
  unhappy commenters, with its Wilson interval (`share`). A source without any score ranks on
  the share of complaining commenters naming each theme (`mentions`).
- **Confidence.** `clear`: at least `min_mentions` complaints and an interval that clears the
  bar (a weighted metric's points above zero; for a share, its low end at `min_share` or more).
  `likely`: named by at least `min_share` of the unhappy commenters (and at least
  `MIN_NAMED`), with a positive estimate — a theme that large is never hidden because the week
  was small. Everything else is on the watch list. Clear themes rank before likely ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from satisfaction_pipeline.actions.stakes import RESAMPLES, SEED, answered_any, low_scorer
from satisfaction_pipeline.config.settings import Actions as ActionSettings
from satisfaction_pipeline.scoring.scores import wilson_interval

MIN_NAMED = 3  # complaints below which no theme is named, whatever its share
# the points basis needs people to compare with: at least this many respondents who are not
# low scorers, and at least this share of them
MIN_CONTRAST = 5
MIN_CONTRAST_SHARE = 0.1


@dataclass(frozen=True)
class Ranking:
    """How themes are ranked (config `actions:`)."""

    min_mentions: int = 10  # fewer: never `clear`
    min_share: float = 0.2  # of unhappy commenters: named at least `likely`
    windows: tuple[int, ...] = (1, 4, 13)  # weeks pooled, tried in turn
    min_low_comments: int = 30  # unhappy commenters a window needs to rank on its own
    # priority = Σ weight × the cautious (low) end of ΔM; a point of NPS (a difference of two
    # shares) weighs half a point of CSAT or CES, and service controls less of it
    weights: tuple[tuple[str, float], ...] = (("csat", 1.0), ("ces", 1.0), ("nps", 0.5))
    resamples: int = RESAMPLES
    seed: int = SEED

    @classmethod
    def of(cls, settings: ActionSettings) -> Ranking:
        """The ranking a configuration's `actions:` asks for."""
        return cls(
            min_mentions=settings.min_mentions,
            min_share=settings.min_share,
            windows=tuple(settings.windows),
            min_low_comments=settings.min_low_comments,
            weights=tuple(settings.weights.items()),
            resamples=settings.resamples,
        )


def in_window(week: dt.date, weeks: int) -> pl.Expr:
    """Rows of `week` and the `weeks` − 1 weeks before it."""
    return pl.col("week").is_between(week - dt.timedelta(weeks=weeks - 1), week)


def unhappy_commenters(scored: pl.DataFrame) -> pl.Expr:
    """Whose comments say what is wrong: low scorers who commented, or every commenter when
    nobody in `scored` answered a score."""
    if scored.filter(answered_any()).is_empty():
        return pl.col("has_comment")
    return low_scorer() & pl.col("has_comment")


def pooled_weeks(
    scored: pl.DataFrame, week: dt.date, ranking: Ranking, complainers: pl.Series
) -> int:
    """The first window whose unhappy commenters reach `min_low_comments`, else the longest —
    never more weeks than the data goes back: with 3 weeks of history the list pools 3, and
    says 3. `scored` holds the week and enough weeks before it, the unbuilt ones left out.
    Without any score, the unhappy are the commenters who complain of something (`complainers`:
    their response keys), as `named_shares` counts them."""
    first = scored.get_column("week").min()
    history = (week - first).days // 7 + 1 if first is not None and first <= week else 1
    unscored = scored.filter(answered_any()).is_empty()
    for weeks in ranking.windows:
        window = scored.filter(in_window(week, weeks))
        unhappy = (
            pl.col("response_key").is_in(complainers.implode())
            if unscored
            else unhappy_commenters(window)
        )
        enough = window.filter(unhappy).height >= ranking.min_low_comments
        if enough or weeks >= history:
            return min(weeks, history)
    return min(ranking.windows[-1], history)


def named_shares(scored: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """group, named_by (unhappy commenters of `scored` complaining of it: `groups` holds
    response_key, group), unhappy (all of them): what `rank` weighs a theme's size by. Without
    any score, the unhappy are the commenters who complain of something: most comments of a
    tweets or tickets export complain of nothing."""
    if scored.filter(answered_any()).is_empty():
        unhappy = groups.get_column("response_key").unique()
    else:
        unhappy = scored.filter(unhappy_commenters(scored)).get_column("response_key")
    return groups.group_by("group").agg(
        named_by=pl.col("response_key").is_in(unhappy.implode()).sum(),
        unhappy=pl.lit(unhappy.len()),
    )


def basis(scored: pl.DataFrame) -> str:
    """What the window's ranking rests on: `points`, `share` (nearly everyone unhappy) or
    `mentions` (no score at all)."""
    answered = scored.filter(answered_any())
    if answered.is_empty():
        return "mentions"
    contrast = answered.filter(~low_scorer()).height
    if contrast < MIN_CONTRAST or contrast < MIN_CONTRAST_SHARE * answered.height:
        return "share"
    return "points"


def rank(
    stake_rows: pl.DataFrame,
    ranking: Ranking = Ranking(),
    named: pl.DataFrame | None = None,
    rests_on: str = "points",
) -> pl.DataFrame:
    """Each group's priority, confidence and rank (null on the watch list).

    `stake_rows`: `stakes` output (group × metric); `named`: group, named_by (unhappy
    commenters complaining of it), unhappy (all of them) — without it, groups rank on points
    alone; `rests_on`: the window's `basis`."""
    weight = pl.col("metric").replace_strict(dict(ranking.weights), default=0.0)
    per_group = (
        stake_rows.with_columns(
            cautious=weight * pl.col("points_low").clip(lower_bound=0).fill_null(0),
            estimate=weight * pl.col("points").clip(lower_bound=0).fill_null(0),
            # only a metric that counts in the priority can rank a theme
            above_zero=(pl.col("points_low") > 0) & (weight > 0),
        )
        .group_by("group")
        .agg(
            points_priority=pl.col("cautious").sum(),
            points_estimate=pl.col("estimate").sum(),
            mentions=pl.col("mentions").max(),
            above_zero=pl.col("above_zero").any(),
        )
    )
    if named is None:
        named = per_group.select("group", named_by=pl.lit(0), unhappy=pl.lit(0))
    low, high = wilson_interval(pl.col("named_by"), pl.col("unhappy"))
    per_group = per_group.join(named, on="group", how="left").with_columns(
        share=pl.when(pl.col("unhappy") > 0).then(pl.col("named_by") / pl.col("unhappy")),
        share_low=pl.when(pl.col("unhappy") > 0).then(low),
        share_high=pl.when(pl.col("unhappy") > 0).then(high),
    )
    if rests_on == "points":
        priority, estimate = pl.col("points_priority"), pl.col("points_estimate")
        count = pl.col("mentions")
        clears = pl.col("above_zero")
    else:
        priority, estimate = pl.col("share_low"), pl.col("share")
        count = pl.col("named_by")
        clears = pl.col("share_low") >= ranking.min_share
    large = (pl.col("named_by") >= MIN_NAMED) & (pl.col("share") >= ranking.min_share)
    ranked = (
        per_group.with_columns(priority=priority.fill_null(0), estimate=estimate.fill_null(0))
        .with_columns(
            confidence=pl.when((count >= ranking.min_mentions) & clears.fill_null(False))
            .then(pl.lit("clear"))
            .when(large.fill_null(False) & (pl.col("estimate") > 0))
            .then(pl.lit("likely"))
        )
        .with_columns(
            status=pl.when(pl.col("confidence").is_not_null())
            .then(pl.lit("ranked"))
            .otherwise(pl.lit("watch")),
            tier=pl.col("confidence").replace_strict({"clear": 0, "likely": 1}, default=2),
        )
        .sort(
            ["tier", "priority", "estimate", "mentions", "group"],
            descending=[False, True, True, True, False],
        )
        .with_columns(
            rank=pl.when(pl.col("status") == "ranked").then(
                pl.int_range(1, pl.len() + 1).over("status")
            )
        )
    )
    return stake_rows.join(
        ranked.select(
            "group",
            "priority",
            priority_estimate="estimate",
            status="status",
            confidence="confidence",
            rank=pl.col("rank").cast(pl.Int32),
            basis=pl.lit(rests_on),
            share_of_low_comments_low="share_low",
            share_of_low_comments_high="share_high",
        ),
        on="group",
        maintain_order="left",
    ).sort(["rank", "group", "metric"], nulls_last=True)


def leads_clearly(ranked: list[dict]) -> bool:
    """Whether the first of `ranked` (one row per group, in rank order, with `confidence`,
    `priority` and `priority_estimate`) is clearly first: clear, and its cautious priority above
    the second's estimate."""
    if not ranked or ranked[0]["confidence"] != "clear":
        return False
    return len(ranked) == 1 or (ranked[0]["priority"] or 0) > (ranked[1]["priority_estimate"] or 0)
