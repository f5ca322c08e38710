"""The demo week's report as management reads it: the PDF's text, in French (the pipeline's run)
and in English (the same warehouse rendered again), checked against figures computed here from
the rows the generator wrote, and the ranked action list the warehouse holds."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import duckdb
import pytest
import yaml
from pypdf import PdfReader

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.config.settings import load_settings
from satisfaction_pipeline.demo_data import DemoManifest
from satisfaction_pipeline.report.context import warehouse_context
from satisfaction_pipeline.report.pdf import render_pdf
from satisfaction_pipeline.report.render import render_html

from .conftest import LAST_WEEK
from .test_report import _page_fills

PAGES = range(4, 13)  # cover, trends and segments, actions, evidence, quality, methodology


def _pages(pdf: bytes) -> list[str]:
    """Each page's text, with the no-break spaces a reader does not see as different."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"[\u00a0\u202f]", " ", page.extract_text() or "") for page in reader.pages]


def _headline(demo: DemoManifest) -> dict[str, float | int]:
    """CSAT (4-5 of 5) and NPS of the last week, from the generator's truth: plain Python."""
    rows = [r for r in demo.responses if r.week == LAST_WEEK and r.loaded]
    csat = [r.csat for r in rows if r.csat is not None]
    nps = [r.nps for r in rows if r.nps is not None]
    return {
        "csat": 100 * sum(a >= 4 for a in csat) / len(csat),
        "csat_n": len(csat),
        "nps": round(100 * (sum(a >= 9 for a in nps) - sum(a <= 6 for a in nps)) / len(nps)),
        "nps_n": len(nps),
    }


def _signed(value: int) -> str:
    return f"+{value}" if value >= 0 else f"−{-value}"


@pytest.fixture
def demo_week(pipeline_env: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Paths:
    """The last two demo weeks built by the pipeline's runs (French, as the example config says),
    with the action list's threshold scaled to the test weeks, a third of the demo's size."""
    data = yaml.safe_load(pipeline_env.config.read_text(encoding="utf-8"))
    data["actions"] = {"min_mentions": 10}
    config = tmp_path / "smaller_weeks.yaml"
    config.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SATISFACTION_CONFIG", str(config))
    for week in (LAST_WEEK - dt.timedelta(weeks=1), LAST_WEEK):  # two weeks: a trend to draw
        assert main(["run", "--week", week.isoformat()]) == 0
    return Paths(config, pipeline_env.inbox, pipeline_env.warehouse, pipeline_env.reports)


def _first_action(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        ranked = conn.execute(
            "SELECT DISTINCT theme, rank FROM marts.action_list"
            " WHERE week = ? AND status = 'ranked' ORDER BY rank",
            [LAST_WEEK],
        ).fetchall()
    assert ranked, "the demo week has a theme that costs points clearly"
    return ranked[0][0]


def test_the_demo_week_reads_right_in_french(demo_week: Paths, demo_inbox: DemoManifest) -> None:
    pdf = (demo_week.reports / LAST_WEEK.isoformat() / "report.pdf").read_bytes()
    pages = _pages(pdf)
    assert len(pages) in PAGES, len(pages)
    assert min(_page_fills(pdf)[:-1]) >= 0.2, _page_fills(pdf)  # no orphan page
    cover, text = pages[0], "\n".join(pages)
    truth = _headline(demo_inbox)
    csat = f"{truth['csat']:.1f}".replace(".", ",")
    assert re.search(rf"CSAT\s*{csat} %", cover), cover[:400]
    assert re.search(rf"NPS\s*{re.escape(_signed(truth['nps']))}(?!\d)", cover)
    assert f"n = {truth['csat_n']} réponses" in cover and f"n = {truth['nps_n']} réponses" in cover
    assert "Semaine du 9 nov. 2026 au 15 nov. 2026" in cover

    taxonomy = load_settings(demo_week.config).theme_taxonomy(demo_week.config.parent)
    first = next(t for t in taxonomy.themes if t.id == _first_action(demo_week.warehouse))
    label = first.label.fr.replace("'", "’")  # French typography: the curly apostrophe
    assert f"À traiter d’abord : {label}" in cover  # the "in short" sentence
    assert re.search(rf"À traiter en priorité.*?\n1\s*{re.escape(label)}", text, re.S)
    for heading in ("Les dernières semaines", "Pourquoi les scores ont bougé", "Scores par segment",
                    "Qui est en cause",
                    "Clients à rappeler", "Qualité des données", "Méthodologie"):  # fmt: skip
        assert heading in text, heading
    assert "page 1 / " in cover
    assert "Les dernières semaines" in cover  # the trends fill the first page: never half empty
    # data quality: the share of unhappy customers' comments a theme explains, this week's
    with duckdb.connect(str(demo_week.warehouse), read_only=True) as conn:
        low, explained = conn.execute(
            "SELECT low_comments, explained FROM marts.theme_coverage WHERE week = ?", [LAST_WEEK]
        ).fetchone()
    assert 0 < explained <= low
    assert f"sur {low} ;" in " ".join(text.split()), text[-3000:]
    # the generator's planted problem no theme names (statements sent to the wrong customer) is
    # an emerging group, named by one of its sentences
    assert re.search(r"relevés d.un (autre client|inconnu)", text), text[-3000:]


def test_the_demo_week_reads_right_in_english(demo_week: Paths, demo_inbox: DemoManifest) -> None:
    settings = load_settings(demo_week.config)
    english = settings.model_copy(
        update={"report": settings.report.model_copy(update={"language": "en"})}
    )
    taxonomy = settings.theme_taxonomy(demo_week.config.parent)
    with duckdb.connect(str(demo_week.warehouse), read_only=True) as conn:
        html = render_html(warehouse_context(conn, LAST_WEEK, english, taxonomy))
    pdf = render_pdf(html)
    pages = _pages(pdf)
    assert len(pages) in PAGES, len(pages)
    assert min(_page_fills(pdf)[:-1]) >= 0.2, _page_fills(pdf)  # no orphan page
    cover, text = pages[0], "\n".join(pages)
    truth = _headline(demo_inbox)
    assert re.search(rf"CSAT\s*{truth['csat']:.1f}%", cover), cover[:400]
    assert re.search(rf"NPS\s*{re.escape(_signed(truth['nps']))}(?!\d)", cover)
    assert f"n = {truth['nps_n']} answers" in cover
    assert "Week of 9 Nov 2026 to 15 Nov 2026" in cover

    first = next(t for t in taxonomy.themes if t.id == _first_action(demo_week.warehouse))
    assert f"First to fix: {first.label.en}" in cover
    assert "The last weeks" in cover  # the trends fill the first page: never half empty
    assert re.search(rf"What to fix first.*?\n1\s*{re.escape(first.label.en)}", text, re.S)
    for heading in ("The last weeks", "Why the scores moved", "Scores by segment",
                    "Who is responsible", "Customers to call back", "Data quality",
                    "Methodology"):  # fmt: skip
        assert heading in text, heading
    # "What moved X (…): A (…) and B (…)." names the biggest part of the change in the warehouse
    moved = re.search(r"What moved (CSAT|NPS|CES 1-5|CES 1-7) \(", " ".join(cover.split()))
    assert moved, cover
    metric, _, scale = moved.group(1).lower().partition(" ")
    with duckdb.connect(str(demo_week.warehouse), read_only=True) as conn:
        parts = conn.execute(
            "SELECT theme, contribution, total_change FROM marts.score_movement"
            " WHERE week = ? AND metric = ? AND (scale = ? OR ? = '')",
            [LAST_WEEK, metric, scale, scale],
        ).fetchall()
    direction = 1 if parts[0][2] > 0 else -1
    biggest = max(parts, key=lambda p: p[1] * direction)[0]
    labels = {t.id: t.label.en for t in taxonomy.themes}
    labels |= {"no_theme": "no theme", "no_comment": "responses without a comment"}
    sentence = " ".join(cover.split()).split("What moved")[1].split(").")[0]
    assert labels[biggest] in sentence, (biggest, sentence)
    assert "Qualité des données" not in text and "Semaine du" not in text  # no French label


def test_the_demo_week_has_no_orphan_page_in_german(demo_week: Paths) -> None:
    """The third language, whose longer words move every page break."""
    settings = load_settings(demo_week.config)
    german = settings.model_copy(
        update={"report": settings.report.model_copy(update={"language": "de"})}
    )
    taxonomy = settings.theme_taxonomy(demo_week.config.parent)
    with duckdb.connect(str(demo_week.warehouse), read_only=True) as conn:
        pdf = render_pdf(render_html(warehouse_context(conn, LAST_WEEK, german, taxonomy)))
    fills = _page_fills(pdf)
    assert len(fills) in PAGES and min(fills[:-1]) >= 0.2, fills
    assert "Was zuerst zu beheben ist" in "\n".join(_pages(pdf))
