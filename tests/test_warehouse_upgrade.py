"""Upgrades: the warehouse file carries its schema version; a file from an older release is
backed up, then upgraded in place; one from a newer release is refused and left untouched."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import warehouse
from satisfaction_pipeline.defs.resources import open_warehouse
from satisfaction_pipeline.warehouse import (
    SCHEMA_VERSION,
    WarehouseUpgradeError,
    WarehouseVersionError,
    create_schema,
    file_version,
    upgrade,
)

NOW = dt.datetime(2026, 11, 23, 6, 0)


def _older_release(path: Path) -> None:
    """A warehouse as a release before versions (and before marts.responses.low_score) left
    it, with a response in it."""
    with duckdb.connect(str(path)) as conn:
        create_schema(conn)
        conn.execute("DROP TABLE ops.schema_version")
        conn.execute("ALTER TABLE marts.responses DROP COLUMN low_score")
        conn.execute(
            "INSERT INTO ops.email_log (week, report_sha256, recipients, message_id, status, "
            "logged_at) VALUES ('2026-11-09', 'abc', 'a@example.com', '<m@example.com>', "
            "'sent', '2026-11-16 06:10')"
        )


def _columns(path: Path, table: str) -> set[str]:
    schema, name = table.split(".")
    with duckdb.connect(str(path), read_only=True) as conn:
        return {
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ?",
                [schema, name],
            ).fetchall()
        }


def test_an_older_warehouse_is_backed_up_then_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "satisfaction.duckdb"
    _older_release(path)
    before = path.read_bytes()
    assert file_version(path) == 1

    backup = upgrade(path, "9.9.9", NOW)

    assert backup == tmp_path / "satisfaction.duckdb.schema-v1.20261123T060000.bak"
    assert backup.read_bytes() == before  # the file as it was, to restore if need be
    assert file_version(path) == SCHEMA_VERSION
    assert "low_score" in _columns(path, "marts.responses")
    with duckdb.connect(str(path), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM ops.email_log").fetchone()[0] == 1  # kept
        assert conn.execute(
            "SELECT version, release, backup FROM ops.schema_version"
        ).fetchall() == [(SCHEMA_VERSION, "9.9.9", str(backup))]
    assert upgrade(path, "9.9.9", NOW) is None  # up to date: nothing more


def test_a_new_warehouse_starts_at_the_current_version_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    assert upgrade(path, "9.9.9", NOW) is None
    assert file_version(path) == SCHEMA_VERSION
    assert list(tmp_path.glob("*.bak")) == []


def test_a_warehouse_from_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.duckdb"
    upgrade(path, "9.9.9", NOW)
    with duckdb.connect(str(path)) as conn:
        conn.execute("INSERT INTO ops.schema_version VALUES (99, ?, '99.0', NULL)", [NOW])
    before = path.read_bytes()
    with pytest.raises(WarehouseVersionError, match=r"version 99, written by a newer release"):
        upgrade(path, "9.9.9", NOW)
    assert path.read_bytes() == before and list(tmp_path.glob("*.bak")) == []

    # in a run, the same refusal is the step's failure, in words, without retries
    refused = pytest.raises(dg.Failure, match="Install the newer release again, or restore")
    with refused, open_warehouse(DuckDBResource(database=str(path))):
        pass


def test_the_pipeline_upgrades_an_older_warehouse_when_it_opens_it(tmp_path: Path) -> None:
    path = tmp_path / "old_in_a_run.duckdb"
    _older_release(path)
    with open_warehouse(DuckDBResource(database=str(path))) as conn:
        assert conn.execute("SELECT max(version) FROM ops.schema_version").fetchone()[0] == (
            SCHEMA_VERSION
        )
    assert len(list(tmp_path.glob("old_in_a_run.duckdb.schema-v1.*.bak"))) == 1


def test_a_failed_upgrade_changes_nothing_and_retries_make_no_more_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A next release whose migration breaks: the file stays at its version, and trying again
    (every step of every run does) reuses the one backup instead of filling the disk."""
    path = tmp_path / "satisfaction.duckdb"
    upgrade(path, "2.0", NOW)
    before = path.read_bytes()
    current, following = SCHEMA_VERSION, SCHEMA_VERSION + 1
    broken = tmp_path / f"{following:03d}_breaks.sql"
    broken.write_text("ALTER TABLE ops.files RENAME COLUMN no_such_column TO reason;")
    monkeypatch.setattr(warehouse, "SCHEMA_VERSION", following)
    monkeypatch.setattr(warehouse, "_migrations", lambda above: [broken])
    failed = f"from schema version {current} to {following} failed"
    for attempt in range(2):
        with pytest.raises(WarehouseUpgradeError, match=failed):
            upgrade(path, "3.0", NOW + dt.timedelta(minutes=attempt))
    assert path.read_bytes() == before and file_version(path) == current
    assert len(list(tmp_path.glob("*.bak"))) == 1


def test_version_2_files_keyed_without_source_keep_their_rows(tmp_path: Path) -> None:
    """Version 3 keys the bookkeeping of files by source (one export may feed several): a
    version-2 file, with the keys it had and rows in them, keeps every row and takes a second
    source's reading of the same file."""
    path = tmp_path / "v2.duckdb"
    with duckdb.connect(str(path)) as conn:
        for ddl in sorted((warehouse.SQL_DIR / "ddl").glob("*.sql")):
            text = ddl.read_text(encoding="utf-8")
            conn.execute(
                text.replace(", source)", ")").replace(", source, row_number", ", row_number")
            )
        conn.execute("INSERT INTO ops.schema_version VALUES (2, ?, '2.0', NULL)", [NOW])
        conn.execute(
            "INSERT INTO ops.files (file_name, file_sha256, source, format, size_bytes, rows_read, "
            "rows_loaded, rows_rejected, rows_duplicate, ingested_at, answers_rejected) "
            "VALUES ('s.csv', 'abc', 'support', 'csv', 10, 2, 1, 1, 0, ?, 1)",
            [NOW],
        )
        conn.execute(
            "INSERT INTO ops.rejected_rows VALUES "
            "('s.csv', 'abc', 'support', 3, 'date', 'bad', '{}')"
        )
        with pytest.raises(duckdb.ConstraintException):  # the old key: one reading per file
            conn.execute(
                "INSERT INTO ops.rejected_rows VALUES "
                "('s.csv', 'abc', 'delivery', 3, 'date', 'bad', '{}')"
            )
    upgrade(path, "3.0", NOW)
    with duckdb.connect(str(path)) as conn:
        assert conn.execute(
            "SELECT source, rows_read, answers_rejected FROM ops.files"
        ).fetchall() == [("support", 2, 1)]
        conn.execute(
            "INSERT INTO ops.rejected_rows VALUES "
            "('s.csv', 'abc', 'delivery', 3, 'date', 'bad', '{}')"
        )
        assert conn.execute("SELECT count(*) FROM ops.rejected_rows").fetchall() == [(2,)]
        assert conn.execute("SELECT count(*) FROM ops.unreadable_files").fetchall() == [(0,)]
