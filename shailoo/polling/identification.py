"""Identifications on polling day: a device's signed batch in, an answer per voter out, one
ballot per person across all stations.

The ballot ledger's primary key (election, PIN) decides races: when the same voter is
identified at two stations at once, the second insert finds the first (PostgreSQL waits for
the first transaction, SQLite serialises writers), so exactly one station issues a ballot and
the other is told where and when the voter already voted, and an incident is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.errors import InvalidInput
from shailoo.kit.clock import utcnow
from shailoo.kit.hashing import digest
from shailoo.polling import service as devices
from shailoo.polling.models import BallotIssue, IdentificationEvent, PollingIncident
from shailoo.polling.rules import Answer, Placement, answer_before_ballot, method_problem
from shailoo.polling.schemas import IdentificationBatchIn
from shailoo.register import service as register


@dataclass(frozen=True)
class EventAnswer:
    """The answer to one identification (the same when the batch is sent again)."""

    event_id: str
    answer: str
    detail: str | None
    repeated: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"event_id": self.event_id, "answer": self.answer, "detail": self.detail,
                "repeated": self.repeated}


def _insert_ballot(session: Session, row: dict[str, Any]) -> bool:
    """Insert a ballot unless the voter has one; True when this insert made it."""
    table = cast(Table, BallotIssue.__table__)
    if session.get_bind().dialect.name == "postgresql":
        stmt: Any = postgresql.insert(table).values(**row).on_conflict_do_nothing()
    else:
        stmt = sqlite.insert(table).values(**row).on_conflict_do_nothing()
    return session.execute(stmt.returning(table.c.pin)).first() is not None


def record_batch(session: Session, batch: IdentificationBatchIn) -> list[EventAnswer]:
    """Check the device's signature, then answer each identification in order: issue a
    ballot, already voted (where and when), not on this list (where listed), not on any list,
    or not eligible. Events already received are answered as they were, not counted again."""
    for event in batch.events:
        problem = method_problem(event.method, event.fallback_reason)
        if problem:
            raise InvalidInput("polling.bad_identification", f"event {event.event_id}: {problem}",
                               event_id=event.event_id)
    with unit_of_work(session):
        actor = devices.verify_upload(session, batch.device_id, "identification", batch.station,
                                      batch.document(), batch.signature)
        elections.public_get_election(session, batch.election_id)
        ids = [e.event_id for e in batch.events]
        known = {r.event_id: r for r in session.execute(select(IdentificationEvent).where(
            IdentificationEvent.event_id.in_(ids))).scalars()}
        fresh = [e for e in batch.events if e.event_id not in known]
        places = register.placements(session, batch.election_id, [e.pin for e in fresh])
        now = utcnow()
        answers: list[EventAnswer] = []
        counts: dict[str, int] = {}
        for event in batch.events:
            if event.event_id in known:
                old = known[event.event_id]
                answers.append(EventAnswer(old.event_id, old.outcome, old.detail, True))
                continue
            station, exclusion = places.get(event.pin, (None, None))
            answer, detail = answer_before_ballot(batch.station, Placement(station, exclusion))
            if answer is Answer.ISSUE and not _insert_ballot(session, {
                    "election_id": batch.election_id, "pin": event.pin,
                    "station_code": batch.station, "event_id": event.event_id,
                    "issued_at": event.at}):
                answer, detail = Answer.ALREADY_VOTED, _where_voted(session, batch.election_id,
                                                                    event.pin)
                session.add(PollingIncident(
                    election_id=batch.election_id, kind="second_vote_attempt",
                    station_code=batch.station, pin=event.pin, event_id=event.event_id,
                    detail=f"already voted: {detail}", at=now))
            session.add(IdentificationEvent(
                event_id=event.event_id, election_id=batch.election_id,
                device_id=batch.device_id, station_code=batch.station, pin=event.pin,
                method=event.method, fallback_reason=event.fallback_reason,
                identified_at=event.at, received_at=now, outcome=answer.value, detail=detail))
            known[event.event_id] = IdentificationEvent(event_id=event.event_id,
                                                        outcome=answer.value, detail=detail)
            answers.append(EventAnswer(event.event_id, answer.value, detail, False))
            counts[answer.value] = counts.get(answer.value, 0) + 1
        session.flush()
        if counts:
            audit.record(session, actor, "polling.identifications_received", "station",
                         batch.station, {"election_id": batch.election_id, "answers": counts,
                                         "batch": digest(batch.document())})
    return answers


def _where_voted(session: Session, election_id: int, pin: str) -> str:
    row = session.execute(select(BallotIssue.station_code, BallotIssue.issued_at).where(
        BallotIssue.election_id == election_id, BallotIssue.pin == pin)).first()
    if row is None:
        return "elsewhere"
    at: datetime = row[1]
    return f"station {row[0]} at {at.isoformat()}"


def incidents(session: Session, election_id: int) -> list[dict[str, Any]]:
    """Polling-day incidents of an election, oldest first."""
    rows = session.execute(select(PollingIncident).where(
        PollingIncident.election_id == election_id).order_by(PollingIncident.id)).scalars()
    return [{"id": r.id, "kind": r.kind, "station": r.station_code, "pin": r.pin,
             "event_id": r.event_id, "detail": r.detail, "at": r.at.isoformat()} for r in rows]


def ballots_by_station(session: Session, election_id: int) -> dict[str, int]:
    """Ballots issued per station (identified voters)."""
    return {code: int(n) for code, n in session.execute(
        select(BallotIssue.station_code, func.count()).where(
            BallotIssue.election_id == election_id).group_by(BallotIssue.station_code))}


def turnout_by_region(session: Session, election_id: int) -> list[dict[str, Any]]:
    """Per region (and abroad): voters on the lists, voters identified, and the share."""
    from shailoo.geography import service as geography
    from shailoo.register import lists

    paths = geography.station_paths(session)
    listed: dict[str, int] = {}
    for code, n in lists.station_sizes(session, election_id).items():
        region = paths[code][0].region_code if code in paths else None
        listed[region or "abroad"] = listed.get(region or "abroad", 0) + n
    identified: dict[str, int] = {}
    for code, n in ballots_by_station(session, election_id).items():
        region = paths[code][0].region_code if code in paths else None
        identified[region or "abroad"] = identified.get(region or "abroad", 0) + n
    return [{"region": region, "registered": listed.get(region, 0),
             "identified": identified.get(region, 0),
             "turnout": round(identified.get(region, 0) / listed[region], 4)
             if listed.get(region) else None}
            for region in sorted(set(listed) | set(identified))]
