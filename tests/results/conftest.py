"""An election in counting, with a ballot on its list contest and a district contest."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from shailoo.candidates import service as candidates
from shailoo.candidates.schemas import ChoiceIn, ChoiceKind
from shailoo.elections import service as elections
from shailoo.elections.rules import ContestKind, ElectionStatus
from shailoo.polling import service as polling
from shailoo.polling.signing import public_key_hex
from shailoo.results.schemas import ProtocolIn
from tests.factories import make_country, make_election

CHOICES = [("ala", "Ала-Тоо"), ("ynt", "Ынтымак"), ("jan", "Жаңы муун")]


@dataclass
class Counting:
    election_id: int
    list_contest: int
    district_contest: int
    scanner_key: Ed25519PrivateKey


def set_counting(session: Session, election_id: int) -> None:
    for status in ("nomination", "campaign", "polling", "counting"):
        elections.transition(session, "test", election_id, ElectionStatus(status), "calendar")


def ballot(kind: ChoiceKind = ChoiceKind.PARTY) -> list[ChoiceIn]:
    lines = [ChoiceIn(code=c, kind=kind, name_ky=n, name_ru=n, name_en=c) for c, n in CHOICES]
    return [*lines, ChoiceIn(code="against", kind=ChoiceKind.AGAINST_ALL, name_ky="Баарына каршы",
                             name_ru="Против всех", name_en="Against all")]


@pytest.fixture
def counting(session: Session) -> Counting:
    return make_counting(session)


def make_counting(session: Session) -> Counting:
    """The test country, its election in counting, ballots and a scanner at station 1001."""
    make_country(session)
    election = make_election(session)
    elections.add_districts(session, "test", election.id,
                            [(1, "Бишкек", "Бишкек", "Bishkek", "KG-GB", ["1001", "1002", "1003"]),
                             (2, "Сокулук", "Сокулук", "Sokuluk", "KG-C", ["2001"])])
    contests = elections.public_contests(session, election.id)
    national = next(c for c in contests if c.kind is ContestKind.NATIONAL_LIST)
    district = next(c for c in contests if c.kind is ContestKind.SINGLE_MEMBER_DISTRICT)
    candidates.set_ballot(session, "test", national.id, ballot())
    candidates.set_ballot(session, "test", district.id, ballot(ChoiceKind.CANDIDATE))
    set_counting(session, election.id)
    key = Ed25519PrivateKey.generate()
    polling.register_device(session, "test", "abb-1001", "scanner", "1001", public_key_hex(key))
    return Counting(election.id, national.id, district.id, key)


def protocol(contest: int, station: str = "1001", source: str = "manual",
             votes: tuple[int, int, int, int] = (400, 300, 200, 50), invalid: int = 10,
             **overrides: object) -> ProtocolIn:
    """A protocol that passes every default check unless told otherwise."""
    found = sum(votes) + invalid
    lines = {"voters_list": 1500, "voters_additional": 20, "ballots_received": 1500,
             "ballots_issued_early": 0, "ballots_issued_station": found - 30,
             "ballots_issued_mobile": 30, "ballots_cancelled": 1500 - found,
             "ballots_found_stationary": found - 30, "ballots_found_mobile": 30,
             "ballots_invalid": invalid}
    data: dict[str, object] = {"contest_id": contest, "station": station, "source": source,
                               "lines": lines,
                               "votes": dict(zip(["ala", "ynt", "jan", "against"], votes,
                                                 strict=True))}
    data.update(overrides)
    return ProtocolIn.model_validate(data)
