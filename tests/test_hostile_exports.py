"""Every hostile export of the corpus (tests/hostile_exports.py) ends as the case says: its rows
loaded, rejected with a reason or counted as duplicates — or the whole file recorded as failed
with a reason — and never a crash. A property test then throws arbitrary bytes at the reader."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from satisfaction_pipeline import warehouse
from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.ingest.inbox import ingest_inbox, read_inbox_file

from .conftest import generic_settings
from .hostile_exports import CASES, HEADER, Case

NOW = dt.datetime(2026, 11, 23, 6, 0)


def _settings(overrides: dict) -> Settings:
    return generic_settings(**{"pattern": "*", **overrides})


def test_the_corpus_is_large_and_names_are_unique() -> None:
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hostile_export(case: Case, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / case.name).write_bytes(case.content)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        warehouse.create_schema(conn)
        summary = ingest_inbox(conn, _settings(case.source), inbox, NOW)
        file = conn.sql("SELECT * FROM ops.files").pl().row(0, named=True)
        stored = {
            row["response_id"]: row
            for row in conn.sql("SELECT * FROM raw.responses").pl().iter_rows(named=True)
        }
        rejected = conn.sql("SELECT * FROM ops.rejected_rows").pl()
        answers = conn.sql("SELECT * FROM ops.rejected_answers").pl()

    counts = (file["rows_read"], file["rows_loaded"], file["rows_rejected"])
    counts += (file["rows_duplicate"],)
    if isinstance(case.expect, str):
        assert file["status"] == "failed"
        assert case.expect in file["detail"], file["detail"]
        assert summary.failed == {case.name: file["detail"]}
        assert counts == (0, 0, 0, 0) and not stored
        return
    assert file["status"] == "loaded", file["detail"]
    assert counts == case.expect
    assert len(stored) == file["rows_loaded"] and len(rejected) == file["rows_rejected"]
    for column, value in case.recorded.items():
        assert file[column] == value, column

    for response_id, expected in case.stored.items():
        for column, value in expected.items():
            got = stored[response_id][column]
            got = str(got) if isinstance(got, dt.date) and isinstance(value, str) else got
            assert got == value, (response_id, column)

    reasons = dict(rejected.select("row_number", "reason").iter_rows())
    for row, words in case.reasons.items():
        for word in words:
            assert word in reasons[row], (row, reasons[row])
    set_aside = {}
    for row in answers.iter_rows(named=True):
        set_aside[row["row_number"]] = set_aside.get(row["row_number"], "") + row["reason"]
    assert sorted(set_aside) == sorted(case.answers) and file["answers_rejected"] == len(answers)
    for row, words in case.answers.items():
        for word in words:
            assert word in set_aside[row], (row, set_aside[row])
    for record in rejected.get_column("raw_record"):  # raw content kept, as JSON
        assert isinstance(json.loads(record), dict)


def test_each_kind_of_file_is_loaded_once_whatever_its_name(tmp_path: Path) -> None:
    """Every corpus file dropped together, then again under new names: nothing loads twice."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    plain = [c for c in CASES if not c.source and not isinstance(c.expect, str)]
    for case in plain:
        (inbox / case.name).write_bytes(case.content)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        warehouse.create_schema(conn)
        first = ingest_inbox(conn, _settings({}), inbox, NOW)
        for case in plain:
            (inbox / case.name).rename(inbox / f"renamed_{case.name}")
        second = ingest_inbox(conn, _settings({}), inbox, NOW)
        loaded = conn.sql("SELECT count(*) FROM raw.responses").fetchall()[0][0]
    assert loaded == first.files["rows_loaded"].sum()
    statuses = set(second.files.get_column("status"))
    assert statuses == {"duplicate_file"} and second.files["rows_loaded"].sum() == 0
    assert (second.files["rows_duplicate"] == second.files["rows_read"]).all()


# --- property: arbitrary bytes never crash the load and keep the accounting identity ----------

CELL = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12
) | st.sampled_from(["9", "Satisfied", "2026-11-16 10:00", "N/A", '"', '""', ";", "\r", "\n"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=400)
    | st.lists(st.lists(CELL, max_size=8), max_size=6).map(
        lambda rows: "\n".join(",".join(r) for r in rows).encode()
    ),
    header=st.sampled_from([",".join(HEADER), ";".join(HEADER), "", "id,date"]),
    encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "mac_roman"]),
)
def test_any_bytes_in_a_csv_shaped_file_load_or_are_rejected_never_crash(
    body: bytes, header: str, encoding: str
) -> None:
    settings_ = _settings({})
    data = header.encode(encoding, errors="replace") + b"\n" + body
    read = read_inbox_file("any.csv", data, settings_.sources[0], settings_, NOW)
    if read.status == "failed":
        assert read.detail  # a reason a person can read
        return
    result = read.result
    assert result.rows_read == result.responses.height + result.rejected.height + result.duplicates
    assert result.rejected.get_column("reason").str.len_chars().min() or result.rejected.is_empty()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    files=st.lists(
        st.tuples(
            st.sampled_from(["a.csv", "b.csv", "c.jsonl", "d.json", "e.xlsx", "f.txt"]),
            st.binary(max_size=300)
            | st.lists(st.lists(CELL, max_size=7), max_size=5).map(
                lambda rows: (
                    "id,date,csat,nps,effort,comment\n" + "\n".join(map(",".join, rows))
                ).encode()
            ),
        ),
        max_size=4,
        unique_by=lambda f: f[0],
    )
)
def test_any_inbox_loads_into_the_warehouse_with_every_row_accounted_for(files) -> None:
    """Whole inboxes of arbitrary files go through to DuckDB: no crash, identity per file, and
    the warehouse holds exactly what ops.files says was loaded."""
    with tempfile.TemporaryDirectory() as folder:
        inbox = Path(folder)
        for name, content in files:
            (inbox / name).write_bytes(content)
        with duckdb.connect() as conn:
            warehouse.create_schema(conn)
            summary = ingest_inbox(conn, _settings({}), inbox, NOW)
            loaded = conn.sql("SELECT count(*) FROM raw.responses").fetchall()[0][0]
            rejected = conn.sql("SELECT count(*) FROM ops.rejected_rows").fetchall()[0][0]
    table = summary.files
    assert len(table) == len(files)
    assert (
        table["rows_read"]
        == table["rows_loaded"] + table["rows_rejected"] + table["rows_duplicate"]
    ).all()
    assert loaded == table["rows_loaded"].sum() and rejected == table["rows_rejected"].sum()
    assert table.filter(pl.col("status") == "failed")["detail"].str.len_chars().min() != 0
