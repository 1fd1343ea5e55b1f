"""Writing audit records inside the caller's transaction, reading them, verifying the chain."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from shailoo.audit.chain import GENESIS_HASH, ChainEntry, ChainFault, change_digest, record_hash
from shailoo.audit.chain import verify_chain as _verify_chain
from shailoo.audit.models import AuditHead, AuditRecord
from shailoo.kit.clock import utcnow
from shailoo.kit.rawsql import Raw, TableRows


def record(
    session: Session, actor: str, action: str, object_type: str, object_id: str | int,
    change: dict[str, Any],
) -> int:
    """Append one record to the chain in the caller's (uncommitted) transaction; return its
    sequence number. The chain head row is locked, so concurrent writers queue up."""
    return record_many(session, [Entry(actor, action, object_type, object_id, change)])[0]


@dataclass(frozen=True)
class Entry:
    """One state change to record."""

    actor: str
    action: str
    object_type: str
    object_id: str | int
    change: dict[str, Any]


_RECORD_ROWS = TableRows(cast(Table, AuditRecord.__table__), (
    "seq", "at", "actor", "action", "object_type", "object_id", "change", "change_digest",
    "prev_hash", "record_hash"))


def record_many(session: Session, entries: list[Entry]) -> list[int]:
    """Append several records in order, with one lock of the chain head; return their
    sequence numbers. (Driver-level statements: every upload of election night passes
    here; see kit.rawsql.)"""
    if not entries:
        return []
    raw = Raw(session)
    lock = " FOR UPDATE" if raw.postgres else ""
    head = raw.execute("SELECT seq, record_hash FROM audit_head WHERE id = 1" + lock)
    if not head:
        raw.send("INSERT INTO audit_head (id, seq, record_hash) VALUES (1, 0, ?)",
                 [GENESIS_HASH])
        seq, prev_hash = 0, GENESIS_HASH
    else:
        seq, prev_hash = head[0]
    at = utcnow()
    rows: list[dict[str, Any]] = []
    for entry in entries:
        seq += 1
        cdigest = change_digest(entry.change)
        rhash = record_hash(prev_hash, seq, at, entry.actor, entry.action, entry.object_type,
                            str(entry.object_id), cdigest)
        rows.append({"seq": seq, "at": at, "actor": entry.actor, "action": entry.action,
                     "object_type": entry.object_type, "object_id": str(entry.object_id),
                     "change": entry.change, "change_digest": cdigest, "prev_hash": prev_hash,
                     "record_hash": rhash})
        prev_hash = rhash
    _RECORD_ROWS.insert(raw, rows)
    raw.send("UPDATE audit_head SET seq = ?, record_hash = ? WHERE id = 1", [seq, prev_hash])
    return [r["seq"] for r in rows]


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of walking the chain."""

    checked: int
    head_seq: int
    head_hash: str
    fault: ChainFault | None

    @property
    def intact(self) -> bool:
        """True when no record was altered, deleted or inserted."""
        return self.fault is None


def _entries(session: Session) -> Iterator[ChainEntry]:
    rows = session.execute(select(AuditRecord).order_by(AuditRecord.seq).execution_options(
        yield_per=2000, populate_existing=True)).scalars()
    for r in rows:
        yield ChainEntry(r.seq, r.at, r.actor, r.action, r.object_type, r.object_id, r.change,
                         r.change_digest, r.prev_hash, r.record_hash)


def verify(session: Session) -> VerifyResult:
    """Check the whole chain against the stored head; name the first bad record."""
    head = session.get(AuditHead, 1, populate_existing=True)
    head_seq, head_hash = (head.seq, head.record_hash) if head else (0, GENESIS_HASH)
    checked, fault = _verify_chain(_entries(session), head_seq, head_hash)
    return VerifyResult(checked, head_seq, head_hash, fault)


def list_records(session: Session, limit: int = 50, offset: int = 0) -> list[AuditRecord]:
    """Most recent records first."""
    return list(session.execute(
        select(AuditRecord).order_by(AuditRecord.seq.desc()).limit(limit).offset(offset)
    ).scalars())


def count_records(session: Session) -> int:
    """Number of records in the log."""
    return int(session.execute(select(func.count()).select_from(AuditRecord)).scalar_one())
