"""Standouts on generated weeks where the findings are planted, and each rule's edges."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from satisfaction_pipeline.config.settings import ConfigError, Standouts, parse_settings
from satisfaction_pipeline.scoring.scores import weekly_scores, with_changes
from satisfaction_pipeline.scoring.standouts import find_standouts

from .conftest import generic_settings

LAST = dt.date(2026, 11, 16)
WEEKS = [LAST - dt.timedelta(weeks=k) for k in range(5, -1, -1)]  # six weeks, oldest first
NORMAL = {"satisfied": 0.75, "nps": (0.4, 0.3, 0.3), "ces": (4.0, 5.0, 6.0)}


def _cell(week, team, channel, n, satisfied, nps, ces) -> list[dict]:
    """n responses whose shares are exactly as given: CSAT 5 (satisfied) or 2, NPS promoters /
    passives / detractors as 10 / 8 / 3, CES cycling through `ces` on 1-7."""
    promoters, passives = round(n * nps[0]), round(n * nps[1])
    return [
        {
            "week": week,
            "team": team,
            "channel": channel,
            "csat": 5 if i < round(n * satisfied) else 2,
            "nps": 10 if i < promoters else 8 if i < promoters + passives else 3,
            "ces": ces[i % len(ces)],
        }
        for i in range(n)
    ]


def _planted_weeks(plant: bool = True, seed: int = 7) -> pl.DataFrame:
    """Six weeks: six ordinary phone teams of 100 answers, and
    - team Alpha: 95 % satisfied every week (consistently above);
    - team Bravo, last week only: 95 % satisfied but CES 2-4 (levels diverge, and its CSAT rose
      while its CES fell);
    - chat, answered by no team, 60 answers: 85 % satisfied and NPS 0 until last week, then 60 %
      and NPS +50 (NPS up while CSAT down).
    Without `plant`, every cell is ordinary: nothing should stand out."""
    rows = []
    for week in WEEKS:
        last = week == LAST
        for team in ("T1", "T2", "T3", "T4", "T5", "T6", "Alpha", "Bravo"):
            profile = dict(NORMAL)
            if plant and (team == "Alpha" or (team == "Bravo" and last)):
                profile["satisfied"] = 0.95
            if plant and team == "Bravo" and last:
                profile["ces"] = (2.0, 3.0, 4.0)
            rows += _cell(week, team, "phone", 100, **profile)
        chat = dict(NORMAL, satisfied=0.85, nps=(1 / 3, 1 / 3, 1 / 3))
        if plant and last:
            chat.update(satisfied=0.6, nps=(0.6, 0.3, 0.1))
        rows += _cell(week, None, "chat", 60, **chat)
    random.Random(seed).shuffle(rows)  # row order must not matter
    frame = pl.DataFrame(rows, schema_overrides={"csat": pl.Int8, "nps": pl.Int8})
    return frame.with_columns(
        csat_scale=pl.lit("1-5"),
        ces_scale=pl.lit("1-7"),
        source=pl.lit("survey"),
        extra_segments=pl.lit(None, pl.String),
        **{d: pl.lit(None, pl.String) for d in ("agent", "product", "touchpoint")},
    )


def _standouts(frame: pl.DataFrame, rules: Standouts | None = None) -> pl.DataFrame:
    scores = with_changes(weekly_scores(frame, [], 30), 30)
    return find_standouts(scores, [LAST], rules or Standouts())


def test_planted_standouts_are_found_and_explained() -> None:
    found = _standouts(_planted_weeks())
    keys = {
        (r["kind"], r["segment"], r["metric"], r["other_metric"])
        for r in found.iter_rows(named=True)
    }
    assert ("above", "Alpha", "csat", None) in keys
    assert ("diverging_levels", "Bravo", "csat", "ces") in keys
    assert ("diverging_changes", "Bravo", "csat", "ces") in keys
    assert ("diverging_changes", "chat", "nps", "csat") in keys
    # ordinary teams never stand out, whatever the planted ones do to the overall score
    assert not {k for k in keys if k[1].startswith("T")}
    english = dict(zip(found["kind"] + found["segment"], found["explanation_en"], strict=True))
    # overall this week: CSAT (6 × 75 + 95 + 95 + 36) / 860 = 78.6 %; CES, each team cycling
    # through three answers (34, 33, 33 of them): Bravo 299 / 100 = 2.99, all
    # (7 × 499 + 299 + 300) / 860 = 4.76
    assert english["aboveAlpha"] == (
        "Team Alpha: CSAT above the overall in 4 of the last 4 weeks (95.0% vs 78.6% this week)"
    )
    assert english["diverging_levelsBravo"] == (
        "Team Bravo: CSAT above the overall (95.0% vs 78.6%) but CES 1-7 below (2.99 vs 4.76)"
    )
    assert english["diverging_changeschat"] == (
        "Channel chat: NPS up 50 points compared with last week but CSAT down 25.0 points"
    )
    french = dict(zip(found["kind"] + found["segment"], found["explanation_fr"], strict=True))
    assert french["diverging_changeschat"] == (
        "Canal chat\u202f: NPS en hausse de 50 points par rapport à la semaine précédente "
        "mais CSAT en baisse de 25,0 points"
    )


def test_every_standout_holds_against_the_scores_table() -> None:
    """Each finding checked directly on the weekly_scores rows it cites."""
    frame = _planted_weeks()
    scores = with_changes(weekly_scores(frame, [], 30), 30)
    table = {
        (r["week"], r["dimension"], r["segment"], r["metric"], r["scale"]): r
        for r in scores.iter_rows(named=True)
    }

    def side(week, dimension, segment, metric, scale) -> int:
        row = table.get((week, dimension, segment, metric, scale))
        overall = table.get((week, "overall", "all", metric, scale))
        if row is None or overall is None or row["small_sample"]:
            return 0
        return (row["ci_low"] > overall["score"]) - (row["ci_high"] < overall["score"])

    found = find_standouts(scores, [LAST], Standouts())
    assert found.height > 0
    for r in found.iter_rows(named=True):
        here = (r["dimension"], r["segment"])
        if r["kind"] in ("above", "below"):
            wanted = 1 if r["kind"] == "above" else -1
            sides = [side(w, *here, r["metric"], r["scale"]) for w in WEEKS[-4:]]
            assert sides.count(wanted) == r["weeks_out"] >= 3
            overall = table[(LAST, "overall", "all", r["metric"], r["scale"])]["score"]
            assert (r["score"] - overall) * wanted > 0
        elif r["kind"] == "diverging_levels":
            assert side(LAST, *here, r["metric"], r["scale"]) == 1
            assert side(LAST, *here, r["other_metric"], r["other_scale"]) == -1
        else:
            up = table[(LAST, *here, r["metric"], r["scale"])]
            down = table[(LAST, *here, r["other_metric"], r["other_scale"])]
            assert up["significant_prev"] and up["change_prev"] > 0
            assert down["significant_prev"] and down["change_prev"] < 0


def test_nothing_stands_out_when_nothing_is_planted() -> None:
    assert _standouts(_planted_weeks(plant=False)).is_empty()


def test_results_do_not_depend_on_row_order() -> None:
    one, other = _standouts(_planted_weeks(seed=1)), _standouts(_planted_weeks(seed=2))
    assert one.equals(other)


def test_the_rules_are_configurable() -> None:
    frame = _planted_weeks()
    kinds = set(_standouts(frame, Standouts(diverging_levels=False))["kind"])
    assert kinds == {"above", "diverging_changes"}
    kinds = set(_standouts(frame, Standouts(diverging_changes="off"))["kind"])
    assert kinds == {"above", "diverging_levels"}
    # Alpha stands out in all six weeks: a window of 6 needing 6 keeps it
    strict = _standouts(frame, Standouts(window_weeks=6, min_weeks=6))
    assert set(strict.filter(kind="above")["segment"]) == {"Alpha"}
    assert strict.filter(kind="above")["weeks_out"].to_list() == [6]
    # a skipped dimension is never highlighted
    skipped = _standouts(frame, Standouts(skip_dimensions=["team", "agent"]))
    assert set(skipped["dimension"]) == {"channel"}
    # against the four weeks before, chat's moves still diverge
    trailing = _standouts(frame, Standouts(diverging_changes="trailing_weeks"))
    chat = trailing.filter(kind="diverging_changes", segment="chat").row(0, named=True)
    assert chat["explanation_en"].endswith(
        "compared with the four weeks before but CSAT down 25.0 points"
    )


def _rows(sides: list[tuple[float, float, float, bool]]) -> pl.DataFrame:
    """Weekly scores of one segment vs an overall score of 50, oldest week first: each week is
    (ci_low, ci_high, score, small_sample)."""
    rows = []
    for week, (low, high, score, small) in zip(WEEKS[-len(sides) :], sides, strict=True):
        base = {"week": week, "metric": "csat", "scale": "1-5", "n": 100, "change_prev": None}
        base |= {"significant_prev": False}
        rows.append(base | {"dimension": "overall", "segment": "all", "score": 50.0} |
                    {"ci_low": 45.0, "ci_high": 55.0, "small_sample": False})  # fmt: skip
        rows.append(base | {"dimension": "team", "segment": "X", "score": score} |
                    {"ci_low": low, "ci_high": high, "small_sample": small})  # fmt: skip
    return pl.DataFrame(rows)


ABOVE, INSIDE, BELOW = (55.0, 70.0, 62.0, False), (45.0, 60.0, 52.0, False), (30, 45, 38, False)


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [
        ([ABOVE, ABOVE, ABOVE, INSIDE], ["above"]),  # 3 of 4, this week in line
        ([INSIDE, ABOVE, INSIDE, ABOVE], []),  # 2 of 4
        ([ABOVE, ABOVE, ABOVE, BELOW], []),  # this week on the other side
        ([ABOVE, ABOVE, ABOVE, (40.0, 55.0, 48.0, False)], []),  # …if only by its score
        ([ABOVE, ABOVE, (60.0, 90.0, 75.0, True), INSIDE], []),  # a small sample does not count
        ([BELOW, BELOW, INSIDE, BELOW], ["below"]),
        ([ABOVE, ABOVE, ABOVE], ["above"]),  # a young segment: three weeks of data
        ([(50.0, 60.0, 55.0, False)] * 4, []),  # touching the overall is not excluding it
    ],
)
def test_consistency_rule_edges(weeks, expected) -> None:
    found = find_standouts(_rows(weeks), [LAST], Standouts())
    assert found["kind"].to_list() == expected


def test_a_segment_more_often_below_is_not_called_above() -> None:
    weeks = [BELOW, BELOW, BELOW, ABOVE, ABOVE, (45.0, 60.0, 52.0, False)]
    rules = Standouts(window_weeks=6, min_weeks=2)
    assert find_standouts(_rows(weeks), [LAST], rules).is_empty()
    found = find_standouts(_rows([ABOVE, ABOVE, ABOVE, BELOW, INSIDE, ABOVE]), [LAST], rules)
    assert found.select("kind", "weeks_out").rows() == [("above", 4)]


def test_standout_rules_are_validated() -> None:
    settings = generic_settings()
    assert settings.standouts == Standouts()
    data = {"sources": [settings.sources[0].model_dump()]}
    with pytest.raises(ConfigError, match=r"standouts: expected min_weeks at most window_weeks"):
        parse_settings(data | {"standouts": {"window_weeks": 2, "min_weeks": 3}})
    with pytest.raises(ConfigError, match=r"standouts.diverging_changes: expected 'previous_week'"):
        parse_settings(data | {"standouts": {"diverging_changes": "sometimes"}})
