"""Label mapping (French and English, case and accent insensitive) and configuration validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.settings import ConfigError, load_settings, parse_settings
from satisfaction_pipeline.ingest.scales import (
    choose_label_set,
    csat_mapping,
    fold_label,
    is_no_answer,
    orient,
    parse_number,
)

from .conftest import EXAMPLE_CONFIG


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (
            ["Très satisfait", "Satisfait", "Plutôt satisfait", "Insatisfait", "Très insatisfait"],
            [5, 4, 3, 2, 1],
        ),
        (["TRÈS SATISFAIT", "tres satisfait", " Très  satisfait "], [5, 5, 5]),
        # same words, other set: "Plutôt satisfait" is then 4 of 5
        (
            [
                "Tout à fait satisfait",
                "Plutôt satisfait",
                "Ni satisfait ni insatisfait",
                "Peu satisfait",
                "Pas du tout satisfait",
            ],
            [5, 4, 3, 2, 1],
        ),
        (["Très bon", "Bon", "Adéquat", "Pas bon", "Mauvais"], [5, 4, 3, 2, 1]),
        (["Excellent", "Bon", "D’accord", "Pas génial", "Terrible"], [5, 4, 3, 2, 1]),
        (
            ["Very satisfied", "satisfied", "Neutral", "Dissatisfied", "very dissatisfied"],
            [5, 4, 3, 2, 1],
        ),
        (["Very good", "Good", "Fair", "Poor", "Very poor"], [5, 4, 3, 2, 1]),
        (["5", "4", "3.0", "2", "1"], [5, 4, 3, 2, 1]),
    ],
)
def test_csat_labels_map_to_points(answers: list[str], expected: list[int]) -> None:
    mapping, _ = csat_mapping(answers, "auto")
    assert [mapping[a] for a in answers] == expected


def test_unknown_and_out_of_range_csat_answers_are_not_mapped() -> None:
    mapping, expected = csat_mapping(["Satisfait", "Bof bof", "6", "4.5"], "auto")
    assert mapping == {"Satisfait": 4}
    assert "Très satisfait" in expected and "1-5" in expected


def test_label_set_can_be_pinned_or_custom() -> None:
    assert csat_mapping(["Plutôt satisfait"], "fr_tout_a_fait")[0] == {"Plutôt satisfait": 4}
    assert csat_mapping(["Plutôt satisfait"], "fr_satisfait")[0] == {"Plutôt satisfait": 3}
    assert csat_mapping(["Top", "Flop"], {"top": 5, "FLOP": 1})[0] == {"Top": 5, "Flop": 1}


def test_fold_label_and_set_choice() -> None:
    assert fold_label("  Pas   GÉNIAL ") == "pas genial"
    assert choose_label_set(["Satisfait", "Très satisfait", "3"]) == "fr_satisfait"
    assert choose_label_set(["4", "5"]) is None


@pytest.mark.parametrize(
    ("value", "low", "high", "higher_is_better", "expected"),
    [(1, 1, 5, False, 5), (5, 1, 5, False, 1), (2, 1, 7, True, 2), (3, 1, 7, False, 5)],
)
def test_ces_orientation(value, low, high, higher_is_better, expected) -> None:
    assert orient(value, low, high, higher_is_better) == expected


def _example() -> dict:
    return yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def test_example_config_is_valid() -> None:
    settings = load_settings(EXAMPLE_CONFIG)
    assert [s.name for s in settings.sources] == ["support_fr", "qualtrics_purchase", "support_en"]
    assert settings.sources[0].question("ces").scale.higher_is_better is False
    assert settings.sources[2].question("nps").scale.label == "1-10"


def _problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(data)
    return caught.value.problems


def test_unknown_key_suggests_the_closest_one() -> None:
    data = _example()
    data["timezon"] = "Europe/Paris"
    data["sources"][0]["questions"][0]["metirc"] = "csat"
    problems = _problems(data)
    assert "timezon: unknown key; did you mean 'timezone'?" in problems
    assert any(
        p.startswith("sources[0] (support_fr).questions[0] (satisfaction).metirc: unknown")
        and "'metric'" in p
        for p in problems
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["sources"][0]["columns"].pop("submitted_at"),
            "sources[0] (support_fr).columns.submitted_at: required key is missing",
        ),
        (
            lambda d: d["sources"][0]["questions"][0].update(metric="happiness"),
            "sources[0] (support_fr).questions[0] (satisfaction).metric: expected "
            "'csat', 'nps', 'ces' or 'comment' (got 'happiness')",
        ),
        (
            lambda d: d.update(timezone="Paris"),
            "timezone: expected an IANA time zone such as 'Europe/Paris' (got 'Paris')",
        ),
        (
            lambda d: d.update(first_week="2026-01-07"),
            "first_week: expected a Monday, since weeks start on Monday (got 2026-01-07; use "
            "2026-01-05)",
        ),
        (
            lambda d: d["sources"][1]["questions"][1].update(scale={"min": 0, "max": 5}),
            "sources[1] (qualtrics_purchase).questions[1] (Q2): expected an NPS scale of 0-10 or "
            "1-10 (got 0-5)",
        ),
        (
            lambda d: d["sources"][1]["questions"][2].update(scale={}),
            "sources[1] (qualtrics_purchase).questions[2] (Q3): expected a CES scale with min and "
            "max, e.g. {min: 1, max: 7}",
        ),
        (
            lambda d: d["sources"][0]["questions"][0].update(scale={"min": 1, "max": 10}),
            "sources[0] (support_fr).questions[0] (satisfaction): expected a CSAT scale of "
            "1-3, 1-4, 1-5 or 1-7 (got 1-10)",
        ),
        (
            lambda d: d["sources"][0]["questions"][0].update(
                scale={"min": 1, "max": 7, "labels": "fr_satisfait"}
            ),
            "sources[0] (support_fr).questions[0] (satisfaction): expected (the built-in label "
            "sets are for 4 and 5 points) a 1-7 scale's labels as a mapping of label to points",
        ),
        (
            lambda d: d["sources"][0]["questions"][0].update(scale={"satisfied_from": 1}),
            "sources[0] (support_fr).questions[0] (satisfaction): expected satisfied_from "
            "between 2 and 5 (got 1)",
        ),
        (
            lambda d: d["sources"][0]["questions"][1].update(scale={"satisfied_from": 9}),
            "sources[0] (support_fr).questions[1] (recommandation): expected satisfied_from "
            "only on a CSAT question",
        ),
        (
            lambda d: d["sources"][0]["questions"][0].update(scale={"satisfied_from": 5}),
            "(top level): expected one satisfied_from for every 1-5 CSAT question (got 4 in "
            "qualtrics_purchase, support_en; 5 in support_fr)",
        ),
        (
            lambda d: d["report"].update(language="xx"),
            "report.language: expected one of de, en, fr (got 'xx')",
        ),
        (
            lambda d: d["sources"][0]["segments"].update(channel=5),
            "sources[0] (support_fr).segments: expected a column name or {value: text} for "
            "segment 'channel' (got 5)",
        ),
        (
            lambda d: d["sources"][0]["segments"].update({"Région": "r"}),
            "sources[0] (support_fr).segments: expected segment names in lower_snake_case",
        ),
        (
            lambda d: d["sources"][0].update(name="Support-FR"),
            "sources[0] (Support-FR).name: expected a name in lower_snake_case",
        ),
        (
            lambda d: d["sources"][0]["questions"].append({"column": "x", "metric": "nps"}),
            "sources[0] (support_fr): expected an id for each of several nps questions, e.g. "
            "{column: ..., metric: nps, id: response_time, label: Satisfaction with response "
            "time} (none for columns ['recommandation', 'x'])",
        ),
        (
            lambda d: d["sources"][0]["questions"][0].update(scale={"labels": "klingon"}),
            "sources[0] (support_fr).questions[0] (satisfaction).scale.labels: expected one of",
        ),
    ],
)
def test_config_errors_name_the_key_and_what_was_expected(change, expected: str) -> None:
    data = _example()
    change(data)
    problems = _problems(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_config_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate-config", "--config", str(EXAMPLE_CONFIG)]) == 0
    assert "OK — 3 source(s)" in capsys.readouterr().out

    broken = tmp_path / "satisfaction.yaml"
    broken.write_text("timezone: Mars/Olympus\nsources: []\n", encoding="utf-8")
    assert main(["validate-config", "--config", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "timezone: expected an IANA time zone" in err
    assert "sources: expected at least 1 item(s) (got none)" in err

    broken.write_text("sources: [\n", encoding="utf-8")
    assert main(["validate-config", "--config", str(broken)]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    assert main(["validate-config", "--config", str(tmp_path / "missing.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_numbers_are_read_with_or_without_their_label() -> None:
    assert parse_number("4,0") == 4.0 and parse_number("10 - Strongly Agree") == 10.0
    assert parse_number("5 (Excellent)") == 5.0 and parse_number("0 – Pas du tout") == 0.0
    for not_a_number in ["", "abc", "1,5,6", "3 4", "12:30", "1e5"]:
        assert parse_number(not_a_number) is None, not_a_number


def test_no_answer_words_are_not_answers() -> None:
    for empty in ["", "  ", "N/A", "n/a", "NSP", "Ne sais pas", "Don't know", "Don’t know", "-"]:
        assert is_no_answer(empty), empty
    for answer in ["0", "Non", "Satisfait", "Bad"]:
        assert not is_no_answer(answer), answer


def test_more_label_sets_bilingual_columns_and_binary_csat() -> None:
    assert csat_mapping(["Strongly agree", "Disagree"], "auto")[0] == {
        "Strongly agree": 5,
        "Disagree": 2,
    }
    assert csat_mapping(["Tout à fait d'accord"], "auto")[0] == {"Tout à fait d'accord": 5}
    # one set per language when a bilingual survey mixes them in one column
    mapping, expected = csat_mapping(["Très satisfait", "Satisfied", "Insatisfait"], "auto")
    assert mapping == {"Très satisfait": 5, "Satisfied": 4, "Insatisfait": 2}
    assert "Très satisfait" in expected and "Very satisfied" in expected
    # Zendesk's wording picks the binary set; bare good / bad stays on the five-point set, where
    # the satisfied share is the same
    assert csat_mapping(["Good, I'm satisfied", "Bad, I'm unsatisfied"], "auto")[0] == {
        "Good, I'm satisfied": 5,
        "Bad, I'm unsatisfied": 1,
    }
    assert csat_mapping(["Good", "Bad"], "auto")[0] == {"Good": 4, "Bad": 1}


def test_named_label_sets_of_ones_own() -> None:
    config = {
        "label_sets": {"maison": {"Génial": 5, "Bof": 2, "Nul": 1}},
        "sources": [
            {
                "name": "a",
                "pattern": "*",
                "columns": {"response_id": "i", "submitted_at": "d"},
                "questions": [{"column": "c", "metric": "csat", "scale": {"labels": "maison"}}],
            }
        ],
    }
    scale = parse_settings(config).sources[0].questions[0].scale
    assert scale.labels == {"Génial": 5, "Bof": 2, "Nul": 1}
    config["sources"][0]["questions"][0]["scale"]["labels"] = "maisn"
    with pytest.raises(ConfigError, match=r"scale\.labels: expected one of auto, .*maison"):
        parse_settings(config)


def test_csat_scales_of_three_five_and_seven_points() -> None:
    def csat_scale(**scale):
        data = _example()
        for source in data["sources"]:
            source["questions"] = [q for q in source["questions"] if q["metric"] != "csat"]
        data["sources"][0]["questions"].append({"column": "c", "metric": "csat", "scale": scale})
        settings = parse_settings(data)
        return settings.sources[0].question("csat").scale, settings.csat_satisfied_from()

    scale, rules = csat_scale()
    assert (scale.label, scale.satisfied_from) == ("1-5", 4)  # top two boxes
    scale, rules = csat_scale(min=1, max=7)
    assert (scale.label, scale.satisfied_from, rules["1-7"]) == ("1-7", 6, 6)
    scale, rules = csat_scale(min=1, max=3)
    assert (scale.label, scale.satisfied_from) == ("1-3", 3)  # top box: 2 is the neutral middle
    scale, rules = csat_scale(min=1, max=7, satisfied_from=5)  # top-3-box, by choice
    assert rules == {"1-3": 3, "1-4": 3, "1-5": 4, "1-7": 5}
    # on 3 and 7 points, numbers and a mapping of one's own labels; no 5-point label set
    mapping, expected = csat_mapping(["7", "6", "1", "8", "Très satisfait"], "auto", points=7)
    assert (mapping, expected) == ({"7": 7, "6": 6, "1": 1}, "1-7")
    mapping, _ = csat_mapping(["Bien", "Moyen", "Mal", "3"], {"Bien": 3, "Moyen": 2, "Mal": 1}, 3)
    assert mapping == {"Bien": 3, "Moyen": 2, "Mal": 1, "3": 3}
