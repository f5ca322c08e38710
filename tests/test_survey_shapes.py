"""Real surveys as they come (#22): exports without a response id, ids that come again with
other answers — every duplicate listed with the row that counts, a conflict never silent —,
tools' own "no answer" words, an unusable answer that costs only itself, and history before the
first week."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from satisfaction_pipeline.config.first_week import first_week, record_earliest_week
from satisfaction_pipeline.ingest.inbox import ingest_inbox, weeks_left_out

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


def test_the_weeks_start_with_the_data_unless_configured(tmp_path: Path) -> None:
    """Without first_week, the partitions start with the earliest response loaded (recorded
    beside the warehouse, only ever earlier); before any data, with last week."""
    warehouse = tmp_path / "w" / "satisfaction.duckdb"
    derived = _no_id_settings()
    assert derived.first_week is None
    today = dt.date(2026, 12, 3)
    assert first_week(derived.first_week, warehouse, today) == dt.date(2026, 11, 23)
    assert record_earliest_week(warehouse, dt.date(2021, 3, 1))
    assert not record_earliest_week(warehouse, dt.date(2022, 1, 3))  # later: nothing moves
    assert first_week(derived.first_week, warehouse, today) == dt.date(2021, 3, 1)
    configured = generic_settings().model_copy(update={"first_week": dt.date(2026, 1, 5)})
    assert first_week(configured.first_week, warehouse, today) == dt.date(2026, 1, 5)


def test_old_responses_are_told_what_builds_them_never_a_backfill_that_cannot_run() -> None:
    new = {dt.date(2016, 3, 7): 40, dt.date(2016, 3, 14): 12, dt.date(2026, 11, 9): 5,
           dt.date(2026, 11, 16): 30}  # fmt: skip
    run = [dt.date(2026, 11, 16)]
    start = dt.date(2025, 1, 6)
    # first_week configured: the Monday to set, and the in-range week's backfill
    told = weeks_left_out(new, run, start, configured=True)
    assert told == [
        "52 responses were loaded for 2 week(s) before first_week (2025-01-06), the earliest in "
        "the week of 2016-03-07: they are kept, and set first_week: 2016-03-07 in the config to "
        "report them",
        "new responses were loaded for weeks outside this run (2026-11-09): the daemon's "
        "late_export_sensor rebuilds those already built; without it, build them with "
        "satisfaction-pipeline backfill --from 2026-11-09 --to 2026-11-09",
    ]
    # derived: the weeks now start with the old data; one backfill builds them all
    told = weeks_left_out(new, run, start, configured=False)
    assert len(told) == 1 and told[0].endswith(
        "the weeks now start on 2016-03-07. Build them with satisfaction-pipeline backfill "
        "--from 2016-03-07 --to 2026-11-09 (in the Dagster UI, reload the definitions first)"
    )
    assert weeks_left_out({dt.date(2026, 11, 16): 3}, run, start, configured=True) == []


def test_old_history_without_first_week_is_built_by_the_backfill_the_run_suggests(
    tmp_path: Path,
) -> None:
    """The real CLI, one process per command as a user runs it: the latest week's run loads a
    file holding 2021 too, says which backfill builds it, and that backfill runs."""
    today = dt.date.today()
    last = today - dt.timedelta(days=today.weekday(), weeks=1)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "history.csv").write_text(
        "id,date,csat,nps,effort,comment\n"
        "1,2021-03-02 10:00,5,9,6,\n2,2021-03-03 10:00,1,2,2,trop long\n"
        f"3,{last + dt.timedelta(days=1)} 10:00,4,8,5,\n"
    )
    config = tmp_path / "satisfaction.yaml"
    source = {"name": "generic", "pattern": "*.csv",
              "columns": {"response_id": "id", "submitted_at": "date"},
              "questions": [{"column": "csat", "metric": "csat"},
                            {"column": "nps", "metric": "nps"},
                            {"column": "effort", "metric": "ces", "scale": {"min": 1, "max": 7}},
                            {"column": "comment", "metric": "comment"}]}  # fmt: skip
    config.write_text(json.dumps({"timezone": "Europe/Paris", "theme_model": None,
                                  "sources": [source]}))  # fmt: skip
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {**os.environ, "SATISFACTION_CONFIG": str(config), "SATISFACTION_INBOX": str(inbox),
           "SATISFACTION_WAREHOUSE": str(tmp_path / "w" / "satisfaction.duckdb"),
           "SATISFACTION_REPORTS": str(tmp_path / "reports"),
           "DAGSTER_HOME": str(tmp_path / "home")}  # fmt: skip
    cli = str(Path(sys.executable).with_name("satisfaction-pipeline"))

    def run(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([cli, *arguments], env=env, capture_output=True, text=True,
                              timeout=600)  # fmt: skip

    latest = run("run", "--week", str(last))
    assert latest.returncode == 0, latest.stdout + latest.stderr
    said = latest.stdout + latest.stderr
    assert "backfill --from 2021-03-01 --to 2021-03-01" in said, said
    backfill = run("backfill", "--from", "2021-03-01", "--to", "2021-03-01")
    assert backfill.returncode == 0, backfill.stdout + backfill.stderr
    assert (tmp_path / "reports" / "2021-03-01" / "report.pdf").exists()


def test_a_placeholder_date_is_rejected_not_made_the_first_week(conn, tmp_path: Path) -> None:
    """1970-01-01 (an empty Unix time) or Excel's day 0 would otherwise move a derived first week
    decades back, to thousands of empty weeks."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "export.csv").write_text(
        "id,date,csat,nps,effort,comment\n"
        "1,1970-01-01 00:00,5,9,6,\n"
        "2,1899-12-30,5,9,6,\n"
        "3,2016-03-02,4,8,5,\n"
    )
    summary = ingest_inbox(conn, generic_settings(), inbox, NOW)
    assert summary.new_by_week == {dt.date(2016, 2, 29): 1}
    reasons = conn.execute("SELECT reason FROM ops.rejected_rows ORDER BY row_number").fetchall()
    assert reasons == [
        ("date '1970-01-01 00:00' in column 'date' is before 2000: a placeholder rather than "
         "when the answer was given; fix the cell",),
        ("date '1899-12-30' in column 'date' is before 2000: a placeholder rather than when the "
         "answer was given; fix the cell",),
    ]  # fmt: skip


def _environment(monkeypatch, tmp_path: Path, config: Path, inbox: Path) -> None:
    """The CLI publishes its paths to the environment: set them here, so that they are undone
    after the test."""
    for variable, value in {"SATISFACTION_CONFIG": config, "SATISFACTION_INBOX": inbox,
                            "SATISFACTION_WAREHOUSE": tmp_path / "w" / "satisfaction.duckdb",
                            "SATISFACTION_REPORTS": tmp_path / "reports"}.items():  # fmt: skip
        monkeypatch.setenv(variable, str(value))


def test_inspect_names_the_first_week_that_would_report_old_rows(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from satisfaction_pipeline.cli import main

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "old.csv").write_text(
        "id,date,csat,nps,effort,comment\n1,2021-03-02 10:00,5,9,6,\n2,2026-11-17 10:00,4,8,5,\n"
    )
    config = tmp_path / "satisfaction.yaml"
    settings = generic_settings().model_dump(mode="json", exclude_defaults=True)
    config.write_text(json.dumps({**settings, "first_week": "2026-01-05"}))
    _environment(monkeypatch, tmp_path, config, inbox)
    assert main(["inspect"]) == 0
    assert (
        "1 responses are in weeks before first_week (2026-01-05): they would be loaded and kept; "
        "set first_week: 2021-03-01 in the config to report them"
    ) in capsys.readouterr().out


def test_validate_config_checks_the_inbox_it_will_read(tmp_path: Path, monkeypatch, capsys) -> None:
    """Patterns that overlap and a column the newest export lacks were found only by `run`."""
    from satisfaction_pipeline.cli import main

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "id,date,csat,nps,effort,comment\n"
    (inbox / "support_2026-11-16.csv").write_text(header + "1,2026-11-16,5,9,6,\n")
    (inbox / "support_fr_2026-11-16.csv").write_text(
        "id,date,satisfaction,nps,effort,comment\n1,2026-11-16,5,9,6,\n"
    )
    empty = inbox / "support_en_2026-11-23.csv"
    empty.write_text("")  # an empty export says nothing of the columns
    base = generic_settings().sources[0].model_dump(mode="json", exclude_defaults=True)
    config = tmp_path / "satisfaction.yaml"
    config.write_text(json.dumps({"timezone": "Europe/Paris", "theme_model": None, "sources": [
        base | {"name": "support", "pattern": "support_*.csv"},
        base | {"name": "support_fr", "pattern": "support_fr_*.csv"},
        base | {"name": "support_en", "pattern": "support_en_*.csv"},
    ]}))  # fmt: skip
    _environment(monkeypatch, tmp_path, config, inbox)
    assert main(["validate-config"]) == 1
    out, err = capsys.readouterr()
    assert (
        "support_fr_2026-11-16.csv matches the patterns of sources 'support' and 'support_fr': "
        "make the patterns exclusive"
    ) in err
    assert (
        "source 'support_fr', its newest export support_fr_2026-11-16.csv: column 'csat' not "
        "found (closest: 'date'). Columns found: 'id', 'date', 'satisfaction'"
    ) in err
    assert "note: source 'support_en': support_en_2026-11-23.csv is empty, not checked" in out


def _two_teams(share_second: bool = True):
    """One survey export, two teams: each source reads its own question and comment."""
    from satisfaction_pipeline.config.settings import parse_settings

    def team(name: str, share: bool) -> dict:
        return {
            "name": name,
            "pattern": "survey_*.csv",
            "shares_files": share,
            "columns": {"response_id": "id", "submitted_at": "date"},
            "questions": [
                {"column": f"{name}_csat", "metric": "csat"},
                {"column": f"{name}_comment", "metric": "comment"},
            ],
        }

    return parse_settings(
        {
            "timezone": "Europe/Paris",
            "sources": [team("support", True), team("delivery", share_second)],
        }
    )


SURVEY = (
    "id,date,support_csat,support_comment,delivery_csat,delivery_comment\n"
    "1,2026-11-16,5,rapide,2,colis en retard\n"
    "2,2026-11-17,4,,5,\n"
    "3,pas une date,3,,1,abîmé\n"  # rejected by both: one rejection each
)


def test_one_export_feeds_several_sources(conn, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "survey_2026-11-16.csv").write_text(SURVEY)
    summary = ingest_inbox(conn, _two_teams(), inbox, NOW)
    files = summary.files.sort("source").select(
        "source", "status", "rows_read", "rows_loaded", "rows_rejected"
    )
    assert files.rows() == [("delivery", "loaded", 3, 2, 1), ("support", "loaded", 3, 2, 1)]
    scored = conn.execute(
        "SELECT source, response_id, csat, comment FROM raw.responses ORDER BY 1, 2"
    ).fetchall()
    assert scored == [
        ("delivery", "1", 2, "colis en retard"),
        ("delivery", "2", 5, None),
        ("support", "1", 5, "rapide"),
        ("support", "2", 4, None),
    ]
    assert conn.execute("SELECT count(*) FROM ops.rejected_rows").fetchall() == [(2,)]
    # unchanged: skipped for both; a renamed copy: a duplicate file for both
    again = ingest_inbox(conn, _two_teams(), inbox, NOW)
    assert again.files.is_empty() and again.skipped == ["survey_2026-11-16.csv"]
    (inbox / "survey_copy.csv").write_text(SURVEY)
    copy = ingest_inbox(conn, _two_teams(), inbox, NOW)
    assert copy.files.get_column("status").to_list() == ["duplicate_file"] * 2


def test_a_file_two_sources_read_by_mistake_loads_nothing(conn, tmp_path: Path) -> None:
    """An overlap neither source declared would count the file's responses twice."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "survey_2026-11-16.csv").write_text(SURVEY)
    summary = ingest_inbox(conn, _two_teams(share_second=False), inbox, NOW)
    assert summary.failed == {
        "survey_2026-11-16.csv": "matches the patterns of sources 'support' and 'delivery'; make "
        "the patterns exclusive, or set shares_files: true on each of them if they read "
        "different columns of it"
    }
    assert conn.execute("SELECT count(*) FROM raw.responses").fetchall() == [(0,)]


def test_a_source_added_over_a_loaded_file_is_told_not_skipped(conn, tmp_path: Path) -> None:
    """The file was loaded by one source; a second source, not sharing, now matches it too: the
    run records the overlap instead of skipping the file quietly for both."""
    from satisfaction_pipeline.config.settings import parse_settings

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "survey_2026-11-16.csv").write_text(SURVEY)
    both = _two_teams(share_second=False)
    ingest_inbox(conn, parse_settings({"sources": [both.sources[0].model_dump()]}), inbox, NOW)
    summary = ingest_inbox(conn, both, inbox, NOW)
    assert summary.failed["survey_2026-11-16.csv"].startswith(
        "matches the patterns of sources 'support' and 'delivery'"
    )
    assert conn.execute("SELECT count(*) FROM raw.responses").fetchall() == [(2,)]  # kept


BATTERY = [
    {"column": "overall", "metric": "csat", "id": "overall", "headline": True},
    {"column": "speed", "metric": "csat", "id": "response_time",
     "label": "Satisfaction with response time"},
    {"column": "courtesy", "metric": "csat", "id": "courtesy", "label": "Courtesy"},
    {"column": "comment", "metric": "comment"},
]  # fmt: skip


def test_several_questions_of_a_metric_need_ids_and_one_headline() -> None:
    from satisfaction_pipeline.config.settings import ConfigError

    unnamed = [{"column": "a", "metric": "csat"}, {"column": "b", "metric": "csat"}]
    with pytest.raises(ConfigError, match=r"an id for each of several csat questions"):
        generic_settings(questions=unnamed)
    two = [{**q, "headline": True} for q in BATTERY[:2]]
    with pytest.raises(ConfigError, match=r"one headline csat question"):
        generic_settings(questions=two)
    source = generic_settings(questions=BATTERY[1:3] + BATTERY[:1]).sources[0]
    assert source.question("csat").column == "overall"  # marked, though listed last
    assert [q.id for q in source.items()] == ["response_time", "courtesy"]


def test_a_battery_is_scored_item_by_item_and_reported(conn, tmp_path: Path) -> None:
    """A Google Forms-like survey with three satisfaction questions: the headline one feeds the
    CSAT, the others are scored apart, alike (interval, change), and shown as a table."""
    from satisfaction_pipeline import warehouse
    from satisfaction_pipeline.report.render import render_html
    from satisfaction_pipeline.scoring.items import item_scores
    from satisfaction_pipeline.scoring.responses import counted_responses
    from tests.test_report import _context, _text

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = ["id,date,overall,speed,courtesy,comment"]
    # week of 9 Nov: speed satisfied 1 of 4; week of 16 Nov: 4 of 5 (one answer unusable)
    rows += [f"a{k},2026-11-10,4,{s},5," for k, s in enumerate([1, 2, 4, 2])]
    rows += [f"b{k},2026-11-17,4,{s},5," for k, s in enumerate([5, 4, 5, 4, 2])]
    rows += ["b9,2026-11-17,5,Happy,4,bien"]
    (inbox / "forms.csv").write_text("\n".join(rows) + "\n")
    settings = generic_settings(questions=BATTERY)
    summary = ingest_inbox(conn, settings, inbox, NOW)
    assert summary.files.row(0, named=True)["answers_rejected"] == 1
    stored = conn.execute(
        "SELECT count(*), count(DISTINCT question) FROM raw.item_answers"
    ).fetchall()[0]
    assert stored == (9 + 10, 2)  # speed: 9 usable of 10; courtesy: 10

    weeks = {"week_start": dt.date(2026, 11, 9), "week_end": dt.date(2026, 11, 23)}
    counted = warehouse.query(conn, "marts/select_item_answers", **weeks).join(
        counted_responses(conn, settings, weeks).select("response_key"), on="response_key"
    )
    scores = item_scores(counted, min_sample_size=3)
    speed = scores.filter(
        (pl.col("question") == "response_time") & (pl.col("week") == dt.date(2026, 11, 16))
    ).row(0, named=True)
    assert (speed["n"], speed["score"]) == (5, 80.0)
    assert speed["change_prev"] == pytest.approx(80.0 - 25.0)
    assert speed["label"] == "Satisfaction with response time" and speed["metric"] == "csat"
    assert speed["ci_low"] < 80.0 < speed["ci_high"]

    html = render_html(_context(item_scores=scores.filter(pl.col("week") == dt.date(2026, 11, 16))))
    text = _text(html)
    assert "Question by question" in text
    assert "Satisfaction with response time CSAT 1-5 80.0% (5)" in text


def test_the_weekly_run_scores_and_reports_a_battery(tmp_path: Path) -> None:
    """Through the real CLI and Dagster: the run's scoring step writes the items' scores, the
    report shows them."""
    import duckdb

    today = dt.date.today()
    last = today - dt.timedelta(days=today.weekday(), weeks=1)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    day = last + dt.timedelta(days=1)
    rows = ["id,date,overall,speed,courtesy,comment"]
    rows += [f"r{k},{day} 10:00,{4 + k % 2},{1 + k % 5},5," for k in range(10)]
    (inbox / "forms.csv").write_text("\n".join(rows) + "\n")
    config = tmp_path / "satisfaction.yaml"
    source = generic_settings(questions=BATTERY).sources[0]
    mapping = source.model_dump(mode="json", exclude_defaults=True)
    config.write_text(
        json.dumps({"timezone": "Europe/Paris", "theme_model": None, "sources": [mapping]})
    )
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    warehouse = tmp_path / "w" / "satisfaction.duckdb"
    env = {**os.environ, "SATISFACTION_CONFIG": str(config), "SATISFACTION_INBOX": str(inbox),
           "SATISFACTION_WAREHOUSE": str(warehouse),
           "SATISFACTION_REPORTS": str(tmp_path / "reports"),
           "DAGSTER_HOME": str(tmp_path / "home")}  # fmt: skip
    cli = str(Path(sys.executable).with_name("satisfaction-pipeline"))
    run = subprocess.run([cli, "run", "--week", str(last)], env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        stored = conn.execute(
            "SELECT question, n, score FROM marts.weekly_item_scores ORDER BY question"
        ).fetchall()
    # speed answers 1, 2, 3, 4, 5 twice: 4 of 10 satisfied; courtesy all 5
    assert stored == [("courtesy", 10, 100.0), ("response_time", 10, 40.0)]
    html = (tmp_path / "reports" / str(last) / "report.html").read_text(encoding="utf-8")
    assert "Question by question" in html and "Satisfaction with response time" in html


def test_the_battery_item_that_goes_with_a_theme_is_named_in_the_report() -> None:
    """Those complaining of wait time answer the response-time question badly, the others
    well; courtesy goes alike for all: response time is the item that goes with wait time,
    and nothing goes with billing, whose complainers answer like everyone."""
    from satisfaction_pipeline.actions.drivers import drivers
    from satisfaction_pipeline.report.render import render_html
    from tests.test_report import _action_rows, _context, _text

    keys = [f"r{k}" for k in range(30)]
    items = pl.DataFrame(
        [{"response_key": key, "question": "response_time", "label": "Response time",
          "metric": "csat", "scale": "1-5", "value": 2.0 if k < 10 else 5.0}
         for k, key in enumerate(keys)]
        + [{"response_key": key, "question": "courtesy", "label": "Courtesy",
            "metric": "ces", "scale": "1-7", "value": 7.0} for key in keys]
    )  # fmt: skip
    mentioned = pl.DataFrame(
        {"response_key": keys[:10] + keys[10:16], "group": ["wait_time"] * 10 + ["billing"] * 6}
    )
    found = drivers(items, mentioned).to_dicts()
    assert found == [{"group": "wait_time", "driver_question": "response_time",
                      "driver_label": "Response time", "driver_share_theme": 0.0,
                      "driver_share_others": 1.0}]  # fmt: skip

    actions = _action_rows().with_columns(
        driver_label=pl.when(pl.col("theme") == "wait_time").then(pl.lit("Response time")),
        driver_share_theme=pl.lit(0.0),
        driver_share_others=pl.lit(1.0),
    )
    assert (
        "Goes with the question “Response time”: answered favourably by 0% of those complaining "
        "of it, 100% of the others."
    ) in _text(render_html(_context(actions=actions)))


def test_review_findings_on_shapes_of_sources(conn, tmp_path: Path) -> None:
    """A source of comments only loads (its files failed); several comment columns, all empty,
    are no comment (such a row was loaded as a response); ids without an id column do not
    change when the configuration's questions are reordered."""
    from satisfaction_pipeline.config.settings import ConfigError
    from satisfaction_pipeline.ingest.mapping import map_file
    from satisfaction_pipeline.ingest.readers import read_delimited

    only = generic_settings(questions=[{"column": "comment", "metric": "comment"}])
    text = b"id,date,comment\n1,2026-11-16,hello\n2,2026-11-16,\n"
    result = map_file(read_delimited(text), only.sources[0], only, "c.csv")
    assert (result.responses.height, result.rejected.height) == (1, 1)

    two = generic_settings(questions=[{"column": "csat", "metric": "csat"},
                                      {"column": "c1", "metric": "comment"},
                                      {"column": "c2", "metric": "comment"}])  # fmt: skip
    text = b"id,date,csat,c1,c2\n1,2026-11-16,,,\n2,2026-11-16,Happy,,\n3,2026-11-16,,,ok\n"
    result = map_file(read_delimited(text), two.sources[0], two, "c.csv")
    assert result.responses.get_column("response_id").to_list() == ["3"]
    assert result.rejected.height == 2

    questions = generic_settings().sources[0].model_dump()["questions"]
    text = (HEADER + "\n".join(ROWS) + "\n").encode()
    ids = []
    for order in (questions, questions[::-1]):
        settings = generic_settings(columns={"submitted_at": "date"}, questions=order)
        mapped = map_file(read_delimited(text), settings.sources[0], settings, "n.csv")
        ids.append(sorted(mapped.responses.get_column("response_id").to_list()))
    assert ids[0] == ids[1]

    for key, value in (("duplicates", "keep_latest"), ("invitations", "unanswered_rows")):
        with pytest.raises(ConfigError, match=f"columns.response_id with {key}"):
            generic_settings(columns={"submitted_at": "date"}, **{key: value})


@pytest.mark.parametrize("duplicates", ["keep_first", "keep_latest"])
def test_a_battery_item_changed_alone_is_a_change(conn, tmp_path: Path, duplicates: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    header = "id,date,overall,speed,courtesy,comment\n"
    (inbox / "a.csv").write_text(header + "1,2026-11-16,5,2,Happy,\n")  # courtesy unusable
    settings = generic_settings(questions=BATTERY, duplicates=duplicates)
    ingest_inbox(conn, settings, inbox, NOW)
    (inbox / "b.csv").write_text(header + "1,2026-11-16,5,5,Happy,\n")  # speed 2 → 5, alone
    summary = ingest_inbox(conn, settings, inbox, NOW)
    speed = conn.execute(
        "SELECT value FROM raw.item_answers WHERE question = 'response_time'"
    ).fetchall()
    set_aside = conn.execute("SELECT file_name FROM ops.rejected_answers").fetchall()
    if duplicates == "keep_latest":
        assert summary.files.row(0, named=True)["rows_replaced"] == 1 and speed == [(5.0,)]
        assert set_aside == [("b.csv",)]  # the replaced version's went with it
    else:
        assert speed == [(2.0,)] and len(summary.conflicts) == 1
        assert set_aside == [("a.csv",)]


def test_the_weekly_action_list_and_its_csv_name_the_item_that_goes_with_a_theme() -> None:
    from satisfaction_pipeline.actions.ranking import Ranking
    from satisfaction_pipeline.actions.weekly import weekly_actions
    from satisfaction_pipeline.config.taxonomy import default_taxonomy
    from tests.test_ranking import LAST, _weeks

    scored, mentions = _weeks(150)
    waiting = set(mentions.filter(pl.col("theme") == "wait_time").get_column("response_key"))
    items = pl.DataFrame(
        [{"response_key": key, "source": "s", "question": "response_time",
          "label": "Response time", "metric": "csat", "scale": "1-5",
          "value": 2.0 if key in waiting else 5.0}
         for key in scored.get_column("response_key")]
    )  # fmt: skip
    built = weekly_actions(
        LAST, scored, mentions, default_taxonomy(), Ranking(resamples=100), "en", items
    )
    wait = built.action_list.filter(pl.col("theme") == "wait_time").row(0, named=True)
    assert (wait["driver_question"], wait["driver_share_theme"]) == ("response_time", 0.0)
    csv = built.action_list_csv.filter(pl.col("theme") == "Wait time").row(0, named=True)
    assert csv["question that goes with it"] == "Response time"
    assert csv["answered favourably by the others %"] == 100.0
