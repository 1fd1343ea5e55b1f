"""Driver-level statements: the same rows as the ORM writes, in the session's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from shailoo.audit.models import AuditRecord
from shailoo.kit.rawsql import Raw, TableRows, reader

RECORDS = TableRows(cast(Table, AuditRecord.__table__), (
    "seq", "at", "actor", "action", "object_type", "object_id", "change", "change_digest",
    "prev_hash", "record_hash"))


def _row(seq: int, change: dict[str, object]) -> dict[str, object]:
    return {"seq": seq, "at": datetime(2026, 11, 27, 5, 6, 7, 891011, tzinfo=UTC),
            "actor": "user:айгүл", "action": "test.raw", "object_type": "thing",
            "object_id": str(seq), "change": change, "change_digest": "d" * 64,
            "prev_hash": "0" * 64, "record_hash": f"{seq:064d}"}


def test_inserted_rows_read_back_through_the_orm_unchanged(session: Session) -> None:
    change = {"name": "Бишкек", "votes": [1, 2, 3], "nested": {"ok": True}}
    RECORDS.insert(Raw(session), [_row(900_001, change), _row(900_002, {})])
    stored = session.execute(select(AuditRecord).where(AuditRecord.seq >= 900_001)
                             .order_by(AuditRecord.seq)).scalars().all()
    assert [r.seq for r in stored] == [900_001, 900_002]
    assert stored[0].change == change
    assert stored[0].actor == "user:айгүл"
    assert stored[0].at == datetime(2026, 11, 27, 5, 6, 7, 891011, tzinfo=UTC)


def test_statements_share_the_session_transaction(session: Session) -> None:
    RECORDS.insert(Raw(session), [_row(900_003, {"a": 1})])
    session.rollback()
    assert session.get(AuditRecord, 900_003) is None


def test_pending_orm_changes_are_visible_to_a_raw_read(session: Session) -> None:
    session.add(AuditRecord(**_row(900_004, {"b": 2})))  # not flushed yet
    raw = Raw(session)
    rows = raw.execute("SELECT seq, change FROM audit_records WHERE seq = ?", [900_004])
    read = reader(raw, cast(Table, AuditRecord.__table__), "change")
    assert [(seq, read(change)) for seq, change in rows] == \
        [(900_004, {"b": 2})]


def test_in_list_matches_exactly_the_given_values(session: Session) -> None:
    RECORDS.insert(Raw(session), [_row(s, {}) for s in (900_010, 900_011, 900_012)])
    raw = Raw(session)
    condition, args = raw.in_list("seq", [900_010, 900_012, 900_099])
    rows = raw.execute(f"SELECT seq FROM audit_records WHERE {condition} ORDER BY seq", args)
    assert [r[0] for r in rows] == [900_010, 900_012]


def test_nothing_to_insert_runs_nothing(session: Session) -> None:
    RECORDS.insert(Raw(session), [])
    raw = Raw(session)
    raw.executemany("INSERT INTO no_such_table VALUES (?)", [])  # not sent at all
    assert raw.execute("SELECT count(*) FROM audit_records WHERE seq >= 900000")[0][0] == 0


def test_a_naive_timestamp_is_refused_as_the_orm_refuses_it(session: Session) -> None:
    row = _row(900_020, {}) | {"at": datetime(2026, 11, 27, 5, 6, 7)}
    with pytest.raises(ValueError, match="naive datetime"):
        RECORDS.insert(Raw(session), [row])


def test_statements_sent_together_are_written_and_a_query_sees_them(session: Session) -> None:
    raw = Raw(session)
    with raw.together():
        RECORDS.insert(raw, [_row(900_040, {})])
        RECORDS.insert(raw, [_row(900_041, {})])
        rows = raw.execute("SELECT seq FROM audit_records WHERE seq >= ? ORDER BY seq",
                           [900_040])
        RECORDS.insert(raw, [_row(900_042, {})])
    assert rows == [(900_040,), (900_041,)]
    assert session.get(AuditRecord, 900_042) is not None


def test_an_error_among_statements_sent_together_surfaces_and_rolls_back(
        session: Session) -> None:
    raw = Raw(session)
    with pytest.raises(Exception) as refused, raw.together():  # the driver's own class
        RECORDS.insert(raw, [_row(900_030, {})])
        RECORDS.insert(raw, [_row(900_030, {})])  # the same sequence number again
    assert type(refused.value).__name__ in {"IntegrityError", "UniqueViolation"}
    session.rollback()
    assert session.get(AuditRecord, 900_030) is None
