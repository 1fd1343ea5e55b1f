"""Identifications on polling day: a device's signed batch in, an answer per voter out, one
ballot per person across all stations.

The ballot ledger's primary key (election, PIN) decides races: when the same voter is
identified at two stations at once, the second insert finds the first (PostgreSQL waits for
the first transaction, SQLite serialises writers), so exactly one station issues a ballot and
the other is told where and when the voter already voted, and an incident is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.errors import Forbidden, InvalidInput
from shailoo.kit.clock import utcnow
from shailoo.kit.hashing import digest
from shailoo.polling import service as devices
from shailoo.polling.models import BallotIssue, IdentificationEvent, PollingIncident
from shailoo.polling.rules import Answer, Placement, answer_before_ballot, method_problem
from shailoo.polling.schemas import IdentificationBatchIn, IdentificationIn
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


def _decide(station: str, events: list[IdentificationIn],
            places: dict[str, tuple[str | None, str | None]]
            ) -> dict[str, tuple[Answer, str | None]]:
    """The answer of each new event before ballots (ISSUE: may have one if none is issued)."""
    out: dict[str, tuple[Answer, str | None]] = {}
    for event in events:
        where, exclusion = places.get(event.pin, (None, None))
        out[event.event_id] = answer_before_ballot(station, Placement(where, exclusion))
    return out


def _insert_ballots(session: Session, election_id: int, station: str,
                    events: list[IdentificationIn]) -> dict[str, str]:
    """Issue a ballot to each voter of ``events`` who has none (the first event of a voter
    in the batch); return {pin: event id} of the ballots this call issued."""
    table = cast(Table, BallotIssue.__table__)
    first: dict[str, IdentificationIn] = {}
    for event in events:
        first.setdefault(event.pin, event)
    rows = [{"election_id": election_id, "pin": e.pin, "station_code": station,
             "event_id": e.event_id, "issued_at": e.at} for e in first.values()]
    made: dict[str, str] = {}
    insert_for = postgresql.insert if session.get_bind().dialect.name == "postgresql" \
        else sqlite.insert
    for start in range(0, len(rows), 1000):
        stmt: Any = (insert_for(table).values(rows[start:start + 1000])
                     .on_conflict_do_nothing().returning(table.c.pin, table.c.event_id))
        made.update({pin: event_id for pin, event_id in session.execute(stmt)})
    return made


def record_batch(session: Session, batch: IdentificationBatchIn) -> list[EventAnswer]:
    """Check the device's signature and its certified operator on duty, then answer each
    identification in order: issue a ballot, already voted (where and when), not on this
    list (where listed), not on any list, or not eligible. Events already received are
    answered as they were, not counted again; an event id already used for another voter,
    device or station is a replay and refuses the batch. Refusals are audited."""
    for event in batch.events:
        problem = method_problem(event.method, event.fallback_reason)
        if problem:
            raise InvalidInput("polling.bad_identification", f"event {event.event_id}: {problem}",
                               event_id=event.event_id)
    try:
        return _record(session, batch)
    except Forbidden as refusal:
        devices.audit_refusal(session, batch.device_id, batch.station, refusal,
                              {"election_id": batch.election_id, "events": len(batch.events),
                               "batch": digest(batch.document())})
        raise


def _replay(batch: IdentificationBatchIn, known: dict[str, IdentificationEvent]) -> str | None:
    """The first event id of the batch already used for another voter, device, station or
    election (stored, or earlier in the same batch), or None."""
    seen: dict[str, str] = {}
    for event in batch.events:
        old = known.get(event.event_id)
        if old is not None and (old.pin, old.device_id, old.station_code, old.election_id) != (
                event.pin, batch.device_id, batch.station, batch.election_id):
            return event.event_id
        if seen.setdefault(event.event_id, event.pin) != event.pin:
            return event.event_id
    return None


def _record(session: Session, batch: IdentificationBatchIn) -> list[EventAnswer]:
    with unit_of_work(session):
        device = devices.verify_upload(session, batch.device_id, "identification",
                                       batch.station, batch.document(), batch.signature,
                                       operator_needed=True)
        actor = f"device:{device.device_id}"
        elections.public_get_election(session, batch.election_id)
        ids = [e.event_id for e in batch.events]
        known = {r.event_id: r for r in session.execute(select(IdentificationEvent).where(
            IdentificationEvent.event_id.in_(ids))).scalars()}
        replayed = _replay(batch, known)
        if replayed is not None:
            raise Forbidden("polling.replayed_event",
                            f"event {replayed} was already received for another voter, device "
                            f"or station", event_id=replayed)
        first_seen: dict[str, IdentificationIn] = {}
        for e in batch.events:
            if e.event_id not in known:
                first_seen.setdefault(e.event_id, e)  # an event twice in one batch counts once
        fresh = list(first_seen.values())
        places = register.placements(session, batch.election_id, [e.pin for e in fresh])
        now = utcnow()
        decided = _decide(batch.station, fresh, places)
        issued = _insert_ballots(session, batch.election_id, batch.station,
                                 [e for e in fresh if decided[e.event_id][0] is Answer.ISSUE])
        voted = _where_voted(session, batch.election_id,
                             [e.pin for e in fresh if decided[e.event_id][0] is Answer.ISSUE
                              and issued.get(e.pin) != e.event_id])
        answers: list[EventAnswer] = []
        counts: dict[str, int] = {}
        event_rows: list[dict[str, Any]] = []
        incident_rows: list[dict[str, Any]] = []
        done: dict[str, EventAnswer] = {}
        for event in batch.events:
            if event.event_id in known:
                old = known[event.event_id]
                answers.append(EventAnswer(old.event_id, old.outcome, old.detail, True))
                continue
            if event.event_id in done:
                previous = done[event.event_id]
                answers.append(EventAnswer(previous.event_id, previous.answer, previous.detail,
                                           True))
                continue
            answer, detail = decided[event.event_id]
            if answer is Answer.ISSUE and issued.get(event.pin) != event.event_id:
                answer, detail = Answer.ALREADY_VOTED, voted.get(event.pin, "elsewhere")
                incident_rows.append({
                    "election_id": batch.election_id, "kind": "second_vote_attempt",
                    "station_code": batch.station, "pin": event.pin,
                    "event_id": event.event_id, "detail": f"already voted: {detail}",
                    "at": now})
            event_rows.append({
                "event_id": event.event_id, "election_id": batch.election_id,
                "device_id": batch.device_id, "operator_id": device.operator_id,
                "station_code": batch.station, "pin": event.pin,
                "method": event.method, "fallback_reason": event.fallback_reason,
                "identified_at": event.at, "received_at": now, "outcome": answer.value,
                "detail": detail})
            done[event.event_id] = EventAnswer(event.event_id, answer.value, detail, False)
            answers.append(done[event.event_id])
            counts[answer.value] = counts.get(answer.value, 0) + 1
        if event_rows:
            session.execute(insert(IdentificationEvent), event_rows)
        if incident_rows:
            session.execute(insert(PollingIncident), incident_rows)
        session.flush()
        if counts:
            audit.record(session, actor, "polling.identifications_received", "station",
                         batch.station, {"election_id": batch.election_id, "answers": counts,
                                         "batch": digest(batch.document())})
    return answers


def _where_voted(session: Session, election_id: int, pins: list[str]) -> dict[str, str]:
    """Where and when each voter of ``pins`` was given a ballot."""
    out: dict[str, str] = {}
    unique = sorted(set(pins))
    for start in range(0, len(unique), 1000):
        for pin, station, at in session.execute(select(
                BallotIssue.pin, BallotIssue.station_code, BallotIssue.issued_at).where(
                BallotIssue.election_id == election_id,
                BallotIssue.pin.in_(unique[start:start + 1000]))):
            out[pin] = f"station {station} at {at.isoformat()}"
    return out


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
