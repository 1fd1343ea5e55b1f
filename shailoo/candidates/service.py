"""Party use cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.candidates.models import BallotChoice, Party
from shailoo.candidates.schemas import ChoiceIn, ChoiceKind, ChoiceOut, PartyIn, PartyOut
from shailoo.db import unit_of_work
from shailoo.errors import Conflict, RuleViolation
from shailoo.kit.clock import utcnow
from shailoo.kit.text import kyrgyz_sort_key


def register_party(session: Session, actor: str, data: PartyIn) -> PartyOut:
    """Register a party (audited); a code may be used once."""
    with unit_of_work(session):
        if session.execute(select(Party.id).where(Party.code == data.code)).first():
            raise Conflict("candidates.duplicate_party", f"party {data.code!r} already exists")
        party = Party(**data.model_dump(), registered_at=utcnow())
        session.add(party)
        session.flush()
        audit.record(session, actor, "candidates.party_registered", "party", party.id,
                     data.model_dump())
    return PartyOut(id=party.id, **data.model_dump())


def public_list_parties(session: Session) -> list[PartyOut]:
    """Registered parties in Kyrgyz alphabetical order of their Kyrgyz names."""
    parties = [PartyOut(id=p.id, code=p.code, name_ky=p.name_ky, name_ru=p.name_ru,
                        name_en=p.name_en) for p in session.execute(select(Party)).scalars()]
    return sorted(parties, key=lambda p: kyrgyz_sort_key(p.name_ky))


def set_ballot(session: Session, actor: str, contest_id: int,
               choices: list[ChoiceIn]) -> list[ChoiceOut]:
    """Fix a contest's ballot lines in the given order; "against all" must come last and
    appear at most once (audited). A ballot can be set once."""
    codes = [c.code for c in choices]
    if len(set(codes)) != len(codes):
        raise RuleViolation("candidates.duplicate_choice", "a ballot line code appears twice")
    against = [i for i, c in enumerate(choices) if c.kind is ChoiceKind.AGAINST_ALL]
    if len(against) > 1 or (against and against[0] != len(choices) - 1):
        raise RuleViolation("candidates.against_all_not_last",
                            "\"against all\" appears once, as the last line of the ballot")
    with unit_of_work(session):
        if session.execute(select(BallotChoice.id).where(
                BallotChoice.contest_id == contest_id)).first():
            raise Conflict("candidates.ballot_already_set",
                           f"the ballot of contest {contest_id} is already set")
        rows = [BallotChoice(contest_id=contest_id, position=i + 1, **c.model_dump())
                for i, c in enumerate(choices)]
        session.add_all(rows)
        session.flush()
        audit.record(session, actor, "candidates.ballot_set", "contest", contest_id,
                     {"choices": codes})
    return [_choice_out(r) for r in rows]


def _choice_out(r: BallotChoice) -> ChoiceOut:
    return ChoiceOut(id=r.id, contest_id=r.contest_id, position=r.position, code=r.code,
                     kind=ChoiceKind(r.kind), name_ky=r.name_ky, name_ru=r.name_ru,
                     name_en=r.name_en, party_id=r.party_id)


def public_ballot(session: Session, contest_id: int) -> list[ChoiceOut]:
    """A contest's ballot lines in ballot order."""
    rows = session.execute(select(BallotChoice).where(BallotChoice.contest_id == contest_id)
                           .order_by(BallotChoice.position)).scalars()
    return [_choice_out(r) for r in rows]


def ballot_codes(session: Session, contest_id: int) -> list[str]:
    """A contest's ballot line codes in ballot order (one light query)."""
    return list(session.execute(select(BallotChoice.code).where(
        BallotChoice.contest_id == contest_id).order_by(BallotChoice.position)).scalars())
