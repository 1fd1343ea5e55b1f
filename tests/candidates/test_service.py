"""Parties: registration, duplicates, Kyrgyz alphabetical order."""

from __future__ import annotations

import pytest

from shailoo.audit import service as audit
from shailoo.candidates import service
from shailoo.candidates.schemas import PartyIn
from shailoo.errors import Conflict


def _party(code: str, ky: str) -> PartyIn:
    return PartyIn(code=code, name_ky=ky, name_ru=ky, name_en=code)


def test_parties_are_listed_in_kyrgyz_alphabetical_order(session):
    for code, name in [("ush", "Үмүт"), ("uch", "Улуу"), ("ong", "Өнүгүү"), ("or", "Орда"),
                       ("nur", "Нур")]:
        service.register_party(session, "test", _party(code, name))
    names = [p.name_ky for p in service.public_list_parties(session)]
    assert names == ["Нур", "Орда", "Өнүгүү", "Улуу", "Үмүт"]


def test_duplicate_party_is_refused_and_changes_nothing(session):
    service.register_party(session, "test", _party("ala", "Ала-Тоо"))
    records = audit.count_records(session)
    with pytest.raises(Conflict) as caught:
        service.register_party(session, "test", _party("ala", "Башка"))
    assert caught.value.code == "candidates.duplicate_party"
    assert audit.count_records(session) == records
    assert [p.name_ky for p in service.public_list_parties(session)] == ["Ала-Тоо"]
