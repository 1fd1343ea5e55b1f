"""Identifications on polling day: a device's signed batch in, an answer per voter out, one
ballot per person across all stations.

The ballot ledger's primary key (election, PIN) decides races: when the same voter is
identified at two stations at once, the second insert finds the first (PostgreSQL waits for
the first transaction, SQLite serialises writers), so exactly one station issues a ballot and
the other is told where and when the voter already voted, and an incident is opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.errors import Forbidden, InvalidInput
from shailoo.kit.clock import utcnow
from shailoo.kit.hashing import digest
from shailoo.polling import ledger
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
    document = batch.document()
    try:
        try:
            return _record(session, batch, document)
        except _Raced:  # another upload stored some of these events meanwhile: answer again
            return _record(session, batch, document)
    except Forbidden as refusal:
        devices.audit_refusal(session, batch.device_id, batch.station, refusal,
                              {"election_id": batch.election_id, "events": len(batch.events),
                               "batch": digest(document)})
        raise


class _Raced(Exception):
    """Events of the batch were stored by a concurrent upload of the same events."""


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


def _record(session: Session, batch: IdentificationBatchIn, document: dict[str, Any]
            ) -> list[EventAnswer]:
    with unit_of_work(session):
        device = devices.verify_upload(session, batch.device_id, "identification",
                                       batch.station, document, batch.signature,
                                       operator_needed=True)
        devices.check_polling(session, batch.election_id)
        known = ledger.known_events(session, [e.event_id for e in batch.events])
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
        decided = _decide(batch.station, fresh, register.placements(
            session, batch.election_id, [e.pin for e in fresh]))
        firsts: dict[str, IdentificationIn] = {}
        for e in fresh:
            if decided[e.event_id][0] is Answer.ISSUE:
                firsts.setdefault(e.pin, e)
        issued = ledger.issue_ballots(session, batch.election_id, batch.station,
                                      [(e.pin, e.event_id, e.at) for e in firsts.values()])
        voted = ledger.where_voted(session, batch.election_id, [
            e.pin for e in fresh if decided[e.event_id][0] is Answer.NOT_ON_THIS_LIST
            or (decided[e.event_id][0] is Answer.ISSUE and issued.get(e.pin) != e.event_id)])
        answers, event_rows, incident_rows, counts = _answer(
            batch, known, decided, issued, voted, device.operator_id)
        stored = ledger.store_events(session, event_rows)
        if len(stored) != len(event_rows):
            raise _Raced()
        if incident_rows:
            session.execute(insert(PollingIncident), incident_rows)
        if counts:
            audit.record(session, f"device:{device.device_id}",
                         "polling.identifications_received", "station", batch.station,
                         {"election_id": batch.election_id, "answers": counts,
                          "batch": digest(document)})
    return answers


def _answer(batch: IdentificationBatchIn, known: dict[str, Any],
            decided: dict[str, tuple[Answer, str | None]], issued: dict[str, str],
            voted: dict[str, str], operator_id: str | None
            ) -> tuple[list[EventAnswer], list[dict[str, Any]], list[dict[str, Any]],
                       dict[str, int]]:
    """Each event's answer in order, the rows to store (new events, second-vote incidents)
    and the count of answers by kind."""
    now = utcnow()
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
        second = (answer is Answer.ISSUE and issued.get(event.pin) != event.event_id) or (
            answer is Answer.NOT_ON_THIS_LIST and event.pin in voted)
        if second:
            answer, detail = Answer.ALREADY_VOTED, voted.get(event.pin, "elsewhere")
            incident_rows.append({
                "election_id": batch.election_id, "kind": "second_vote_attempt",
                "station_code": batch.station, "pin": event.pin, "event_id": event.event_id,
                "detail": f"already voted: {detail}", "at": now})
        event_rows.append({
            "event_id": event.event_id, "election_id": batch.election_id,
            "device_id": batch.device_id, "operator_id": operator_id,
            "station_code": batch.station, "pin": event.pin, "method": event.method,
            "fallback_reason": event.fallback_reason, "identified_at": event.at,
            "received_at": now, "outcome": answer.value, "detail": detail})
        done[event.event_id] = EventAnswer(event.event_id, answer.value, detail, False)
        answers.append(done[event.event_id])
        counts[answer.value] = counts.get(answer.value, 0) + 1
    return answers, event_rows, incident_rows, counts


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
