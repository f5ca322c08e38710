"""The report's charts: deterministic SVG, greyscale, nothing fetched, and words for them."""

from __future__ import annotations

import base64
import datetime as dt
import re

import polars as pl

from satisfaction_pipeline.report.charts import nps_mix, trend, week_axis
from satisfaction_pipeline.report.render import render_html

from .test_report import _context

MONDAYS = [dt.date(2026, 9, 28) + dt.timedelta(weeks=k) for k in range(8)]


def _weeks() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "week": MONDAYS,
            "score": [69.2, 71.0, 74.9, 73.6, 79.0, 78.4, 80.2, 68.3],
            "ci_low": [64.0, 66.0, 70.0, 69.0, 74.0, 73.5, 75.5, 63.0],
            "ci_high": [74.0, 76.0, 79.5, 78.0, 83.5, 83.0, 84.5, 73.3],
            "n": [280, 300, 290, 310, 295, 301, 288, 293],
            "promoters": [130, 150, 145, 157, 160, 180, 165, 148],
            "passives": [90, 80, 80, 90, 90, 70, 75, 67],
            "detractors": [60, 70, 65, 63, 45, 51, 48, 78],
        }
    )


def _svg(uri: str) -> str:
    assert uri.startswith("data:image/svg+xml;base64,")
    return base64.b64decode(uri.split(",", 1)[1]).decode("utf-8")


def test_charts_are_the_same_bytes_for_the_same_data() -> None:
    first, again = trend(_weeks(), "csat", "1-5", "fr"), trend(_weeks(), "csat", "1-5", "fr")
    assert first is not None and first.data_uri == again.data_uri
    assert nps_mix(_weeks(), "en").data_uri == nps_mix(_weeks(), "en").data_uri
    changed = _weeks().with_columns(pl.col("score") + 1)
    assert trend(changed, "csat", "1-5", "fr").data_uri != first.data_uri


def test_charts_are_greyscale_and_fetch_nothing() -> None:
    for chart in (trend(_weeks(), "nps", "0-10", "en"), nps_mix(_weeks(), "fr")):
        svg = _svg(chart.data_uri)
        assert "<svg" in svg and "<image" not in svg
        references = re.findall(r'(?:href|src)="([^"]*)"', svg)
        assert all(r.startswith("#") for r in references), references  # only internal ids
        assert "<text" not in svg  # text is drawn as paths: no font to find or fetch
        colours = set(re.findall(r"#([0-9a-fA-F]{6})\b", svg))
        assert colours and all(c[0:2] == c[2:4] == c[4:6] for c in colours), colours


def test_charts_say_in_words_what_they_show() -> None:
    csat = trend(_weeks(), "csat", "1-5", "fr")
    assert csat.alt == (
        "CSAT sur 8 semaines\u202f: 69,2\u202f% la semaine du 28 sept., 68,3\u202f% la semaine "
        "du 16 nov.\u202f; la bande grise est l’intervalle à 95\u202f%."
    )
    mix = nps_mix(_weeks(), "en")
    assert mix.alt.startswith("NPS mix over 8 weeks; in the week of 16 Nov: 50.5% promoters")
    assert trend(_weeks().head(1), "csat", "1-5", "en") is None  # one week is not a trend


def test_weeks_sit_on_a_real_time_axis_with_their_gaps_shown() -> None:
    """14 Jan, 21 Jan and 1 Apr are 11 weeks apart, not two steps: the axis spans 12 weeks,
    its labels are evenly spaced in time, and the 9 weeks without answers are marked."""
    weeks = [dt.date(2026, 1, 12), dt.date(2026, 1, 19), dt.date(2026, 3, 30)]
    ticks, labels, missing = week_axis(weeks, "en")
    assert ticks == [0, 3, 6, 9] and labels == ["12 Jan", "2 Feb", "23 Feb", "16 Mar"]
    assert missing == list(range(2, 11))
    rows = _weeks().head(3).with_columns(week=pl.Series(weeks))
    chart = trend(rows, "csat", "1-5", "en")
    assert chart.alt.startswith("CSAT over 12 weeks; no answers in 9 of them: 69.2% in the week")
    assert nps_mix(rows, "fr").alt.startswith(
        "Répartition NPS sur 12 semaines\u202f; aucune réponse pendant 9 d’entre elles\u202f;"
    )
    assert week_axis(MONDAYS, "en")[2] == []  # eight weeks in a row: no gap


def test_the_report_embeds_the_charts_with_their_words() -> None:
    trends = pl.concat(
        [
            _weeks().with_columns(metric=pl.lit("csat"), scale=pl.lit("1-5")),
            _weeks().with_columns(metric=pl.lit("nps"), scale=pl.lit("0-10")),
        ]
    )
    html = render_html(_context(trends=trends))
    images = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)" alt="([^"]+)"', html)
    assert len(images) >= 2 and all(alt for _, alt in images)
    assert "The last weeks" in html and "NPS mix over 8 weeks" in html
