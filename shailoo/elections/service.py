"""Election use cases: create with contests, change status, add districts, read the calendar."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, cast

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.elections.models import Contest, Election, ElectionStatusChange
from shailoo.elections.rules import ContestKind, ElectionKind, ElectionStatus, transition_error
from shailoo.elections.schemas import (
    ContestOut,
    ElectionCreate,
    ElectionDetail,
    ElectionOut,
    StatusChangeOut,
)
from shailoo.elections.systems import PRESETS, ElectoralSystem
from shailoo.errors import Conflict, InvalidInput, NotFound, RuleViolation
from shailoo.geography import service as geography
from shailoo.kit.clock import utcnow
from shailoo.kit.importing import write_csv
from shailoo.kit.rawsql import Raw, reader


def _out(e: Election) -> ElectionOut:
    return ElectionOut(id=e.id, code=e.code, kind=ElectionKind(e.kind), name_ky=e.name_ky,
                       name_ru=e.name_ru, name_en=e.name_en, polling_date=e.polling_date,
                       status=ElectionStatus(e.status), preset=e.preset,
                       system=ElectoralSystem.model_validate(e.system))


def create_election(session: Session, actor: str, data: ElectionCreate) -> ElectionOut:
    """Schedule an election; its list or presidential contest is created with it."""
    if data.preset is not None and data.preset not in PRESETS:
        raise InvalidInput("elections.unknown_preset",
                           f"unknown preset {data.preset!r}; known: {', '.join(PRESETS)}",
                           preset=data.preset)
    system = PRESETS[data.preset] if data.preset else data.system
    assert system is not None
    if data.kind is ElectionKind.PRESIDENTIAL and system.presidential is None:
        raise RuleViolation("elections.system_mismatch",
                            "a presidential election needs a presidential system")
    if data.kind is not ElectionKind.PRESIDENTIAL and system.presidential is not None:
        raise RuleViolation("elections.system_mismatch",
                            f"a {data.kind.value} election cannot use a presidential system")
    with unit_of_work(session):
        if session.execute(select(Election.id).where(Election.code == data.code)).first():
            raise Conflict("elections.duplicate_code",
                           f"an election with code {data.code!r} already exists",
                           code=data.code)
        election = Election(code=data.code, kind=data.kind.value, name_ky=data.name_ky,
                            name_ru=data.name_ru, name_en=data.name_en,
                            polling_date=data.polling_date,
                            status=ElectionStatus.SCHEDULED.value, preset=data.preset,
                            system=system.model_dump(mode="json"), created_at=utcnow())
        session.add(election)
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict("elections.duplicate_code",
                           f"an election with code {data.code!r} already exists") from exc
        session.add(ElectionStatusChange(election_id=election.id, from_status=None,
                                         to_status=ElectionStatus.SCHEDULED.value, actor=actor,
                                         at=utcnow(), reason="scheduled"))
        for contest in _initial_contests(election.id, data, system):
            session.add(contest)
        audit.record(session, actor, "elections.created", "election", election.id,
                     {"code": data.code, "kind": data.kind.value,
                      "polling_date": data.polling_date.isoformat(), "preset": data.preset,
                      "system": system.model_dump(mode="json")})
    return _out(election)


def _initial_contests(election_id: int, data: ElectionCreate,
                      system: ElectoralSystem) -> list[Contest]:
    contests = []
    if system.presidential is not None:
        contests.append(Contest(election_id=election_id, kind=ContestKind.PRESIDENTIAL.value,
                                name_ky="Президент", name_ru="Президент",
                                name_en="President", seats=1))
    elif data.kind is ElectionKind.REFERENDUM:
        contests.append(Contest(election_id=election_id, kind=ContestKind.REFERENDUM.value,
                                name_ky="Референдум", name_ru="Референдум",
                                name_en="Referendum", seats=1))
    if system.list_tier is not None:
        contests.append(Contest(election_id=election_id, kind=ContestKind.NATIONAL_LIST.value,
                                name_ky="Бирдиктүү шайлоо округу",
                                name_ru="Единый избирательный округ",
                                name_en="Nationwide constituency",
                                seats=system.list_tier.seats))
    return contests


def add_districts(
    session: Session, actor: str, election_id: int,
    districts: Sequence[tuple[int, str, str, str, str | None, list[str]]],
) -> list[ContestOut]:
    """Create the election's single-member districts (numbered for this election only),
    assign their stations, and open one contest per district."""
    with unit_of_work(session):
        election = _get(session, election_id)
        system = ElectoralSystem.model_validate(election.system)
        tier = system.district_tier
        if tier is None:
            raise RuleViolation("elections.no_district_tier",
                                "this election's system has no single-member districts")
        existing = len(geography.public_list_districts(session, election_id))
        if existing + len(districts) > tier.districts:
            raise RuleViolation(
                "elections.too_many_districts",
                f"the system has {tier.districts} districts; {existing} exist already")
        ids = geography.create_districts(session, actor, election_id, list(districts))
        contests = []
        for district_id, (number, name_ky, name_ru, name_en, _region, _st) in zip(
                ids, districts, strict=True):
            contest = Contest(election_id=election_id,
                              kind=ContestKind.SINGLE_MEMBER_DISTRICT.value,
                              name_ky=f"№{number} {name_ky}", name_ru=f"№{number} {name_ru}",
                              name_en=f"No. {number} {name_en}",
                              seats=tier.seats_per_district, district_id=district_id)
            session.add(contest)
            contests.append(contest)
        session.flush()
    return [_contest_out(c) for c in contests]


def _contest_out(c: Contest) -> ContestOut:
    return ContestOut(id=c.id, election_id=c.election_id, kind=ContestKind(c.kind),
                      name_ky=c.name_ky, name_ru=c.name_ru, name_en=c.name_en, seats=c.seats,
                      district_id=c.district_id)


def transition(session: Session, actor: str, election_id: int, to: ElectionStatus,
               reason: str) -> ElectionOut:
    """Move an election to another status if the transition table allows it (audited)."""
    with unit_of_work(session):
        election = _get(session, election_id, lock=True)
        current = ElectionStatus(election.status)
        why_not = transition_error(current, to)
        if why_not:
            raise RuleViolation("elections.transition_forbidden", why_not,
                                election_id=election_id, current=current.value, to=to.value)
        session.add(ElectionStatusChange(election_id=election_id, from_status=current.value,
                                         to_status=to.value, actor=actor, at=utcnow(),
                                         reason=reason))
        election.status = to.value
        audit.record(session, actor, "elections.status_changed", "election", election_id,
                     {"from": current.value, "to": to.value, "reason": reason})
    return _out(election)


def _get(session: Session, election_id: int, lock: bool = False) -> Election:
    election = session.get(Election, election_id, with_for_update=lock)
    if election is None:
        raise NotFound("elections.not_found", f"no election with id {election_id}",
                       election_id=election_id)
    return election


def public_get_election(session: Session, election_id: int) -> ElectionDetail:
    """An election with its contests and history."""
    election = _get(session, election_id)
    contests = session.execute(select(Contest).where(Contest.election_id == election_id)
                               .order_by(Contest.id)).scalars()
    history = session.execute(select(ElectionStatusChange).where(
        ElectionStatusChange.election_id == election_id).order_by(ElectionStatusChange.id)
    ).scalars()
    return ElectionDetail(
        **_out(election).model_dump(),
        contests=[_contest_out(c) for c in contests],
        history=[StatusChangeOut(from_status=h.from_status, to_status=h.to_status,
                                 actor=h.actor, at=h.at, reason=h.reason) for h in history])


def public_get_contest(session: Session, contest_id: int) -> tuple[ContestOut, ElectionOut]:
    """A contest and its election."""
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise NotFound("elections.contest_not_found", f"no contest with id {contest_id}",
                       contest_id=contest_id)
    return _contest_out(contest), _out(_get(session, contest.election_id))


@dataclass(frozen=True)
class ContestFacts:
    """What taking in a protocol needs to know of its contest, in one query."""

    contest_id: int
    election_id: int
    kind: ContestKind
    district_id: int | None
    status: ElectionStatus
    abroad_list_votes: bool


def contest_facts(session: Session, contest_id: int) -> ContestFacts:
    """A contest's kind, district and its election's status, without building the models
    (one driver-level query: every protocol upload asks)."""
    raw = Raw(session)
    rows = raw.execute("SELECT c.election_id, c.kind, c.district_id, e.status, e.system "
                       "FROM contests c JOIN elections e ON e.id = c.election_id "
                       "WHERE c.id = ?", [contest_id])
    if not rows:
        raise NotFound("elections.contest_not_found", f"no contest with id {contest_id}",
                       contest_id=contest_id)
    election_id, kind, district_id, status, system = rows[0]
    read = reader(raw, cast(Table, Election.__table__), "system")
    tier = read(system).get("list_tier") or {}
    return ContestFacts(contest_id, election_id, ContestKind(kind), district_id,
                        ElectionStatus(status), bool(tier.get("abroad_votes", True)))


def public_contests(session: Session, election_id: int) -> list[ContestOut]:
    """An election's contests, list or presidential first, then districts by number."""
    _get(session, election_id)
    rows = session.execute(select(Contest).where(Contest.election_id == election_id)
                           .order_by(Contest.district_id.is_not(None), Contest.id)).scalars()
    return [_contest_out(c) for c in rows]


def public_calendar(session: Session) -> list[ElectionOut]:
    """Every election, by polling date (latest first)."""
    rows = session.execute(select(Election).order_by(Election.polling_date.desc(),
                                                     Election.id.desc())).scalars()
    return [_out(e) for e in rows]


def export_elections(session: Session, out: IO[str]) -> int:
    """Write the calendar as CSV, election id in the first column."""
    elections = public_calendar(session)
    write_csv(out, ["id", "code", "kind", "polling_date", "status", "preset", "seats",
                    "name_ky", "name_ru", "name_en"], (
        [e.id, e.code, e.kind.value, e.polling_date.isoformat(), e.status.value, e.preset,
         e.system.seats, e.name_ky, e.name_ru, e.name_en] for e in elections))
    return len(elections)
