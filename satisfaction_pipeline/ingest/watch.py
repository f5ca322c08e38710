"""Which exports of the inbox are new or changed and finished, for the inbox sensor.

Known by content, not by time: a file whose bytes are those already seen does not count, however
often it is touched or copied over itself. Finished: its modification time is at least
`settle_seconds` old, the same rule the ingestion run applies (a file still being copied in
keeps a fresh modification time), so the sensor never asks for a run that would leave the file
out. An export still being written is left for a later look.

The state between looks is a JSON-able dict (the sensor's cursor, stored with every tick: kept
small): `{name: {"size", "mtime_ns", "ctime_ns", "ino", "sha" (the first 128 bits of the SHA-256
of the content last seen finished), "settled"}}`. ctime and the inode catch a file replaced by
one of the same size and modification time (`cp -p`, `rsync -t`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.ingest.inbox import matching_files


@dataclass(frozen=True)
class Look:
    ready: list[str]  # new or changed, finished: worth an ingestion run
    settling: list[str]  # changed, perhaps still being written
    state: dict[str, dict]  # the cursor for the next look


def exports(settings: Settings, inbox: Path) -> dict[str, Path]:
    """The inbox's files that some source's pattern matches, by their name in the inbox."""
    if not inbox.is_dir():
        return {}
    found = {}
    for source in settings.sources:
        for path in matching_files(inbox, source):
            found[path.relative_to(inbox).as_posix()] = path
    return found


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, read a megabyte at a time (exports can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def look(files: dict[str, Path], state: dict[str, dict], now: float, settle_seconds: int) -> Look:
    """Compare the files with the state of the last look (`now`: epoch seconds)."""
    ready, settling, following = [], [], {}
    for name, path in sorted(files.items()):
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed between the listing and now
            continue
        before = state.get(name, {})
        entry = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
                 "ctime_ns": stat.st_ctime_ns, "ino": stat.st_ino}  # fmt: skip
        same = all(before.get(key) == value for key, value in entry.items())
        if same and before.get("settled"):
            following[name] = before
            continue
        if now - stat.st_mtime_ns / 1e9 < settle_seconds:
            following[name] = entry | {"sha": before.get("sha"), "settled": False}
            settling.append(name)
            continue
        digest = file_sha256(path)[:32]
        following[name] = entry | {"sha": digest, "settled": True}
        if digest != before.get("sha"):
            ready.append(name)
    return Look(ready, settling, following)
