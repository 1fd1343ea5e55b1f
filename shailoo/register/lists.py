"""Voter lists per election: the election's register rules, building the lists by applying
the eligibility rule to every person, keeping them current after changes, freezing them per
station with a published SHA-256, and reading them within a caller's scope.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.errors import Conflict, InvalidInput, NotFound, RuleViolation
from shailoo.geography import service as geography
from shailoo.kit.clock import utcnow
from shailoo.kit.text import kyrgyz_sort_key
from shailoo.register import rules
from shailoo.register.models import (
    AdditionalEntry,
    AddressChange,
    ConsularRegistration,
    DuplicateCase,
    ElectionRegisterRules,
    FrozenVoter,
    ListEntry,
    ListFreeze,
    Person,
)
from shailoo.register.scope import VoterScope

BATCH = 20_000
DEFAULT_CAPACITY = 3000
DEFAULT_HOURS = "08:00-20:00"


@dataclass(frozen=True)
class RegisterRules:
    """An election's register rules, as the pure rules take them."""

    election_id: int
    polling_date: date
    eligibility: rules.EligibilityRules
    changes: rules.AddressChangeRules
    station_capacity: int
    opening_hours: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"election_id": self.election_id, "polling_date": self.polling_date.isoformat(),
                "min_age": self.eligibility.min_age,
                "require_biometrics": self.eligibility.require_biometrics,
                "change_scope": self.changes.scope.value,
                "change_deadline_days": self.changes.deadline_days,
                "change_deadline": rules.change_deadline(self.changes,
                                                         self.polling_date).isoformat(),
                "change_forbid_same_region": self.changes.forbid_same_region,
                "change_max_requests": self.changes.max_requests,
                "change_warn_share": self.changes.warn_share,
                "station_capacity": self.station_capacity, "opening_hours": self.opening_hours}


RULE_FIELDS = ("min_age", "require_biometrics", "change_scope", "change_deadline_days",
               "change_forbid_same_region", "change_max_requests", "change_warn_share",
               "station_capacity", "opening_hours")


def find_person(session: Session, pin: str) -> Person | None:
    """The person with ``pin`` (for services that check the caller's scope themselves)."""
    return session.execute(select(Person).where(Person.pin == pin)).scalar_one_or_none()


def _default_row(election_id: int) -> ElectionRegisterRules:
    defaults = rules.AddressChangeRules()
    return ElectionRegisterRules(
        election_id=election_id, min_age=18, require_biometrics=True,
        change_scope=defaults.scope.value, change_deadline_days=defaults.deadline_days,
        change_forbid_same_region=defaults.forbid_same_region,
        change_max_requests=defaults.max_requests, change_warn_share=defaults.warn_share,
        station_capacity=DEFAULT_CAPACITY, opening_hours=DEFAULT_HOURS)


def election_rules(session: Session, election_id: int) -> RegisterRules:
    """The election's register rules (the defaults of Kyrgyz law until changed)."""
    facts = elections.public_get_election(session, election_id)
    row = session.get(ElectionRegisterRules, election_id) or _default_row(election_id)
    return RegisterRules(
        election_id=election_id, polling_date=facts.polling_date,
        eligibility=rules.EligibilityRules(polling_date=facts.polling_date,
                                           min_age=row.min_age,
                                           require_biometrics=row.require_biometrics),
        changes=rules.AddressChangeRules(
            scope=rules.ChangeScope(row.change_scope), deadline_days=row.change_deadline_days,
            forbid_same_region=row.change_forbid_same_region,
            max_requests=row.change_max_requests, warn_share=row.change_warn_share),
        station_capacity=row.station_capacity, opening_hours=row.opening_hours)


def set_rules(session: Session, actor: str, election_id: int, changes: dict[str, Any]
              ) -> RegisterRules:
    """Change some of an election's register rules (audited)."""
    unknown = sorted(set(changes) - set(RULE_FIELDS))
    if unknown:
        raise InvalidInput("register.unknown_rule", f"unknown register rule(s): {unknown}")
    if "change_scope" in changes:
        try:
            rules.ChangeScope(changes["change_scope"])
        except ValueError:
            raise InvalidInput("register.bad_rule", "change_scope must be one of " + ", ".join(
                s.value for s in rules.ChangeScope)) from None
    for name in ("min_age", "change_deadline_days", "change_max_requests", "station_capacity"):
        if name in changes and (not isinstance(changes[name], int)
                                or isinstance(changes[name], bool) or changes[name] < 0):
            raise InvalidInput("register.bad_rule", f"{name} must be a whole number >= 0")
    for name in ("require_biometrics", "change_forbid_same_region"):
        if name in changes and not isinstance(changes[name], bool):
            raise InvalidInput("register.bad_rule", f"{name} must be true or false")
    if "opening_hours" in changes and not (isinstance(changes["opening_hours"], str)
                                           and changes["opening_hours"].strip()):
        raise InvalidInput("register.bad_rule", "opening_hours must be a text such as 08:00-20:00")
    if "change_warn_share" in changes:
        share = changes["change_warn_share"]
        if (isinstance(share, bool) or not isinstance(share, int | float)
                or not 0 < share <= 1):
            raise InvalidInput("register.bad_rule",
                               "change_warn_share must be a number above 0 and at most 1")
    with unit_of_work(session):
        elections.public_get_election(session, election_id)
        row = session.get(ElectionRegisterRules, election_id)
        if row is None:
            row = _default_row(election_id)
            session.add(row)
        before = {name: getattr(row, name) for name in changes}
        for name, value in changes.items():
            setattr(row, name, value)
        session.flush()
        audit.record(session, actor, "register.rules_changed", "election", election_id,
                     {"before": before, "after": changes})
    return election_rules(session, election_id)


# --- building and refreshing ---------------------------------------------------------------


def is_built(session: Session, election_id: int) -> bool:
    """True when the election's voter lists have been built."""
    return session.execute(select(ListEntry.pin).where(ListEntry.election_id == election_id)
                           .limit(1)).first() is not None


def _frozen_stations(session: Session, election_id: int) -> set[str]:
    return set(session.execute(select(ListFreeze.station_code)
                               .where(ListFreeze.election_id == election_id)).scalars())


def _entries(session: Session, election_id: int, reg: RegisterRules,
             pins: list[str] | None) -> Iterator[dict[str, Any]]:
    """The list entry of every person (or of ``pins``), by the pure rules."""
    consular_stmt = select(ConsularRegistration.pin, ConsularRegistration.station_code)
    change_stmt = select(AddressChange.pin, AddressChange.to_station).where(
        AddressChange.election_id == election_id, AddressChange.status == "active")
    blocked_stmt = select(DuplicateCase.blocked_pin).where(
        DuplicateCase.status == "same_person", DuplicateCase.blocked_pin.is_not(None))
    person_stmt = select(Person.pin, Person.citizenship, Person.birth_date, Person.deceased,
                         Person.incapable, Person.has_biometrics, Person.home_station)
    if pins is not None:
        consular_stmt = consular_stmt.where(ConsularRegistration.pin.in_(pins))
        change_stmt = change_stmt.where(AddressChange.pin.in_(pins))
        blocked_stmt = blocked_stmt.where(DuplicateCase.blocked_pin.in_(pins))
        person_stmt = person_stmt.where(Person.pin.in_(pins))
    consular: dict[str, str] = {pin: station for pin, station in session.execute(consular_stmt)}
    changed: dict[str, str] = {pin: station for pin, station in session.execute(change_stmt)}
    blocked = set(session.execute(blocked_stmt).scalars())
    for pin, citizenship, born, deceased, incapable, bio, home in session.execute(
            person_stmt.execution_options(yield_per=BATCH)):
        facts = rules.PersonFacts(citizenship, born, deceased, incapable, bio, pin in blocked)
        reason = rules.exclusion(facts, reg.eligibility)
        station = rules.list_station(rules.Placement(home, consular.get(pin), changed.get(pin)))
        if reason is None and station is None:
            reason = rules.Exclusion.NO_STATION
        yield {"election_id": election_id, "pin": pin, "station_code": station,
               "excluded": None if reason is None else reason.value}


def build_lists(session: Session, actor: str, election_id: int) -> dict[str, int]:
    """Build (or rebuild) an election's voter lists from the register; refused once any
    station's list is frozen. Returns counts: listed and excluded by reason."""
    with unit_of_work(session):
        reg = election_rules(session, election_id)
        if _frozen_stations(session, election_id):
            raise Conflict("register.lists_frozen",
                           "lists of this election are frozen; they can no longer be rebuilt")
        session.execute(delete(ListEntry).where(ListEntry.election_id == election_id))
        batch: list[dict[str, Any]] = []
        for entry in _entries(session, election_id, reg, None):
            batch.append(entry)
            if len(batch) >= BATCH:
                session.execute(insert(ListEntry), batch)
                batch = []
        if batch:
            session.execute(insert(ListEntry), batch)
        counts = eligibility_counts(session, election_id)
        audit.record(session, actor, "register.lists_built", "election", election_id, counts)
    return counts


def refresh_persons(session: Session, pins: Iterable[str], today: date) -> int:
    """Re-apply the rules to some persons in every built, upcoming election; a person on a
    frozen station's list stays where they are. Returns the entries changed."""
    pins = list(dict.fromkeys(pins))
    if not pins:
        return 0
    changed = 0
    built = session.execute(select(ListEntry.election_id).distinct()).scalars().all()
    for election_id in built:
        reg = election_rules(session, election_id)
        if reg.polling_date < today:
            continue
        frozen = _frozen_stations(session, election_id)
        for start in range(0, len(pins), 5000):
            chunk = pins[start:start + 5000]
            old = {pin: (station, excluded) for pin, station, excluded in session.execute(
                select(ListEntry.pin, ListEntry.station_code, ListEntry.excluded).where(
                    ListEntry.election_id == election_id, ListEntry.pin.in_(chunk)))}
            new = {e["pin"]: e for e in _entries(session, election_id, reg, chunk)}
            for pin in chunk:
                before = old.get(pin)
                after = new.get(pin)
                after_key = None if after is None else (after["station_code"], after["excluded"])
                if before == after_key:
                    continue
                # a frozen list neither loses nor gains a voter (an excluded person's entry
                # is on no list, so it may change)
                if (before is not None and before[1] is None and before[0] in frozen) or (
                        after is not None and after["station_code"] in frozen
                        and after["excluded"] is None):
                    continue
                session.execute(delete(ListEntry).where(ListEntry.election_id == election_id,
                                                        ListEntry.pin == pin))
                if after is not None:
                    session.execute(insert(ListEntry), [after])
                changed += 1
    return changed


def refresh_after_import(session: Session, import_id: int, today: date) -> int:
    """Keep built lists current after an extract: re-apply the rules to changed persons."""
    from shailoo.register.models import RegisterChange

    pins = session.execute(select(RegisterChange.pin)
                           .where(RegisterChange.import_id == import_id)).scalars().all()
    return refresh_persons(session, pins, today)


def stations_of(session: Session, pin: str) -> set[str]:
    """The stations whose lists hold ``pin`` in any election."""
    return {s for s in session.execute(select(ListEntry.station_code).where(
        ListEntry.pin == pin)).scalars() if s}


# --- counts, lists, freezing ---------------------------------------------------------------


def eligibility_counts(session: Session, election_id: int) -> dict[str, int]:
    """Listed persons and excluded persons by reason (no personal data)."""
    counts = {"listed": 0}
    for reason, n in session.execute(select(ListEntry.excluded, func.count())
                                     .where(ListEntry.election_id == election_id)
                                     .group_by(ListEntry.excluded)):
        counts[reason or "listed"] = int(n)
    return counts


def station_sizes(session: Session, election_id: int) -> dict[str, int]:
    """Listed voters per station."""
    return {code or "": int(n) for code, n in session.execute(
        select(ListEntry.station_code, func.count())
        .where(ListEntry.election_id == election_id, ListEntry.excluded.is_(None))
        .group_by(ListEntry.station_code))}


def listed_pins(session: Session, election_id: int) -> dict[str, list[str]]:
    """The PINs on each station's list (for simulators and load tests; no names)."""
    out: dict[str, list[str]] = {}
    for code, pin in session.execute(
            select(ListEntry.station_code, ListEntry.pin)
            .where(ListEntry.election_id == election_id, ListEntry.excluded.is_(None),
                   ListEntry.station_code.is_not(None))
            .order_by(ListEntry.station_code, ListEntry.pin)):
        out.setdefault(str(code), []).append(pin)
    return out


def pins_with_biometrics(session: Session) -> list[str]:
    """PINs of the persons whose biometric registration the population register records,
    in the order they entered the register."""
    return list(session.execute(select(Person.pin).where(Person.has_biometrics.is_(True))
                                .order_by(Person.id)).scalars())


def station_pins(session: Session, election_id: int, station: str) -> list[str]:
    """The PINs who may vote at a station: its list and its additional list."""
    listed = session.execute(select(ListEntry.pin).where(
        ListEntry.election_id == election_id, ListEntry.station_code == station,
        ListEntry.excluded.is_(None))).scalars().all()
    extra = session.execute(select(AdditionalEntry.pin).where(
        AdditionalEntry.election_id == election_id,
        AdditionalEntry.station_code == station)).scalars().all()
    return sorted(set(listed) | set(extra))


def over_capacity(session: Session, election_id: int) -> list[dict[str, Any]]:
    """Stations whose list is longer than the election's station capacity."""
    capacity = election_rules(session, election_id).station_capacity
    return [{"station": code, "voters": n, "capacity": capacity}
            for code, n in sorted(station_sizes(session, election_id).items(),
                                  key=lambda kv: -kv[1]) if n > capacity]


def registered_address(locality: str, street: str | None, house: str | None,
                       flat: str | None) -> str:
    """The registered address as one line."""
    parts = [locality, " ".join(p for p in (street, house) if p)]
    if flat:
        parts.append(f"кв. {flat}")
    return ", ".join(p for p in parts if p)


def _require_built(session: Session, election_id: int) -> None:
    elections.public_get_election(session, election_id)
    if not is_built(session, election_id):
        raise NotFound("register.lists_not_built",
                       f"the voter lists of election {election_id} have not been built yet; "
                       f"run `shailoo register build-lists --election {election_id}`")


def _candidate_pins(session: Session, election_id: int, station: str) -> list[str]:
    """Everyone who could be on a station's list: registered there, registered abroad there,
    or moved there for this election."""
    home = select(Person.pin).where(Person.home_station == station)
    consular = select(ConsularRegistration.pin).where(ConsularRegistration.station_code == station)
    moved = select(AddressChange.pin).where(AddressChange.election_id == election_id,
                                            AddressChange.to_station == station,
                                            AddressChange.status == "active")
    return sorted(set(session.execute(home.union(consular, moved)).scalars()))


def station_list(session: Session, scope: VoterScope, election_id: int, station: str
                 ) -> list[dict[str, Any]]:
    """A station's voter list in Kyrgyz alphabetical order (surname, given name,
    patronymic), within the caller's scope. Before the lists are built it is worked out
    from the register by the same rules."""
    scope.require(station)
    elections.public_get_election(session, election_id)
    if not geography.station_paths(session, [station]):
        raise NotFound("register.station_not_found", f"no polling station {station}")
    if is_frozen(session, election_id, station):
        return _frozen_list(session, election_id, station)
    columns = (Person.pin, Person.surname, Person.given_name, Person.patronymic,
               Person.birth_date, Person.locality, Person.street, Person.house, Person.flat)
    if is_built(session, election_id):
        rows = session.execute(
            select(*columns).join(ListEntry, ListEntry.pin == Person.pin)
            .where(ListEntry.election_id == election_id, ListEntry.station_code == station,
                   ListEntry.excluded.is_(None))).all()
    else:
        reg = election_rules(session, election_id)
        candidates = _candidate_pins(session, election_id, station)
        listed = [e["pin"] for e in _entries(session, election_id, reg, candidates)
                  if e["station_code"] == station and e["excluded"] is None]
        rows = [r for start in range(0, len(listed), 5000) for r in session.execute(
            select(*columns).where(Person.pin.in_(listed[start:start + 5000])))]
    voters: list[dict[str, Any]] = [
        {"pin": pin, "surname": surname, "given_name": given, "patronymic": patronymic,
         "birth_date": born, "address": registered_address(loc, street, house, flat)}
        for pin, surname, given, patronymic, born, loc, street, house, flat in rows]
    voters.sort(key=lambda v: (kyrgyz_sort_key(v["surname"]), kyrgyz_sort_key(v["given_name"]),
                               kyrgyz_sort_key(v["patronymic"] or ""), v["pin"]))
    for number, voter in enumerate(voters, start=1):
        voter["number"] = number
    return voters


def _frozen_list(session: Session, election_id: int, station: str) -> list[dict[str, Any]]:
    rows = session.execute(select(FrozenVoter).where(
        FrozenVoter.election_id == election_id, FrozenVoter.station_code == station)
        .order_by(FrozenVoter.number)).scalars()
    return [{"pin": r.pin, "surname": r.surname, "given_name": r.given_name,
             "patronymic": r.patronymic, "birth_date": r.birth_date, "address": r.address,
             "number": r.number} for r in rows]


def list_digest(voters: list[dict[str, Any]]) -> str:
    """SHA-256 of a list in its published order."""
    digest = hashlib.sha256()
    for v in voters:
        digest.update(rules.list_line(v["pin"], v["surname"], v["given_name"], v["patronymic"],
                                      v["birth_date"], v["address"]).encode())
    return digest.hexdigest()


def freeze(session: Session, actor: str, election_id: int, stations: list[str] | None = None
           ) -> list[dict[str, Any]]:
    """Freeze stations' lists (all when ``stations`` is None): their hash is published and
    they no longer change; later additions go to the additional list."""
    from shailoo.register.scope import NATIONWIDE

    with unit_of_work(session):
        _require_built(session, election_id)
        frozen = _frozen_stations(session, election_id)
        if stations is None:
            targets = sorted(set(station_sizes(session, election_id)) - frozen)
        else:
            targets = list(dict.fromkeys(stations))
            unknown = sorted(set(targets) - set(geography.station_paths(session, targets)))
            if unknown:
                raise NotFound("register.station_not_found",
                               f"no polling station {', '.join(unknown)}")
        out: list[dict[str, Any]] = []
        for station in targets:
            if station in frozen:
                raise Conflict("register.list_already_frozen",
                               f"the list of station {station} is already frozen")
            voters = station_list(session, NATIONWIDE, election_id, station)
            sha = list_digest(voters)
            if voters:
                session.execute(insert(FrozenVoter), [
                    {"election_id": election_id, "station_code": station, **v}
                    for v in voters])
            session.add(ListFreeze(election_id=election_id, station_code=station,
                                   voters=len(voters), sha256=sha, frozen_at=utcnow(),
                                   actor=actor))
            out.append({"station": station, "voters": len(voters), "sha256": sha})
        session.flush()
        audit.record(session, actor, "register.lists_frozen", "election", election_id,
                     {"stations": len(out), "voters": sum(o["voters"] for o in out),
                      "digest": hashlib.sha256("".join(o["sha256"] for o in out).encode())
                      .hexdigest()})
    return out


def public_freezes(session: Session, election_id: int) -> list[dict[str, Any]]:
    """The published hashes of the frozen lists of an election."""
    rows = session.execute(select(ListFreeze).where(ListFreeze.election_id == election_id)
                           .order_by(ListFreeze.station_code)).scalars()
    return [{"station": r.station_code, "voters": r.voters, "sha256": r.sha256,
             "frozen_at": r.frozen_at.isoformat()} for r in rows]


def is_frozen(session: Session, election_id: int, station: str) -> bool:
    """True when the station's list of the election is frozen."""
    return bool(session.execute(select(exists().where(
        ListFreeze.election_id == election_id, ListFreeze.station_code == station))).scalar())


def list_station_of(session: Session, election_id: int, pin: str) -> tuple[str | None,
                                                                            str | None]:
    """(station, exclusion) of a person in an election's lists (worked out by the rules when
    the lists are not built yet); (None, None) for a PIN not in the register."""
    if is_built(session, election_id):
        row = session.execute(select(ListEntry.station_code, ListEntry.excluded).where(
            ListEntry.election_id == election_id, ListEntry.pin == pin)).first()
        return (None, None) if row is None else (row[0], row[1])
    reg = election_rules(session, election_id)
    for entry in _entries(session, election_id, reg, [pin]):
        return entry["station_code"], entry["excluded"]
    return None, None


def next_election(session: Session, today: date) -> int:
    """The earliest election whose polling day is today or later."""
    upcoming = [e for e in elections.public_calendar(session) if e.polling_date >= today]
    if not upcoming:
        raise NotFound("register.no_upcoming_election",
                       "there is no upcoming election; name one with --election")
    return min(upcoming, key=lambda e: (e.polling_date, e.id)).id


def check_not_frozen(session: Session, election_id: int, *stations: str | None) -> None:
    """Refuse a change to a frozen list."""
    for station in stations:
        if station and is_frozen(session, election_id, station):
            raise RuleViolation("register.list_frozen",
                                f"the list of station {station} is frozen; use the additional "
                                f"list on polling day")
