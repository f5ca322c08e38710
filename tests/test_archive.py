"""Archiving ingested exports out of the inbox: only what was ingested, long enough ago, with
the very bytes ingested; nothing lost, every move reported."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from satisfaction_pipeline.cli import main
from satisfaction_pipeline.config.paths import Paths
from satisfaction_pipeline.ingest.archive import ArchiveError, archive_ingested

from .conftest import LAST_WEEK

NOW = dt.datetime(2026, 11, 23, 6, 0)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_only_old_unchanged_ingested_files_move_and_nothing_is_lost(tmp_path: Path) -> None:
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    (inbox / "2026").mkdir(parents=True)
    files = {
        "old.csv": b"id;note\n1;5\n",
        "2026/nested.csv": b"id;note\n2;4\n",
        "recent.csv": b"id;note\n3;3\n",
        "changed.csv": b"id;note\n4;2\n",  # recorded with other bytes: changed since
        "failed.csv": b"broken",  # not in the ingested list: it failed to load
        "twice.csv": b"id;note\n5;1\n",  # the archive has it already, same bytes
        "clash.csv": b"id;note\n6;1\n",  # the archive has another file of that name
    }
    for name, data in files.items():
        (inbox / name).write_bytes(data)
    (archive).mkdir()
    (archive / "twice.csv").write_bytes(files["twice.csv"])
    (archive / "clash.csv").write_bytes(b"older bytes")
    old = NOW - dt.timedelta(days=40)
    ingested = pl.DataFrame(
        {
            "file_name": ["old.csv", "2026/nested.csv", "recent.csv", "changed.csv",
                          "twice.csv", "clash.csv"],
            "file_sha256": [_sha(files["old.csv"]), _sha(files["2026/nested.csv"]),
                            _sha(files["recent.csv"]), _sha(b"earlier bytes"),
                            _sha(files["twice.csv"]), _sha(files["clash.csv"])],
            "ingested_at": [old, old, NOW - dt.timedelta(days=2), old, old, old],
        }
    )  # fmt: skip

    done = archive_ingested(inbox, archive, ingested, NOW, after_days=30)

    assert {
        name: (target.relative_to(archive).as_posix(), what) for name, target, what in done
    } == {
        "old.csv": ("old.csv", "moved"),
        "2026/nested.csv": ("2026/nested.csv", "moved"),
        "twice.csv": ("twice.csv", "already in the archive: inbox copy removed"),
        "clash.csv": ("clash~2.csv", "moved"),
    }
    assert sorted(p.name for p in inbox.rglob("*") if p.is_file()) == [
        "changed.csv", "failed.csv", "recent.csv"
    ]  # fmt: skip
    assert (archive / "clash.csv").read_bytes() == b"older bytes"  # never overwritten
    assert (archive / "clash~2.csv").read_bytes() == files["clash.csv"]
    every_byte = [p.read_bytes() for p in [*inbox.rglob("*"), *archive.rglob("*")] if p.is_file()]
    assert all(data in every_byte for data in files.values())  # nothing lost


def test_the_run_archives_what_it_ingested_and_a_rerun_is_unchanged(
    pipeline_env: Paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, archive = tmp_path / "own_inbox", tmp_path / "own_archive"
    shutil.copytree(pipeline_env.inbox, inbox)
    config = yaml.safe_load(pipeline_env.config.read_text(encoding="utf-8"))
    config["inbox"] = {"archive_after_days": 0}
    path = tmp_path / "archiving.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    for variable, value in {"SATISFACTION_CONFIG": path, "SATISFACTION_INBOX": inbox,
                            "SATISFACTION_ARCHIVE": archive}.items():  # fmt: skip
        monkeypatch.setenv(variable, str(value))
    names = sorted(p.name for p in inbox.iterdir())

    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        failed = {r[0] for r in conn.execute(
            "SELECT file_name FROM ops.files WHERE status = 'failed'").fetchall()}  # fmt: skip
        responses = conn.execute("SELECT count(*) FROM raw.responses").fetchone()[0]
    assert sorted(p.name for p in archive.iterdir()) == sorted(set(names) - failed)
    assert sorted(p.name for p in inbox.iterdir()) == sorted(failed)

    assert main(["run", "--week", LAST_WEEK.isoformat()]) == 0  # the archive is not re-read
    with duckdb.connect(str(pipeline_env.warehouse), read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM raw.responses").fetchone()[0] == responses


@pytest.mark.parametrize("where", ["inbox", "inbox/sub", "."])
def test_an_archive_folder_overlapping_the_inbox_is_refused(tmp_path: Path, where: str) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    export = inbox / "support.csv"
    export.write_bytes(b"id;note\n1;5\n")
    ingested = pl.DataFrame(
        {"file_name": ["support.csv"], "file_sha256": [_sha(export.read_bytes())],
         "ingested_at": [NOW - dt.timedelta(days=400)]}
    )  # fmt: skip
    with pytest.raises(ArchiveError, match="overlaps the inbox"):
        archive_ingested(inbox, tmp_path / where, ingested, NOW, after_days=30)
    assert export.read_bytes() == b"id;note\n1;5\n"


def test_a_name_reaching_out_of_the_inbox_is_never_touched(tmp_path: Path) -> None:
    inbox, archive, other = tmp_path / "inbox", tmp_path / "archive", tmp_path / "other"
    inbox.mkdir()
    other.mkdir()
    outside = other / "x.csv"
    outside.write_bytes(b"id\n1\n")
    ingested = pl.DataFrame(
        {"file_name": ["../other/x.csv"], "file_sha256": [_sha(b"id\n1\n")],
         "ingested_at": [NOW - dt.timedelta(days=400)]}
    )  # fmt: skip
    assert archive_ingested(inbox, archive, ingested, NOW, after_days=30) == []
    assert outside.exists()
