"""Report rendering: untrusted comments stay text, PII is redacted, the PDF renderer fetches
nothing from the network, and French formatting."""

from __future__ import annotations

import datetime as dt
import http.server
import io
import re
import threading
from decimal import Decimal
from html import unescape
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.config.taxonomy import default_taxonomy
from satisfaction_pipeline.formats import (
    format_date,
    format_number,
    format_percent,
    french_typography,
)
from satisfaction_pipeline.redact import redact
from satisfaction_pipeline.report.context import build_context
from satisfaction_pipeline.report.pdf import (
    PARALLEL_FROM,
    LocalOnlyFetcher,
    render_pdf,
    render_pdfs,
)
from satisfaction_pipeline.report.render import TEMPLATES_DIR, render_html

WEEK = dt.date(2026, 11, 16)


def _scores() -> pl.DataFrame:
    rows = [
        (WEEK, "overall", "all", "csat", "1-5", 120, 72.5, 87, None, None, None, False),
        (WEEK, "overall", "all", "nps", "0-10", 118, -12.0, None, 30, 44, 44, False),
        (WEEK, "overall", "all", "ces", "1-7", 100, 5.25, None, None, None, None, False),
        (WEEK, "channel", "phone", "csat", "1-5", 12, 50.0, 6, None, None, None, True),
        (WEEK, "team", "Nantes<b>", "csat", "1-5", 40, 92.9, 37, None, None, None, False),
        (WEEK, "team", "Nantes<b>", "ces", "1-7", 40, 4.1, None, None, None, None, False),
        (
            WEEK - dt.timedelta(days=7),
            "overall",
            "all",
            "nps",
            "0-10",
            90,
            -2.0,
            None,
            30,
            30,
            30,
            False,
        ),
    ]
    columns = [
        "week",
        "dimension",
        "segment",
        "metric",
        "scale",
        "n",
        "score",
        "satisfied",
        "promoters",
        "passives",
        "detractors",
        "small_sample",
    ]
    return pl.DataFrame(rows, schema=columns, orient="row")


HOSTILE = [
    '<script>alert("x")</script> service nul',
    '<img src="http://127.0.0.1:9/pixel.png"> waited',
    "Call me on +33 6 12 34 56 78 or jean.dupont@example.com, card 4111 1111 1111 1111",
]


def _context(language: str = "en", scores: pl.DataFrame | None = None, **extra) -> dict:
    comments = pl.DataFrame(
        {
            "response_key": ["a", "b", "c"],
            "source": ["s"] * 3,
            "channel": ["phone"] * 3,
            "team": [None] * 3,
            "touchpoint": [None] * 3,
            "csat": [1, 2, 1],
            "csat_scale": ["1-5", "1-5", "1-7"],
            "nps": [0, 3, 2],
            "ces": [None, None, None],
            "ces_scale": [None, None, None],
            "comment": HOSTILE,
        }
    )
    return build_context(
        WEEK,
        _scores() if scores is None else scores,
        comments,
        {
            "files": 3,
            "rows_read": 130,
            "rows_loaded": 120,
            "rows_rejected": 8,
            "rows_duplicate": 2,
            "unreadable": ["broken<b>.csv"],
        },
        extra.pop("week_counts", {"responses": 120, "comments": 3}),
        language=language,
        title=None,
        verbatims=10,
        min_sample_size=30,
        standouts=pl.DataFrame(
            {
                "kind": ["diverging_levels", "below"],
                "dimension": ["team", "team"],
                "segment": ["Nantes<b>", "Lille"],  # Lille is not in the table: listed below it
                "metric": ["csat", "csat"],
                "scale": ["1-5", "1-5"],
                "other_metric": ["ces", None],
                "other_scale": ["1-7", None],
                # what a language the warehouse stores no explanation in is explained from
                "score": [92.9, 60.0],
                "overall": [79.2, 79.2],
                "change": [None, None],
                "other_score": [3.23, None],
                "other_overall": [3.83, None],
                "other_change": [None, None],
                "weeks_out": [None, 4],
                "window_weeks": [None, 4],
                "explanation_en": [
                    "Team <b>Nantes</b>: CSAT above the overall (92.9% vs 79.2%) but CES 1-5 "
                    "below (3.23 vs 3.83)",
                    "Team Lille: CSAT below the overall in 4 of the last 4 weeks",
                ],
                "explanation_fr": ["Équipe <b>Nantes</b>\u202f: …", "Équipe Lille\u202f: …"],
            }
        ),
        **extra,
    )


def _text(html: str) -> str:
    """What a reader sees of an HTML report: tags out, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_comments_are_escaped_and_redacted_in_html() -> None:
    html = render_html(_context())
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert '<img src="http' not in html and "&lt;img src=" in html
    assert "jean.dupont@example.com" not in html and "[e-mail]" in html
    assert "6 12 34 56 78" not in html and "[phone]" in html
    assert "4111 1111 1111 1111" not in html and "[card]" in html
    assert "Could not be read (see ops.files):</strong> broken&lt;b&gt;.csv" in html


def test_standouts_are_marked_in_the_segments_table_in_the_report_language() -> None:
    """A standout's segment is marked, its two questions in bold, its explanation under its
    row; a standout whose segment the table does not show is listed under the table."""
    html = render_html(_context())
    row = html.split("<td>Nantes&lt;b&gt; ●</td>")[1].split("</tr>")[0]
    assert row.count("mark-up") == 1 and row.count("mark-down") == 1  # CSAT above, CES below
    note = html.split('<tr class="standout-note">')[1].split("</tr>")[0]
    assert "Team &lt;b&gt;Nantes&lt;/b&gt;: CSAT above the overall" in note
    assert "<b>Nantes" not in html
    assert "Other segments that stand out:" in html
    assert "<li>Team Lille: CSAT below the overall in 4 of the last 4 weeks</li>" in html
    french = render_html(_context("fr"))
    assert "Autres segments qui ressortent\u202f:" in french and "Équipe Lille\u202f: …" in french


def test_a_segment_under_the_privacy_threshold_shows_no_score_and_no_standout() -> None:
    shown = render_html(_context(min_score_responses=2))
    hidden = render_html(_context(min_score_responses=1000))
    assert "Nantes&lt;b&gt; ●" in shown and "CSAT above the overall" in shown
    assert "Nantes&lt;b&gt; ●" not in hidden and "CSAT above the overall" not in hidden
    assert "fewer than 1,000 answers, not shown" in _text(hidden)
    assert "Team Lille: CSAT below" in hidden  # no score of its own this week: nothing to hide


def test_headline_shows_scores_n_and_change() -> None:
    html = render_html(_context())
    assert "72.5%" in html and "n = 120" in html
    assert "−12" in html and "−10 vs last week" in _text(html)  # NPS -12 after -2
    assert "5.25" in html and "1-7" in html
    assert "% satisfied (4-5 of 5)" in html
    assert "CSAT 1/5" in html and "CSAT 1/7" in html  # verbatims: the answer on its own scale


def test_pdf_renders_and_contains_the_headline(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(render_pdf(render_html(_context("fr"))))
    text = "\n".join(page.extract_text() for page in PdfReader(target).pages)
    assert "72,5" in text and "−12" in text
    assert "Semaine du 16 nov. 2026" in text
    assert "[e-mail]" in text and "jean.dupont" not in text


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []  # noqa: RUF012 - shared on purpose: the server makes new instances

    def do_GET(self) -> None:
        _CountingHandler.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_pdf_rendering_leaves_no_font_folder_behind() -> None:
    """WeasyPrint copies the report's fonts to a temporary folder it removes only when garbage
    collection gets to it, which a CLI run ending in os._exit never lets happen."""
    import gc
    import tempfile

    folders = lambda: set(Path(tempfile.gettempdir()).glob("weasyprint-*"))  # noqa: E731
    html = render_html(_context("en"))
    gc.disable()
    try:
        before = folders()
        render_pdf(html)
        assert folders() == before
    finally:
        gc.enable()


def test_pdf_renderer_never_fetches_remote_urls(tmp_path: Path) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        html = (
            f'<html><head><link rel="stylesheet" href="{url}/style.css"></head><body>'
            f'<img src="{url}/pixel.png"><p style="background: url({url}/bg.png)">x</p>'
            '<img src="file:///etc/hostname"></body></html>'
        )
        pdf = render_pdf(html)
    finally:
        server.shutdown()
    assert _CountingHandler.requests == []
    assert pdf.startswith(b"%PDF")


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/a.css",
        "file:///etc/passwd",
        f"file://{TEMPLATES_DIR}/../pyproject.toml",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_anything_but_data_and_template_files(url: str) -> None:
    with pytest.raises(ValueError, match=r"refused|disallowed"):
        LocalOnlyFetcher().fetch(url)


def test_fetcher_allows_data_urls_and_template_files() -> None:
    fetcher = LocalOnlyFetcher()
    for url in ("data:text/plain,hello", (TEMPLATES_DIR / "report.css").as_uri()):
        response = fetcher.fetch(url)
        assert response is not None
        response.close()


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [(12.5, "fr", "12,5\u202f%"), (12.5, "en", "12.5%"), (None, "fr", "–")],
)
def test_percent_format(value, language, expected) -> None:
    assert format_percent(value, language) == expected


def test_number_and_date_formats() -> None:
    assert format_number(-3.0, "fr", 0, sign=True) == "−3"
    assert format_number(16.04, "en", 0, sign=True) == "+16"
    assert format_date(WEEK, "fr") == "16 nov. 2026"
    assert format_date(WEEK, "en") == "16 Nov 2026"
    assert format_number(2531, "fr", 0) == "2\u202f531" and format_number(2531, "en", 0) == "2,531"
    assert format_number(-12345.67, "fr", 1, sign=True) == "−12\u202f345,7"
    # a value that rounds to zero is zero: no "−0", no "+0"
    assert format_number(-0.3, "en", 0, sign=True) == "0" == format_number(0.2, "fr", 0, sign=True)
    assert format_number(-0.04, "fr", 1) == "0,0"
    assert format_number(Decimal("2531"), "fr", 0) == "2\u202f531"  # DuckDB's SUM of integers


def test_french_typography_leaves_format_fields_entities_and_urls_alone() -> None:
    assert french_typography("{who} : {q} d'abord, 95 %") == "{who}\u202f: {q} d’abord, 95\u202f%"
    assert french_typography("{rate:.0%} des cas").format(rate=0.5) == "50% des cas"
    assert french_typography("« mot » ; fin !") == "«\u202fmot\u202f»\u202f; fin\u202f!"
    assert french_typography("Tom &amp; Jerry, à 12:30") == "Tom &amp; Jerry, à 12:30"
    assert (
        french_typography("voir https://x.fr/faq?a=b ensuite")
        == "voir https://x.fr/faq?a=b ensuite"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rappelez-moi au 06 12 34 56 78", "Rappelez-moi au [phone]"),
        ("mail: a.b+c@exemple.fr merci", "mail: [e-mail] merci"),
        ("carte 4111-1111-1111-1111", "carte [card]"),
        ("commande 1234567890123 livrée", "commande 1234567890123 livrée"),  # not Luhn-valid
        ("appelez le 0612345678", "appelez le [phone]"),
        ("or +442079460958", "or [phone]"),
        ("facture 29,99 € du 16/11/2026", "facture 29,99 € du 16/11/2026"),
        ("le 2026-11-16 10:30", "le 2026-11-16 10:30"),
    ],
)
def test_redaction(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_report_files_replace_the_old_ones_and_leave_no_partial_file(tmp_path: Path) -> None:
    from satisfaction_pipeline.report.render import write_report_files

    folder = tmp_path / "2026-11-16"
    write_report_files(folder, {"report.html": b"old", "report.pdf": b"old"})
    write_report_files(folder, {"report.html": b"<html>new", "report.pdf": b"%PDF new"})
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.pdf"]
    assert (folder / "report.pdf").read_bytes() == b"%PDF new"


def _action_rows() -> pl.DataFrame:
    """Two themes: one ranked (rising, with a hostile example), one on the watch list."""
    themes = [("wait_time", "customer_service", "ranked", 1, 32, 4.2),
              ("billing", "billing", "watch", None, 4, 0.3)]  # fmt: skip
    return pl.DataFrame(
        [
            {
                "theme": theme,
                "owner": owner,
                "metric": metric,
                "status": status,
                "rank": rank,
                "complaints": complaints,
                "points": points,
                "points_low": points - 2,
                "points_high": points + 2,
                "rising": rank is not None,
                "examples": ['<img src="http://127.0.0.1/x">Attente <script>x</script>'],
                "confidence": "clear" if rank else None,
                "priority": points - 2 if rank else 0.0,
                "priority_estimate": points,
                "basis": "points",
                "window_weeks": 1,
                "share_of_low_comments": 0.4 if rank else 0.05,
                "share_of_low_comments_low": 0.3 if rank else 0.01,
                "share_of_low_comments_high": 0.5 if rank else 0.1,
            }
            for theme, owner, status, rank, complaints, points in themes
            for metric in ("csat", "nps", "ces")
        ]
    )


def test_the_action_list_section_ranks_watches_and_escapes() -> None:
    responsibility = pl.DataFrame(
        {
            "kind": ["split"] * 4,
            "category": ["service_only", "service_and_others", "others_only", "no_theme"],
            "low_scorers": [6, 1, 2, 1],
            "share": [0.6, 0.1, 0.2, 0.1],
        }
    )
    praise = pl.DataFrame(
        {
            "dimension": ["team"],
            "segment": ["Lyon<b>"],
            "theme": ["staff_attitude"],
            "mentions": [7],
            "examples": [["Merci !"]],
        }
    )
    context = _context(
        taxonomy=default_taxonomy(),
        actions=_action_rows(),
        responsibility=responsibility,
        praise=praise,
    )
    html = render_html(context)
    assert "What to fix first" in html and "<strong>Wait time</strong>" in html
    text = _text(html)
    assert "Wait time · clearly first Customer service ↗ rising for 2 weeks 32" in text
    assert "40% 30% to 50%" in text  # the share of the unhappy naming it, and its interval
    assert "4.2 2.2 to 6.2" in text  # CSAT points at stake and their interval
    assert "4.2 CSAT points 2.2 to 6.2" in text  # the same on the first page
    assert "To watch" in html and "Billing, price and refunds (4)" in html
    assert "<script>x" not in html and "&lt;script&gt;x" in html and '<img src="http' not in html
    assert "Of the 10 low scorers who commented, 60% point to customer service alone" in html
    assert "Team Lyon&lt;b&gt; — Staff attitude (7)" in html
    without = render_html(_context())
    assert "No complaint theme stands out clearly this week: see the watch list." in without


def test_the_first_page_says_what_happened_and_marks_only_significant_moves() -> None:
    """Three sentences: the biggest significant mover, the first thing to fix, the split."""
    scores = _scores().with_columns(
        ci_low=pl.col("score") - 5,
        ci_high=pl.col("score") + 5,
        significant_prev=pl.col("metric") == "nps",
        p_prev=pl.lit(0.01),
        change_trail=pl.when(pl.col("metric") == "csat").then(pl.lit(-3.0)),
        significant_trail=pl.lit(False),
    )
    split = pl.DataFrame(
        {
            "kind": ["split"] * 4,
            "category": ["service_only", "service_and_others", "others_only", "no_theme"],
            "low_scorers": [6, 1, 2, 1],
            "share": [0.6, 0.1, 0.2, 0.1],
        }
    )
    context = _context(
        scores=scores, taxonomy=default_taxonomy(), actions=_action_rows(), responsibility=split
    )
    html = render_html(context)
    assert "NPS fell by 10 points vs last week: a significant change." in html
    assert "First to fix: Wait time (Customer service), 4.2 CSAT points at stake this week." in html
    assert (
        "60% of the low scorers who commented point to customer service alone, 20% to other "
        "teams only, and 10% name no theme." in html
    )
    assert html.count('class="arrow"') == 1  # NPS moved significantly; CSAT's −3 did not
    assert "95% interval: 67.5–77.5%" in _text(html)
    steady = render_html(_context())
    assert "No headline score changed significantly, against last week or the 4 weeks" in steady


def test_every_configured_segment_is_in_the_table_unless_hidden() -> None:
    """A configuration's own dimension (an insurer per response) shows under its name, after
    the standard ones; agents stay out unless the configuration shows them."""
    extra = pl.DataFrame(
        [(WEEK, "assureur", "Macif", "csat", "1-5", 85, 64.7, 55, None, None, None, False),
         (WEEK, "agent", "Lisa M.", "csat", "1-5", 40, 80.0, 32, None, None, None, False)],
        schema=_scores().columns, orient="row",
    )  # fmt: skip
    scores = pl.concat([_scores(), extra])
    text = _text(render_html(_context(scores=scores)))
    assert "Assureur Macif 64.7%" in text and "Lisa M." not in text
    assert text.index("Team") < text.index("Assureur")
    shown = _text(render_html(_context(scores=scores, hidden_segments=())))
    assert "Agent Lisa M. 80.0%" in shown
    # a dimension configured out is named nowhere: not in the table, nor among the standouts
    # listed under it (the fixture's standouts are teams Nantes and Lille)
    without_teams = _text(render_html(_context(scores=scores, hidden_segments=("team",))))
    assert "Lille" not in without_teams and "Nantes" not in without_teams


def test_a_source_without_scores_reports_its_comments_and_complaints() -> None:
    """Tweets or reviews without stars: the cover shows how many commented and complained (not
    "no answers"), the summary says so, themes rank on their share of the complaints, and no
    empty segment table or points columns are printed."""
    actions = _action_rows().with_columns(
        basis=pl.lit("mentions"), points=None, points_low=None, points_high=None
    )
    counts = {"responses": 114, "comments": 114, "complaining": 62, "comments_prev": 154,
              "complaining_prev": 88}  # fmt: skip
    html = render_html(
        _context(scores=_scores().clear(), taxonomy=default_taxonomy(), actions=actions,
                 week_counts=counts)
    )  # fmt: skip
    text = _text(html)
    assert "Comments 114 last week: 154 Complaining 54% 62 comments last week: 57%" in text
    assert (
        "This source has no score: 114 comments this week, 54% of them complaining of something "
        "(last week: 57%)." in text
    )
    assert "First to fix: Wait time (Customer service), named in 40% of the complaining " in text
    assert "no answers" not in text and "Scores by segment" not in text
    assert "CSAT points" not in text and "of the complaints" in text


def test_quotes_are_representative_complaints_not_the_files_order(conn) -> None:
    """Comments without scores all rank alike: the quotes put complaints first, one theme at a
    time, the most named theme first — not the file's first rows."""
    rows = [("a", "Bonjour, une question."), ("b", "Facture fausse encore"),
            ("c", "Panne depuis vendredi"), ("d", "Facture doublée ce mois"),
            ("e", "Merci !"), ("f", "Facture illisible")]  # fmt: skip
    for k, (key, comment) in enumerate(rows):
        conn.execute(
            "INSERT INTO marts.responses (response_key, source, response_id, submitted_at, week,"
            " file_name, file_row, has_comment, quotable, comment) VALUES"
            " (?, 's', ?, ?, ?, 'f.csv', ?, true, true, ?)",
            [key, key, dt.datetime(2026, 11, 16, 9), WEEK, k, comment],
        )
    for key, theme in [("b", "billing"), ("c", "product_quality"), ("d", "billing"),
                       ("f", "billing")]:  # fmt: skip
        conn.execute(
            "INSERT INTO marts.comment_themes VALUES (?, ?, ?, 'complaint', 'x', 0, 1, 1, 'fr',"
            " 'model', 'test')",
            [key, WEEK, theme],
        )
    quoted = wh.query(conn, "report/comments", week=WEEK).get_column("response_key").to_list()
    assert quoted == ["b", "c", "d", "f", "a", "e"]


def test_quotes_say_when_privacy_kept_the_unhappy_out() -> None:
    """A bad week whose unhappy customers all wrote from small segments: the quotes left are
    kind ones, and the report says why."""
    counts = {"responses": 120, "comments": 30, "low_unquotable": 12}
    for language, said in [
        ("en", "Not quoted, for privacy: 12 comments of unhappy customers, from segments with "
               "fewer than 5 responses this week"),
        ("fr", "Non cités, par confidentialité\u202f: 12 commentaires de clients insatisfaits, "
               "de segments qui ont reçu moins de 5 réponses cette semaine"),
    ]:  # fmt: skip
        html = render_html(_context(language, week_counts=counts, min_comment_responses=5))
        assert said in unescape(html), language
    assert "Not quoted" not in render_html(_context())


def test_a_pooled_list_resting_on_shares_says_so() -> None:
    """A small, all-unhappy stretch: the list pools 4 weeks and ranks on the share of the
    unhappy who name each theme; the report says both, and how sure the first place is."""
    actions = _action_rows().with_columns(
        window_weeks=pl.lit(4),
        basis=pl.lit("share"),
        confidence=pl.when(pl.col("rank") == 1).then(pl.lit("likely")),
        share_of_responses=pl.lit(0.2),
        share_trailing=pl.lit(0.125),  # the 4 weeks before: not beside a share that pools them
    )
    for language, heading, first in [
        ("en", "Too few answers to rank the week alone: the list pools the last 4 weeks.",
         "First to fix: Wait time (Customer service), named by 40% of the unhappy commenters "
         "over the last 4 weeks (likely first, to confirm)."),
        ("fr", "Trop peu de réponses pour classer la semaine seule\u202f: la liste porte sur les "
         "4 dernières semaines.",
         "À traiter d’abord\u202f: Temps d’attente (Service client), cité par 40\u202f% des "
         "insatisfaits qui ont commenté sur les 4 dernières semaines (probablement en tête, à "
         "confirmer)."),
    ]:  # fmt: skip
        html = render_html(_context(language, taxonomy=default_taxonomy(), actions=actions))
        text = unescape(html)
        assert heading in text and first in text, language
        assert ("nearly everyone was unhappy" in text) == (language == "en")
        assert "(12.5%)" not in _text(html) and "(12,5\u202f%)" not in _text(html)
    assert "Share: responses complaining of the theme over the weeks pooled." in _text(
        render_html(_context(taxonomy=default_taxonomy(), actions=actions))
    )


def test_call_backs_data_quality_and_methodology() -> None:
    call_backs = pl.DataFrame({"theme": ["wait_time", "no_theme"], "customers": [22, 7]})
    rejections = pl.DataFrame(
        {
            "column_name": ["note<i>", "date"],
            "reason": ["unknown CSAT answer …; expected 1-5", "not a date: …"],
            "example": ["<b>Bof</b>", "rappelez-moi : jean.dupont@example.com"],
            "rows": [8, 1],
        }
    )
    html = render_html(
        _context(taxonomy=default_taxonomy(), call_backs=call_backs, rejections=rejections)
    )
    assert "29 low scorers left a comment: follow_up.csv" in html
    assert '<td>Wait time</td><td class="num">22</td>' in html and "<td>no theme</td>" in html
    assert "(comment rate 2%)" in html  # 3 comments of 120 responses
    assert (
        "<code>note&lt;i&gt;</code> — unknown CSAT answer …; expected 1-5 "
        "(e.g. <q>&lt;b&gt;Bof&lt;/b&gt;</q>) — 8 rows"
    ) in html
    assert (  # a customer's words typed in the wrong column: redacted like any quote
        "not a date: … (e.g. <q>rappelez-moi : [e-mail]</q>) — 1 row<"
    ) in html
    assert "Methodology" in html and "Wilson" in html and "Poisson" not in html
    french = render_html(_context("fr"))
    assert "Méthodologie" in french and "Wald ajusté" in french


def test_hostile_text_in_every_section_prints_as_text_and_fetches_nothing() -> None:
    """Customer words reach the report in many places: verbatims, the action list's examples,
    praise quotes, segment names (and the standout sentences made from them), emerging theme
    labels, a rejected answer quoted as an example. Markup in any of them must print as the
    characters it is; and rendering must make no request, not even to a local listener."""
    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    hostile = [
        "<script>alert(1)</script>",
        f'<img src="{url}/x">',
        '<link rel="stylesheet" href="file:///etc/passwd">',
        f'<p style="background:url({url}/bg)">styled</p>',
    ]
    _CountingHandler.requests.clear()
    everything = " ".join(hostile)
    scores = _scores().with_columns(
        segment=pl.when(pl.col("segment") == "phone").then(pl.lit(hostile[1]))
        .otherwise(pl.col("segment"))
    )  # fmt: skip
    actions = _action_rows().with_columns(examples=pl.lit([everything]))
    praise = pl.DataFrame(
        {"dimension": ["team"], "segment": [hostile[3]], "theme": ["staff_attitude"],
         "mentions": [7], "examples": [[hostile[0] + " merci"]]}
    )  # fmt: skip
    emerging = pl.DataFrame(
        {"language": ["fr"], "label": [hostile[2]], "comments": [6], "trailing_mean": [0.5]}
    )
    rejections = pl.DataFrame(
        {"column_name": ["note"], "reason": ["unknown CSAT answer …"], "example": [hostile[3]],
         "rows": [3]}
    )  # fmt: skip
    try:
        html = render_html(
            _context(
                scores=scores,
                taxonomy=default_taxonomy(),
                actions=actions,
                praise=praise,
                emerging=emerging,
                rejections=rejections,
            )
        )
        pdf = render_pdf(html)
    finally:
        server.shutdown()
    assert _CountingHandler.requests == []
    for tag in ("<script>", "<img src=", "<link rel=", '<p style="background'):
        assert tag not in html, tag
    shown = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    for text in hostile:
        assert "".join(text.split()) in shown, text


def _french_sentences() -> list[str]:
    """Every sentence of ours the French report prints: the French catalog's (labels, sentences,
    standouts, charts, methodology) and the default taxonomy's labels and actions."""
    from babel.messages.pofile import read_po

    from satisfaction_pipeline.i18n import LOCALES_DIR
    from satisfaction_pipeline.report.texts import theme_labels

    with (LOCALES_DIR / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale="fr")
    sentences = []
    for message in catalog:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else [message.string]
            # without the format fields: `%(num)s` is not a percent sign
            sentences += [
                re.sub(r"%\(\w+\)s|\{\w+\}", "", text).replace("%%", "%") for text in strings
            ]
    for theme in theme_labels(default_taxonomy(), "fr").values():
        sentences += [theme["label"], theme["action"]]
    return sentences


def test_french_typography_of_our_sentences() -> None:
    """A narrow no-break space before : ; ! ? % and inside « », the curly apostrophe; and the
    rule is never applied to what customers wrote."""
    for sentence in _french_sentences():
        assert not re.search(r"[ \u00a0][:;!?»]|«[ \u00a0]|\d[ \u00a0]?%", sentence), sentence
        assert not re.search(r"\w'\w", sentence), sentence
    praise = pl.DataFrame(
        {"dimension": ["team"], "segment": ["Lyon"], "theme": ["staff_attitude"],
         "mentions": [7], "examples": [["C'est top : merci !"]]}
    )  # fmt: skip
    html = render_html(_context("fr", taxonomy=default_taxonomy(), praise=praise))
    assert "Qualité des données" in html and "Depuis le premier export\u202f:" in html
    assert "C&#39;est top : merci !" in html  # as the customer wrote it


def test_an_action_never_splits_across_pages() -> None:
    """Every theme of the taxonomy ranked, each with long examples, so the list runs over
    several pages: each action's heading row and its detail row (recommended action, examples)
    must print on the same page, and the table's header repeats on every page it spans."""
    taxonomy = default_taxonomy()
    long = "Attente interminable au téléphone, personne ne répond jamais. " * 4
    actions = pl.DataFrame(
        [
            {"theme": theme.id, "owner": theme.owner, "metric": metric, "status": "ranked",
             "rank": rank, "complaints": 40, "points": 4.0, "points_low": 2.0,
             "points_high": 6.0, "rising": False, "examples": [long, long + "!"]}
            for rank, theme in enumerate(taxonomy.themes, start=1)
            for metric in ("csat", "nps", "ces")
        ]
    )  # fmt: skip
    pdf = render_pdf(render_html(_context(taxonomy=taxonomy, actions=actions)))
    pages = ["".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]
    spanned = [p for p in pages if "Recommendedaction:" in p]
    assert len(spanned) >= 2, "the list should run over several pages for this test to mean much"
    header = "#ThemecomplaintsshareoftheunhappyCSATpoints"
    assert all(header in p for p in spanned)  # repeated on each page
    for theme in taxonomy.themes:
        label = "".join(theme.label.en.split())
        detail = "Recommendedaction:" + "".join(theme.action.en.split())
        holding = [p for p in spanned if detail in p]
        assert len(holding) == 1, theme.id
        assert label in holding[0], f"{theme.id}: its detail row is on another page than its name"


def test_many_weeks_render_on_every_core_in_their_order() -> None:
    """A backfill's PDFs are rendered by a pool of processes; each still lands on its week."""
    htmls = [f"<html><body><p>Week number {k}</p></body></html>" for k in range(5)]
    pdfs = list(render_pdfs(iter(htmls), len(htmls)))
    texts = [PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip() for pdf in pdfs]
    assert texts == [f"Week number {k}" for k in range(5)]


def test_many_weeks_keep_their_fonts_once_and_leave_no_copy_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reports of a run share a font configuration (WeasyPrint decodes the fonts once per
    configuration), in this process or in each render worker; their copies of the fonts are
    removed when the last report is made, though workers end without garbage collection."""
    import tempfile

    system_temp = Path(tempfile.gettempdir())
    copies = lambda: set(system_temp.glob("weasyprint-*"))  # noqa: E731
    before = copies()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this process's temporary files
    html = render_html(_context("en"))
    for weeks in (2, PARALLEL_FROM):  # one after the other, then on a pool of workers
        pdfs = list(render_pdfs(iter([html] * weeks), weeks))
        assert len(pdfs) == weeks and len(set(pdfs)) == 1  # the same report, each time whole
    assert list(tmp_path.iterdir()) == []
    assert copies() == before


def _page_fills(pdf: bytes) -> list[float]:
    """How full each page of a report PDF is: the share of the content area (A4 less the 20 mm
    and 18 mm margins of report.css) above its lowest line of text."""
    mm = 72 / 25.4
    fills = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        top, bottom, lowest = float(page.mediabox.top) - 20 * mm, 18 * mm, []

        def visit(text, cm, tm, font, size, top=top, bottom=bottom, lowest=lowest) -> None:
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if text.strip() and bottom <= y <= top:  # not the running header or page number
                lowest.append(y)

        page.extract_text(visitor_text=visit)
        fills.append((top - min(lowest)) / (top - bottom) if lowest else 0.0)
    return fills


def test_a_section_that_ran_over_is_not_left_alone_on_a_page() -> None:
    """A page and two lines of a section, then a section that starts a page: the two lines
    would be a page of their own, so the next section follows on instead."""
    filler = "".join(f"<p>Line {k} of the segments table</p>" for k in range(66))
    actions = "".join(f"<p>Action {k}</p>" for k in range(20))
    html = (
        "<html><head><style>@page { size: A4; margin: 20mm 16mm 18mm 16mm }"
        " p { margin: 0; line-height: 4mm } .new-page { break-before: page }</style></head>"
        f'<body><section class="segments">{filler}</section>'
        f'<section class="actions new-page"><h2>What to fix first</h2>{actions}</section>'
        '<section class="methodology new-page"><h2>Methodology</h2><p>How</p></section>'
        "</body></html>"
    )
    fills = _page_fills(render_pdf(html))
    assert len(fills) == 3 and min(fills[:-1]) >= 0.2, fills  # methodology keeps its own page
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(render_pdf(html))).pages]
    assert "Line 65" in texts[1] and "What to fix first" in texts[1], texts
    assert texts[2].startswith("Methodology")
