"""Real surveys as they come (#22): exports without a response id, ids that come again with
other answers — every duplicate listed with the row that counts, a conflict never silent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from satisfaction_pipeline.ingest.inbox import ingest_inbox

from .conftest import generic_settings

NOW = dt.datetime(2026, 11, 23, 6, 0)
HEADER = "date,csat,nps,effort,comment\n"
# a real NPS export's shape: a day, a score, often no comment; identical rows are different
# customers who answered alike
ROWS = [
    "2026-11-16,5,9,6,",
    "2026-11-16,5,9,6,",
    "2026-11-16,5,9,6,",
    "2026-11-16,2,3,2,trop d'attente",
    "2026-11-17,4,8,5,",
]


def _no_id_settings():
    return generic_settings(columns={"submitted_at": "date"})


def _ids(conn) -> list[str]:
    return [
        r[0] for r in conn.execute("SELECT response_id FROM raw.responses ORDER BY 1").fetchall()
    ]


def test_an_export_without_an_id_loads_every_row_with_a_stable_id(conn, tmp_path: Path) -> None:
    """Identical rows stay separate responses; a later export overlapping the first (the same
    rows and new ones) loads only the new ones, the rest listed as duplicates of the first."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "nps_1.csv").write_text(HEADER + "\n".join(ROWS) + "\n")
    settings = _no_id_settings()
    first = ingest_inbox(conn, settings, inbox, NOW).files.row(0, named=True)
    assert (first["rows_read"], first["rows_loaded"], first["rows_duplicate"]) == (5, 5, 0)
    ids = _ids(conn)
    assert len(set(ids)) == 5 and sum(i.endswith(("-2", "-3")) for i in ids) == 2

    # next week's export: the same five rows, in another order, and two new ones
    later = [ROWS[4], *ROWS[:4], "2026-11-18,1,0,1,colis perdu", "2026-11-16,5,9,6,"]
    (inbox / "nps_2.csv").write_text(HEADER + "\n".join(later) + "\n")
    second = ingest_inbox(conn, settings, inbox, NOW)
    row = second.files.row(0, named=True)
    assert (row["rows_read"], row["rows_loaded"], row["rows_duplicate"]) == (7, 2, 5)
    assert set(ids) < set(_ids(conn)) and len(_ids(conn)) == 7  # the 4th identical row is new
    listed = conn.execute(
        "SELECT count(*), bool_or(differs), min(kept_file) FROM ops.duplicate_rows "
        "WHERE file_name = 'nps_2.csv'"
    ).fetchone()
    assert listed == (5, False, "nps_1.csv") and second.conflicts == []


def test_a_duplicate_id_with_other_answers_is_listed_and_warned(conn, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "id,date,csat,nps,effort,comment\n"
    (inbox / "export.csv").write_text(
        header
        + "1,2026-11-16,5,9,6,ok\n"  # row 2: counts
        + "1,2026-11-16,5,9,6,ok\n"  # row 3: a copy
        + "1,2026-11-16,1,0,1,nul\n"  # row 4: the same id, other answers
        + "2,2026-11-16,4,8,5,\n"
    )
    summary = ingest_inbox(conn, generic_settings(), inbox, NOW)
    assert summary.files.row(0, named=True)["rows_duplicate"] == 2
    listed = conn.execute(
        "SELECT row_number, response_id, kept_file, kept_row, differs FROM ops.duplicate_rows "
        "ORDER BY row_number"
    ).fetchall()
    assert listed == [(3, "1", "export.csv", 2, False), (4, "1", "export.csv", 2, True)]
    assert summary.conflicts == [
        "generic: response '1' in export.csv row 4 has other answers than in export.csv row 2, "
        "which counts"
    ]
    # a later export with response 2 changed: listed against the first file, and warned
    (inbox / "export_2.csv").write_text(header + "2,2026-11-16,1,2,1,finalement non\n")
    later = ingest_inbox(conn, generic_settings(), inbox, NOW)
    assert later.conflicts == [
        "generic: response '2' in export_2.csv row 2 has other answers than in export.csv row "
        "5, which counts"
    ]


def test_no_answer_words_of_real_tools_and_of_ones_own(conn, tmp_path: Path) -> None:
    """Google Forms' "N/A do not use" is built in; a source and a question may add their own
    words; a row with one unusable answer keeps the others and its comment."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "id,date,csat,nps,effort,comment\n"
    (inbox / "forms.csv").write_text(
        header
        + "1,2026-11-16,N/A do not use,9,6,\n"
        + "2,2026-11-16,Satisfied,Pas concerné,6,\n"  # the source's own word
        + "3,2026-11-16,Satisfied,9,Ask me later,\n"  # the question's own word
        + "4,2026-11-16,Happy,9,6,trop lent\n"  # unusable: set aside, the row kept
    )
    effort = {"column": "effort", "metric": "ces", "scale": {"min": 1, "max": 7},
              "no_answer": ["ask me later"]}  # fmt: skip
    settings = generic_settings(
        no_answer=["Pas concerné"],
        questions=[{"column": "csat", "metric": "csat"}, {"column": "nps", "metric": "nps"},
                   effort, {"column": "comment", "metric": "comment"}],
    )  # fmt: skip
    summary = ingest_inbox(conn, settings, inbox, NOW)
    row = summary.files.row(0, named=True)
    assert (row["rows_loaded"], row["rows_rejected"], row["answers_rejected"]) == (4, 0, 1)
    stored = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT response_id, csat, nps, ces, comment FROM raw.responses"
        ).fetchall()
    }
    assert stored == {
        "1": (None, 9, 6.0, None),
        "2": (4, None, 6.0, None),
        "3": (4, 9, None, None),
        "4": (None, 9, 6.0, "trop lent"),
    }
    assert conn.execute("SELECT column_name, value FROM ops.rejected_answers").fetchall() == [
        ("csat", "Happy")
    ]
