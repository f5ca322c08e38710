"""Exactly once: whether a week's report e-mail goes out, from its earlier attempts.

`ops.email_log` keeps one row per attempt. A week whose report was sent (or written to the
outbox) with the same content hash is not sent again; a changed report is sent again only when
asked (`resend`). The hash covers what the message carries that can change: report.html and the
CSV files (report.pdf embeds its creation time, so it would differ on every render of the same
report).

At most once, when a run is killed mid-send: an attempt is logged `sending` once connected and
logged in, just before the message leaves, and settled after the server answers, so a run killed
in between (the server may or may not have taken it) leaves `sending` behind. Nobody can tell
from here whether the message arrived, and a second copy is worse for a manager than a
question: the next run sends nothing and says so loudly (`interrupted`); `--resend` then sends
it again under the interrupted attempt's Message-ID, so that a mail server or client that got
the first copy can drop the second as a duplicate.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

ATTACHED_CSV = ("action_list.csv", "follow_up.csv")


def report_hash(folder: Path) -> str:
    """SHA-256 of report.html and the CSV files beside it: what says the report changed."""
    digest = hashlib.sha256()
    for name in ("report.html", *ATTACHED_CSV):
        path = folder / name
        if path.exists():
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


Decision = Literal["send", "already_sent", "changed", "interrupted"]

# "sending": cut off mid-send, it may have left; "interrupted": such an attempt, sent again
DELIVERED = ("sent", "written", "sending", "interrupted")


def decide(history: list[tuple[str, str]], report_sha256: str, resend: bool) -> Decision:
    """Whether a week's report goes out, given its earlier attempts (hash, status), oldest
    first: yes the first time, or when asked; not when this report went out; not after an
    attempt cut off mid-send (`interrupted`: it may have arrived); for a changed report only
    when asked, unless the last try of this very report failed (a failed --resend is retried
    by the next run)."""
    delivered = [h for h, status in history if status in DELIVERED]
    if resend or not delivered:
        return "send"
    if history[-1][1] == "sending":
        return "interrupted"
    if report_sha256 in delivered:
        return "already_sent"
    mine = [status for h, status in history if h == report_sha256]
    return "send" if mine and mine[-1] == "failed" else "changed"
