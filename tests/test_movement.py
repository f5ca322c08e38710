"""Why the score moved: the per-theme decomposition adds up to the change exactly (a property
test on random data), its effects mean what they say on hand-built weeks, and spikes are judged
against the 8 weeks before."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from satisfaction_pipeline.actions.movement import (
    NO_COMMENT,
    NO_THEME,
    SPIKE_SCHEMA,
    decompose,
    find_spikes,
    primary_themes,
    response_values,
)

WEEK = dt.date(2026, 11, 16)
BEFORE = WEEK - dt.timedelta(weeks=1)
GROUPS = ["delivery", "wait_time", "refund", NO_THEME, NO_COMMENT]


def _values(rows: list[tuple[dt.date, str, float]], metric: str = "csat") -> tuple:
    """values and groups frames from (week, group, value) rows, one response each."""
    keys = [f"r{i}" for i in range(len(rows))]
    values = pl.DataFrame(
        {
            "week": [w for w, _, _ in rows],
            "response_key": keys,
            "metric": metric,
            "scale": "1-5",
            "value": [v for _, _, v in rows],
        },
        schema_overrides={"week": pl.Date},
    )
    groups = pl.DataFrame({"response_key": keys, "group": [g for _, g, _ in rows]})
    return values, groups


def _change(values: pl.DataFrame) -> float:
    means = values.group_by("week").agg(pl.col("value").mean())
    by_week = dict(means.iter_rows())
    return by_week[WEEK] - by_week[BEFORE]


response = st.tuples(
    st.sampled_from([BEFORE, WEEK]),
    st.sampled_from(GROUPS),
    st.one_of(st.sampled_from([0.0, 100.0, -100.0]), st.floats(1, 7, allow_nan=False)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(response, min_size=2, max_size=200))
def test_contributions_sum_to_the_change_on_any_data(rows) -> None:
    values, groups = _values(rows)
    weeks = {w for w, _, _ in rows}
    table = decompose(values, groups, WEEK)
    if weeks != {BEFORE, WEEK}:  # one week alone has no change to explain
        assert table.is_empty()
        return
    change = _change(values)
    assert abs(table.get_column("contribution").sum() - change) < 1e-9
    assert (table.get_column("total_change") - change).abs().max() < 1e-9
    parts = table.get_column("volume_effect") + table.get_column("score_effect")
    assert (parts - table.get_column("contribution")).abs().max() < 1e-12
    assert table.get_column("responses").sum() == sum(w == WEEK for w, _, _ in rows)


def test_effects_say_what_moved() -> None:
    # Last week: 10 delivery complaints scoring 0, 90 others scoring 100 (CSAT 90 %).
    # This week: delivery complaints double (20, still 0) and refunds score worse (100 -> 50).
    before = [(BEFORE, "delivery", 0.0)] * 10 + [(BEFORE, "refund", 100.0)] * 10
    before += [(BEFORE, NO_COMMENT, 100.0)] * 80
    now = [(WEEK, "delivery", 0.0)] * 20 + [(WEEK, "refund", 100.0)] * 5
    now += [(WEEK, "refund", 0.0)] * 5 + [(WEEK, NO_COMMENT, 100.0)] * 70
    values, groups = _values(before + now)
    table = decompose(values, groups, WEEK)
    by = {r["theme"]: r for r in table.iter_rows(named=True)}
    assert abs(table.get_column("total_change")[0] - (75 - 90)) < 1e-9
    # delivery: pure volume (its score did not change), and negative
    assert by["delivery"]["score_effect"] == 0 and by["delivery"]["volume_effect"] < -5
    # refund: pure score (its share did not change): 10 % of responses x -50 points
    assert by["refund"]["volume_effect"] == 0
    assert abs(by["refund"]["score_effect"] - (-5.0)) < 1e-9
    # no comment shrank, but it scores above the average: losing it lowers the score a little
    assert by[NO_COMMENT]["score_effect"] == 0 and by[NO_COMMENT]["volume_effect"] < 0
    assert table.get_column("theme").to_list()[0] == "delivery"  # biggest first


def test_a_theme_new_this_week_brings_only_volume() -> None:
    rows = [(BEFORE, NO_COMMENT, 100.0)] * 4 + [(WEEK, NO_COMMENT, 100.0)] * 4
    rows += [(WEEK, "refund", 0.0)] * 4
    values, groups = _values(rows)
    by = {r["theme"]: r for r in decompose(values, groups, WEEK).iter_rows(named=True)}
    assert by["refund"]["responses_before"] == 0 and by["refund"]["score_before"] is None
    assert by["refund"]["score_effect"] == 0
    assert abs(sum(r["contribution"] for r in by.values()) - (50 - 100)) < 1e-9


def _scored(rows: list[dict]) -> pl.DataFrame:
    base = {"csat_scale": "1-5", "nps": None, "ces": None, "ces_scale": None, "comment": "x",
            "customer_ref": None, "has_comment": True}  # fmt: skip
    return pl.DataFrame([base | r for r in rows], infer_schema_length=None).with_columns(
        pl.col("week").cast(pl.Date), pl.col("nps").cast(pl.Int8), pl.col("ces").cast(pl.Float64)
    )


def test_response_values_match_the_weekly_scores_definitions() -> None:
    scored = _scored(
        [
            {
                "week": WEEK,
                "response_key": "a",
                "csat": 5,
                "nps": 9,
                "ces": 6.0,
                "ces_scale": "1-7",
            },
            {"week": WEEK, "response_key": "b", "csat": 3, "nps": 7},
            {"week": WEEK, "response_key": "c", "csat": None, "nps": 2},
        ]
    )
    values = response_values(scored, {"1-5": 4})
    got = {
        (r["response_key"], r["metric"]): (r["scale"], r["value"])
        for r in values.iter_rows(named=True)
    }
    assert got == {
        ("a", "csat"): ("1-5", 100.0), ("a", "nps"): ("0-10", 100.0), ("a", "ces"): ("1-7", 6.0),
        ("b", "csat"): ("1-5", 0.0), ("b", "nps"): ("0-10", 0.0), ("c", "nps"): ("0-10", -100.0),
    }  # fmt: skip


def test_the_primary_theme_is_the_complaint_said_most_then_first() -> None:
    scored = pl.DataFrame(
        {"response_key": ["a", "b", "c", "d"], "has_comment": [True, True, True, False]}
    )
    mentions = pl.DataFrame(
        {
            "response_key": ["a", "a", "a", "b", "b"],
            "theme": ["agent", "wait_time", "refund", "agent", "delivery"],
            "polarity": ["praise", "complaint", "complaint", "neutral", "praise"],
            "mentions": [3, 1, 1, 1, 1],
            "span_start": [0, 40, 10, 0, 20],
        }
    )
    groups = dict(primary_themes(scored, mentions).iter_rows())
    assert groups == {"a": "refund", "b": "delivery", "c": NO_THEME, "d": NO_COMMENT}


def test_a_theme_beyond_two_standard_deviations_of_its_8_weeks_is_flagged() -> None:
    weeks = [WEEK - dt.timedelta(weeks=k) for k in range(8, -1, -1)]
    scored_rows, mention_rows = [], []
    for index, week in enumerate(weeks):
        # 50 responses a week; "billing" mentioned 2-3 times, then 12 times this week;
        # "app" mentioned 5 times each week, its CSAT steady at 100 then at 0 this week
        billing = 12 if week == WEEK else 2 + index % 2
        for r in range(50):
            key = f"{week}-{r}"
            low = week == WEEK and r < 5
            scored_rows.append({"week": week, "response_key": key, "csat": 1 if low else 5,
                                "comment": f"comment {key}"})  # fmt: skip
            if r < billing:
                mention_rows.append({"week": week, "response_key": key, "theme": "billing",
                                     "polarity": "complaint"})  # fmt: skip
            if r < 5:  # this week 3 of the 5 low scorers complain of the app, 2 praise it
                said = "complaint" if low and r < 3 else "praise"
                mention_rows.append({"week": week, "response_key": key, "theme": "app",
                                     "polarity": said})  # fmt: skip
    scored = _scored(scored_rows)
    mentions = pl.DataFrame(mention_rows, schema_overrides={"week": pl.Date})
    values = response_values(scored, {"1-5": 4})
    spikes = find_spikes(values, scored, mentions, WEEK, weeks)
    found = {(r["theme"], r["measure"]): r for r in spikes.iter_rows(named=True)}
    assert found[("billing", "share")]["direction"] == "up"
    assert (
        found[("billing", "share")]["value"] == 24.0 and found[("billing", "share")]["weeks"] == 8
    )
    assert found[("app", "csat")]["direction"] == "down"  # 5 answers: small, still flagged
    # quoted as evidence of a problem: its complaints only, never the praise of its mentions
    app = found[("app", "csat")]
    assert app["examples_polarity"] == "complaint"
    assert set(app["examples"]) < {f"comment {WEEK}-{r}" for r in range(3)}
    assert len(app["examples"]) == 2
    assert ("app", "share") not in found  # steady volume
    # too little history: nothing is judged
    assert find_spikes(values, scored, mentions, WEEK, weeks[-4:]).is_empty()
    # a steady week: nothing flagged, and the empty table keeps its columns' types
    steady = find_spikes(values, scored, mentions, weeks[-2], weeks)
    assert steady.is_empty() and steady.schema == pl.Schema(SPIKE_SCHEMA)
