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
    # after polling day there is no upcoming election: the register answers
    after = ask(session, ROWS[0]["pin"], directory, today=date(2027, 3, 1))
    assert (after.found, after.election_id, after.station.code) == (True, None, "1001")
    assert ask(session, ROWS[1]["pin"], directory).found is False  # deceased
    directory.loaded_at = -1e9
    assert ask(session, ROWS[0]["pin"], directory).found
    lists.set_rules(session, ACTOR, election, {"opening_hours": "07:00-20:00"})
    assert ask(session, ROWS[0]["pin"], directory).opening_hours == "08:00-20:00"  # cached
    directory.refresh(session, TODAY, now=directory.loaded_at + lookup.REFRESH_SECONDS)
    assert directory.opening_hours == "07:00-20:00"


def test_a_station_without_coordinates_has_no_map():
    card = lookup.StationCard("1", "School", "Street 1", "KG", None, 74.6)
    assert card.map_url is None


def test_an_upcoming_election_without_built_lists_is_answered_by_its_rules(session):
    make_register_country(session)
    import_rows(session, ROWS)
    assert ask(session, ROWS[0]["pin"]).station.code == "1001"
    assert ask(session, ROWS[1]["pin"]).found is False  # deceased: excluded by the rules


def test_the_app_answers_from_a_connection_of_its_own(fresh_database_url):
    """In a served app (a session factory bound to an engine) the lookup does one statement
    on the directory's own read-only connection, the same for every kind of PIN."""
    from fastapi.testclient import TestClient

    from shailoo.config import Settings
    from shailoo.db import make_engine, make_session_factory
    from shailoo.web.app import create_app

    factory = make_session_factory(make_engine(fresh_database_url))
    with factory() as setup:
        election = make_register_country(setup)
        import_rows(setup, ROWS)
        lists.build_lists(setup, ACTOR, election)
    app = create_app(Settings(database_url=fresh_database_url), session_factory=factory)
    with TestClient(app) as web:
        first = web.post("/api/register/lookup", json={"pin": ROWS[0]["pin"]}).json()
        directory = app.state.register_lookup[0]
        assert directory.reader is not None and first["station"]["code"] == "1001"
        calls: list[tuple[str, int]] = []
        fetch = directory.reader.fetch

        def counting(sql, params):
            calls.append((sql, len(params)))
            return fetch(sql, params)

        directory.reader.fetch = counting
        seen = {}
        for label, pin in (("known", ROWS[0]["pin"]), ("excluded", ROWS[1]["pin"]),
                           ("unknown", "21205198099999"), ("malformed", "12")):
            calls.clear()
            answer = web.post("/api/register/lookup", json={"pin": pin})
            assert answer.status_code == 200
            seen[label] = (list(calls), answer.json()["found"])
        assert seen["known"] == ([(lookup.LIST_SQL, 2)], True)
        assert all(s == ([(lookup.LIST_SQL, 2)], False) for k, s in seen.items() if k != "known")
        line = web.post("/api/register/lookup.txt", content=ROWS[2]["pin"]).text
        assert line.count("\n") == 1 and "2001" in line
