"""Issue #11: the survey rules that make our figures match the survey tools' — test and spam
responses, one vote per customer, what the denominator is, CES versions, French labels, privacy
thresholds, rates — each on a small hand-made export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from satisfaction_pipeline import warehouse
from satisfaction_pipeline.ingest.inbox import ingest_inbox

from .conftest import generic_settings

NOW = dt.datetime(2026, 11, 23, 6, 0)
WEEK = {"week_start": dt.date(2026, 11, 16), "week_end": dt.date(2026, 11, 23)}


def _ingest(conn, tmp_path: Path, settings, files: dict[str, str | bytes]):
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (inbox / name).write_bytes(data)
    return ingest_inbox(conn, settings, inbox, NOW)


# --- one vote per customer -------------------------------------------------------------------

REPEATED_CUSTOMERS = """id,date,customer,csat,nps,effort,comment
r1,2026-11-16 09:00,C1,1,0,1,first try: still waiting
r2,2026-11-18 09:00,C1,5,10,7,sorted out now
r3,2026-11-17 09:00,C2,4,9,6,
r4,2026-11-17 10:00,,2,3,2,no customer reference
r5,2026-11-17 11:00,,2,3,2,no customer reference either
r6,2026-11-10 09:00,C1,3,7,4,the week before: its own vote
"""


@pytest.mark.parametrize(
    ("votes", "expected"),
    [
        ("last_in_week", ["r2", "r3", "r4", "r5", "r6"]),
        ("first_in_week", ["r1", "r3", "r4", "r5", "r6"]),
        ("all", ["r1", "r2", "r3", "r4", "r5", "r6"]),
    ],
)
def test_a_customer_votes_once_a_week_by_default(conn, tmp_path, votes, expected) -> None:
    settings = generic_settings(columns={"response_id": "id", "submitted_at": "date",
                                         "customer_ref": "customer"})  # fmt: skip
    assert settings.votes_per_customer == "last_in_week"  # the default
    _ingest(conn, tmp_path, settings, {"s.csv": REPEATED_CUSTOMERS})
    weeks = {"week_start": dt.date(2026, 11, 9), "week_end": dt.date(2026, 11, 23)}
    rows = warehouse.query(conn, "marts/select_raw_responses", **weeks, votes=votes)
    assert rows.height == 6  # every response is read, and says whether it counts
    assert sorted(rows.filter("counted").get_column("response_id")) == expected


def test_the_e_mail_address_identifies_a_customer_without_a_reference(conn, tmp_path) -> None:
    settings = generic_settings(columns={"response_id": "id", "submitted_at": "date",
                                         "customer_email": "email"})  # fmt: skip
    export = (
        "id,date,email,csat,nps,effort,comment\n"
        "a,2026-11-16 09:00,Ana@Example.com,1,0,1,\n"
        "b,2026-11-17 09:00, ana@example.com ,5,10,7,\n"
        "c,2026-11-17 09:00,bob@example.com,4,9,6,\n"
    )
    _ingest(conn, tmp_path, settings, {"s.csv": export})
    rows = warehouse.query(conn, "marts/select_raw_responses", **WEEK, votes="last_in_week")
    assert sorted(rows.filter("counted").get_column("response_id")) == ["b", "c"]


# --- Qualtrics: previews, tests, spam, unfinished; the export's time zone; NPS groups ---------


def _qualtrics_export(rows: list[list[str]], zone: str = "America/New_York") -> str:
    import csv
    import io
    import json

    names = ["StartDate", "RecordedDate", "Status", "Finished", "ResponseId",
             "DistributionChannel", "Q1", "Q2", "Q2_NPS_GROUP", "Q3"]  # fmt: skip
    texts = ["Start Date", "Recorded Date", "Response Type", "Finished", "Response ID",
             "Distribution Channel", "How satisfied are you?", "Recommend us?",
             "Recommend us? - Group", "Why?"]  # fmt: skip
    ids = [{"ImportId": "startDate", "timeZone": zone},
           {"ImportId": "recordedDate", "timeZone": zone},
           {"ImportId": "status"}, {"ImportId": "finished"}, {"ImportId": "_recordId"},
           {"ImportId": "distributionChannel"}, {"ImportId": "QID1"}, {"ImportId": "QID2"},
           {"ImportId": "QID2_NPS_GROUP"}, {"ImportId": "QID3_TEXT"}]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([names, texts, [json.dumps(i) for i in ids], *rows])
    return buffer.getvalue()


def _row(status, finished, rid, channel, csat, nps, group, comment="", day="2026-11-16 20:05"):
    return [day + ":00", day + ":00", status, finished, rid, channel, csat, nps, group, comment]


QUALTRICS_ROWS = [
    _row("0", "1", "R_ok", "email", "5", "10", "3"),
    _row("1", "1", "R_preview", "preview", "1", "0", "1"),
    _row("Survey Test", "1", "R_test", "test", "1", "0", "1"),
    _row("8", "1", "R_spam", "anonymous", "1", "0", "1", "buy now"),
    _row("0", "1", "R_chan", "preview", "1", "0", "1"),
    _row("0", "0", "R_partial", "email", "2", "", ""),
    _row("0", "1", "R_group", "email", "4", "7", "Promoter"),
    _row("0", "1", "R_sunday", "email", "4", "9", "3", day="2026-11-22 20:30"),
]


def _qualtrics_settings(**overrides):
    from satisfaction_pipeline.config.settings import parse_settings

    source = {
        "name": "purchase",
        "pattern": "*.csv",
        "format": "qualtrics",
        "columns": {"response_id": "ResponseId", "submitted_at": "RecordedDate"},
        "questions": [
            {"column": "Q1", "metric": "csat"},
            {"column": "Q2", "metric": "nps"},
            {"column": "Q3", "metric": "comment"},
        ],
    }
    return parse_settings({"timezone": "Europe/Paris", "sources": [source | overrides]})


def test_qualtrics_previews_tests_and_spam_are_excluded_and_counted(conn, tmp_path) -> None:
    summary = _ingest(
        conn, tmp_path, _qualtrics_settings(), {"q.csv": _qualtrics_export(QUALTRICS_ROWS)}
    )
    file = summary.files.row(0, named=True)
    assert (file["rows_read"], file["rows_loaded"], file["rows_excluded"]) == (8, 4, 4)
    assert file["rows_rejected"] == file["rows_duplicate"] == 0
    excluded = conn.execute(
        "SELECT response_id, reason, detail FROM ops.excluded_rows ORDER BY row_number"
    ).fetchall()
    assert excluded == [
        ("R_preview", "survey_preview", "Status = 1"),
        ("R_test", "survey_test", "Status = Survey Test"),
        ("R_spam", "spam", "Status = 8"),
        ("R_chan", "survey_preview", "DistributionChannel = preview"),
    ]
    assert summary.excluded_reasons == {"survey_preview": 2, "survey_test": 1, "spam": 1}
    loaded = {r[0] for r in conn.execute("SELECT response_id FROM raw.responses").fetchall()}
    assert loaded == {"R_ok", "R_partial", "R_group", "R_sunday"}  # unfinished kept by default
    # the accounting check counts exclusions
    assert conn.execute(warehouse.sql("checks/files_not_adding_up")).fetchall() == []


def test_unfinished_qualtrics_responses_can_be_excluded(conn, tmp_path) -> None:
    settings = _qualtrics_settings(unfinished="exclude")
    summary = _ingest(conn, tmp_path, settings, {"q.csv": _qualtrics_export(QUALTRICS_ROWS)})
    assert summary.excluded_reasons["unfinished"] == 1
    assert summary.files.row(0, named=True)["rows_loaded"] == 3


def test_the_import_id_row_gives_the_time_zone_of_the_dates(conn, tmp_path) -> None:
    _ingest(conn, tmp_path, _qualtrics_settings(), {"q.csv": _qualtrics_export(QUALTRICS_ROWS)})
    stored = dict(
        conn.execute("SELECT response_id, (submitted_at, week) FROM raw.responses").fetchall()
    )
    # 20:05 in New York is 01:05 UTC the next day; Sunday 20:30 there is Monday in Paris
    assert stored["R_ok"] == (dt.datetime(2026, 11, 17, 1, 5), dt.date(2026, 11, 16))
    assert stored["R_sunday"] == (dt.datetime(2026, 11, 23, 1, 30), dt.date(2026, 11, 23))


def test_a_source_time_zone_contradicting_the_export_is_an_error(conn, tmp_path) -> None:
    settings = _qualtrics_settings(timezone="Europe/Paris")
    summary = _ingest(conn, tmp_path, settings, {"q.csv": _qualtrics_export(QUALTRICS_ROWS)})
    detail = summary.failed["q.csv"]
    assert "America/New_York" in detail and "Europe/Paris" in detail and "RecordedDate" in detail
    same = _qualtrics_settings(timezone="America/New_York")
    summary = _ingest(conn, tmp_path, same, {"q.csv": _qualtrics_export(QUALTRICS_ROWS)})
    assert summary.files.row(0, named=True)["status"] == "loaded"


def test_an_unknown_time_zone_in_the_export_is_an_error(conn, tmp_path) -> None:
    export = _qualtrics_export(QUALTRICS_ROWS, zone="Mars/Olympus_Mons")
    summary = _ingest(conn, tmp_path, _qualtrics_settings(), {"q.csv": export})
    assert "'Mars/Olympus_Mons'" in summary.failed["q.csv"]


def test_a_utc_export_reads_as_utc(conn, tmp_path) -> None:
    export = _qualtrics_export(QUALTRICS_ROWS[:1], zone="Z")
    _ingest(conn, tmp_path, _qualtrics_settings(), {"q.csv": export})
    assert conn.execute("SELECT submitted_at FROM raw.responses").fetchone()[0] == dt.datetime(
        2026, 11, 16, 20, 5
    )


def test_an_nps_group_disagreeing_with_the_answer_is_a_finding(conn, tmp_path) -> None:
    summary = _ingest(
        conn, tmp_path, _qualtrics_settings(), {"q.csv": _qualtrics_export(QUALTRICS_ROWS)}
    )
    assert summary.findings == {"nps_group_disagrees": 1}
    finding = conn.execute(
        "SELECT response_id, column_name, detail, row_number FROM ops.findings"
    ).fetchall()
    assert finding == [
        (
            "R_group",
            "Q2_NPS_GROUP",
            "Q2_NPS_GROUP says 'Promoter', but the NPS answer 7 makes a passive",
            10,
        )
    ]
    # the response is loaded and scored by its answer
    assert conn.execute(
        "SELECT nps FROM raw.responses WHERE response_id = 'R_group'"
    ).fetchone() == (7,)


# --- French labels: by label, 4 points, files numbered from best to worst --------------------


def _csat_file(answers: list[str]) -> str:
    lines = ["id,date,csat,nps,effort,comment"]
    lines += [f"r{i},2026-11-17 10:00,{a},,,a comment" for i, a in enumerate(answers)]
    return "\n".join(lines) + "\n"


def _csat_points(conn) -> dict[str, int | None]:
    rows = conn.execute("SELECT csat_answer, csat FROM raw.responses").fetchall()
    return dict(rows)


def test_french_labels_map_by_label_and_nsp_is_no_answer(conn, tmp_path) -> None:
    answers = ["Pas du tout satisfait", "Tout à fait satisfait", "NSP", "Peu satisfait",
               "Ni satisfait ni insatisfait", "Plutôt satisfait"]  # fmt: skip
    summary = _ingest(conn, tmp_path, generic_settings(), {"s.csv": _csat_file(answers)})
    assert summary.files.row(0, named=True)["rows_rejected"] == 0
    assert _csat_points(conn) == {
        "Pas du tout satisfait": 1, "Tout à fait satisfait": 5, None: None, "Peu satisfait": 2,
        "Ni satisfait ni insatisfait": 3, "Plutôt satisfait": 4,
    }  # fmt: skip


def test_a_four_point_scale_has_no_neutral_and_its_top_two_are_satisfied(conn, tmp_path) -> None:
    from satisfaction_pipeline.scoring.scores import csat_satisfied

    questions = [{"column": "csat", "metric": "csat", "scale": {"max": 4}},
                 {"column": "comment", "metric": "comment"}]  # fmt: skip
    settings = generic_settings(questions=questions)
    answers = ["Tout à fait satisfait", "Plutôt satisfait", "Plutôt pas satisfait",
               "Pas du tout satisfait", "Peu satisfait", "3"]  # fmt: skip
    _ingest(conn, tmp_path, settings, {"s.csv": _csat_file(answers)})
    assert _csat_points(conn) == {
        "Tout à fait satisfait": 4, "Plutôt satisfait": 3, "Plutôt pas satisfait": 2,
        "Pas du tout satisfait": 1, "Peu satisfait": 2, "3": 3,
    }  # fmt: skip
    raw = warehouse.query(conn, "marts/select_raw_responses", **WEEK, votes="all")
    satisfied = raw.select(csat_satisfied(settings.csat_satisfied_from())).to_series()
    assert satisfied.sum() == 3  # 4, 3 and "3"


def test_a_file_where_1_means_very_satisfied_is_read_the_right_way_round(conn, tmp_path) -> None:
    answers = ["1 - Très satisfait", "2 - Satisfait", "5 - Très insatisfait", "2", "4"]
    summary = _ingest(conn, tmp_path, generic_settings(), {"s.csv": _csat_file(answers)})
    assert summary.files.row(0, named=True)["status"] == "loaded"
    assert _csat_points(conn) == {
        "1 - Très satisfait": 5, "2 - Satisfait": 4, "5 - Très insatisfait": 1, "2": 4, "4": 2,
    }  # fmt: skip


def test_a_declared_direction_the_labels_contradict_is_a_clear_error(conn, tmp_path) -> None:
    questions = [{"column": "csat", "metric": "csat", "scale": {"higher_is_better": True}}]
    settings = generic_settings(questions=questions)
    answers = ["1 - Très satisfait", "5 - Très insatisfait"]
    summary = _ingest(conn, tmp_path, settings, {"s.csv": _csat_file(answers)})
    detail = summary.failed["s.csv"]
    assert "column 'csat'" in detail and "'1 - Très satisfait'" in detail
    assert "1 is the best answer" in detail and "higher_is_better: true" in detail


def test_a_declared_reversed_scale_without_labels_turns_the_numbers(conn, tmp_path) -> None:
    questions = [{"column": "csat", "metric": "csat", "scale": {"higher_is_better": False}}]
    settings = generic_settings(questions=questions)
    _ingest(conn, tmp_path, settings, {"s.csv": _csat_file(["1", "2", "5"])})
    assert _csat_points(conn) == {"1": 5, "2": 4, "5": 1}


# --- end to end: the pipeline's figures and the report say which rule produced them ---------

SUPPORT = """id,date,customer,team,csat,nps,effort,comment
{rows}"""


def _support_rows() -> str:
    rows = []
    # Lyon: 8 responses; C1 answered twice (the second, later answer counts)
    for i in range(8):
        csat = "N/A" if i == 7 else "5"
        rows.append(f"L{i},2026-11-17 10:0{i},C{i},Lyon,{csat},9,6,Lyon team was great {i}")
    rows.append("L8,2026-11-18 10:00,C1,Lyon,1,2,1,second answer: still broken")
    # Nantes: 2 responses, a team too small to quote or to score
    rows.append("N1,2026-11-17 11:00,D1,Nantes,1,3,2,Nantes: the only person there was rude")
    rows.append("N2,2026-11-17 11:05,D2,Nantes,2,4,2,Nantes again")
    rows.append("X1,2026-11-17 12:00,D3,Lyon,,,,")  # an invitation nobody answered
    return "\n".join(rows) + "\n"


def test_the_report_says_what_counted_and_quotes_no_small_team(
    pipeline_env, tmp_path, monkeypatch
) -> None:
    import yaml

    from satisfaction_pipeline.cli import main

    inbox = tmp_path / "semantics_inbox"
    inbox.mkdir()
    (inbox / "support.csv").write_text(SUPPORT.format(rows=_support_rows()), encoding="utf-8")
    (inbox / "q.csv").write_text(_qualtrics_export(QUALTRICS_ROWS), encoding="utf-8")
    support = {
        "name": "support",
        "pattern": "support*.csv",
        "invitations": "unanswered_rows",
        "columns": {"response_id": "id", "submitted_at": "date", "customer_ref": "customer"},
        "segments": {"team": "team"},
        "questions": [
            {"column": "csat", "metric": "csat"},
            {"column": "nps", "metric": "nps"},
            {"column": "effort", "metric": "ces", "scale": {"min": 1, "max": 7}},
            {"column": "comment", "metric": "comment"},
        ],
    }
    purchase = _qualtrics_settings().sources[0].model_dump(exclude_defaults=True)
    purchase["pattern"] = "q.csv"
    config = {
        "timezone": "Europe/Paris",
        "first_week": "2026-01-05",
        "report": {"language": "en"},
        "privacy": {"min_responses_for_score": 5, "min_responses_for_comments": 5},
        "sources": [support, purchase],
    }
    path = tmp_path / "semantics.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("SATISFACTION_CONFIG", str(path))
    monkeypatch.setenv("SATISFACTION_INBOX", str(inbox))
    assert main(["run", "--week", "2026-11-16"]) == 0

    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        counted = dict(
            conn.execute(
                "SELECT response_id, counted FROM marts.responses WHERE source = 'support'"
            ).fetchall()
        )
        quotable = dict(
            conn.execute("SELECT response_id, quotable FROM marts.responses").fetchall()
        )
        csat = conn.execute(
            "SELECT n FROM marts.weekly_scores WHERE week = '2026-11-16' AND metric = 'csat'"
            " AND dimension = 'source' AND segment = 'support'"
        ).fetchone()[0]
        excluded = conn.execute("SELECT count(*) FROM ops.excluded_rows").fetchone()[0]
    assert counted["L1"] is False and counted["L8"] is True and len(counted) == 11
    assert csat == 9  # 10 counted support responses, one of them N/A: 9 answers
    assert quotable["L0"] and not quotable["N1"] and not quotable["L1"]
    assert excluded == 5  # preview, test, spam, preview channel, and the unanswered invitation

    html = (pipeline_env.reports / "2026-11-16" / "report.html").read_text(encoding="utf-8")
    text = " ".join(html.split())
    assert "Response rate: 92% (11 responses to 12 invitations)." in text
    # 13 counted responses were asked CSAT (10 support, 3 Qualtrics that week), one said N/A
    assert "Not answered (N/A, dismissed or skipped), so left out of the score: CSAT 8%" in text
    assert "the last answer counting: 1." in text
    assert "by their last answer" in text  # the methodology names the rule
    assert (
        "5 excluded (survey previews 2, spam 1, survey tests 1, invitations not answered 1)" in text
    )
    assert "the answer counts): 1, see ops.findings" in text
    assert "70% easy answers" in text  # CES 1-7: 7 of the 10 counted answers are 5-7
    assert "Lyon team was great" in text
    assert "rude" not in text and "Nantes again" not in text  # a team of 2: never quoted


# --- CES versions ----------------------------------------------------------------------------


def test_each_ces_answer_keeps_its_version(conn, tmp_path) -> None:
    effort = {"column": "effort", "metric": "ces",
              "scale": {"min": 1, "max": 5, "higher_is_better": False}}  # fmt: skip
    v1 = generic_settings(name="v1", pattern="v1*.csv", questions=[effort])
    v2 = generic_settings(name="v2", pattern="v2*.csv")  # effort 1-7, higher is better
    settings = v1.model_copy(update={"sources": [*v1.sources, *v2.sources]})
    export = "id,date,csat,nps,effort,comment\n{},2026-11-17 10:00,,,2,\n"
    files = {"v1.csv": export.format("a"), "v2.csv": export.format("b")}  # not copies
    _ingest(conn, tmp_path, settings, files)
    stored = conn.execute(
        "SELECT source, ces_answer, ces, ces_scale, ces_version FROM raw.responses ORDER BY 1"
    ).fetchall()
    assert stored == [("v1", 2.0, 4.0, "1-5", "CES 1.0"), ("v2", 2.0, 2.0, "1-7", "CES 2.0")]


def test_two_ces_questions_of_one_range_scored_opposite_ways_are_refused() -> None:
    from satisfaction_pipeline.config.settings import ConfigError, parse_settings

    def source(name: str, higher: bool) -> dict:
        scale = {"min": 1, "max": 5, "higher_is_better": higher}
        return {"name": name, "pattern": f"{name}*.csv",
                "columns": {"response_id": "id", "submitted_at": "date"},
                "questions": [{"column": "effort", "metric": "ces", "scale": scale}]}  # fmt: skip

    with pytest.raises(ConfigError) as error:
        parse_settings({"sources": [source("effort", False), source("ease", True)]})
    assert "CES questions of one range (1-5)" in str(error.value)
    assert "lower is better in effort" in str(error.value) and "higher in ease" in str(error.value)


def test_a_finding_is_recorded_once_however_often_a_cumulative_export_repeats_it(
    conn, tmp_path
) -> None:
    settings = _qualtrics_settings()
    _ingest(conn, tmp_path, settings, {"q.csv": _qualtrics_export(QUALTRICS_ROWS[:7])})
    later = _qualtrics_export(QUALTRICS_ROWS)  # the same rows and one more, a week later
    summary = _ingest(conn, tmp_path, settings, {"q.csv": later})
    assert summary.findings == {}
    assert conn.execute("SELECT count(*) FROM ops.findings").fetchone()[0] == 1


def test_french_nps_groups_are_read_and_unknown_ones_reported(conn, tmp_path) -> None:
    rows = [
        _row("0", "1", "R_fr", "email", "5", "3", "Détracteur"),
        _row("0", "1", "R_fr2", "email", "5", "10", "PROMOTEUR"),
        _row("0", "1", "R_odd", "email", "5", "8", "Neutral-ish"),
    ]
    summary = _ingest(conn, tmp_path, _qualtrics_settings(), {"q.csv": _qualtrics_export(rows)})
    assert summary.findings == {"nps_group_unknown": 1}
    detail = conn.execute("SELECT detail FROM ops.findings").fetchone()[0]
    assert (
        detail == "Q2_NPS_GROUP says 'Neutral-ish', not a group (1-3, Detractor, Passive, Promoter)"
    )


def test_the_response_rate_counts_sources_without_a_response_this_week() -> None:
    import polars as pl

    from satisfaction_pipeline.report.quality import response_rate

    counts = pl.DataFrame({"source": ["a"], "responses": [100], "unanswered": [0]})
    assert response_rate(counts, {"a": 1000, "b": 1000}) == (100, 2000)
    assert response_rate(None, {"a": 1000}) == (0, 1000)
    assert response_rate(counts, {}) is None  # no source says how many it sent
