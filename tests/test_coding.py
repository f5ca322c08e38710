"""The coding loop (issue #24): the comments no theme explains, suggested in a spreadsheet an
analyst codes, read back and learned on top of the default corpus."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.taxonomy import default_taxonomy
from satisfaction_pipeline.themes import coding
from satisfaction_pipeline.themes.coding import candidates, learn_codes, suggest, write_sheet
from satisfaction_pipeline.themes.corpus import DEFAULT_MODEL, training_files
from satisfaction_pipeline.themes.examples import coded_in, read_all_examples, read_examples
from satisfaction_pipeline.themes.model import HIGH, LOW, MIDDLE, ModelError, load_model

PROJECT = Path(__file__).resolve().parents[1]
WEEK = dt.date(2026, 11, 16)

# Customers' words, hand-written for these tests: a problem the twelve themes do not name
# (another customer's statements in the post), said several ways, and comments they explain.
LETTERS = [
    "J'ai reçu par courrier les relevés bancaires d'un autre client.",
    "Encore un courrier avec les relevés d'un autre client, c'est grave.",
    "Les relevés d'un autre client sont arrivés dans ma boîte aux lettres.",
    "Vous m'avez envoyé par courrier les relevés d'une autre personne.",
]
OTHERS = [
    "Le parking du magasin est toujours plein le samedi matin.",
    "Impossible de se garer près du magasin, parking trop petit.",
    "La musique dans le magasin est beaucoup trop forte.",
]
EXPLAINED = [
    ("Livraison en retard de deux semaines, colis abîmé.", "delivery", "complaint"),
    ("Conseillère charmante et très efficace.", "staff_attitude", "praise"),
]


def _comments() -> pl.DataFrame:
    texts = LETTERS + OTHERS + [t for t, _, _ in EXPLAINED] + ["ok merci", LETTERS[0]]
    return pl.DataFrame(
        {
            "response_key": [f"r{i:02d}" for i in range(len(texts))],
            "text": texts,
            "band": [LOW] * 4 + [MIDDLE, LOW, HIGH] + [LOW, HIGH] + [LOW, LOW],
        }
    )


def _rows() -> pl.DataFrame:
    """comment_themes of _comments: the explained ones, a praise from a low scorer, an emerging
    group's member (which explains nothing)."""
    return pl.DataFrame(
        [
            ("r07", "delivery", "complaint", "model"),
            ("r08", "staff_attitude", "praise", "model"),
            ("r05", "staff_attitude", "praise", "model"),  # praise: a low scorer unexplained
            ("r00", "emerging_fr_20261116_0", "complaint", "discovery"),
        ],
        schema=["response_key", "theme", "polarity", "method"],
        orient="row",
    )


def _candidates(tmp_path: Path) -> pl.DataFrame:
    import duckdb

    with duckdb.connect(str(_warehouse(tmp_path)), read_only=True) as conn:
        return candidates(conn, WEEK, WEEK, set())


def test_the_candidates_are_what_no_theme_explains_each_text_once(tmp_path: Path) -> None:
    found = _candidates(tmp_path)
    keys = set(found["response_key"])
    assert {"r00", "r01", "r02", "r03"} <= keys  # an emerging group explains nothing
    assert "r05" in keys  # a low scorer's praise leaves the low score unexplained
    assert {"r04", "r06"} <= keys  # no theme at all
    assert not keys & {"r07", "r08"}  # a complaint theme; any theme for a satisfied one
    assert "r09" not in keys  # "ok merci": under three words
    assert "r10" not in keys  # r00's words again
    assert found.filter(pl.col("response_key") == "r00")["band"].item() == LOW
    assert found["score"][0] == "CSAT 2/5"
    assert found["text_sha1"][0] == hashlib.sha1(LETTERS[0].encode()).hexdigest()


def test_suggestions_put_low_scorers_first_then_what_the_model_is_least_sure_of(
    tmp_path: Path,
) -> None:
    model = load_model(DEFAULT_MODEL)
    found = _candidates(tmp_path)
    rows = suggest(found, model, limit=50)
    assert rows["rank"].to_list() == list(range(1, rows.height + 1))
    assert rows.height == found.height
    letters = rows.filter(pl.col("text").is_in(LETTERS))
    assert letters["group"].n_unique() == 1 and letters["group_size"][0] == len(LETTERS)
    assert letters["group"][0]  # named by a sentence of the group
    low = rows["band"] == LOW
    assert rows.filter(low)["rank"].max() < rows.filter(~low)["rank"].min()
    for part in (rows.filter(low), rows.filter(~low)):
        assert part["worth"].is_sorted(descending=True) and (part["worth"] > 0).all()
    probabilities = model.probabilities(rows["text"].to_list())
    assert rows["worth"].to_list() == pytest.approx((probabilities * (1 - probabilities)).sum(1))
    assert rows["guess"].is_not_null().all() and rows["confidence"].is_between(0, 1).all()
    assert (
        suggest(found, model, limit=3)["response_key"].to_list()
        == rows["response_key"][:3].to_list()
    )
    patterns_only = suggest(found, None, limit=50)
    assert patterns_only["guess"].is_null().all() and patterns_only.height == rows.height
    assert patterns_only.filter(pl.col("band") == LOW).height == low.sum()
    assert patterns_only["band"].head(int(low.sum())).to_list() == [LOW] * int(low.sum())


def _sheet(tmp_path: Path) -> Path:
    found = _candidates(tmp_path).with_columns(week=pl.lit(WEEK))
    hostile = found.head(1).with_columns(
        response_key=pl.lit("r99"),
        text=pl.lit('=HYPERLINK("http://evil.example","clic") remboursez-moi'),
        text_sha1=pl.lit("f" * 40),
    )
    rows = suggest(pl.concat([found, hostile]), load_model(DEFAULT_MODEL), limit=50)
    return write_sheet(rows, default_taxonomy(), "fr", tmp_path / "to_code.xlsx", "weeks")


def test_the_sheet_offers_the_taxonomy_in_drop_downs_and_keeps_formulas_as_words(
    tmp_path: Path,
) -> None:
    path = _sheet(tmp_path)
    book = load_workbook(path)
    assert book.sheetnames == ["to code", "themes", "how to code"]
    sheet = book["to code"]
    headers = [c.value for c in sheet[1]]
    validations = {
        str(v.sqref): (v.formula1, v.errorStyle) for v in sheet.data_validations.dataValidation
    }
    theme_1 = headers.index("theme 1") + 1
    assert any(
        formula == f"=themes!$A$2:$A${len(default_taxonomy().themes) + 2}" and style == "warning"
        for formula, style in validations.values()
    )  # a new theme may be typed: a warning, not a refusal
    assert '"complaint,praise,neutral"' in [f for f, _ in validations.values()]
    ids = [r[0] for r in book["themes"].iter_rows(min_row=2, values_only=True)]
    assert ids == [t.id for t in default_taxonomy().themes] + ["none"]
    assert sheet.column_dimensions["O"].hidden  # text_sha1
    assert theme_1 == 9
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert not re.search(r"<f[ >]", xml)  # no formula: a customer's "=HYPERLINK(…)" is text
    assert re.search(r't="inlineStr"><is><t>=HYPERLINK\(', xml)


def test_a_coded_sheet_reads_back_as_examples_and_an_uncoded_row_teaches_nothing(
    tmp_path: Path,
) -> None:
    path = _sheet(tmp_path)
    untouched = read_examples(path)
    assert untouched.items == [] and untouched.coding
    assert untouched.skipped["rows not coded yet (no theme given)"] > 0
    book = load_workbook(path)
    sheet = book["to code"]
    rows = {sheet.cell(r, 6).value: r for r in range(2, sheet.max_row + 1)}
    for text in LETTERS[:3]:
        sheet.cell(rows[text], 9).value = "Courrier d'un autre client"
        sheet.cell(rows[text], 10).value = "complaint"
    sheet.cell(rows[OTHERS[2]], 9).value = "none"
    sheet.cell(rows[OTHERS[2]], 10).value = "complaint"
    sheet.cell(rows[OTHERS[0]], 9).value = "delivery:complaint"
    sheet.cell(rows[OTHERS[0]], 11).value = "billing"
    sheet.cell(rows[OTHERS[0]], 12).value = "négatif"
    book.save(tmp_path / "coded.xlsx")

    examples = read_all_examples([tmp_path / "coded.xlsx"])
    assert examples.coding and len(examples.items) == 5
    by_text = {e.text: e for e in examples.items}
    assert by_text[LETTERS[0]].labels == {"courrier_d_un_autre_client": "complaint"}
    assert examples.names["courrier_d_un_autre_client"] == "Courrier d'un autre client"
    assert by_text[LETTERS[0]].band == LOW and by_text[LETTERS[0]].text_sha1
    assert by_text[OTHERS[2]].labels == {} and by_text[OTHERS[2]].other == "complaint"
    # a polarity written in the theme cell wins; the next pair is read with its own column
    assert by_text[OTHERS[0]].labels == {"delivery": "complaint", "billing": "complaint"}
    sha1 = hashlib.sha1(LETTERS[1].encode()).hexdigest()
    assert sha1 in coded_in([tmp_path])  # the folder's coding sheets
    assert sha1 not in coded_in([path])  # the uncoded sheet codes nothing

    sheet.cell(rows[OTHERS[1]], 10).value = "furious"
    sheet.cell(rows[OTHERS[1]], 9).value = "delivery"
    book.save(tmp_path / "typo.xlsx")
    with pytest.raises(Exception, match=r"typo.xlsx, row \d+, column 'polarity 1': polarity"):
        read_examples(tmp_path / "typo.xlsx")


@pytest.fixture
def small_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The first 150 sentences of each corpus file: the same training, faster."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for path in training_files(PROJECT / "corpus" / "themes"):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / path.name).write_text("".join(lines[:151]), encoding="utf-8")
    monkeypatch.setattr(coding, "corpus_folder", lambda: folder)
    return folder


def test_codes_are_learned_on_top_of_the_corpus_new_themes_included(
    tmp_path: Path, small_corpus: Path
) -> None:
    examples = read_all_examples([_coded_letters(tmp_path, LETTERS)])
    learned = learn_codes(examples, "default", folds=0)
    model = learned.model
    assert "courrier_d_un_autre_client" in model.themes
    assert set(load_model(DEFAULT_MODEL).themes) < set(model.themes)
    assert model.header["base"] == "default"
    assert set(model.header["coded"]) == set(examples.coded) and len(examples.coded) == 4
    read = model.predict(["Le courrier contenait les relevés d'un autre client."], [LOW])[0]
    assert read.get("courrier_d_un_autre_client") == "complaint"

    with pytest.raises(ModelError, match=r"new theme\(s\) coded in fewer than 2 comments"):
        learn_codes(read_all_examples([_coded_letters(tmp_path, LETTERS[:1])]), "default", 0)


def _coded_letters(tmp_path: Path, texts: list[str]) -> Path:
    path = _sheet(tmp_path)
    book = load_workbook(path)
    sheet = book["to code"]
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, 6).value in texts:
            sheet.cell(r, 9).value = "Courrier d'un autre client"
            sheet.cell(r, 10).value = "complaint"
    out = tmp_path / f"coded_{len(texts)}.xlsx"
    book.save(out)
    return out


def _warehouse(tmp_path: Path) -> Path:
    """A warehouse whose week was built: the comments of _comments, their theme rows."""
    import duckdb

    from satisfaction_pipeline import warehouse

    path = tmp_path / "warehouse.duckdb"
    if path.exists():
        return path
    comments = _comments()
    csat = {LOW: 2, MIDDLE: 4, HIGH: 5}
    responses = comments.select(
        "response_key",
        source=pl.lit("survey"),
        response_id="response_key",
        submitted_at=pl.lit(dt.datetime(2026, 11, 17, 10)),
        week=pl.lit(WEEK),
        customer_ref=pl.lit(None, pl.String),
        csat=pl.col("band").replace_strict(csat, return_dtype=pl.Int8),
        csat_scale=pl.lit("1-5"),
        comment="text",
        file_name=pl.lit("survey.csv"),
        file_row=pl.int_range(pl.len(), dtype=pl.Int32),
        csat_satisfied=pl.col("band") != LOW,
        has_comment=pl.lit(True),
        counted=pl.lit(True),
    )
    themes = _rows().with_columns(
        week=pl.lit(WEEK), evidence=pl.lit("x"), span_start=0, span_end=1, mentions=1,
        language=pl.lit("fr"),
    )  # fmt: skip
    with duckdb.connect(str(path)) as conn:
        warehouse.create_schema(conn)
        conn.register("r", responses.to_arrow())
        conn.execute("INSERT INTO marts.responses BY NAME SELECT * FROM r")
        conn.register("t", themes.to_arrow())
        conn.execute("INSERT INTO marts.comment_themes BY NAME SELECT * FROM t")
    return path


def test_suggest_writes_the_weeks_unexplained_comments_once_and_not_again_once_coded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _warehouse(tmp_path)
    out = tmp_path / "coding" / "to_code.xlsx"
    args = ["themes", "suggest", "--weeks", f"{WEEK}..{WEEK}", "--out", str(out),
            "--warehouse", str(path), "--config", str(PROJECT / "satisfaction.yaml")]  # fmt: skip
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "7 comments of 1 built week(s) no theme explains" in printed
    sheet = load_workbook(out)["to code"]
    texts = [sheet.cell(r, 6).value for r in range(2, sheet.max_row + 1)]
    assert sorted(texts) == sorted(LETTERS + OTHERS)
    coded = tmp_path / "coding" / "coded.xlsx"
    book = load_workbook(out)
    for r in range(2, 4):
        book["to code"].cell(r, 9).value = "none"
    book.save(coded)
    out.unlink()
    assert main(args) == 0
    assert "5 comments of 1 built week(s) no theme explains" in capsys.readouterr().out

    with pytest.raises(SystemExit):
        main([*args[:3], "2026-11-18..2026-11-23", *args[4:]])
    assert "2026-11-18 is a Wednesday" in capsys.readouterr().err
    assert main([*args[:3], "2026-10-05..2026-10-12", *args[4:]]) == 1
    assert "no week from 2026-10-05 to 2026-10-12 has its themes built" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("language", "trend", "command"),
    [
        ("en", "The weeks before, oldest first: 60%, 70%.", "--out to_code.xlsx"),
        ("fr", "la plus récente\u202f: 60\u202f%, 70\u202f%.", "--out a_coder.xlsx"),
    ],
)
def test_the_report_gives_the_coverage_trend_and_what_is_left_to_code(
    language: str, trend: str, command: str
) -> None:
    from satisfaction_pipeline.report.quality import Coding, week_quality

    counts = {"low_comments": 40, "low_explained": 30, "low_emerging": 0}
    coding = Coding([(50, 30), (40, 28)], 17, dt.date(2026, 9, 28), WEEK)
    text = " ".join(week_quality(counts, None, {}, "all", language, coding))
    assert trend in text
    assert "17 " in text and "themes suggest --weeks 2026-09-28..2026-11-16" in text
    assert command in text
    assert "themes suggest" not in " ".join(
        week_quality(counts, None, {}, "all", language, Coding([], 0, None, None))
    )


def test_a_rebuild_after_a_retrain_says_which_weeks_changed_and_by_how_much() -> None:
    from satisfaction_pipeline.themes.detect import changes, describe_changes

    old, new = "default model aaaaaaaaaaaa", "coded model bbbbbbbbbbbb"
    later = WEEK + dt.timedelta(weeks=1)
    before = pl.DataFrame(
        [
            (WEEK, "r1", "delivery", "complaint", old),
            (WEEK, "r2", "billing", "complaint", old),
            (WEEK, "r3", "staff_attitude", "praise", old),
            (later, "r4", "delivery", "complaint", old),
        ],
        schema=["week", "response_key", "theme", "polarity", "engine"],
        orient="row",
    )
    after = pl.DataFrame(
        [
            (WEEK, "r1", "delivery", "complaint", new, "model"),
            (WEEK, "r2", "courrier", "complaint", new, "model"),  # another theme
            (WEEK, "r5", "billing", "neutral", new, "model"),  # a comment newly themed
            (WEEK, "r3", "emerging_fr_x", "complaint", "emerging", "discovery"),  # not a theme
            (later, "r4", "delivery", "complaint", new, "model"),
        ],
        schema=["week", "response_key", "theme", "polarity", "engine", "method"],
        orient="row",
    )
    changed = changes(before, after)
    assert changed.rows() == [
        (WEEK, old, new, 4, 3, 3, 3),  # r2, r3 (lost its praise), r5 changed; r1 did not
        (later, old, new, 1, 0, 1, 1),
    ]
    assert describe_changes(changed) == [
        "2026-11-16: 3 of 4 comments (75.0 %) tagged otherwise, 3 → 3 theme mentions — "
        f"{old} → {new}"
    ]
    assert changes(before.clear(), after).is_empty()  # a first build changes nothing


def test_the_lines_to_add_to_the_config_are_valid_yaml_whatever_the_theme_is_called() -> None:
    import yaml

    from satisfaction_pipeline.config.taxonomy import Theme
    from satisfaction_pipeline.themes.coding import taxonomy_lines

    name = 'Courrier "d\'un autre" client \\ relevés'
    added = yaml.safe_load(taxonomy_lines(["courrier"], {"courrier": name}, "models/m.npz"))
    assert added["theme_model"] == {"file": "models/m.npz"}
    assert Theme(**added["themes"][0]).label.fr == name
    assert "themes" not in yaml.safe_load(taxonomy_lines([], {}, "m.npz"))  # nothing new
