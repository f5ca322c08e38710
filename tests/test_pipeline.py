"""The Dagster machinery end to end: materialize a week against a temporary DuckDB file, a ranged
backfill in one run, the schedule's tick, idempotent re-runs, the CLI, and `dg check defs`."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource
from pypdf import PdfReader

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.definitions import load_definitions
from satisfaction_pipeline.demo_data import DemoManifest

from .conftest import LAST_WEEK, PROJECT

TABLES = [
    "raw.responses",
    "marts.responses",
    "marts.weekly_scores",
    "marts.standouts",
    "marts.comment_themes",
    "marts.emerging_themes",
    "marts.score_movement",
    "marts.theme_spikes",
    "ops.files",
    "ops.rejected_rows",
]


def _snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}


def _resources(paths: Paths) -> dict:
    """The resources `dg.materialize` needs for the weekly assets, on the test's files."""
    from satisfaction_pipeline.defs.resources import NameReader, SurveySettings

    return {
        "survey_settings": SurveySettings(
            config_path=str(paths.config), inbox=str(paths.inbox), reports=str(paths.reports)
        ),
        "warehouse": DuckDBResource(database=str(paths.warehouse)),
        "name_reader": NameReader(),
    }


def _keys(first: dt.date, last: dt.date) -> list[str]:
    return [
        (first + dt.timedelta(weeks=k)).isoformat() for k in range((last - first).days // 7 + 1)
    ]


def test_one_week_materializes_against_a_duckdb_file(pipeline_env: Paths) -> None:
    from satisfaction_pipeline.defs import ingest, report, scoring, themes

    result = dg.materialize(
        [
            ingest.survey_files,
            scoring.responses,
            scoring.weekly_scores,
            themes.comment_themes,
            report.weekly_report,
            scoring.response_ids_are_unique,
            scoring.scores_in_range,
            ingest.every_row_is_accounted_for,
            ingest.every_file_is_readable,
            themes.evidence_is_in_its_comment,
        ],
        partition_key=LAST_WEEK.isoformat(),
        resources=_resources(pipeline_env),
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    assert all(c.passed for c in result.get_asset_check_evaluations())
    materialized = result.asset_materializations_for_node("weekly_scores")
    assert {m.asset_key.to_user_string() for m in materialized} == {"weekly_scores", "standouts"}
    scores = materialized[0].metadata
    assert scores["dagster/row_count"].value > 0
    assert scores["preview"].value.startswith("| metric | scale | n |")
    # the headline scores as numbers, which the UI plots over the weeks
    assert 0 <= scores["csat"].value <= 100 and -100 <= scores["nps"].value <= 100
    assert scores["n_csat"].value > 0
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        weeks = conn.execute("SELECT DISTINCT week FROM marts.weekly_scores").fetchall()
        # earlier weeks were never built, yet the changes are measured against them
        history = conn.execute(
            "SELECT min(n_prev), min(n_trail), count(p_prev) FROM marts.weekly_scores"
            " WHERE dimension = 'overall'"
        ).fetchall()[0]
    assert weeks == [(LAST_WEEK,)]
    assert history[0] > 0 and history[1] > history[0] and history[2] >= 3
    folder = pipeline_env.reports / LAST_WEEK.isoformat()
    assert (folder / "report.html").stat().st_size > 0
    assert PdfReader(folder / "report.pdf").pages


def test_backfill_of_three_weeks_is_one_run_and_rerun_changes_nothing(
    pipeline_env: Paths, capsys: pytest.CaptureFixture[str]
) -> None:
    first = LAST_WEEK - dt.timedelta(weeks=2)
    code = main(["backfill", "--from", first.isoformat(), "--to", LAST_WEEK.isoformat()])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "succeeded (3 week(s))" in out
    # a log, not a terminal: a line per finished step, with the time left
    steps = re.findall(r"progress: (\w+) done for 3 weeks, (\d+)% of the run", out)
    assert [step for step, _ in steps][-2:] == ["weekly_report", "report_email"]
    assert [int(share) for _, share in steps] == sorted(int(share) for _, share in steps)
    assert steps[-1][1] == "100"
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert len(runs) == 1
        assert runs[0].tags["dagster/asset_partition_range_start"] == first.isoformat()
        assert runs[0].tags["dagster/asset_partition_range_end"] == LAST_WEEK.isoformat()
        materialized = instance.get_materialized_partitions(dg.AssetKey("weekly_report"))
    assert materialized == set(_keys(first, LAST_WEEK))
    for key in _keys(first, LAST_WEEK):
        assert str(pipeline_env.reports / key / "report.pdf") in out
        assert (pipeline_env.reports / key / "report.pdf").exists()

    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        # each score's change is explained in full: the themes' contributions add up to it
        gaps = conn.execute(
            "SELECT m.week, m.metric, m.scale, s.change_prev, sum(m.contribution) AS explained"
            " FROM marts.score_movement AS m JOIN marts.weekly_scores AS s"
            "   ON s.week = m.week AND s.metric = m.metric AND s.scale = m.scale"
            "  AND s.dimension = 'overall'"
            " GROUP BY ALL"
        ).fetchall()
    # the first week's previous week was never built: its themes are unknown, so no split
    assert {(week, metric) for week, metric, *_ in gaps} >= {
        (dt.date.fromisoformat(k), m) for k in _keys(first, LAST_WEEK)[1:] for m in ("csat", "nps")
    }
    assert first not in {week for week, *_ in gaps}
    assert all(abs(change - explained) < 1e-9 for *_, change, explained in gaps), gaps

    before = _snapshot(pipeline_env.warehouse)
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    assert _snapshot(pipeline_env.warehouse) == before


def test_a_rerun_tags_again_only_the_weeks_whose_comments_changed(
    pipeline_env: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """marts.theme_builds: a week is re-tagged when its responses or the four weeks' before it
    changed, and its rows are then those a build from scratch gives. A run that fails keeps the
    groups of weeks it finished, and the next one resumes after them."""
    from satisfaction_pipeline import warehouse
    from satisfaction_pipeline.defs import ingest, scoring, themes

    first = LAST_WEEK - dt.timedelta(weeks=3)
    theme_tables = ["marts.comment_themes", "marts.emerging_themes", "marts.theme_coverage"]

    def build() -> int:  # the four weeks in one run; how many of them were tagged again
        result = dg.materialize(
            [ingest.survey_files, scoring.responses, themes.comment_themes],
            raise_on_error=False,
            tags={
                "dagster/asset_partition_range_start": first.isoformat(),
                "dagster/asset_partition_range_end": LAST_WEEK.isoformat(),
            },
            resources=_resources(pipeline_env),
            instance=dg.DagsterInstance.ephemeral(),
        )
        if not result.success:
            return -1
        [tagged] = result.asset_materializations_for_node("comment_themes")[:1]
        return tagged.metadata["run_weeks_rebuilt"].value

    def rows() -> dict[str, list[tuple]]:
        with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
            return {
                t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in theme_tables
            }

    def set_comment(text: str) -> None:
        with duckdb.connect(str(pipeline_env.warehouse)) as conn:
            conn.execute(
                "UPDATE raw.responses SET comment = ? WHERE response_key = ?", [text, changed]
            )

    assert build() == 4
    built = rows()
    assert build() == 0  # nothing changed: nothing tagged
    assert rows() == built

    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        changed, comment = conn.execute(
            "SELECT response_key, comment FROM raw.responses WHERE week = ? AND comment <> ''"
            " ORDER BY response_key LIMIT 1",
            [first + dt.timedelta(weeks=1)],
        ).fetchall()[0]
    set_comment("Colis jamais livré, et le service client ne répond pas.")
    assert build() == 3  # its week and those after it that read it as history
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        themes_now = conn.execute(
            "SELECT theme FROM marts.comment_themes WHERE response_key = ?", [changed]
        ).fetchall()
    assert themes_now and rows() != built
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        recorded = conn.execute(
            "SELECT week, comments_changed, engine_before = engine_after, comments > 0"
            " FROM marts.theme_changes ORDER BY week"
        ).fetchall()
    # what the rebuild changed: the one comment, in its week; the weeks after only read it
    assert recorded == [(first + dt.timedelta(weeks=k), int(k == 1), True, True)
                        for k in (1, 2, 3)]  # fmt: skip
    set_comment(comment)
    assert build() == 3
    assert rows() == built  # tagged again in part, as built from scratch

    # a week per group, and the third fails: the two before stay built, the next run resumes
    monkeypatch.setattr(warehouse, "week_groups", lambda _conn, weeks, _back: [[w] for w in weeks])
    find_themes = themes.find_themes

    def failing(answers, taxonomy, satisfied_from, weeks, *rest):
        if weeks == [first + dt.timedelta(weeks=2)]:
            raise OSError("the disk is gone")
        return find_themes(answers, taxonomy, satisfied_from, weeks, *rest)

    with duckdb.connect(str(pipeline_env.warehouse)) as conn:
        conn.execute("DELETE FROM marts.theme_builds")
    monkeypatch.setattr(themes, "find_themes", failing)
    assert build() == -1
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        kept = conn.execute("SELECT week FROM marts.theme_builds ORDER BY week").fetchall()
    assert kept == [(first,), (first + dt.timedelta(weeks=1),)]
    monkeypatch.setattr(themes, "find_themes", find_themes)
    assert build() == 2
    assert rows() == built


def test_groups_stack_when_some_have_no_rows_for_a_table() -> None:
    """A battery added mid-year: the groups before it have no item scores, whose empty frame
    has untyped columns; stacked with the groups after it, it must not fail the backfill."""
    import polars as pl

    from satisfaction_pipeline.scoring.items import item_scores
    from satisfaction_pipeline.warehouse import stacked

    answers = pl.DataFrame(
        {
            "week": [LAST_WEEK] * 40,
            "source": ["survey"] * 40,
            "question": ["q_wait"] * 40,
            "label": ["Waiting time"] * 40,
            "metric": ["csat"] * 40,
            "scale": ["1-5"] * 40,
            "value": [float(k % 5 + 1) for k in range(40)],
        }
    )
    before, after = item_scores(answers.clear(), 5), item_scores(answers, 5)
    with pytest.raises(pl.exceptions.SchemaError):
        pl.concat([before, after])  # why stacked exists
    assert stacked([before, after, before]).equals(after)
    assert stacked([before, before]).is_empty()


def test_week_groups_stay_under_their_rows_and_hold_their_look_back(conn) -> None:
    from satisfaction_pipeline import warehouse

    weeks = [LAST_WEEK + dt.timedelta(weeks=k) for k in range(6)]
    conn.execute(
        "INSERT INTO raw.responses (response_key, source, response_id, submitted_at, week,"
        " file_name, file_row) SELECT 'r' || i, 's', 'r' || i, week, week, 'f', i"
        " FROM (SELECT i, ?::DATE + to_days((7 * (i // 10))::INTEGER) AS week"
        " FROM range(60) t(i))",
        [LAST_WEEK],
    )  # ten responses a week
    assert warehouse.week_groups(conn, weeks, look_back=2, max_rows=40) == [weeks[:4], weeks[4:]]
    assert warehouse.week_groups(conn, weeks, look_back=0, max_rows=25) == [
        weeks[0:2], weeks[2:4], weeks[4:6]
    ]  # fmt: skip
    apart = [weeks[0], weeks[2]]  # not consecutive: never one group
    assert warehouse.week_groups(conn, apart, look_back=0) == [[weeks[0]], [weeks[2]]]


def test_a_backfill_read_a_week_at_a_time_builds_the_same_tables(
    pipeline_env: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Steps read a range a few weeks at a time (warehouse.week_groups) so that a year fits in
    memory; each week reads the weeks it looks back on either way, so nothing changes."""
    from satisfaction_pipeline import warehouse

    first = LAST_WEEK - dt.timedelta(weeks=3)
    command = ["backfill", "--from", first.isoformat(), "--to", LAST_WEEK.isoformat()]
    tables = [*TABLES, "marts.action_list", "marts.praise", "marts.theme_coverage"]

    def snapshot() -> dict[str, list[tuple]]:
        with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
            return {
                t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables
            }

    assert main(command) == 0  # the demo's four weeks: one group
    whole = snapshot()
    monkeypatch.setattr(warehouse, "week_groups", lambda _conn, weeks, _back: [[w] for w in weeks])
    with duckdb.connect(str(pipeline_env.warehouse)) as conn:
        conn.execute("DELETE FROM marts.theme_builds")  # tag them all again
        conn.execute("DELETE FROM marts.action_list")
    assert main(command) == 0
    assert snapshot() == whole


def test_end_to_end_pdf_shows_the_nps_computed_from_the_generated_rows(
    pipeline_env: Paths, demo_inbox: DemoManifest
) -> None:
    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    answers = [
        r.nps
        for r in demo_inbox.responses
        if r.week == LAST_WEEK and r.loaded and r.nps is not None
    ]
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    expected = round(100 * (promoters - detractors) / len(answers))
    shown = f"+{expected}" if expected >= 0 else f"−{-expected}"

    pdf = PdfReader(pipeline_env.reports / LAST_WEEK.isoformat() / "report.pdf")
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert re.search(rf"NPS\s*{re.escape(shown)}(?!\d)", text), text[:600]
    assert f"n = {len(answers)} réponses" in text


@pytest.mark.parametrize(
    ("tick", "partition"),
    [
        (dt.datetime(2026, 11, 16, 6, 0), "2026-11-09"),
        # the Monday after clocks went back (25 Oct 2026) and after they went forward (29 Mar)
        (dt.datetime(2026, 10, 26, 6, 0), "2026-10-19"),
        (dt.datetime(2026, 3, 30, 6, 0), "2026-03-23"),
    ],
)
def test_schedule_runs_the_week_that_just_ended(tick: dt.datetime, partition: str) -> None:
    schedule = load_definitions().resolve_schedule_def("weekly_report_schedule")
    assert schedule.cron_schedule == "0 6 * * 1"
    assert schedule.execution_timezone == "Europe/Paris"
    context = dg.build_schedule_context(
        scheduled_execution_time=tick.replace(tzinfo=ZoneInfo("Europe/Paris"))
    )
    requests = schedule.evaluate_tick(context).run_requests
    assert [r.partition_key for r in requests] == [partition]


def test_blocking_checks_catch_impossible_scores(tmp_path: Path) -> None:
    from satisfaction_pipeline.defs.metadata import week_results
    from satisfaction_pipeline.defs.scoring import response_ids_are_unique, scores_in_range
    from satisfaction_pipeline.warehouse import create_schema

    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as conn:
        create_schema(conn)
        conn.execute(
            "INSERT INTO marts.weekly_scores (week, dimension, segment, metric, scale, n, score,"
            " satisfied, promoters, passives, detractors, small_sample) VALUES "
            "('2026-11-16', 'overall', 'all', 'nps', '0-10', 10, 140, NULL, 10, 0, 0, true),"
            "('2026-11-16', 'overall', 'all', 'ces', '1-7', 10, 6.5, NULL, NULL, NULL, NULL, true)"
        )
    warehouse = DuckDBResource(database=str(database))
    week, other = dt.date(2026, 11, 16), dt.date(2026, 11, 23)
    results = week_results(warehouse, "checks/scores_out_of_range", "rows", [week, other])
    assert not results[week].passed and results[week].metadata["rows"].value == 1
    assert results[other].passed  # a week's status is its own
    assert all(r.passed for r in week_results(warehouse, "checks/duplicate_response_ids", "ids",
                                              [week]).values())  # fmt: skip
    assert all(spec.blocking for spec in scores_in_range.check_specs)
    assert all(spec.blocking for spec in response_ids_are_unique.check_specs)


def test_file_checks_catch_lost_rows_and_unread_files(tmp_path: Path) -> None:
    from satisfaction_pipeline.defs.ingest import every_file_is_readable, every_row_is_accounted_for
    from satisfaction_pipeline.defs.metadata import week_results
    from satisfaction_pipeline.warehouse import create_schema

    database = tmp_path / "w.duckdb"
    with duckdb.connect(str(database)) as conn:
        create_schema(conn)
        conn.execute(
            "INSERT INTO ops.files (file_name, file_sha256, source, format, size_bytes, rows_read,"
            " rows_loaded, rows_rejected, rows_duplicate, ingested_at, status, detail) VALUES "
            "('a.csv', 'h1', 's', 'csv', 10, 5, 3, 1, 0, '2026-11-16', 'loaded', NULL),"
            "('b.csv', 'h2', 's', 'csv', 10, 0, 0, 0, 0, '2026-11-16', 'failed', 'bad bytes')"
        )
    warehouse = DuckDBResource(database=str(database))
    weeks = [dt.date(2026, 11, 16), dt.date(2026, 11, 23)]

    def check(query: str, **severity) -> dg.AssetCheckResult:  # files are not weekly: one result
        first, second = week_results(warehouse, query, "files", weeks, **severity).values()
        assert first == second and "ops.files" in first.metadata["scope"].value
        return first

    lost = check("checks/files_not_adding_up")
    assert not lost.passed and lost.metadata["files"].value == 1
    unread = check("checks/failed_files", severity=dg.AssetCheckSeverity.WARN)
    assert not unread.passed and unread.severity == dg.AssetCheckSeverity.WARN
    assert "bad bytes" in unread.metadata["examples"].value
    assert all(spec.blocking for spec in every_row_is_accounted_for.check_specs)

    with duckdb.connect(str(database)) as conn:  # b.csv fixed: a later version loaded
        conn.execute(
            "INSERT INTO ops.files (file_name, file_sha256, source, format, size_bytes, rows_read,"
            " rows_loaded, rows_rejected, rows_duplicate, ingested_at) VALUES "
            "('b.csv', 'h3', 's', 'csv', 10, 1, 1, 0, 0, '2026-11-17')"
        )
    assert check("checks/failed_files").passed
    assert every_file_is_readable.partitions_def is not None


def test_cli_reports_user_mistakes_without_a_stack_trace(
    pipeline_env: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["run", "--week", "2026-11-18"])
    assert "2026-11-18 is a Wednesday; weeks start on Monday: use 2026-11-16" in (
        capsys.readouterr().err
    )
    assert main(["run", "--week", "2025-12-29"]) == 1
    assert "before first_week (2026-01-05)" in capsys.readouterr().err

    inbox = tmp_path / "bad_inbox"
    shutil.copytree(pipeline_env.inbox, inbox)
    broken = sorted(inbox.glob("support_fr_*.csv"))[0]
    broken.write_bytes(broken.read_bytes().replace(b"canal;", b"channel;", 1))
    # an export that cannot be read is reported; the others load and the report is built
    assert main(["run", "--week", LAST_WEEK.isoformat(), "--inbox", str(inbox)]) == 0
    err = capsys.readouterr().err
    assert f"{broken.name} (source 'support_fr') could not be read" in err
    assert "column 'canal' not found (closest: 'channel')" in err
    assert "Traceback" not in err
    report = pipeline_env.reports / LAST_WEEK.isoformat()
    assert (report / "report.pdf").exists()
    assert broken.name in (report / "report.html").read_text(encoding="utf-8")  # data quality


@pytest.mark.parametrize(
    ("command", "success"),
    [
        (["dg", "check", "defs"], "All definitions loaded successfully"),
        # what `dagster-webserver -w workspace.yaml` loads
        (["dagster", "definitions", "validate", "-w", "workspace.yaml"], "passed validation"),
    ],
)
def test_definitions_load_from_the_project_tools(
    pipeline_env: Paths, command: list[str], success: str
) -> None:
    binary = Path(sys.executable).parent / command[0]
    result = subprocess.run(
        [str(binary), *command[1:]],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        env={**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert success in result.stdout + result.stderr


def test_inspect_shows_how_each_file_reads_and_writes_nothing(
    pipeline_env: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = tmp_path / "inspect_inbox"
    shutil.copytree(pipeline_env.inbox, inbox)
    broken = sorted(inbox.glob("support_fr_*.csv"))[0]
    broken.write_bytes(broken.read_bytes().replace(b"canal;", b"channel;", 1))
    (inbox / "notes.txt").write_text("not an export")
    shutil.copy(sorted(inbox.glob("support_en_*.xlsx"))[0], inbox / "support_en_copy.xlsx")

    assert main(["inspect", "--inbox", str(inbox), "--rows", "1"]) == 1
    out = capsys.readouterr().out
    assert f"{broken.name}  (source support_fr)\n  cannot be read: column 'canal' not found" in out
    assert "xlsx, binary ·" in out and "qualtrics, utf-8, delimiter ','" in out
    assert "2 excluded (spam 1, survey_test 1)" in out  # the demo's test and spam rows
    set_aside = "1 answer(s) set aside, their rows kept:\n    row 5: unknown CSAT answer 'Bof bof'"
    assert set_aside in out
    assert "row 7: response id is empty" in out  # the row rejected whole
    assert "notes.txt  matched by no source pattern" in out
    assert "support_en_copy.xlsx  (source support_en)\n  same content as support_en_2" in out
    assert "1 cannot be read, nothing written." in out
    assert not pipeline_env.warehouse.exists()
