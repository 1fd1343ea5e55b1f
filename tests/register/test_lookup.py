"""Where do I vote: the station of a listed PIN, the same answer shape for every other PIN."""

from datetime import date

import pytest

from shailoo.register import lists, lookup
from tests.register.factories import ACTOR, TODAY, import_rows, make_register_country, voter

ROWS = [voter(1, "Асанова", "Жылдыз"), voter(2, "Иманов", "Марат", sex="M", deceased="1"),
        voter(3, "Ли", "Анна", region="KG-C", locality="Ёлкино", street="", house="")]


@pytest.fixture
def election(session) -> int:
    election_id = make_register_country(session)
    import_rows(session, ROWS)
    lists.build_lists(session, ACTOR, election_id)
    return election_id


def ask(session, pin, directory=None, today=TODAY):
    return lookup.public_where_to_vote(session, directory or lookup.Directory(), pin, today)


def test_a_listed_pin_gets_its_station(session, election):
    answer = ask(session, f"  {ROWS[0]['pin']} ")
    assert answer.found
    assert answer.to_dict() == {
        "found": True, "election_id": election, "polling_date": "2027-02-28",
        "opening_hours": "08:00-20:00",
        "station": {"code": "1001", "name": "Средняя школа № 5",
                    "address": "г. Бишкек, ул. Токтогула, 125", "country": "KG",
                    "latitude": 42.87, "longitude": 74.59,
                    "map_url": "https://www.openstreetmap.org/?mlat=42.87&mlon=74.59"
                               "#map=17/42.87/74.59"}}
    assert ask(session, ROWS[2]["pin"]).station.code == "2001"


def test_every_other_pin_gets_the_same_shape(session, election):
    answers = [ask(session, pin).to_dict() for pin in (
        ROWS[1]["pin"],  # excluded: deceased
        "21205198099999",  # unknown
        "12",  # malformed
        "1" * 500)]  # absurd
    assert all(a == answers[0] for a in answers)
    assert answers[0]["found"] is False and answers[0]["station"] is None
    assert set(answers[0]) == set(ask(session, ROWS[0]["pin"]).to_dict())


def test_the_directory_takes_the_next_election_with_built_lists(session, election):
    directory = lookup.Directory()
    assert ask(session, ROWS[0]["pin"], directory, today=date(2027, 3, 1)).found is False
    directory.loaded_at = -1e9
    assert ask(session, ROWS[0]["pin"], directory).found
    lists.set_rules(session, ACTOR, election, {"opening_hours": "07:00-20:00"})
    assert ask(session, ROWS[0]["pin"], directory).opening_hours == "08:00-20:00"  # cached
    directory.refresh(session, TODAY, now=directory.loaded_at + lookup.REFRESH_SECONDS)
    assert directory.opening_hours == "07:00-20:00"


def test_a_station_without_coordinates_has_no_map():
    card = lookup.StationCard("1", "School", "Street 1", "KG", None, 74.6)
    assert card.map_url is None
