"""Changes of voting address (Form No. 2) and the additional list of polling day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.errors import Conflict, NotFound, RuleViolation
from shailoo.geography import service as geography
from shailoo.geography.rules import StationKind
from shailoo.kit.clock import utcnow
from shailoo.register import lists, rules
from shailoo.register.models import (
    AdditionalEntry,
    AddressChange,
    ConsularRegistration,
    ListEntry,
    Person,
)
from shailoo.register.scope import VoterScope

CHANNELS = ("commission", "online")


def _change_out(c: AddressChange) -> dict[str, Any]:
    return {"id": c.id, "election_id": c.election_id, "pin": c.pin,
            "from_station": c.from_station, "to_station": c.to_station, "channel": c.channel,
            "status": c.status, "requested_at": c.requested_at.isoformat(),
            "actor": c.actor, "withdrawn_at": None if c.withdrawn_at is None
            else c.withdrawn_at.isoformat(), "withdrawal_reason": c.withdrawal_reason}


def _registered_station(session: Session, pin: str) -> str | None:
    """The station whose list holds the person without any change of address: the consular
    registration abroad, else the station of the registered address."""
    person = lists.find_person(session, pin)
    consular = session.get(ConsularRegistration, pin)
    return rules.list_station(rules.Placement(
        None if person is None else person.home_station,
        None if consular is None else consular.station_code))


def request_change(session: Session, actor: str, scope: VoterScope, election_id: int,
                   pin: str, to_station: str, channel: str, today: date) -> dict[str, Any]:
    """Move a voter to another station's list for one election (Form No. 2).

    The target station must be in the caller's territory (a commission takes the application
    where the voter wants to vote). Refused after the deadline, outside the configured scope,
    over the request limit, or when a list concerned is frozen. A second request replaces the
    active one (it counts towards the limit).
    """
    if channel not in CHANNELS:
        raise RuleViolation("register.bad_channel", f"channel must be one of {CHANNELS}")
    scope.require(to_station)
    with unit_of_work(session):
        reg = lists.election_rules(session, election_id)
        person = lists.find_person(session, pin)
        station, excluded = lists.list_station_of(session, election_id, pin)
        if person is None or (station is None and excluded is None):
            raise NotFound("register.voter_not_found",
                           f"the PIN is in no list of election {election_id}")
        if excluded is not None:
            raise RuleViolation("register.not_eligible",
                                f"the person is not on the voter list: {excluded}")
        # the region a change is "within" is the one the voter is registered in, also when
        # an earlier change of this election moved them elsewhere
        registered = _registered_station(session, pin)
        places = geography.station_paths(session, [s for s in (registered, to_station) if s])
        if to_station not in places:
            raise NotFound("register.station_not_found", f"no polling station {to_station}")
        to_path, to_kind = places[to_station]
        from_path = places[registered][0] if registered in places else None
        earlier = session.execute(select(func.count()).select_from(AddressChange).where(
            AddressChange.election_id == election_id, AddressChange.pin == pin)).scalar_one()
        refusal = rules.change_refusal(rules.ChangeRequest(
            today=today, polling_date=reg.polling_date, from_station=station,
            from_region=None if from_path is None else from_path.region_code,
            to_station=to_station, to_abroad=to_kind is StationKind.ABROAD,
            to_region=to_path.region_code, earlier_requests=int(earlier)), reg.changes)
        if refusal:
            raise RuleViolation("register.change_refused", refusal)
        lists.check_not_frozen(session, election_id, station, to_station)
        active = session.execute(select(AddressChange).where(
            AddressChange.election_id == election_id, AddressChange.pin == pin,
            AddressChange.status == "active").with_for_update()).scalar_one_or_none()
        if active is not None:
            active.status = "superseded"
            session.flush()
        change = AddressChange(election_id=election_id, pin=pin, from_station=station,
                               to_station=to_station, channel=channel, status="active",
                               actor=actor, requested_at=utcnow())
        session.add(change)
        session.flush()
        lists.refresh_persons(session, [pin], today)
        audit.record(session, actor, "register.address_changed", "address_change", change.id,
                     {"election_id": election_id, "pin": pin, "from": station,
                      "to": to_station, "channel": channel,
                      "superseded": None if active is None else active.id})
    return _change_out(change)


def withdraw_change(session: Session, actor: str, scope: VoterScope, change_id: int,
                    reason: str, today: date) -> dict[str, Any]:
    """Withdraw an active change before the deadline: the voter goes back to their list."""
    if not reason.strip():
        raise RuleViolation("register.reason_required", "a withdrawal needs a reason")
    with unit_of_work(session):
        change = session.get(AddressChange, change_id, with_for_update=True)
        if change is None or not (scope.covers(change.to_station)
                                  or scope.covers(change.from_station)):
            raise NotFound("register.change_not_found", f"no change of address {change_id}")
        if change.status != "active":
            raise Conflict("register.change_not_active",
                           f"change {change_id} is {change.status}, not active")
        reg = lists.election_rules(session, change.election_id)
        refusal = rules.withdrawal_refusal(today, reg.polling_date, reg.changes)
        if refusal:
            raise RuleViolation("register.change_refused", refusal)
        # the voter goes back to the list of their registered station (not to the station
        # of a change this one superseded): neither list may be frozen
        lists.check_not_frozen(session, change.election_id,
                               _registered_station(session, change.pin), change.to_station)
        change.status = "withdrawn"
        change.withdrawn_by, change.withdrawn_at = actor, utcnow()
        change.withdrawal_reason = reason
        session.flush()
        lists.refresh_persons(session, [change.pin], today)
        audit.record(session, actor, "register.address_change_withdrawn", "address_change",
                     change.id, {"pin": change.pin, "reason": reason})
    return _change_out(change)


def changes_of(session: Session, scope: VoterScope, election_id: int, pin: str
               ) -> list[dict[str, Any]]:
    """A voter's history of changes in one election (within the caller's territory)."""
    rows = session.execute(select(AddressChange).where(
        AddressChange.election_id == election_id, AddressChange.pin == pin)
        .order_by(AddressChange.id)).scalars().all()
    return [_change_out(c) for c in rows
            if scope.covers(c.to_station) or scope.covers(c.from_station)]


def incoming_report(session: Session, scope: VoterScope, election_id: int
                    ) -> list[dict[str, Any]]:
    """Per station: active incoming changes beside the list's size, with a warning where they
    exceed the configured share (the 2020 pattern of mass changes)."""
    reg = lists.election_rules(session, election_id)
    sizes = lists.station_sizes(session, election_id)
    incoming = session.execute(select(AddressChange.to_station, func.count()).where(
        AddressChange.election_id == election_id, AddressChange.status == "active")
        .group_by(AddressChange.to_station)).all()
    out = []
    for station, n in sorted(incoming, key=lambda r: -int(r[1])):
        if not scope.covers(station):
            continue
        listed = sizes.get(station, 0)
        out.append({"station": station, "incoming": int(n), "listed": listed,
                    "share": round(int(n) / listed, 4) if listed else None,
                    "warning": rules.change_share_exceeded(int(n), listed, reg.changes)})
    return out


def repeat_changers(session: Session, election_id: int, at_least: int = 2
                    ) -> list[dict[str, Any]]:
    """Voters who requested ``at_least`` changes in the election (for the CEC's review)."""
    rows = session.execute(select(AddressChange.pin, func.count()).where(
        AddressChange.election_id == election_id).group_by(AddressChange.pin)
        .having(func.count() >= at_least).order_by(func.count().desc()).limit(500)).all()
    return [{"pin": pin, "requests": int(n)} for pin, n in rows]


# --- the additional list ------------------------------------------------------------------


def add_to_additional_list(session: Session, actor: str, scope: VoterScope, election_id: int,
                           station: str, pin: str, reason: str, today: date
                           ) -> dict[str, Any]:
    """Add a voter to a station's additional list on polling day (kept apart from the frozen
    list); refused on another day, when the voter is already listed or added once already,
    or excluded for a reason other than having no station."""
    scope.require(station)
    if not reason.strip():
        raise RuleViolation("register.reason_required", "an addition needs a reason")
    with unit_of_work(session):
        if station not in geography.station_paths(session, [station]):
            raise NotFound("register.station_not_found", f"no polling station {station}")
        if lists.find_person(session, pin) is None:
            raise NotFound("register.person_not_found", "no such person in the register")
        listed, excluded = lists.list_station_of(session, election_id, pin)
        if listed is not None and excluded is None:
            raise Conflict("register.already_listed",
                           f"the voter is on the list of station {listed}")
        refusal = rules.additional_list_refusal(
            today, lists.election_rules(session, election_id).polling_date, excluded)
        if refusal:
            raise RuleViolation(*refusal)
        if session.get(AdditionalEntry, (election_id, pin)) is not None:
            raise Conflict("register.already_added", "the voter is already on an additional list")
        entry = AdditionalEntry(election_id=election_id, pin=pin, station_code=station,
                                reason=reason, actor=actor, at=utcnow())
        session.add(entry)
        session.flush()
        audit.record(session, actor, "register.additional_list_added", "person", pin,
                     {"election_id": election_id, "station": station, "reason": reason})
    return {"election_id": election_id, "station": station, "pin": pin, "reason": reason}


def additional_list(session: Session, scope: VoterScope, election_id: int, station: str
                    ) -> list[dict[str, Any]]:
    """A station's additional list, in the order of addition."""
    scope.require(station)
    rows = session.execute(
        select(AdditionalEntry, Person.surname, Person.given_name, Person.patronymic)
        .join(Person, Person.pin == AdditionalEntry.pin)
        .where(AdditionalEntry.election_id == election_id,
               AdditionalEntry.station_code == station).order_by(AdditionalEntry.at)).all()
    return [{"pin": e.pin, "surname": s, "given_name": g, "patronymic": p, "reason": e.reason,
             "at": e.at.isoformat()} for e, s, g, p in rows]


def listed_count(session: Session, election_id: int) -> int:
    """Voters on the main lists of an election."""
    return int(session.execute(select(func.count()).select_from(ListEntry).where(
        ListEntry.election_id == election_id, ListEntry.excluded.is_(None))).scalar_one())
