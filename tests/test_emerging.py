"""Emerging themes on generated weeks: a planted new problem is found, named, counted and
trended; complaints the taxonomy explains and satisfied customers never feed it; re-runs agree."""

from __future__ import annotations

import datetime as dt
import json
import random

import polars as pl

from satisfaction_pipeline.config.taxonomy import default_taxonomy
from satisfaction_pipeline.themes.detect import find_themes

LAST = dt.date(2026, 11, 16)
WEEKS = [LAST - dt.timedelta(weeks=k) for k in range(4, -1, -1)]
PLANTED = [
    "Ma eSIM n'est pas activée, le QR code ne marche pas",
    "Activation eSIM impossible avec le QR code reçu",
    "Le QR code de la eSIM est refusé, toujours pas activée",
    "eSIM non activée malgré le QR code",
]
EXPLAINED = ["J'ai attendu 45 minutes au téléphone.", "Conseiller impoli et désagréable."]
STRAYS = ["montgolfière", "kayak", "violoncelle", "astronomie", "girafe", "origami", "banquise"]


def _answers(plant: bool = True, seed: int = 3) -> pl.DataFrame:
    """Five weeks of unhappy comments: explained ones, strays about nothing in common, and (if
    `plant`) an eSIM problem growing from 1 to 12 comments a week, all from low scorers; the
    same eSIM words from satisfied customers, who do not complain."""
    rng = random.Random(seed)
    rows = []
    for index, week in enumerate(WEEKS):
        texts = [(rng.choice(EXPLAINED), 1) for _ in range(20)]
        texts += [(f"Bof. {' '.join(rng.sample(STRAYS, 2))} {k}", 2) for k in range(6)]
        texts += [("QR code eSIM reçu, tout va bien", 5)] * 6
        if plant:
            texts += [(rng.choice(PLANTED), 1) for _ in range([1, 1, 2, 5, 12][index])]
        for k, (text, csat) in enumerate(texts):
            rows.append(
                {
                    "response_key": f"s:{week}:{k:03d}",
                    "week": week,
                    "csat": csat,
                    "csat_scale": "1-5",
                    "nps": None,
                    "ces": None,
                    "ces_scale": None,
                    "comment": text,
                }
            )
    rng.shuffle(rows)
    types = {"csat": pl.Int8, "nps": pl.Int8, "ces": pl.Float64, "ces_scale": pl.String}
    return pl.DataFrame(rows, schema_overrides=types)


def _find(answers: pl.DataFrame):
    return find_themes(answers, default_taxonomy(), {"1-5": 4}, [LAST])


def test_a_planted_problem_is_found_named_and_trended() -> None:
    answers = _answers()
    themes, groups = _find(answers)
    assert groups.height == 1, groups
    group = groups.row(0, named=True)
    assert group["week"] == LAST and group["language"] == "fr"
    assert {"esim", "code"} <= set(group["label"].split(" · "))
    # 12 planted this week; those saying "ne marche pas" are product_quality complaints already
    explained = answers.filter(
        (pl.col("week") == LAST) & pl.col("comment").str.contains("ne marche pas")
    ).height
    assert group["comments"] == 12 - explained >= 8
    assert 0 < group["trailing_mean"] <= (1 + 1 + 2 + 5) / 4
    comments = dict(answers.select("response_key", "comment").iter_rows())
    examples = json.loads(group["examples"])
    assert len(examples) == 3 and all("QR code" in comments[k] for k in examples)
    # its members are comment_themes rows found by discovery, with true evidence
    members = themes.filter(pl.col("method") == "discovery")
    assert members.height == group["comments"] and set(members["theme"]) == {group["theme"]}
    assert set(members["polarity"]) == {"complaint"}
    for row in members.iter_rows(named=True):
        text = comments[row["response_key"]]
        assert text[row["span_start"] : row["span_end"]] == row["evidence"]
        assert "QR code" in text and row["week"] == LAST


def test_explained_complaints_and_satisfied_customers_never_emerge() -> None:
    themes, groups = _find(_answers(plant=False))
    assert groups.is_empty()
    assert themes.filter(pl.col("method") == "discovery").is_empty()
    # the explained ones are themes found by their patterns
    assert {"wait_time", "staff_attitude"} <= set(themes["theme"])


def test_re_runs_give_the_same_groups() -> None:
    one, other = _find(_answers(seed=1)), _find(_answers(seed=1).sample(fraction=1, seed=9))
    assert one[1].equals(other[1])
    assert one[0].equals(other[0])
