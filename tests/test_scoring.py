"""Scoring arithmetic, checked against the reference facts of public NPS libraries
(../shared/data/README.md) and hand-computed CSAT / CES cases."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from satisfaction_pipeline.lib.scales import nps_category
from satisfaction_pipeline.lib.scoring import score_responses, weekly_scores

WEEK = dt.date(2026, 11, 16)


def _responses(**columns) -> pl.DataFrame:
    size = len(next(iter(columns.values())))
    base = {
        "week": [WEEK] * size,
        "source": ["s"] * size,
        "extra_segments": [None] * size,
        "channel": [None] * size,
        "team": [None] * size,
        "agent": [None] * size,
        "product": [None] * size,
        "touchpoint": [None] * size,
        "csat": [None] * size,
        "nps": [None] * size,
        "ces": [None] * size,
        "ces_scale": [None] * size,
        "comment": [None] * size,
    }
    frame = pl.DataFrame(
        base | columns,
        schema_overrides={
            "csat": pl.Int8,
            "nps": pl.Int8,
            "ces": pl.Float64,
            "ces_scale": pl.String,
            "comment": pl.String,
            "extra_segments": pl.String,
            **{d: pl.String for d in ("channel", "team", "agent", "product", "touchpoint")},
        },
    )
    return score_responses(frame)


def _overall(frame: pl.DataFrame, metric: str) -> dict:
    rows = weekly_scores(frame, [], 30).filter(dimension="overall", metric=metric)
    return rows.to_dicts()[0]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([0, 9], 0.0),
        ([7, 8, 9], 33.33),
        ([9, 10], 100.0),
        ([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 7, 8, 7, 8, 7, 8, 9, 10, 9, 10], -30.0),
        ([0, 0, 0, 6], -100.0),
    ],
)
def test_nps_reference_facts(answers: list[int], expected: float) -> None:
    row = _overall(_responses(nps=answers), "nps")
    assert row["score"] == pytest.approx(expected, abs=0.005)
    assert row["n"] == len(answers)
    assert row["promoters"] + row["passives"] + row["detractors"] == len(answers)


@pytest.mark.parametrize(
    ("detractors", "passives", "promoters", "expected"),
    [(2, 8, 10, 40.0), (2, 0, 8, 60.0), (54, 108, 162, 33.33)],
)
def test_nps_from_counts(detractors: int, passives: int, promoters: int, expected: float) -> None:
    answers = [3] * detractors + [8] * passives + [10] * promoters
    row = _overall(_responses(nps=answers), "nps")
    assert (row["detractors"], row["passives"], row["promoters"]) == (
        detractors,
        passives,
        promoters,
    )
    assert row["score"] == pytest.approx(expected, abs=0.005)


def test_nps_of_nothing_is_undefined_not_zero() -> None:
    frame = _responses(csat=[5, 4])
    assert weekly_scores(frame, [], 30).filter(metric="nps").is_empty()


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_nps_categories(score: int, category: str) -> None:
    assert nps_category(score) == category
    assert _responses(nps=[score]).get_column("nps_category")[0] == category


def test_csat_is_top_two_box_share_of_valid_answers() -> None:
    row = _overall(_responses(csat=[5, 4, 3, 2, 1, 4, 5, None]), "csat")
    assert (row["n"], row["satisfied"]) == (7, 4)
    assert row["score"] == pytest.approx(100 * 4 / 7)


def test_ces_is_averaged_per_scale_never_across_scales() -> None:
    frame = _responses(ces=[5.0, 3.0, 7.0, 6.0], ces_scale=["1-5", "1-5", "1-7", "1-7"])
    rows = weekly_scores(frame, [], 30).filter(dimension="overall", metric="ces").sort("scale")
    assert rows.select("scale", "n", "score").rows() == [("1-5", 2, 4.0), ("1-7", 2, 6.5)]


def test_segments_and_small_sample_flag() -> None:
    frame = _responses(
        nps=[10] * 30 + [0] * 5,
        channel=["phone"] * 30 + ["chat"] * 5,
        extra_segments=['{"region": "north"}'] * 35,
    )
    scores = weekly_scores(frame, ["region"], min_sample_size=30).filter(metric="nps")
    by_segment = {(r["dimension"], r["segment"]): r for r in scores.to_dicts()}
    assert by_segment[("channel", "phone")]["score"] == 100.0
    assert by_segment[("channel", "phone")]["small_sample"] is False
    assert by_segment[("channel", "chat")]["score"] == -100.0
    assert by_segment[("channel", "chat")]["small_sample"] is True
    assert by_segment[("region", "north")]["n"] == 35
    # a response without a value for a dimension is left out of that dimension only
    assert ("team", None) not in by_segment
    assert by_segment[("overall", "all")]["n"] == 35
