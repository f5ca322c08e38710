"""Archiving exports out of the inbox once ingested (`inbox.archive_after_days`): the inbox
stays small and every file is still kept, under the archive folder with its inbox path.

Only a file whose current bytes are the ones ingested moves: one changed since, or one that
failed to load, stays for the next run. Nothing is deleted, except an inbox copy whose exact
bytes are already in the archive under its name, and that is reported like any move.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl

from satisfaction_pipeline.ingest.watch import file_sha256


def _free_name(target: Path) -> Path:
    """`name~2.csv`, `name~3.csv`…: beside an archived file of the same name, other bytes."""
    for k in range(2, 10_000):
        candidate = target.with_name(f"{target.stem}~{k}{target.suffix}")
        if not candidate.exists():
            return candidate
    raise FileExistsError(f"no free name beside {target}")


class ArchiveError(Exception):
    """The archive folder cannot be used: it would overlap the inbox."""


def check_folders(inbox: Path, archive: Path) -> tuple[Path, Path]:
    """The two folders resolved; refused when one is the other or inside it (a typo in
    SATISFACTION_ARCHIVE would otherwise have the archive 'already hold' every inbox file)."""
    inbox, archive = inbox.resolve(), archive.resolve()
    if archive == inbox or archive.is_relative_to(inbox) or inbox.is_relative_to(archive):
        raise ArchiveError(
            f"the archive folder {archive} overlaps the inbox {inbox}: set SATISFACTION_ARCHIVE "
            "to a folder outside it"
        )
    return inbox, archive


def archive_ingested(
    inbox: Path, archive: Path, ingested: pl.DataFrame, now: dt.datetime, after_days: int
) -> list[tuple[str, Path, str]]:
    """Move the inbox's exports ingested at least `after_days` ago (`ingested`: file_name,
    file_sha256, ingested_at, as in sql/ingest/archivable_files.sql) to `archive`. Returns
    (inbox name, archived path, what was done) for each."""
    inbox, archive = check_folders(inbox, archive)
    cutoff = now - dt.timedelta(days=after_days)
    done = []
    for name, digest, ingested_at in ingested.select(
        "file_name", "file_sha256", "ingested_at"
    ).iter_rows():
        source = (inbox / name).resolve()
        target = (archive / name).resolve()
        if not (source.is_relative_to(inbox) and target.is_relative_to(archive)):
            continue  # a name reaching out of its folder: never touched
        if ingested_at > cutoff or not source.is_file() or file_sha256(source) != digest:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and file_sha256(target) == digest:
            source.unlink()
            done.append((name, target, "already in the archive: inbox copy removed"))
            continue
        if target.exists():
            target = _free_name(target)
        shutil.move(source, target)
        if file_sha256(target) != digest:  # written to between the check and the move
            shutil.move(target, source)
            continue
        done.append((name, target, "moved"))
    return done
