"""Party use cases."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.candidates.models import Party
from shailoo.candidates.schemas import PartyIn, PartyOut
from shailoo.db import unit_of_work
from shailoo.errors import Conflict
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
