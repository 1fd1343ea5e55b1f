"""Likely duplicates: two PINs with the same birth date and the same spelling-tolerant name
key (Cyrillic and Latin spellings meet) become review cases; a reviewer decides."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.errors import Conflict, InvalidInput, NotFound, RuleViolation
from shailoo.kit.clock import utcnow
from shailoo.register import lists
from shailoo.register.models import DuplicateCase, Person

MAX_GROUP = 20  # larger groups are common names, not duplicates; they are counted, not paired


def find_duplicates(session: Session, actor: str) -> dict[str, int]:
    """Open a review case for every new pair of likely duplicates; return counts."""
    with unit_of_work(session):
        groups = session.execute(
            select(Person.birth_date, Person.name_key, func.count())
            .group_by(Person.birth_date, Person.name_key).having(func.count() > 1)).all()
        pairable = [(born, key) for born, key, n in groups if n <= MAX_GROUP]
        skipped = sum(1 for _b, _k, n in groups if n > MAX_GROUP)
        existing = {(a, b) for a, b in session.execute(select(DuplicateCase.pin_a,
                                                              DuplicateCase.pin_b))}
        members: dict[tuple[date, str], list[str]] = {}
        for start in range(0, len(pairable), 500):
            chunk = pairable[start:start + 500]
            for pin, born, key in session.execute(
                    select(Person.pin, Person.birth_date, Person.name_key)
                    .where(tuple_(Person.birth_date, Person.name_key).in_(chunk))):
                members.setdefault((born, key), []).append(pin)
        now = utcnow()
        found = 0
        new_cases: list[DuplicateCase] = []
        for (born, key), pins in members.items():
            pins.sort()
            for i, first in enumerate(pins):
                for second in pins[i + 1:]:
                    found += 1
                    if (first, second) in existing:
                        continue
                    new_cases.append(DuplicateCase(pin_a=first, pin_b=second, birth_date=born,
                                                   name_key=key, status="open", found_at=now))
        session.add_all(new_cases)
        session.flush()
        counts = {"pairs": found, "new_cases": len(new_cases), "large_groups_skipped": skipped}
        audit.record(session, actor, "register.duplicates_checked", "register", "duplicates",
                     counts)
    return counts


def open_biometric_cases(session: Session, actor: str, pairs: list[tuple[str, str, float]],
                         detail: dict[str, Any]) -> int:
    """Open a review case for each new pair (earlier PIN, later PIN, score) whose templates
    matched in biometric de-duplication; a pair already under review (either order, any
    kind) is left as it is. Returns the number of new cases (audited with ``detail``)."""
    with unit_of_work(session):
        existing = {frozenset((a, b)) for a, b in session.execute(
            select(DuplicateCase.pin_a, DuplicateCase.pin_b))}
        now = utcnow()
        new = []
        for a, b, score in pairs:
            if a != b and frozenset((a, b)) not in existing:
                existing.add(frozenset((a, b)))
                new.append(DuplicateCase(pin_a=a, pin_b=b, kind="biometric",
                                         score=round(score, 4), status="open", found_at=now))
        session.add_all(new)
        session.flush()
        audit.record(session, actor, "register.biometric_duplicates", "register", "duplicates",
                     {**detail, "pairs": len(pairs), "new_cases": len(new)})
    return len(new)


def _case_out(c: DuplicateCase, names: dict[str, str]) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind, "score": c.score, "pin_a": c.pin_a,
            "name_a": names.get(c.pin_a), "pin_b": c.pin_b, "name_b": names.get(c.pin_b),
            "birth_date": c.birth_date.isoformat() if c.birth_date else None,
            "status": c.status, "blocked_pin": c.blocked_pin, "decided_by": c.decided_by,
            "reason": c.reason}


def _names(session: Session, pins: set[str]) -> dict[str, str]:
    return {pin: " ".join(filter(None, (s, g, p))) for pin, s, g, p in session.execute(
        select(Person.pin, Person.surname, Person.given_name, Person.patronymic)
        .where(Person.pin.in_(pins)))}


def count_cases(session: Session, status: str = "open") -> int:
    """How many review cases have ``status``."""
    return int(session.execute(select(func.count()).select_from(DuplicateCase)
                               .where(DuplicateCase.status == status)).scalar_one())


def cases(session: Session, status: str | None = "open", limit: int = 200
          ) -> list[dict[str, Any]]:
    """Review cases (nationwide: only the CEC sees them), oldest first."""
    stmt = select(DuplicateCase).order_by(DuplicateCase.id).limit(limit)
    if status:
        stmt = stmt.where(DuplicateCase.status == status)
    rows = session.execute(stmt).scalars().all()
    names = _names(session, {p for c in rows for p in (c.pin_a, c.pin_b)})
    return [_case_out(c, names) for c in rows]


def decide(session: Session, actor: str, case_id: int, same_person: bool, reason: str,
           today: date, blocked_pin: str | None = None) -> dict[str, Any]:
    """Record a reviewer's decision (audited). For the same person, ``blocked_pin`` (by
    default the second PIN) is kept off voter lists until the case is resolved."""
    if not reason.strip():
        raise RuleViolation("register.reason_required", "a decision needs a written reason")
    with unit_of_work(session):
        case = session.get(DuplicateCase, case_id, with_for_update=True)
        if case is None:
            raise NotFound("register.case_not_found", f"no duplicate case {case_id}")
        if case.status != "open":
            raise Conflict("register.case_decided", f"case {case_id} is already decided")
        if same_person:
            blocked = blocked_pin or case.pin_b
            if blocked not in (case.pin_a, case.pin_b):
                raise InvalidInput("register.bad_blocked_pin",
                                   "the blocked PIN must be one of the case's two PINs")
            case.status, case.blocked_pin = "same_person", blocked
        else:
            case.status = "different_people"
        case.decided_by, case.decided_at, case.reason = actor, utcnow(), reason
        session.flush()
        if case.blocked_pin:
            lists.refresh_persons(session, [case.blocked_pin], today)
        audit.record(session, actor, "register.duplicate_decided", "duplicate_case", case.id,
                     {"status": case.status, "blocked_pin": case.blocked_pin,
                      "reason": reason})
    return _case_out(case, _names(session, {case.pin_a, case.pin_b}))
