"""Scoring arithmetic, checked against the reference facts of public NPS libraries
(../shared/data/README.md) and hand-computed CSAT / CES cases."""

from __future__ import annotations

import datetime as dt
import statistics

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from satisfaction_pipeline.ingest.scales import nps_category
from satisfaction_pipeline.scoring.scores import score_responses, weekly_scores, with_changes

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
        "csat_scale": ["1-5"] * size,
        "nps": [None] * size,
        "ces": [None] * size,
        "ces_scale": [None] * size,
        "comment": [None] * size,
    }
    frame = pl.DataFrame(
        base | columns,
        schema_overrides={
            "csat": pl.Int8,
            "csat_scale": pl.String,
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


def test_csat_on_three_and_seven_points_is_scored_per_scale_with_its_satisfied_rule() -> None:
    frame = _responses(
        csat=[3, 2, 1, 3, 7, 6, 5, 5, 4, 5],
        csat_scale=["1-3"] * 4 + ["1-7"] * 4 + ["1-5"] * 2,
    )
    rows = weekly_scores(frame, [], 30).filter(dimension="overall", metric="csat").sort("scale")
    assert rows.select("scale", "n", "satisfied").rows() == [
        ("1-3", 4, 2),  # top box: 3 of 3
        ("1-5", 2, 2),  # top two boxes
        ("1-7", 4, 2),  # top two boxes: 6-7 of 7
    ]
    # a configured rule: top three boxes on 7 points
    custom = weekly_scores(frame, [], 30, satisfied_from={"1-7": 5})
    assert custom.filter(metric="csat", scale="1-7", dimension="overall")["satisfied"][0] == 4
    assert score_responses(frame, {"1-7": 5})["csat_satisfied"].sum() == 8


def test_ces_spread_is_exact_for_fractional_answers() -> None:
    """Merging the segments' spreads must not lose it in rounding: 1,000 answers of 4.1
    have no spread at all (a sum of squares gave 7e-7), and two halves merge exactly."""
    row = _overall(_responses(ces=[4.1] * 1000, ces_scale=["1-5"] * 1000), "ces")
    assert row["ces_sd"] == 0.0 and row["score"] == pytest.approx(4.1, rel=1e-12)
    values = [1.5, 2.25, 3.75, 4.5, 2.0, 3.0]
    frame = _responses(ces=values, ces_scale=["1-5"] * 6, channel=["a", "a", "a", "b", "b", "b"])
    overall = (
        weekly_scores(frame, [], 30).filter(dimension="overall", metric="ces").row(0, named=True)
    )
    assert overall["ces_sd"] == pytest.approx(statistics.stdev(values), rel=1e-12)


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


def test_csat_interval_is_wilson() -> None:
    row = _overall(_responses(csat=[5, 4, 5, 2]), "csat")  # 3 of 4 satisfied
    assert row["score"] == 75.0
    assert row["ci_low"] == pytest.approx(30.0642, abs=1e-3)
    assert row["ci_high"] == pytest.approx(95.4413, abs=1e-3)


def test_nps_interval_is_adjusted_wald() -> None:
    # 54 detractors, 108 passives, 162 promoters (shared/data README): NPS 33.33; adjusted Wald
    # on n + 3 with 3/4 added to promoters and detractors, worked by hand
    answers = [3] * 54 + [7] * 108 + [10] * 162
    row = _overall(_responses(nps=answers), "nps")
    assert row["score"] == pytest.approx(33.333, abs=1e-3)
    assert row["ci_low"] == pytest.approx(24.9453, abs=1e-3)
    assert row["ci_high"] == pytest.approx(41.1098, abs=1e-3)
    # the reference standard error, √(5/9) / √324 = 4.14 points, gives nearly the same width
    assert (row["ci_high"] - row["ci_low"]) / 2 == pytest.approx(1.96 * 4.14, abs=0.05)
    # one promoter: the adjusted centre (25) sits below the score, the interval still holds it
    single = _overall(_responses(nps=[10]), "nps")
    assert single["ci_low"] < 100 == single["score"] == single["ci_high"]


def test_ces_interval_is_student_t_clipped_to_the_scale() -> None:
    row = _overall(_responses(ces=[4.0, 2.0, 5.0, 3.0], ces_scale=["1-5"] * 4), "ces")
    # mean 3.5, sd 1.29099, t(0.975, 3) = 3.18245 → 3.5 ± 2.05426, the top clipped at 5
    assert row["score"] == 3.5 and row["ces_sd"] == pytest.approx(1.290994, abs=1e-6)
    assert row["ci_low"] == pytest.approx(1.44574, abs=1e-4) and row["ci_high"] == 5.0
    assert row["easy"] == 2  # 4 and 5 of 5
    assert _overall(_responses(ces=[4.0], ces_scale=["1-7"]), "ces")["ci_low"] is None


@settings(max_examples=200, deadline=None)
@given(
    csat=st.lists(st.integers(1, 5), min_size=1, max_size=60),
    nps=st.lists(st.integers(0, 10), min_size=1, max_size=60),
    ces=st.lists(st.integers(1, 7), min_size=2, max_size=60),
)
def test_intervals_hold_the_score_within_the_metric_bounds(csat, nps, ces) -> None:
    size = max(len(csat), len(nps), len(ces))

    def pad(values):
        return values + [None] * (size - len(values))

    frame = _responses(
        csat=pad(csat),
        nps=pad(nps),
        ces=pad([float(v) for v in ces]),
        ces_scale=pad(["1-7"] * len(ces)),
    )
    scores = weekly_scores(frame, [], 30)
    bounds = {"csat": (0, 100), "nps": (-100, 100), "ces": (1, 7)}
    for row in scores.iter_rows(named=True):
        low, high = bounds[row["metric"]]
        assert low <= row["ci_low"] <= row["score"] + 1e-9
        assert row["score"] - 1e-9 <= row["ci_high"] <= high


def _two_weeks(earlier: dict, later: dict) -> pl.DataFrame:
    frames = []
    for week, answers in ((WEEK - dt.timedelta(weeks=1), earlier), (WEEK, later)):
        size = max(len(v) for v in answers.values())
        padded = {k: v + [None] * (size - len(v)) for k, v in answers.items()}
        if "ces" in padded:
            padded["ces_scale"] = ["1-7" if v is not None else None for v in padded["ces"]]
        frames.append(_responses(**padded).with_columns(week=pl.lit(week)))
    scores = weekly_scores(pl.concat(frames), [], 30)
    return with_changes(scores, 30).filter(week=WEEK, dimension="overall")


def test_changes_vs_last_week_with_their_p_values() -> None:
    rows = {
        r["metric"]: r
        for r in _two_weeks(
            {"csat": [5] * 45 + [2] * 55, "nps": [10] * 30 + [3] * 30, "ces": [3.0, 4, 5] * 10},
            {"csat": [5] * 60 + [2] * 40, "nps": [10] * 40 + [3] * 20, "ces": [5.0, 6, 7] * 10},
        ).iter_rows(named=True)
    }
    # CSAT 45 % → 60 %: pooled two-proportion z = 2.124, p = 0.0337 (worked by hand)
    assert rows["csat"]["change_prev"] == pytest.approx(15.0)
    assert rows["csat"]["p_prev"] == pytest.approx(0.033672, abs=1e-5)
    assert rows["csat"]["significant_prev"]
    # NPS 0 → 33.3: variances 1 and 8/9 per answer, se = √(1/60 + 0.889/60), z = 1.879, p = 0.060
    assert rows["nps"]["change_prev"] == pytest.approx(33.333, abs=1e-3)
    assert rows["nps"]["p_prev"] == pytest.approx(0.060289, abs=1e-5)
    assert not rows["nps"]["significant_prev"]
    # CES: Welch's test, as scipy computes it from the answers themselves
    welch = stats.ttest_ind([5.0, 6, 7] * 10, [3.0, 4, 5] * 10, equal_var=False).pvalue
    assert rows["ces"]["p_prev"] == pytest.approx(welch, rel=1e-6)
    assert rows["ces"]["n_trail"] == 30 and rows["ces"]["change_trail"] == pytest.approx(2.0)


def test_small_samples_are_never_significant_and_no_history_gives_nulls() -> None:
    small = _two_weeks({"csat": [2] * 10}, {"csat": [5] * 10}).row(0, named=True)
    assert small["p_prev"] < 0.001 and not small["significant_prev"]
    first = with_changes(weekly_scores(_responses(csat=[5, 4]), [], 30), 30).row(0, named=True)
    assert first["n_prev"] is None and first["p_prev"] is None
    assert first["significant_prev"] is False


def test_trailing_weeks_pool_their_answers() -> None:
    """The four weeks before, pooled, compare like one period holding all their answers."""
    weeks = [WEEK - dt.timedelta(weeks=k) for k in range(5)]
    answers = {w: [5] * (10 + 3 * k) + [1] * (20 - k) for k, w in enumerate(weeks)}
    frame = pl.concat(_responses(csat=answers[w]).with_columns(week=pl.lit(w)) for w in weeks)
    row = (
        with_changes(weekly_scores(frame, [], 30), 30)
        .filter(week=WEEK, dimension="overall")
        .row(0, named=True)
    )
    pooled = [a for w in weeks[1:] for a in answers[w]]
    assert row["n_trail"] == len(pooled)
    assert row["score_trail"] == pytest.approx(100 * sum(a >= 4 for a in pooled) / len(pooled))
