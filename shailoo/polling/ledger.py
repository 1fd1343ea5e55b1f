"""Bulk reads and writes of the polling-day ledger (identification events, ballots issued).

On PostgreSQL each is one statement whatever the batch size: rows and lists travel as one
JSON text parameter (``json_to_recordset``), so the statement text never changes, nothing is
rendered per row and the driver adapts one string, not a list element by element. SQLite
gets the portable forms (its writers take turns anyway)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from shailoo.db import one_of, one_of_chunks
from shailoo.polling.models import BallotIssue, IdentificationEvent

EVENT_COLUMNS = ("event_id", "election_id", "device_id", "operator_id", "station_code", "pin",
                 "method", "fallback_reason", "identified_at", "received_at", "outcome",
                 "detail")
_EVENT_TYPES = ("varchar", "integer", "varchar", "varchar", "varchar", "varchar", "varchar",
                "text", "timestamptz", "timestamptz", "varchar", "varchar")
_CHUNK = 1000


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def known_events(session: Session, event_ids: Sequence[str]) -> dict[str, Any]:
    """Stored events among ``event_ids``: id -> row (pin, device, station, election,
    outcome, detail)."""
    out: dict[str, Any] = {}
    t = IdentificationEvent
    for chunk in one_of_chunks(session, event_ids):
        out.update((r.event_id, r) for r in session.execute(
            select(t.event_id, t.pin, t.device_id, t.station_code, t.election_id, t.outcome,
                   t.detail).where(one_of(session, t.event_id, chunk))))
    return out


def issue_ballots(session: Session, election_id: int, station: str,
                  firsts: Sequence[tuple[str, str, datetime]]) -> dict[str, str]:
    """Issue a ballot to each (pin, event id, when) whose voter has none in the election;
    return {pin: event id} of the ballots this call issued (one person, one ballot: the
    ledger's primary key decides races)."""
    if not firsts:
        return {}
    if _postgres(session):
        rows = session.execute(text(
            "INSERT INTO polling_ballots (election_id, pin, station_code, event_id, issued_at) "
            "SELECT :election, p, :station, e, t FROM json_to_recordset(CAST(:rows AS json)) "
            "AS u(p varchar, e varchar, t timestamptz) "
            "ON CONFLICT DO NOTHING RETURNING pin, event_id"),
            {"election": election_id, "station": station, "rows": json.dumps(
                [{"p": p, "e": e, "t": t.isoformat()} for p, e, t in firsts])})
        return {pin: event for pin, event in rows}
    table = cast(Table, BallotIssue.__table__)
    made: dict[str, str] = {}
    for start in range(0, len(firsts), _CHUNK):
        chunk = firsts[start:start + _CHUNK]
        stmt: Any = (sqlite.insert(table).values([
            {"election_id": election_id, "pin": p, "station_code": station, "event_id": e,
             "issued_at": t} for p, e, t in chunk])
            .on_conflict_do_nothing().returning(table.c.pin, table.c.event_id))
        made.update({pin: event for pin, event in session.execute(stmt)})
    return made


def store_events(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert identification events; return the ids actually inserted (on PostgreSQL an
    event another transaction stored meanwhile is skipped, for the caller to notice)."""
    if not rows:
        return set()
    if not _postgres(session):
        session.execute(insert(IdentificationEvent), list(rows))
        return {r["event_id"] for r in rows}
    record = ", ".join(f"{c} {t}" for c, t in zip(EVENT_COLUMNS, _EVENT_TYPES, strict=True))
    columns = ", ".join(EVENT_COLUMNS)
    stored = session.execute(text(
        f"INSERT INTO polling_identifications ({columns}) SELECT {columns} "
        f"FROM json_to_recordset(CAST(:rows AS json)) AS r({record}) "
        f"ON CONFLICT DO NOTHING RETURNING event_id"),
        {"rows": json.dumps([{**r, "identified_at": r["identified_at"].isoformat(),
                              "received_at": r["received_at"].isoformat()} for r in rows])})
    return set(stored.scalars())


def where_voted(session: Session, election_id: int, pins: Sequence[str]) -> dict[str, str]:
    """Where and when each voter of ``pins`` was given a ballot (those who were)."""
    out: dict[str, str] = {}
    for chunk in one_of_chunks(session, sorted(set(pins))):
        for pin, station, at in session.execute(select(
                BallotIssue.pin, BallotIssue.station_code, BallotIssue.issued_at).where(
                BallotIssue.election_id == election_id, one_of(session, BallotIssue.pin,
                                                               chunk))):
            out[pin] = f"station {station} at {at.isoformat()}"
    return out
