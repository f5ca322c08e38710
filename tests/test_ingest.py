"""Reading the demo layouts and hand-made files; every input row ends loaded, rejected or counted
as a duplicate; bad files get a message naming the file and the columns."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

from satisfaction_pipeline import warehouse
from satisfaction_pipeline.config.settings import Settings, parse_settings
from satisfaction_pipeline.demo_data import DemoManifest
from satisfaction_pipeline.ingest.inbox import IngestError, ingest_inbox
from satisfaction_pipeline.ingest.mapping import map_file
from satisfaction_pipeline.ingest.readers import read_delimited, read_export
from satisfaction_pipeline.scoring.scores import score_responses

from .conftest import generic_settings

NOW = dt.datetime(2026, 11, 23, 6, 0)


def _count(conn, sql: str) -> int:
    return conn.execute(sql).fetchall()[0][0]


def test_demo_layouts_are_read_as_their_tools_wrote_them(
    settings: Settings, demo_inbox: DemoManifest
) -> None:
    def read_file(path: Path):
        source = next(s for s in settings.sources if path.match(s.pattern))
        return read_export(path.read_bytes(), path.suffix, source)

    by_kind = {p.name.split("_2")[0]: p for p in demo_inbox.files}
    fr = read_file(by_kind["support_fr"])
    assert (fr.format, fr.encoding, fr.delimiter) == ("csv", "cp1252", ";")
    assert fr.columns[0] == "id_reponse" and fr.row_numbers[0] == 2
    assert any("Très satisfait" in row for row in fr.rows)  # accents survive Windows-1252

    qualtrics = read_file(by_kind["qualtrics_purchase"])
    assert qualtrics.format == "qualtrics"
    assert qualtrics.row_numbers[0] == 4  # rows 2 and 3 are question text and ImportId JSON
    assert qualtrics.records()[0]["ResponseId"].startswith("R_")

    xlsx = read_file(by_kind["support_en"])
    assert xlsx.format == "xlsx" and xlsx.columns[0] == "Response ID"
    assert xlsx.records()[0]["Submitted"][:4] == "2026"


def test_every_demo_row_is_accounted_for(
    conn, settings: Settings, demo_inbox: DemoManifest
) -> None:
    summary = ingest_inbox(conn, settings, demo_inbox.files[0].parent, NOW)
    files = summary.files
    assert len(files) == len(demo_inbox.files) == 12
    assert (
        files["rows_read"]
        == files["rows_loaded"]
        + files["rows_rejected"]
        + files["rows_duplicate"]
        + files["rows_excluded"]
    ).all()
    truth = demo_inbox.responses
    assert files["rows_read"].sum() == len(truth)
    assert files["rows_loaded"].sum() == sum(r.loaded for r in truth)
    assert files["rows_rejected"].sum() == sum(not r.valid for r in truth)
    assert files["rows_duplicate"].sum() == sum(r.duplicate for r in truth)
    assert files["rows_excluded"].sum() == sum(r.excluded for r in truth) == 8  # 2 a week
    assert summary.excluded_reasons == {"survey_test": 4, "spam": 4}
    assert summary.findings == {}  # the demo's NPS groups agree with its answers
    assert _count(conn, "SELECT count(*) FROM raw.responses") == files["rows_loaded"].sum()
    assert sum(summary.new_by_week.values()) == files["rows_loaded"].sum()
    assert list(summary.new_by_week) == demo_inbox.weeks

    # the scores stored are those the files were written from (CES oriented higher-is-better)
    stored = {
        (r[0], r[1]): r[2:]
        for r in conn.execute(
            "SELECT source, response_id, week, csat, nps, ces FROM raw.responses"
        ).fetchall()
    }
    for r in truth:
        if r.loaded:
            assert stored[(r.source, r.response_id)] == (r.week, r.csat, r.nps, r.ces_good)

    reasons = conn.execute(
        "SELECT row_number, column_name, reason FROM ops.rejected_rows"
    ).fetchall()
    assert Counter(c for _, c, _ in reasons) == {"id_reponse": 4}
    # an unknown label loses that answer, not the row: its NPS, effort and comment are loaded
    answers = conn.execute("SELECT column_name, value, reason FROM ops.rejected_answers").fetchall()
    assert [(c, v) for c, v, _ in answers] == [("satisfaction", "Bof bof")] * 4
    assert answers[0][2].startswith("unknown CSAT answer 'Bof bof' in column 'satisfaction'; ")
    assert "Très satisfait" in answers[0][2]
    assert files["answers_rejected"].sum() == 4
    assert summary.rejected_reasons


def test_reloading_the_inbox_changes_nothing_and_a_copy_is_all_duplicates(
    conn, settings: Settings, demo_inbox: DemoManifest, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    shutil.copytree(demo_inbox.files[0].parent, inbox)
    ingest_inbox(conn, settings, inbox, NOW)
    before = conn.sql("SELECT * FROM raw.responses ORDER BY response_key").pl()

    again = ingest_inbox(conn, settings, inbox, NOW)
    assert again.files.is_empty() and len(again.skipped) == 12
    assert before.equals(conn.sql("SELECT * FROM raw.responses ORDER BY response_key").pl())

    # the same export saved under a second name: recognised by its content, every row a duplicate
    first = sorted(inbox.glob("support_fr_*.csv"))[0]
    shutil.copy(first, inbox / "support_fr_copy.csv")
    copy = ingest_inbox(conn, settings, inbox, NOW).files.row(0, named=True)
    assert copy["status"] == "duplicate_file" and copy["detail"] == f"same content as {first.name}"
    assert copy["rows_loaded"] == copy["rows_rejected"] == 0
    assert copy["rows_duplicate"] == copy["rows_read"] > 0


def test_bad_rows_are_rejected_with_row_column_and_reason() -> None:
    """A row's own problems (no id, an unreadable date, a broken line) reject it; an unusable
    answer is set aside alone, the row keeping its other answers and comment, unless nothing
    usable is left."""
    text = (
        "id,date,csat,nps,effort,comment\n"
        "1,2026-11-16 10:00,Satisfied,9,6,ok\n"
        "2,2026-11-16 10:00,Satisfied,11,6,\n"
        "3,16/11/2026,Satisfied,9,6,\n"
        ",2026-11-16 10:00,Satisfied,9,6,\n"
        "5,2026-11-16 10:00,Happy,9,8,\n"
        "6,2026-11-16 10:00,,,,\n"
        '7,2026-11-16 10:00,Satisfied,9,6,"multi\nline, with comma"\n'
        "8,2026-11-16 10:00,Satisfied,9,6,x,surplus\n"
        "1,2026-11-16 11:00,Satisfied,3,6,again\n"
        "10,2026-11-16 10:00,Happy,,,\n"
    )
    settings = generic_settings()
    result = map_file(read_delimited(text.encode()), settings.sources[0], settings, "f.csv")
    rejected = {r["row_number"]: r for r in result.rejected.to_dicts()}
    assert result.rows_read == 10
    assert result.responses.height + len(rejected) + result.duplicates == 10
    assert result.duplicates == 1
    assert sorted(rejected) == [4, 5, 7, 9, 11]
    assert rejected[4]["reason"].startswith("cannot read date '16/11/2026' in column 'date'")
    assert rejected[5]["reason"] == "response id is empty (column 'id')"
    assert rejected[7]["reason"].startswith("no answer in any question column")
    assert rejected[9]["reason"] == "row has more cells than the 6 header columns"
    # nothing usable left: rejected whole, with what was wrong with its answer
    assert rejected[11]["column_name"] == "csat"
    assert rejected[11]["reason"].startswith("unknown CSAT answer 'Happy' in column 'csat'")
    # an answer out of its scale is set aside; the row keeps the rest
    loaded = {r["response_id"]: r for r in result.responses.to_dicts()}
    assert (loaded["2"]["csat"], loaded["2"]["nps"], loaded["2"]["ces"]) == (4, None, 6.0)
    assert (loaded["5"]["csat"], loaded["5"]["nps"], loaded["5"]["ces"]) == (None, 9, None)
    answers = {(r["row_number"], r["column_name"]): r for r in result.rejected_answers.to_dicts()}
    assert sorted(answers) == [(3, "nps"), (6, "csat"), (6, "effort")]
    assert answers[(3, "nps")]["reason"] == (
        "NPS answer '11' in column 'nps' is not a whole number from 0 to 10"
    )
    assert answers[(3, "nps")]["value"] == "11" and answers[(3, "nps")]["response_id"] == "2"
    assert answers[(6, "effort")]["reason"] == (
        "CES answer '8' in column 'effort' is not a number from 1 to 7"
    )
    assert loaded["7"]["comment"] == "multi\nline, with comma"


def test_naive_times_are_local_and_weeks_start_on_monday_local_time() -> None:
    text = (
        "id,date,csat,nps,effort,comment\n"
        "a,2026-11-16 00:30,5,,,\n"  # Monday 00:30 Paris = Sunday 23:30 UTC: still week 11-16
        "b,2026-11-15 23:59:59,5,,,\n"  # Sunday night: previous week
        "c,2026-11-15T23:30:00Z,5,,,\n"  # UTC with offset: Monday 00:30 in Paris
        "d,2026-03-29 02:30,5,,,\n"  # does not exist in Paris (clocks jump 02:00 → 03:00)
    )
    settings = generic_settings()
    result = map_file(read_delimited(text.encode()), settings.sources[0], settings, "f.csv")
    weeks = dict(result.responses.select("response_id", "week").iter_rows())
    assert weeks == {
        "a": dt.date(2026, 11, 16),
        "b": dt.date(2026, 11, 9),
        "c": dt.date(2026, 11, 16),
    }
    utc = dict(result.responses.select("response_id", "submitted_at").iter_rows())
    assert utc["a"] == dt.datetime(2026, 11, 15, 23, 30)
    assert "does not exist in Europe/Paris" in result.rejected["reason"][0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_keep_french_text_exact(encoding: str) -> None:
    text = "id;date;csat;nps;effort;comment\n1;2026-11-16;Très satisfait;9;6;« Rapide » – 29,99 €\n"
    table = read_delimited(text.encode(encoding))
    assert table.delimiter == ";"
    assert table.records()[0]["comment"] == "« Rapide » – 29,99 €"
    assert table.records()[0]["csat"] == "Très satisfait"


def test_a_file_missing_a_column_fails_alone_with_the_closest_match_and_what_was_found(
    conn, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a_good.csv").write_text("ID,Date,CSAT,nps,effort,comment\n1,2026-11-16,5,9,6,\n")
    (inbox / "export.csv").write_text(
        "ident,date,csat,NPS score,effort,comment\n1,2026-11-16,5,9,6,\n"
    )
    summary = ingest_inbox(conn, generic_settings(), inbox, NOW)
    message = summary.failed["export.csv"]
    assert "column 'id' not found (closest: 'ident')" in message
    assert "column 'nps' not found (closest: 'NPS score')" in message
    assert "Columns found: 'ident', 'date'" in message
    # names differing only in case match; the good file loaded, the failed one is on record
    assert summary.files.select("file_name", "status", "rows_loaded").rows() == [
        ("a_good.csv", "loaded", 1),
        ("export.csv", "failed", 0),
    ]
    assert _count(conn, "SELECT count(*) FROM ops.files WHERE status = 'failed'") == 1

    # a failed file is tried again on the next run (the config may have been fixed) and keeps
    # one row per content
    again = ingest_inbox(conn, generic_settings(), inbox, NOW + dt.timedelta(hours=1))
    assert list(again.failed) == ["export.csv"] and again.skipped == ["a_good.csv"]
    assert _count(conn, "SELECT count(*) FROM ops.files") == 2


def test_a_load_that_crashes_midway_leaves_the_warehouse_unchanged(
    conn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("id,date,csat,nps,effort,comment\n1,2026-11-16,5,9,6,\n")
    (inbox / "b.csv").write_text("id,date,csat,nps,effort,comment\n2,2026-11-16,5,9,6,\n")
    real_execute = warehouse.execute

    def crash_on_second_file(conn, name, **frames):
        frame = frames.get("new_responses")
        if frame is not None and "b.csv" in frame.get_column("file_name").to_list():
            raise OSError("disk full")
        real_execute(conn, name, **frames)

    monkeypatch.setattr(warehouse, "execute", crash_on_second_file)
    with pytest.raises(OSError, match="disk full"):
        ingest_inbox(conn, generic_settings(), inbox, NOW)
    for table in ("raw.responses", "ops.files", "ops.rejected_rows"):
        assert _count(conn, f"SELECT count(*) FROM {table}") == 0
    monkeypatch.setattr(warehouse, "execute", real_execute)
    summary = ingest_inbox(conn, generic_settings(), inbox, NOW)
    assert summary.files["rows_loaded"].to_list() == [1, 1]


def test_unmatched_inbox_files_are_reported(conn, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notes.txt").write_text("hello")
    summary = ingest_inbox(conn, generic_settings(), inbox, NOW)
    assert summary.unmatched == ["notes.txt"]
    assert summary.files.schema == pl.Schema(summary.files.schema)


def test_empty_and_header_only_exports_load_nothing_and_lose_nothing(conn, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "empty.csv").write_bytes(b"")
    (inbox / "header.csv").write_text("id,date,csat,nps,effort,comment\r\n")
    files = ingest_inbox(conn, generic_settings(), inbox, NOW).files
    assert files.select("file_name", "rows_read", "rows_loaded").rows() == [
        ("empty.csv", 0, 0),
        ("header.csv", 0, 0),
    ]


def test_a_missing_inbox_is_an_error_not_an_empty_week(conn, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="does not exist"):
        ingest_inbox(conn, generic_settings(), tmp_path / "nowhere", NOW)


def test_keep_latest_replaces_changed_responses_from_a_later_export(conn, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "id,date,csat,nps,effort,comment\n"
    (inbox / "export_1.csv").write_text(header + "1,2026-11-16,5,9,6,first\n2,2026-11-16,4,8,5,\n")
    settings = generic_settings(duplicates="keep_latest")
    ingest_inbox(conn, settings, inbox, NOW)
    # the re-export: response 1 edited, response 2 unchanged, response 3 new
    (inbox / "export_2.csv").write_text(
        header + "1,2026-11-16,2,3,6,edited\n2,2026-11-16,4,8,5,\n3,2026-11-17,5,10,7,\n"
    )
    summary = ingest_inbox(conn, settings, inbox, NOW)
    row = summary.files.row(0, named=True)
    assert (row["rows_read"], row["rows_loaded"], row["rows_duplicate"]) == (3, 2, 1)
    assert row["rows_replaced"] == 1
    stored = dict(conn.execute("SELECT response_id, comment FROM raw.responses").fetchall())
    assert stored == {"1": "edited", "2": None, "3": None}
    # with the default (keep_first) the first version stays
    for table in ("raw.responses", "ops.files", "ops.rejected_rows", "ops.duplicate_rows"):
        conn.execute(f"DELETE FROM {table}")
    ingest_inbox(conn, generic_settings(), inbox, NOW)
    stored = dict(conn.execute("SELECT response_id, comment FROM raw.responses").fetchall())
    assert stored["1"] == "first"


def test_a_file_matched_by_two_sources_is_one_failed_record(conn, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("id,date,csat,nps,effort,comment\n1,2026-11-16,5,9,6,\n")
    (inbox / "b.csv").write_text("id,date,csat,nps,effort,comment\n2,2026-11-16,5,9,6,\n")
    base = generic_settings().sources[0].model_dump()
    settings = parse_settings({"sources": [base, base | {"name": "second", "pattern": "a*.csv"}]})
    for _ in range(2):  # and again on the next run: still one row, still explained
        summary = ingest_inbox(conn, settings, inbox, NOW)
        assert "matches the patterns of sources 'generic' and 'second'" in summary.failed["a.csv"]
    rows = conn.execute("SELECT file_name, status FROM ops.files ORDER BY 1").fetchall()
    assert rows == [("a.csv", "failed"), ("b.csv", "loaded")]


def test_a_replaced_response_that_moves_week_leaves_the_old_week_to_rebuild(
    conn, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "id,date,csat,nps,effort,comment\n"
    settings = generic_settings(duplicates="keep_latest")
    (inbox / "a.csv").write_text(header + "1,2026-11-15 23:30,5,9,6,sunday\n")
    ingest_inbox(conn, settings, inbox, NOW)
    scored = score_responses(conn.sql("SELECT * FROM raw.responses").pl())  # week built
    warehouse.execute(conn, "marts/insert_responses", scored_responses=scored)
    (inbox / "b.csv").write_text(header + "1,2026-11-16 00:30,5,9,6,monday\n")
    summary = ingest_inbox(conn, settings, inbox, NOW)
    assert list(summary.new_by_week) == [dt.date(2026, 11, 9), dt.date(2026, 11, 16)]
    assert _count(conn, "SELECT count(*) FROM marts.responses") == 0  # old version gone
    assert conn.execute("SELECT week FROM raw.responses").fetchall() == [(dt.date(2026, 11, 16),)]


def test_a_seven_point_csat_is_kept_on_its_scale_with_its_satisfied_rule() -> None:
    text = (
        "id,date,csat,nps,effort,comment\n"
        "1,2026-11-16 10:00,7,9,6,\n"
        "2,2026-11-16 10:00,6 - Satisfied,9,6,\n"
        "3,2026-11-16 10:00,5,9,6,\n"
        "4,2026-11-16 10:00,8,9,6,\n"
    )
    settings = generic_settings(
        questions=[{"column": "csat", "metric": "csat", "scale": {"min": 1, "max": 7}}]
    )
    result = map_file(read_delimited(text.encode()), settings.sources[0], settings, "f.csv")
    answers = result.responses.select("csat", "csat_scale").rows()
    assert answers == [(7, "1-7"), (6, "1-7"), (5, "1-7")]
    assert result.rejected.get_column("reason").to_list() == [
        "unknown CSAT answer '8' in column 'csat'; expected 1-7"
    ]
    scored = score_responses(result.responses, settings.csat_satisfied_from())
    assert scored.get_column("csat_satisfied").to_list() == [True, True, False]
