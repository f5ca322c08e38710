"""Issue #11: the survey rules that make our figures match the survey tools' — test and spam
responses, one vote per customer, what the denominator is, CES versions, French labels, privacy
thresholds, rates — each on a small hand-made export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from satisfaction_pipeline.lib import warehouse
from satisfaction_pipeline.lib.ingest import ingest_inbox

from .conftest import generic_settings

NOW = dt.datetime(2026, 11, 23, 6, 0)
WEEK = {"week_start": dt.date(2026, 11, 16), "week_end": dt.date(2026, 11, 23)}


@pytest.fixture
def conn(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    warehouse.create_schema(connection)
    yield connection
    connection.close()


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
