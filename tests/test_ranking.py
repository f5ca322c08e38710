"""Ranking at the volumes real teams have: a planted top complaint comes first at 20, 50, 150
and 5,000 responses a week (small weeks pool the weeks before them and say so), a week where
everyone is unhappy still ranks, and a source without scores ranks on its comments."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from satisfaction_pipeline.actions.ranking import Ranking, leads_clearly
from satisfaction_pipeline.actions.weekly import weekly_actions
from satisfaction_pipeline.config.taxonomy import default_taxonomy
from satisfaction_pipeline.scoring.scores import score_responses

LAST = dt.date(2026, 11, 23)
WEEKS = [LAST - dt.timedelta(weeks=k) for k in range(12, -1, -1)]  # 13 weeks
# share of low scorers' comments naming each theme, and of the others' comments
PLANTED = {"wait_time": (0.45, 0.03), "billing": (0.12, 0.05), "staff_attitude": (0.12, 0.05),
           "website_app": (0.10, 0.05)}  # fmt: skip
RANKING = Ranking(resamples=300)


def _weeks(per_week: int, seed: int = 7, unhappy: float = 0.3, scored: bool = True):
    """13 weeks of `per_week` responses: `unhappy` of them score CSAT 1–2 and mostly comment,
    naming the themes of PLANTED at its rates; the others score 4–5 and comment less."""
    rng = random.Random(seed)
    rows, mentions = [], []
    for week in WEEKS:
        for i in range(per_week):
            key = f"{week}:{i:05d}"
            low = rng.random() < unhappy
            comments = rng.random() < (0.8 if low else 0.4)
            named = [t for t, (p_low, p_other) in PLANTED.items()
                     if comments and rng.random() < (p_low if low else p_other)]  # fmt: skip
            rows.append(
                {
                    "response_key": key, "response_id": key, "week": week,
                    "submitted_at": dt.datetime.combine(week, dt.time(9)),
                    "csat": (rng.choice([1, 2]) if low else rng.choice([4, 5])) if scored else None,
                    "csat_scale": "1-5" if scored else None, "nps": None, "ces": None,
                    "ces_scale": None, "channel": "email", "team": "A", "product": None,
                    "touchpoint": None, "source": "s", "agent": None, "customer_ref": None,
                    "customer_email": None,
                    "comment": ("trop d'attente et " * len(named) + "bof") if comments else None,
                }
            )  # fmt: skip
            mentions += [(key, week, theme, "attente", 1) for theme in named]
    types = {"csat": pl.Int8, "nps": pl.Int8, "ces": pl.Float64}
    types |= {c: pl.String for c in ("csat_scale", "ces_scale", "product", "touchpoint", "agent",
                                     "customer_ref", "customer_email")}  # fmt: skip
    scored_rows = score_responses(pl.DataFrame(rows, schema_overrides=types))
    found = pl.DataFrame(
        mentions, schema=["response_key", "week", "theme", "evidence", "mentions"], orient="row"
    ).with_columns(polarity=pl.lit("complaint"), method=pl.lit("model"))
    return scored_rows, found


def _ranked(scored: pl.DataFrame, mentions: pl.DataFrame) -> list[dict]:
    actions = weekly_actions(LAST, scored, mentions, default_taxonomy(), RANKING, "fr")
    rows = actions.action_list.filter(pl.col("metric") == "csat")
    return rows.filter(pl.col("status") == "ranked").sort("rank").to_dicts()


@pytest.mark.parametrize(("per_week", "window"), [(20, 13), (50, 4), (150, 1), (5000, 1)])
def test_the_planted_top_complaint_comes_first_at_every_size(per_week: int, window: int) -> None:
    ranked = _ranked(*_weeks(per_week))
    assert ranked, f"nothing ranked at {per_week} responses a week"
    first = ranked[0]
    assert first["theme"] == "wait_time", [r["theme"] for r in ranked]
    assert first["window_weeks"] == window and first["basis"] == "points"
    assert first["confidence"] == "clear" and leads_clearly(ranked)
    assert first["share_of_low_comments"] == pytest.approx(0.45, abs=0.12)
    low, high = first["share_of_low_comments_low"], first["share_of_low_comments_high"]
    assert low < first["share_of_low_comments"] < high


def test_a_week_where_everyone_is_unhappy_ranks_on_shares() -> None:
    """All 12 reviews of each week score 1 or 2: leave-one-out points are 0 for every theme,
    so the ranking rests on each theme's share of the unhappy commenters."""
    ranked = _ranked(*_weeks(12, unhappy=1.0))
    assert ranked and ranked[0]["theme"] == "wait_time"
    assert ranked[0]["basis"] == "share" and ranked[0]["window_weeks"] == 4
    assert ranked[0]["priority"] == pytest.approx(ranked[0]["share_of_low_comments_low"])


def test_a_source_without_scores_ranks_on_its_comments() -> None:
    ranked = _ranked(*_weeks(50, scored=False))
    assert ranked and ranked[0]["theme"] == "wait_time" and ranked[0]["basis"] == "mentions"
    assert ranked[0]["points"] is None  # no score: no points at stake
    # volumes and their trend, of all responses since none has a score
    assert ranked[0]["share_of_responses"] == pytest.approx(0.45 * 0.3 * 0.8 + 0.03 * 0.7 * 0.4,
                                                            abs=0.08)  # fmt: skip
    assert ranked[0]["share_trailing"] is not None and ranked[0]["trailing_weeks"] == 4
    # 100 comments a week, ~20 of them complaining: the week alone is too few to rank on
    assert _ranked(*_weeks(100, scored=False))[0]["window_weeks"] == 4


def test_a_large_share_of_a_tiny_window_is_likely_never_hidden() -> None:
    """Three weeks of history only, 8 responses a week: 24 responses, a handful of unhappy
    commenters, most naming one theme — too few to be sure, too many to hide."""
    scored, mentions = _weeks(8, seed=3)
    recent = pl.col("week") >= LAST - dt.timedelta(weeks=2)
    ranked = _ranked(scored.filter(recent), mentions.filter(recent))
    first = ranked[0]
    assert first["theme"] == "wait_time" and first["confidence"] == "likely", first
    assert not leads_clearly(ranked)
    assert first["window_weeks"] == 3  # the weeks the data has, not the 13 of the longest window
