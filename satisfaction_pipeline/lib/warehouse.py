"""The DuckDB warehouse: schema creation, named SQL from `sql/`, and all-or-nothing writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"


@cache
def sql(name: str) -> str:
    """The text of `sql/<name>.sql`, e.g. `sql("marts/delete_responses")`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def create_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and tables that do not exist yet (the DDL files, in name order)."""
    for path in sorted((SQL_DIR / "ddl").glob("*.sql")):
        conn.execute(path.read_text(encoding="utf-8"))


def query(conn: duckdb.DuckDBPyConnection, name: str, **frames_and_params: Any) -> pl.DataFrame:
    """Run a named SELECT and return its rows as a Polars frame (arguments as for `execute`)."""
    with _bound(conn, frames_and_params) as params:
        return conn.sql(sql(name), params=params or None).pl()


def execute(conn: duckdb.DuckDBPyConnection, name: str, **frames_and_params: Any) -> None:
    """Run a named statement; Polars frames among the arguments are visible to it by name, the
    other arguments are its `$named` parameters."""
    with _bound(conn, frames_and_params) as params:
        conn.execute(sql(name), params or None)


@contextmanager
def _bound(conn: duckdb.DuckDBPyConnection, arguments: dict[str, Any]) -> Iterator[dict[str, Any]]:
    frames = {k: v for k, v in arguments.items() if isinstance(v, pl.DataFrame)}
    for key, frame in frames.items():
        # Arrow with string views: Polars' own layout, handed over without copying the text
        conn.register(key, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        yield {k: v for k, v in arguments.items() if k not in frames}
    finally:
        for key in frames:
            conn.unregister(key)


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Commit everything written inside the block, or nothing if it raises."""
    conn.begin()
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def week_range(weeks: list[dt.date]) -> dict[str, dt.date]:
    """SQL parameters covering a run of consecutive weeks: [first Monday, last Monday + 7 days)."""
    return {"week_start": min(weeks), "week_end": max(weeks) + dt.timedelta(days=7)}
