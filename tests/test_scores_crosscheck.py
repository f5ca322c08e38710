"""`weekly_scores` + `with_changes`, cell by cell, against a plain-Python computation written
from docs/methodology.md (loops, `math`, `statistics`; scipy only for the t quantile and
Welch's test on the raw answers), on a generated multi-week dataset; and the properties the
table must have whatever the data."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import statistics
from collections import defaultdict

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from scipy import stats

from satisfaction_pipeline.ingest.mapping import map_file
from satisfaction_pipeline.ingest.readers import read_delimited
from satisfaction_pipeline.scoring.scores import weekly_scores, with_changes

from .conftest import generic_settings

FIRST = dt.date(2026, 10, 5)
WEEKS = [FIRST + dt.timedelta(weeks=k) for k in range(7)]
MIN_N = 30
Z = statistics.NormalDist().inv_cdf(0.975)
SATISFIED_FROM = {"1-5": 4, "1-7": 6}
DIMENSIONS = ("channel", "team", "agent", "product", "touchpoint", "source", "region")


def _generate(seed: int = 11, size: int = 4000) -> list[dict]:
    """Responses over seven weeks: two sources (one with CSAT and CES on 1-7), four segment
    columns, an extra `region` segment, unanswered questions, and weekly volumes that vary."""
    rng = random.Random(seed)
    rows = []
    for i in range(size):
        week = rng.choices(WEEKS, weights=[3, 5, 4, 6, 2, 5, 4])[0]
        source = rng.choice(["support", "shop"])
        mood = rng.gauss(0.2 * WEEKS.index(week) / 6, 1)
        big = source == "shop"  # CSAT and CES on 7 points
        top = 7 if big else 5
        row = {
            "week": week,
            "source": source,
            "channel": rng.choice(["phone", "chat", "email", None]),
            "team": rng.choice(["north", "south", "east"]),
            "agent": rng.choice([f"a{k}" for k in range(12)]),
            "product": rng.choice(["fibre", "mobile"]),
            "touchpoint": None if rng.random() < 0.5 else "contact",
            "extra_segments": None if i % 9 == 0 else json.dumps({"region": rng.choice("NSEW")}),
            "csat": _clip(round(top * 0.7 + mood * top / 5), 1, top),
            "csat_scale": f"1-{top}",
            "nps": _clip(round(7.5 + 2 * mood), 0, 10),
            "ces": float(_clip(round(top * 0.65 + mood), 1, top)),
            "ces_scale": f"1-{top}",
        }
        for question in ("csat", "nps", "ces"):
            if rng.random() < 0.08:
                row[question] = None
        if row["ces"] is None:
            row["ces_scale"] = None
        rows.append(row)
    return rows


def _clip(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _frame(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema_overrides={
            "csat": pl.Int8,
            "nps": pl.Int8,
            "ces": pl.Float64,
            "extra_segments": pl.String,
            "touchpoint": pl.String,
            "channel": pl.String,
        },
    )


def _segment(row: dict, dimension: str) -> str | None:
    if dimension == "region":
        return json.loads(row["extra_segments"])["region"] if row["extra_segments"] else None
    return row[dimension]


def _answers(rows: list[dict]) -> dict[tuple, list]:
    """(week, dimension, segment, metric, scale) → the answers in that cell."""
    cells: dict[tuple, list] = defaultdict(list)
    for row in rows:
        places = [("overall", "all")] + [
            (d, _segment(row, d)) for d in DIMENSIONS if _segment(row, d) is not None
        ]
        for dimension, segment in places:
            if row["csat"] is not None:
                cells[(row["week"], dimension, segment, "csat", row["csat_scale"])].append(row)
            if row["nps"] is not None:
                cells[(row["week"], dimension, segment, "nps", "0-10")].append(row)
            if row["ces"] is not None:
                cells[(row["week"], dimension, segment, "ces", row["ces_scale"])].append(row)
    return cells


def _score(metric: str, scale: str, answers: list[dict]) -> dict:
    """Every column of a weekly_scores row from its answers, as docs/methodology.md defines it."""
    n = len(answers)
    cell: dict = {"n": n, "small_sample": n < MIN_N}
    if metric == "csat":
        satisfied = sum(a["csat"] >= SATISFIED_FROM[scale] for a in answers)
        p = satisfied / n
        centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
        half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
        cell |= {"satisfied": satisfied, "score": 100 * p}
        cell |= {"ci_low": 100 * (centre - half), "ci_high": 100 * (centre + half)}
    elif metric == "nps":
        promoters = sum(a["nps"] >= 9 for a in answers)
        detractors = sum(a["nps"] <= 6 for a in answers)
        score = 100 * (promoters - detractors) / n
        n3 = n + 3
        p3, d3 = (promoters + 0.75) / n3, (detractors + 0.75) / n3
        half = Z * math.sqrt((p3 + d3 - (p3 - d3) ** 2) / n3)
        cell |= {
            "score": score,
            "promoters": promoters,
            "passives": n - promoters - detractors,
            "detractors": detractors,
            "ci_low": max(-100.0, min(100 * (p3 - d3 - half), score)),
            "ci_high": min(100.0, max(100 * (p3 - d3 + half), score)),
        }
    else:
        values = [a["ces"] for a in answers]
        low, high = (float(x) for x in scale.split("-"))
        mean = statistics.fmean(values)
        sd = statistics.stdev(values) if n > 1 else None
        half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) if n > 1 else None
        cell |= {
            "score": mean,
            "ces_sd": sd,
            "easy": sum(v >= low + 0.6 * (high - low) for v in values),
            "ci_low": max(low, mean - half) if half is not None else None,
            "ci_high": min(high, mean + half) if half is not None else None,
        }
    return cell


def _change(metric: str, scale: str, now: list[dict], before: list[dict]) -> dict:
    """Earlier n and score, change, p-value and significance of `now` against `before`."""
    if not before:
        return {"n": None, "score": None, "change": None, "p": None, "significant": False}
    earlier, later = _score(metric, scale, before), _score(metric, scale, now)
    n0, n1 = len(before), len(now)
    if metric == "csat":
        p0, p1 = earlier["satisfied"] / n0, later["satisfied"] / n1
        pooled = (earlier["satisfied"] + later["satisfied"]) / (n0 + n1)
        se = math.sqrt(pooled * (1 - pooled) * (1 / n0 + 1 / n1))
        p = 2 * (1 - statistics.NormalDist().cdf(abs(p1 - p0) / se)) if se > 0 else None
    elif metric == "nps":

        def mean_var(answers):  # each answer +1, 0 or -1
            values = [1 if a["nps"] >= 9 else -1 if a["nps"] <= 6 else 0 for a in answers]
            mean = sum(values) / len(values)
            return mean, sum(v * v for v in values) / len(values) - mean * mean

        (m0, v0), (m1, v1) = mean_var(before), mean_var(now)
        se = math.sqrt(v0 / n0 + v1 / n1)
        p = 2 * (1 - statistics.NormalDist().cdf(abs(m1 - m0) / se)) if se > 0 else None
    else:
        result = stats.ttest_ind(
            [a["ces"] for a in now], [a["ces"] for a in before], equal_var=False
        )
        p = None if math.isnan(result.pvalue) else float(result.pvalue)
    significant = p is not None and p < 0.05 and min(n0, n1) >= MIN_N
    return {
        "n": n0,
        "score": earlier["score"],
        "change": later["score"] - earlier["score"],
        "p": p,
        "significant": significant,
    }


def _expected(rows: list[dict]) -> dict[tuple, dict]:
    cells = _answers(rows)
    table = {}
    for key, answers in cells.items():
        week, _, _, metric, scale = key
        row = _score(metric, scale, answers)
        history = {"prev": [week - dt.timedelta(weeks=1)]}
        history["trail"] = [week - dt.timedelta(weeks=k) for k in range(1, 5)]
        for base, weeks in history.items():
            before = [a for w in weeks for a in cells.get((w, *key[1:]), [])]
            for column, value in _change(metric, scale, answers, before).items():
                row[f"{column}_{base}"] = value
        table[key] = row
    return table


def _close(actual, expected) -> bool:
    if expected is None or actual is None:
        return actual is expected or (actual is None and expected is None)
    if isinstance(expected, bool):
        return actual is expected
    return actual == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_every_cell_matches_a_plain_python_computation() -> None:
    rows = _generate()
    computed = with_changes(weekly_scores(_frame(rows), ["region"], MIN_N, SATISFIED_FROM), MIN_N)
    expected = _expected(rows)
    keys = ["week", "dimension", "segment", "metric", "scale"]
    actual = {tuple(r[k] for k in keys): r for r in computed.iter_rows(named=True)}
    assert actual.keys() == expected.keys()
    checked = 0
    for key, want in expected.items():
        for column, value in want.items():
            assert _close(actual[key][column], value), (key, column, actual[key][column], value)
            checked += 1
    # columns that do not apply to a metric stay empty
    for key, got in actual.items():
        absent = {
            "csat": ("promoters", "ces_sd", "easy"),
            "nps": ("satisfied", "ces_sd", "easy"),
            "ces": ("satisfied", "promoters", "passives", "detractors"),
        }[key[3]]
        assert all(got[c] is None for c in absent), key
    assert checked > 15_000  # every cell of a table of about a thousand rows


def _table(frame: pl.DataFrame) -> pl.DataFrame:
    return with_changes(weekly_scores(frame, ["region"], MIN_N, SATISFIED_FROM), MIN_N)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), shuffle=st.randoms(use_true_random=False))
def test_results_do_not_depend_on_row_order(seed, shuffle) -> None:
    rows = _generate(seed, size=600)
    shuffled = rows[:]
    shuffle.shuffle(shuffled)
    # equal up to the last bits of float sums, whose order Polars may change
    assert_frame_equal(_table(_frame(rows)), _table(_frame(shuffled)), rel_tol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_merging_two_weeks_counts_equals_scoring_their_union(seed) -> None:
    """Counts add up across weeks: the two weeks' rows summed give what the union, scored as one
    week, gives; and the CES mean is their n-weighted mean."""
    rows = [r for r in _generate(seed, size=600) if r["week"] in WEEKS[:2]]
    keys = ["dimension", "segment", "metric", "scale"]
    apart = weekly_scores(_frame(rows), ["region"], MIN_N, SATISFIED_FROM)
    union = [r | {"week": WEEKS[0]} for r in rows]
    together = weekly_scores(_frame(union), ["region"], MIN_N, SATISFIED_FROM)
    summed = apart.group_by(keys).agg(
        pl.col("n", "satisfied", "promoters", "passives", "detractors", "easy").sum(),
        ces_mean=(pl.col("score") * pl.col("n")).sum() / pl.col("n").sum(),
    )
    joined = together.join(summed, on=keys, suffix="_apart")
    assert joined.height == together.height == summed.height
    for column in ("n", "satisfied", "promoters", "passives", "detractors", "easy"):
        assert (joined[column].fill_null(0) == joined[f"{column}_apart"].fill_null(0)).all()
    ces = joined.filter(metric="ces")
    assert ((ces["score"] - ces["ces_mean"]).abs() < 1e-9).all()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_scores_stay_within_their_bounds(seed) -> None:
    table = _table(_frame(_generate(seed, size=400)))
    for metric, (low, high) in {"csat": (0, 100), "nps": (-100, 100)}.items():
        rows = table.filter(metric=metric)
        assert rows["score"].is_between(low, high).all()
        assert (rows["ci_low"] <= rows["score"] + 1e-9).all()
        assert (rows["score"] <= rows["ci_high"] + 1e-9).all()
        assert rows["ci_low"].is_between(low, high).all()
        assert rows["ci_high"].is_between(low, high).all()
        assert rows["change_prev"].drop_nulls().abs().le(high - low).all()


def test_one_to_ten_nps_and_effort_coded_ces_from_a_file() -> None:
    """NPS asked 1-10 keeps the 0-10 categories; CES where 1 means very easy is flipped so that
    higher is better, and its easy share counts the answers 1-2 of 5."""
    answers = [(1, 1), (6, 2), (7, 3), (8, 4), (9, 5), (10, 1), (10, 2), (3, 1)]
    text = "id,date,csat,nps,effort,comment\n" + "".join(
        f"{i},2026-11-16 10:00,,{nps},{effort},\n" for i, (nps, effort) in enumerate(answers)
    )
    settings_ = generic_settings(
        questions=[
            {"column": "nps", "metric": "nps", "scale": {"min": 1, "max": 10}},
            {
                "column": "effort",
                "metric": "ces",
                "scale": {"min": 1, "max": 5, "higher_is_better": False},
            },
        ]
    )
    mapped = map_file(read_delimited(text.encode()), settings_.sources[0], settings_, "f.csv")
    assert mapped.responses.height == len(answers)
    scores = weekly_scores(mapped.responses, [], MIN_N).filter(dimension="overall")
    nps = scores.filter(metric="nps").row(0, named=True)
    assert (nps["promoters"], nps["passives"], nps["detractors"]) == (3, 2, 3)
    assert nps["score"] == 0.0
    ces = scores.filter(metric="ces").row(0, named=True)
    assert ces["scale"] == "1-5"
    # effort 1 → 5, 2 → 4, 3 → 3, 4 → 2, 5 → 1
    assert ces["score"] == pytest.approx(statistics.fmean([5, 4, 3, 2, 1, 5, 4, 5]))
    assert ces["easy"] == 5  # answers 1 and 2: 4-5 of 5 once flipped
