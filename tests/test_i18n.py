"""Our words in every report language: each catalog translates every message the code and the
templates use (so that a language is a translation file, not code), plurals agree with their
number, and a German report — the third language — renders and reads as German."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from satisfaction_pipeline.config.settings import Report
from satisfaction_pipeline.config.taxonomy import Theme, default_taxonomy
from satisfaction_pipeline.i18n import LOCALES_DIR, languages, translations
from satisfaction_pipeline.report.pdf import render_pdf
from satisfaction_pipeline.report.render import render_html
from tests.test_report import _context, _text

PROJECT = Path(__file__).resolve().parents[1]
FIELDS = re.compile(r"\{\w+\}|%\(\w+\)s|%%")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict:
    """The messages in the code and templates now, extracted as `make messages` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "N_", "-o", str(pot), "."],
        cwd=PROJECT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as f:
        return {m.id: m for m in read_po(f) if m.id}


def test_the_languages_are_english_and_each_catalog() -> None:
    assert languages() == ("en", "de", "fr")
    with pytest.raises(ValueError, match="no catalog for language 'xx'"):
        translations("xx")


@pytest.mark.parametrize("language", ["fr", "de"])
def test_every_message_is_translated_with_its_fields(extracted: dict, language: str) -> None:
    """A message added to the code without its translation fails here: run `make messages`,
    then translate what it added to each catalog."""
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=language)
    untranslated, broken = [], []
    for msgid in extracted:
        found = catalog.get(msgid)
        strings = () if found is None else found.string
        strings = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(strings):
            untranslated.append(msgid)
            continue
        wanted = sorted(FIELDS.findall(msgid[-1] if isinstance(msgid, tuple) else msgid))
        broken += [(msgid, s) for s in strings if sorted(FIELDS.findall(s)) != wanted]
    assert untranslated == [] and broken == []


@pytest.mark.parametrize(
    ("language", "one", "three"),
    [
        ("en", "1 file read · 1 response loaded", "3 files read · 3 responses loaded"),
        ("fr", "1 fichier lu · 1 réponse chargée", "3 fichiers lus · 3 réponses chargées"),
    ],
)
def test_plurals_agree_with_their_number(language: str, one: str, three: str) -> None:
    """ "1 files read" was printed; each language's plural rule now picks the form."""
    for n, expected in ((1, one), (3, three)):
        context = _context(language)
        # as DuckDB's sums come: Decimal, which a plural rule refuses
        context["files"] |= {"files": Decimal(n), "rows_loaded": Decimal(n)}
        assert expected in _text(render_html(context))
    german = translations("de")
    assert german.ngettext("%(num)s file read", "%(num)s files read", 1) != german.ngettext(
        "%(num)s file read", "%(num)s files read", 3
    )


def test_a_german_report_reads_as_german_in_html_and_pdf() -> None:
    """The third language is only a catalog and the taxonomy's `de:` words: the same report,
    every heading, sentence, label, number and date in German."""
    german = translations("de").gettext
    context = _context("de", taxonomy=default_taxonomy())
    html = render_html(context)
    text = _text(html)
    assert '<html lang="de">' in html
    for heading in ("What to fix first", "Data quality", "Methodology", "In short", "To watch"):
        assert german(heading) != heading and german(heading) in text
    assert not re.search(r"\b(What to fix|Data quality|Methodology|In short|files read)\b", text)
    assert "Woche vom 16. Nov. 2026 bis 22. Nov. 2026" in text  # CLDR's German dates
    team_note = german("{who}: {q} above the overall ({s} vs {o}) but {q2} below ({s2} vs {o2})")
    assert team_note.split("{who}")[1].split("{q}")[0].strip() in text  # explained in German
    pages = PdfReader(io.BytesIO(render_pdf(html))).pages
    assert german("Methodology") in " ".join(p.extract_text() for p in pages)


def test_the_taxonomy_speaks_the_report_language_or_english() -> None:
    wait = next(t for t in default_taxonomy().themes if t.id == "wait_time")
    assert wait.label.in_language("de") not in ("", wait.label.en)
    assert wait.label.in_language("es") == wait.label.en  # no Spanish words: English
    theme = {"id": "x", "owner": "product", "label": {"fr": "a", "en": "b", "DE!": "c"},
             "description": {"fr": "a", "en": "b"}, "action": {"fr": "a", "en": "b"}}  # fmt: skip
    with pytest.raises(ValueError, match="expected a language code"):
        Theme.model_validate(theme)


def test_the_report_language_is_any_language_with_a_catalog() -> None:
    assert Report(language="de").language == "de"
    with pytest.raises(ValueError, match=r"one of de, en, fr \(got 'xx'\)"):
        Report(language="xx")
