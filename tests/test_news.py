"""The news first: every significant change of a headline score is said — in "In short", in the
e-mail's body and in its subject — the most important first, and a week where nothing moved
says so once. Weeks generated here where 0, 1 and 3 scores move."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import polars as pl
import pytest

from satisfaction_pipeline.config.taxonomy import default_taxonomy
from satisfaction_pipeline.report.email import email_parts
from satisfaction_pipeline.report.render import render_html

from .test_report import WEEK, _action_rows, _context

BEFORE = WEEK - dt.timedelta(weeks=1)

# metric, scale, n, score, last week's score, p vs last week, change vs the 4 weeks before, p
STEADY = [
    ("csat", "1-5", 350, 77.3, 78.0, 0.70, -0.5, 0.80),
    ("nps", "0-10", 345, 39.0, 40.0, 0.80, 1.0, 0.70),
    ("ces", "1-5", 254, 3.95, 3.96, 0.90, 0.01, 0.85),
    ("ces", "1-7", 97, 5.94, 5.71, 0.20, 0.19, 0.15),
]


def _week(moves: dict[str, tuple]) -> pl.DataFrame:
    """The overall scores of WEEK and the week before, `moves` replacing STEADY's rows (by
    metric and scale): significant where p < 0.05."""
    rows = []
    for metric, scale, n, score, before, p_prev, trail, p_trail in STEADY:
        metric, scale, n, score, before, p_prev, trail, p_trail = moves.get(
            f"{metric} {scale}", (metric, scale, n, score, before, p_prev, trail, p_trail)
        )
        common = {"dimension": "overall", "segment": "all", "metric": metric, "scale": scale,
                  "small_sample": False}  # fmt: skip
        rows.append({**common, "week": BEFORE, "n": n, "score": before})
        rows.append(
            {**common, "week": WEEK, "n": n, "score": score, "ci_low": score - 4,
             "ci_high": score + 4, "p_prev": p_prev, "significant_prev": p_prev < 0.05,
             "change_trail": trail, "p_trail": p_trail, "significant_trail": p_trail < 0.05}
        )  # fmt: skip
    return pl.DataFrame(rows)


THREE_MOVE = {  # the demo's week of 23 Nov: CSAT and NPS fell vs last week, CES 1-5 vs both
    "csat 1-5": ("csat", "1-5", 350, 68.9, 77.3, 0.017, -8.8, 0.0007),
    "nps 0-10": ("nps", "0-10", 345, 26.0, 39.5, 0.030, -11.2, 0.20),
    "ces 1-5": ("ces", "1-5", 254, 3.62, 3.96, 0.0001, -0.31, 0.00005),
}


def _read(language: str, moves: dict[str, tuple]) -> tuple[list[str], object]:
    context = _context(
        language, scores=_week(moves), taxonomy=default_taxonomy(), actions=_action_rows()
    )
    return context["summary"], email_parts(context, ["report.pdf", "action_list.csv"])


def _visible(html: str) -> str:
    """What the reader of an HTML part sees: the hidden inbox preview and tags out."""
    hidden = r'<head>.*?</head>|<div style="display:none[^"]*">.*?</div>'
    html = re.sub(hidden, " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_three_significant_changes_are_all_said_most_certain_first() -> None:
    summary, mail = _read("en", THREE_MOVE)
    said = [
        "CES 1-5 fell by 0.34 vs last week (−0.31 vs the 4 weeks before): both significant.",
        "CSAT fell by 8.4 points vs last week (−8.8 pts vs the 4 weeks before): both significant.",
        "NPS fell by 14 points vs last week: a significant change.",
    ]
    assert summary[:3] == said  # by p-value: CES 1-5 (0.00005), CSAT (0.0007), NPS (0.03)
    assert not any("changed significantly" in s for s in summary)
    assert mail.subject == (
        "Customer satisfaction — week of 16 Nov 2026: CES 1-5 3.62 (▼ −0.34), CSAT 68.9% "
        "(▼ −8.4 pts), NPS +26 (▼ −14 pts) vs last week; CES 1-7 5.94"
    )
    for part in (mail.text, _visible(mail.html)):
        positions = [part.index(sentence) for sentence in said]
        assert positions == sorted(positions), part
    # the cards: each change with its arrow when significant, none on CES 1-7's +0.23
    assert "−8.4 pts ▼ vs last week" in mail.text
    assert "−8.8 pts ▼ vs the 4 weeks before" in mail.text
    assert "+0.23 vs last week" in mail.text
    assert _visible(mail.html).count("▼") == 5 + 1  # the cards' 5 changes, and the legend


def test_one_change_is_said_first_and_the_others_plainly() -> None:
    moves = {"nps 0-10": ("nps", "0-10", 345, 52.0, 40.0, 0.004, 9.0, 0.30)}
    summary, mail = _read("en", moves)
    assert summary[0] == "NPS rose by 12 points vs last week: a significant change."
    assert "changed significantly" not in " ".join(summary)
    assert mail.subject.endswith(": NPS +52 (▲ +12 pts) vs last week; CSAT 77.3%, CES 1-5 3.95, "
                                 "CES 1-7 5.94")  # fmt: skip
    assert "+12 ▲ vs last week" in mail.text


def test_a_week_where_nothing_moved_says_so_once() -> None:
    summary, mail = _read("en", {})
    nothing = "No headline score changed significantly, against last week or the 4 weeks before."
    assert summary[0] == nothing and summary.count(nothing) == 1
    assert mail.subject == (
        "Customer satisfaction — week of 16 Nov 2026: CSAT 77.3%, NPS +39, CES 1-5 3.95, "
        "CES 1-7 5.94 (no significant change)"
    )
    assert nothing in mail.text and "▲" not in mail.text.replace("▲ ▼:", "")


@pytest.mark.parametrize("language", ["fr", "de"])
def test_the_news_is_said_in_the_report_language(language: str) -> None:
    summary, mail = _read(language, THREE_MOVE)
    first = {
        "fr": "Le CES 1-5 a reculé de 0,34 vs semaine précédente (−0,31 vs les 4 semaines "
        "précédentes)\u202f: deux changements significatifs.",
        "de": "CES 1-5 ist gegenüber der Vorwoche um 0,34 gesunken (−0,31 gegenüber den 4 "
        "Wochen davor): beide signifikant.",
    }[language]
    assert summary[0] == first
    assert first in mail.text and first in unescape(mail.html)
    assert "vs last week" not in mail.text + mail.subject and "Attached" not in mail.text


def test_the_digest_carries_the_actions_points_coverage_and_files() -> None:
    context = _context(
        "en",
        scores=_week(THREE_MOVE),
        taxonomy=default_taxonomy(),
        actions=_action_rows(),
        week_counts={"responses": 120, "comments": 3, "low_comments": 40, "low_explained": 30,
                     "low_emerging": 4},
    )  # fmt: skip
    mail = email_parts(context, ["report.pdf", "action_list.csv"])
    assert "1. Wait time (Customer service) — 4.2 CSAT points (2.2 to 6.2)" in mail.text
    assert "Unhappy customers' comments explained by a theme: 75% of 40; 25% left" in mail.text
    assert "Attached: report.pdf, action_list.csv." in mail.text
    html = _visible(mail.html)
    assert "Wait time · Customer service" in html and "4.2 CSAT points 2.2 to 6.2" in html
    assert "25% left without one" in html and "Attached: report.pdf, action_list.csv." in html
    # what mail clients need: inline styles only, nothing fetched, no script
    assert "<style" not in mail.html and "<script" not in mail.html
    assert not re.search(r"""\s(src|href)=""", mail.html)
    # the report's "In short" is the e-mail's: the same sentences
    report = unescape(render_html(context))
    assert all(sentence in report for sentence in context["summary"])


def test_a_spike_quotes_complaints_as_problems_and_praise_only_as_praise() -> None:
    """The demo's "Unresolved problem ▲ CSAT among them" quoted «… was friendly and solved
    everything quickly.» as if it were a problem: now the quotes say which they are."""
    spike = {"week": WEEK, "scale": "1-5", "mean": 80.0, "sd": 4.0, "weeks": 8, "mentions": 9}
    spikes = pl.DataFrame(
        [
            {**spike, "theme": "resolution", "measure": "csat", "value": 96.6, "z": 4.1,
             "direction": "up", "examples": ["Solved everything quickly."],
             "examples_polarity": "praise"},
            {**spike, "theme": "wait_time", "measure": "csat", "value": 53.3, "z": -6.5,
             "direction": "down", "examples": ["45 minutes on hold."],
             "examples_polarity": "complaint"},
        ]
    )  # fmt: skip
    movement = pl.DataFrame(  # the section's "why the scores moved" table, that spikes follow
        [{"metric": "csat", "scale": "1-5", "theme": "wait_time", "contribution": -1.0,
          "volume_effect": -0.5, "score_effect": -0.5, "total_change": -1.0, "share": 0.2,
          "share_before": 0.1, "responses": 20, "responses_before": 10}]
    )  # fmt: skip
    html = render_html(
        _context("en", taxonomy=default_taxonomy(), spikes=spikes, movement=movement)
    )
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    assert "Praised: Solved everything quickly." in text
    assert "Complaints: 45 minutes on hold." in text


def test_praise_is_never_quoted_from_a_customer_who_scored_low() -> None:
    """The default model read « The agent did not know the product and gave me wrong
    information. » as praise; its author had scored low: praise quotes come from the others."""
    from satisfaction_pipeline.actions.praise import praise

    misread = "The agent did not know the product and gave me wrong information."
    scored = pl.DataFrame(
        {
            "response_key": ["a", "b"],
            "team": ["Lyon", "Lyon"],
            "agent": [None, None],
            "comment": [misread, "Knew the product inside out."],
            "customer_ref": [None, None],
            "low_score": [True, False],
        }
    )
    praised = pl.DataFrame({"response_key": ["a", "b"], "theme": ["agent_knowledge"] * 2})
    [row] = praise(WEEK, scored, praised).to_dicts()
    assert row["mentions"] == 2 and row["examples"] == ["Knew the product inside out."]
