"""The DuckDB warehouse: schema creation, named SQL from `sql/`, and all-or-nothing writes."""

from __future__ import annotations

import datetime as dt
import errno
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"

# The version of the tables this release writes. 1: every file made before versions were kept;
# 2: ops.schema_version. Bump it with a file in sql/migrations/ (its README says when).
SCHEMA_VERSION = 3


class WarehouseUpgradeError(Exception):
    """The warehouse file cannot be brought to this release's schema; it is left unchanged."""


class WarehouseVersionError(WarehouseUpgradeError):
    """The warehouse file was written by a newer release than this one."""


# What DuckDB says of a file that is not a database, or a damaged one.
_UNREADABLE = (
    "not a valid DuckDB database file",
    "Corrupt database file",
    "Could not read enough bytes",
)


def latest_backup(path: Path) -> Path | None:
    """The newest copy of the warehouse file: one `satisfaction-pipeline backup` wrote
    (`backups/<name>.<UTC time>.duckdb` beside it), or one taken before an upgrade
    (`<file>.schema-v<N>.<time>.bak`)."""
    copies = [
        *(path.parent / "backups").glob(f"{path.stem}.*.duckdb"),
        *path.parent.glob(f"{path.name}.schema-v*.bak"),
    ]
    return max(copies, key=lambda copy: copy.stat().st_mtime, default=None)


def explain_file_error(path: Path, exc: BaseException) -> str | None:
    """What went wrong with the warehouse file itself, and what to do, in words: a file that is
    not a DuckDB database or is damaged (with the last backup and how to restore it), a full
    disk, the file held by another program. None for any other error."""
    text = str(exc)
    full = (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "No space left" in text
    if isinstance(exc, OSError) and not str(exc.filename or "").startswith(str(path)):
        return None  # a file of someone else's (a report, a CSV)
    if any(sign in text for sign in _UNREADABLE):
        return f"the warehouse {path} is not a readable DuckDB database: {text}. " + _restore(path)
    if full:
        free = shutil.disk_usage(path.parent).free if path.parent.exists() else 0
        return (
            f"the disk of the warehouse {path} is full ({free // 1024} kB free): this step "
            "wrote nothing, its transaction was rolled back. Free space on that disk (or move "
            "the warehouse, SATISFACTION_WAREHOUSE), then run again."
        )
    if "Could not set lock" in text:
        return (
            f"the warehouse {path} is open in another program ({text.splitlines()[-1].strip()}). "
            "Close it (a SQL client, a notebook) and run again: DuckDB lets one process open "
            "the file while it is written."
        )
    return None


def _restore(path: Path) -> str:
    backup = latest_backup(path)
    wal = path.with_name(path.name + ".wal")
    aside = f"mv '{path}' '{path}.damaged'" + (
        f" && mv '{wal}' '{wal}.damaged'" if wal.exists() else ""
    )
    if backup is None:
        return (
            "No backup of it was found (`satisfaction-pipeline backup` writes them to "
            f"{path.parent / 'backups'}). Move the file aside ({aside}): "
            "the next run starts a new warehouse, and a backfill rebuilds the weeks from the "
            "exports in the inbox (put archived ones back there first)."
        )
    taken = dt.datetime.fromtimestamp(backup.stat().st_mtime, dt.UTC)
    return (
        f"The last backup is {backup} (taken {taken:%Y-%m-%d %H:%M} UTC). Restore it with: "
        f"{aside} && cp '{backup}' '{path}' — then backfill the weeks "
        "built since that backup."
    )


@cache
def sql(name: str) -> str:
    """The text of `sql/<name>.sql`, e.g. `sql("marts/delete_responses")`."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def conform(frame: Frame, schema: dict[str, pl.DataType]) -> Frame:
    """Give a frame (or a lazy one) exactly `schema`'s columns, in order and types, adding
    absent ones as nulls: what a table written with `INSERT … BY NAME` expects."""
    present = set(frame.collect_schema().names())
    return frame.select(
        (pl.col(name) if name in present else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in schema.items()
    )


def create_schema(conn: duckdb.DuckDBPyConnection) -> None:
    """Create the schemas and tables that do not exist yet (the DDL files, in name order)."""
    for path in sorted((SQL_DIR / "ddl").glob("*.sql")):
        conn.execute(path.read_text(encoding="utf-8"))


def _version(conn: duckdb.DuckDBPyConnection) -> int | None:
    """None for a file with no table yet, 1 for one made before versions were kept."""
    tables = {
        f"{schema}.{name}"
        for schema, name in conn.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
        ).fetchall()
    }
    if not tables:
        return None
    if "ops.schema_version" not in tables:
        return 1
    return conn.execute("SELECT max(version) FROM ops.schema_version").fetchone()[0] or 1


def file_version(path: Path) -> int | None:
    """The schema version of a warehouse file (None: no file, or no table in it yet). Opens it
    read-only, and closes it."""
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as conn:
        return _version(conn)


def back_up(path: Path, version: int, now: dt.datetime) -> Path:
    """A copy of the warehouse file (and its write-ahead log) beside it, before an upgrade. An
    earlier copy of the same version is kept instead: a failed upgrade changed nothing since,
    and retrying each step must not fill the disk with copies."""
    earlier = sorted(path.parent.glob(f"{path.name}.schema-v{version}.*.bak"))
    if earlier:
        return earlier[-1]
    backup = path.with_name(f"{path.name}.schema-v{version}.{now:%Y%m%dT%H%M%S}.bak")
    shutil.copy2(path, backup)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, backup.with_name(backup.name + ".wal"))
    return backup


def upgrade(path: Path, release: str, now: dt.datetime) -> Path | None:
    """Make the warehouse file at `path` ready for this release, before it is opened for writing:
    a new file is stamped with SCHEMA_VERSION once its tables exist; an older one is copied
    beside itself, then upgraded in place in one transaction (each migration above its version,
    then the DDL, which may refer to what the migrations made); a newer one is refused,
    untouched. Returns the backup, if one was needed."""
    version = file_version(path)
    if version is not None and version > SCHEMA_VERSION:
        raise WarehouseVersionError(
            f"{path} holds warehouse schema version {version}, written by a newer release; this "
            f"release ({release}) knows versions up to {SCHEMA_VERSION}. Install the newer "
            "release again, or restore a backup taken before the upgrade "
            "(its name ends in .bak, beside the file)."
        )
    if version == SCHEMA_VERSION:
        return None
    backup = back_up(path, version, now) if version is not None else None
    try:
        with duckdb.connect(str(path)) as conn, transaction(conn):
            current = _version(conn)  # another process may have upgraded it meanwhile
            if current == SCHEMA_VERSION:
                return backup
            for migration in _migrations(above=current or SCHEMA_VERSION):
                conn.execute(migration.read_text(encoding="utf-8"))
            create_schema(conn)
            conn.execute(
                "INSERT INTO ops.schema_version VALUES (?, ?, ?, ?)",
                [SCHEMA_VERSION, now, release, str(backup) if backup else None],
            )
    except duckdb.Error as exc:
        raise WarehouseUpgradeError(
            f"upgrading {path} from schema version {version} to {SCHEMA_VERSION} failed, and "
            f"the file is unchanged ({exc}). Its copy from before: {backup}."
        ) from exc
    return backup


def _migrations(above: int) -> list[Path]:
    """sql/migrations/NNN_*.sql with NNN above `above` and up to SCHEMA_VERSION, in order."""
    found = []
    for path in (SQL_DIR / "migrations").glob("[0-9][0-9][0-9]_*.sql"):
        number = int(path.name[:3])
        if above < number <= SCHEMA_VERSION:
            found.append((number, path))
    return [path for _, path in sorted(found)]


def query(conn: duckdb.DuckDBPyConnection, name: str, **frames_and_params: Any) -> pl.DataFrame:
    """Run a named SELECT and return its rows as a Polars frame (arguments as for `execute`)."""
    with _bound(conn, frames_and_params) as params:
        return conn.sql(sql(name), params=params or None).pl()


def query_without(
    conn: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str], **frames_and_params: Any
) -> pl.DataFrame:
    """A named SELECT's rows without `columns`, left out inside DuckDB: never fetched, they take
    no memory (arguments as for `execute`)."""
    with _bound(conn, frames_and_params) as params:
        query = f"SELECT * EXCLUDE ({', '.join(columns)}) FROM ({sql(name)})"
        return conn.sql(query, params=params or None).pl()


def summarise(
    conn: duckdb.DuckDBPyConnection, name: str, aggregates: str, **frames_and_params: Any
) -> tuple:
    """SQL `aggregates` ("count(*), min(week)") over the rows of a named SELECT, without
    fetching them (arguments as for `execute`)."""
    with _bound(conn, frames_and_params) as params:
        return conn.sql(
            f"SELECT {aggregates} FROM ({sql(name)})", params=params or None
        ).fetchall()[0]


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


# Responses (a group's weeks and the weeks they look back on) a step reads and computes at once:
# reading a year of a million responses at once takes DuckDB and Polars about 2 GB.
GROUP_ROWS = 400_000


def week_groups(
    conn: duckdb.DuckDBPyConnection,
    weeks: list[dt.date],
    look_back: int,
    max_rows: int | None = None,
) -> list[list[dt.date]]:
    """`weeks` in groups of consecutive ones, each holding, with the `look_back` weeks before
    it, at most `max_rows` responses of raw.responses, but at least `look_back` weeks (or one):
    so a group never reads more history than weeks of its own. A step that reads and computes
    one group at a time needs the memory of a few weeks, not of a year, and gives what it gives
    all at once: each week reads its own look-back either way."""
    weeks, max_rows = sorted(weeks), max_rows or GROUP_ROWS
    span = week_range(weeks) | {"week_start": weeks[0] - dt.timedelta(weeks=look_back)}
    sizes = dict(query(conn, "marts/count_week_responses", **span).iter_rows())

    def rows(first: dt.date, last: dt.date) -> int:
        start = first - dt.timedelta(weeks=look_back)
        return sum(n for week, n in sizes.items() if start <= week <= last)

    groups: list[list[dt.date]] = []
    for week in weeks:
        adjacent = groups and groups[-1][-1] == week - dt.timedelta(weeks=1)
        short = len(groups[-1]) < look_back if groups else False
        if adjacent and (short or rows(groups[-1][0], week) <= max_rows):
            groups[-1].append(week)
        else:
            groups.append([week])
    return groups


def stacked(frames: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """What a step computed group by group (`week_groups`), as one frame. A group may have no
    rows for a table (no battery items yet that year), and an empty frame's columns may have no
    type: it is left out, unless every group's is empty."""
    filled = [f for f in frames if not f.is_empty()]
    return pl.concat(filled) if filled else frames[0]
