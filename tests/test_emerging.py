"""Emerging themes on generated weeks: a planted new problem is found, named, counted and
trended; complaints the taxonomy explains and satisfied customers never feed it; with the default
model, low scorers' praise and filler never do either; re-runs agree."""

from __future__ import annotations

import datetime as dt
import json
import random

import polars as pl

from satisfaction_pipeline.config.taxonomy import Theme, build_taxonomy, default_taxonomy
from satisfaction_pipeline.themes.detect import (
    READINGS_SCHEMA,
    ReadingCache,
    coverage,
    default_model_themes,
    find_themes,
)

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


def _find(answers: pl.DataFrame, model: bool = False):
    taxonomy = default_taxonomy()
    learned = default_model_themes(taxonomy) if model else None
    return find_themes(answers, taxonomy, {"1-5": 4}, [LAST], learned)


def test_a_planted_problem_is_found_named_and_trended() -> None:
    answers = _answers()
    themes, groups = _find(answers)
    assert groups.height == 1, groups
    group = groups.row(0, named=True)
    assert group["week"] == LAST and group["language"] == "fr"
    # named by its most typical sentence, its top terms kept beside
    assert group["label"] in PLANTED, group["label"]
    assert {"esim", "code"} <= {term for term, _ in json.loads(group["terms"])}
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


DOGS = [  # nothing the 12 default themes name
    "Les chiens ne sont pas acceptés dans la boutique, dommage.",
    "Pourquoi les chiens ne sont pas acceptés dans la boutique ?",
    "Mon chien n'a pas pu entrer dans la boutique, dommage.",
]
LOW_PRAISE = ["Rien à dire, tout s'est bien passé.", "Très bon accueil, merci.", "ras", "ok"]


def test_with_the_model_only_complaints_of_low_scorers_are_grouped() -> None:
    """Low scorers who write praise or filler (12 a week, as many as the planted problem) are
    not candidates: the model's tone reads them as not complaining."""
    answers = _answers(plant=False).filter(~pl.col("comment").str.starts_with("Bof."))
    rows = []
    for week in WEEKS:
        texts = [DOGS[k % 3] for k in range(12 if week == LAST else 1)]
        texts += [LOW_PRAISE[k % 4] for k in range(12)]
        rows += [
            {"response_key": f"x:{week}:{k:03d}", "week": week, "csat": 1, "csat_scale": "1-5",
             "nps": None, "ces": None, "ces_scale": None, "comment": text}
            for k, text in enumerate(texts)
        ]  # fmt: skip
    answers = pl.concat([answers, pl.DataFrame(rows, schema=answers.schema)])
    themes, groups = _find(answers, model=True)
    assert groups.height == 1, groups
    assert groups["label"][0] in DOGS and groups["comments"][0] == 12
    members = themes.filter(pl.col("method") == "discovery")
    assert set(members["evidence"]) <= set(DOGS)


def test_a_source_without_scores_gets_its_emerging_problems_too() -> None:
    """Tweets or reviews without stars: with no score to pick low scorers by, the model's tone
    picks the complaints; praise and filler stay out."""
    rows = []
    for week in WEEKS:
        texts = [DOGS[k % 3] for k in range(12 if week == LAST else 1)]
        texts += [LOW_PRAISE[k % 4] for k in range(12)] + [EXPLAINED[0]] * 5
        rows += [
            {"response_key": f"t:{week}:{k:03d}", "week": week, "csat": None,
             "csat_scale": None, "nps": None, "ces": None, "ces_scale": None, "comment": text}
            for k, text in enumerate(texts)
        ]  # fmt: skip
    answers = pl.DataFrame(rows, schema=_answers().schema)
    themes, groups = _find(answers, model=True)
    assert groups.height == 1, groups
    assert groups["label"][0] in DOGS and groups["comments"][0] == 12
    members = themes.filter(pl.col("method") == "discovery")
    assert set(members["evidence"]) <= set(DOGS)
    assert _find(answers)[1].is_empty()  # patterns only: no tone to tell complaints apart


def test_coverage_counts_the_low_scorers_comments_a_theme_explains() -> None:
    """Of the low scorers' comments of 3 words or more: those with a complaint theme, those only
    in an emerging group; short ones and the satisfied customers' are not counted."""
    answers = _answers(plant=False).filter(~pl.col("comment").str.starts_with("Bof."))
    rows = [
        {"response_key": f"c:{k:02d}", "week": LAST, "csat": csat, "csat_scale": "1-5",
         "nps": None, "ces": None, "ces_scale": None, "comment": text}
        for k, (text, csat) in enumerate(
            [(DOGS[k % 3], 1) for k in range(12)]
            + [("ras", 1), ("Rien à dire, tout s'est bien passé.", 2), (EXPLAINED[0], 5)]
        )
    ]  # fmt: skip
    answers = pl.concat([answers, pl.DataFrame(rows, schema=answers.schema)])
    taxonomy = default_taxonomy()
    model = default_model_themes(taxonomy)
    themes, _ = find_themes(answers, taxonomy, {"1-5": 4}, [LAST], model)
    (week,) = coverage(answers, themes, {"1-5": 4}, [LAST], model).iter_rows(named=True)
    explained_this_week = 20  # the EXPLAINED comments of CSAT 1 (_answers)
    assert week["low_comments"] == explained_this_week + 12 + 1  # "ras" is too short
    assert week["explained"] == explained_this_week
    assert week["emerging"] == 12  # the dogs, grouped
    assert week["engine"].startswith("default model ") and len(week["engine"]) == 26


INSTALLATION = Theme(
    id="installation",
    owner="logistics",
    label={"fr": "Installation", "en": "Installation"},
    description={"fr": "La visite du technicien.", "en": "The installer's visit."},
    action={"fr": "Fiabiliser les rendez-vous.", "en": "Make appointments reliable."},
    examples=[
        "Le technicien n'est jamais venu pour installer la fibre.",
        "Rendez-vous d'installation annulé sans prévenir.",
        "The installer didn't show up for the appointment.",
        "Installation de la box reportée trois fois.",
    ],
)


def test_a_theme_given_by_examples_is_found_without_patterns() -> None:
    """A domain theme with a label, a description and 4 example comments, no patterns: found
    in new wordings, in both languages, as a complaint, with its sentence as evidence."""
    taxonomy = build_taxonomy("default", [INSTALLATION])
    texts = [
        "Bonjour. Toujours pas de technicien pour l'installation, deuxième rendez-vous manqué !",
        "Nobody came to install my broadband, I waited at home all day.",
        "La conseillère était très aimable.",
        "Ma facture est fausse.",
    ]
    rows = [
        {"response_key": f"i:{k}", "week": LAST, "csat": 1, "csat_scale": "1-5", "nps": None,
         "ces": None, "ces_scale": None, "comment": text}
        for k, text in enumerate(texts)
    ]  # fmt: skip
    answers = pl.DataFrame(rows, schema=_answers().schema)
    themes, _ = find_themes(answers, taxonomy, {"1-5": 4}, [LAST], default_model_themes(taxonomy))
    found = themes.filter(pl.col("theme") == "installation")
    assert sorted(found["response_key"]) == ["i:0", "i:1"], found
    assert set(found["method"]) == {"examples"} and set(found["polarity"]) == {"complaint"}
    assert found.filter(pl.col("response_key") == "i:0")["evidence"][0].startswith("Toujours")


def test_a_comment_is_read_once_per_model_version_and_band() -> None:
    """The second run of the same weeks reads nothing new and finds the same rows; a changed
    model version reads again."""
    stored = pl.DataFrame(schema=READINGS_SCHEMA)

    def lookup(wanted: pl.DataFrame) -> pl.DataFrame:
        return stored.join(wanted, on=["engine", "band", "text_hash"]).select(
            "band", "text_hash", "found", "tone", "tone_start", "tone_end"
        )

    answers, taxonomy = _answers(), default_taxonomy()
    model = default_model_themes(taxonomy)
    first = ReadingCache(lookup)
    rows, groups = find_themes(answers, taxonomy, {"1-5": 4}, [LAST], model, first)
    distinct = answers.filter(pl.col("week") == LAST).select("comment", "csat").unique().height
    assert first.added >= distinct  # this week's comments, and earlier low scorers'
    stored = first.rows()
    again = ReadingCache(lookup)
    rows_again, groups_again = find_themes(answers, taxonomy, {"1-5": 4}, [LAST], model, again)
    assert rows_again.equals(rows) and groups_again.equals(groups)
    assert again.added == 0
    stored = stored.with_columns(engine=pl.lit("default model 000000000000"))
    find_themes(answers, taxonomy, {"1-5": 4}, [LAST], model, again)
    assert again.added == first.added
