"""The synthetic country: sized by voters, every region served, abroad stations, 36 districts."""

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shailoo.audit import service as audit
from shailoo.auth import service as auth
from shailoo.candidates import service as candidates
from shailoo.db import make_engine, make_session_factory
from shailoo.demo import generator
from shailoo.demo.country import REGIONS, VOTERS_PER_STATION
from shailoo.elections import service as elections
from shailoo.elections.demo import next_polling_sunday
from shailoo.elections.rules import ContestKind
from shailoo.errors import Conflict, InvalidInput
from shailoo.geography import service as geography
from shailoo.geography.demo import plan_stations
from shailoo.geography.rules import StationKind

TODAY = date(2026, 1, 1)
CYRILLIC = re.compile(r"[А-Яа-яЁёҢңӨөҮү]")
LATIN = re.compile(r"[A-Za-z]")


def generate(session, voters, seed=3):
    return generator.generate(session, voters, seed, TODAY, log=lambda _m: None)


@pytest.fixture(scope="module")
def generated(databases):
    """One 100,000-voter demo for the module (the tests only read it)."""
    url = databases.create()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as session:
        ctx = generate(session, 100_000)
    yield factory, ctx
    engine.dispose()


@pytest.fixture
def country(generated):
    factory, ctx = generated
    with factory() as session:
        yield session, ctx


@pytest.mark.parametrize("voters", [30_000, 100_000, 1_000_000, 3_700_000])
def test_about_one_station_per_1500_voters(voters):
    per_region, abroad = plan_stations(voters)
    assert len(per_region) == len(REGIONS)
    assert all(n >= 1 for n in per_region)
    assert abroad >= 1
    assert abs(sum(per_region) + abroad - voters / VOTERS_PER_STATION) <= 1


def test_a_small_electorate_still_gets_a_station_in_every_region():
    per_region, abroad = plan_stations(2000)
    assert per_region == [1] * len(REGIONS)
    assert abroad == 1


def test_the_country(country):
    session, ctx = country
    stations = geography.public_list_stations(session)
    assert len(stations) == ctx.produced["stations"] == round(100_000 / VOTERS_PER_STATION)
    assert sum(s.planned_voters for s in stations) == 100_000
    overview = geography.public_regions_overview(session)
    assert sorted(r.code for r in overview) == sorted(r.code for r in REGIONS)
    assert all(r.stations >= 1 and r.commissions >= 1 for r in overview)
    abroad = [s for s in stations if s.kind is StationKind.ABROAD]
    assert abroad
    assert all(s.country != "KG" and s.city and s.region is None and s.tec == "ABROAD"
               for s in abroad)
    assert all(s.country == "KG" and s.region for s in stations if s not in abroad)


def test_names_are_cyrillic(country):
    session, _ = country
    names = [s.name for s in geography.public_list_stations(session)]
    names += [s.address for s in geography.public_list_stations(session)]
    names += [u.full_name for u in auth.list_users(session)]
    names += [c.name_ky for c in geography.public_list_commissions(session)]
    names += [c.name_ru for c in geography.public_list_commissions(session)]
    names += [p.name_ky for p in candidates.public_list_parties(session)]
    for name in names:
        assert CYRILLIC.search(name) and not LATIN.search(name), name
    people = [u.full_name for u in auth.list_users(session)]
    assert all(len(n.split()) >= 3 for n in people)


def test_the_election(country):
    session, ctx = country
    [election] = elections.public_calendar(session)
    assert election.id == ctx.produced["election_id"]
    assert election.preset == "kg-2021-mixed"
    assert election.polling_date == next_polling_sunday(TODAY) == date(2026, 4, 5)
    assert election.polling_date.weekday() == 6
    contests = elections.public_get_election(session, election.id).contests
    kinds = [c.kind for c in contests]
    assert kinds.count(ContestKind.NATIONAL_LIST) == 1
    assert kinds.count(ContestKind.SINGLE_MEMBER_DISTRICT) == 36
    districts = geography.public_list_districts(session, election.id)
    assert [d["number"] for d in districts] == list(range(1, 37))
    assert all(d["stations"] >= 1 for d in districts)
    domestic = [s for s in geography.public_list_stations(session) if s.kind != "abroad"]
    assert sum(d["stations"] for d in districts) == len(domestic)


def test_abroad_stations_are_in_no_district(country):
    session, _ = country
    for s in geography.public_list_stations(session):
        path = geography.station_path(session, s.code)
        assert (len(path.district_ids) == 0) is (s.kind is StationKind.ABROAD), s.code


def test_users_and_parties(country):
    session, ctx = country
    assert ctx.produced["admin"] == ("admin", "shailoo-demo-2026")
    admin = auth.authenticate(session, "admin", "shailoo-demo-2026")
    assert admin.role.value == "cec_admin"
    users = {u.username: u for u in auth.list_users(session)}
    tecs = [u for u in users.values() if u.role.value == "tec_member"]
    assert len(tecs) == len(REGIONS)
    for u in tecs:
        assert geography.public_get_commission(session, u.scope.code).region is not None
    assert "observer" in users
    assert len(candidates.public_list_parties(session)) == 10


def test_the_whole_demo_is_audited_and_intact(country):
    session, _ = country
    result = audit.verify(session)
    assert result.intact
    actions = [r.action for r in reversed(audit.list_records(session, limit=1000))]
    assert actions[:3] == ["geography.regions_imported", "geography.commissions_imported",
                           "geography.stations_imported"]
    assert actions.count("candidates.party_registered") == 10
    assert actions.count("elections.created") == 1
    assert actions.count("geography.districts_created") == 1


def test_each_step_has_its_own_random_stream(session):
    from shailoo.demo.registry import DemoContext

    ctx = DemoContext(session=session, seed=11, voters=3000, today=TODAY)
    assert ctx.rng("geography").random() == ctx.rng("geography").random()
    assert ctx.rng("geography").random() != ctx.rng("users").random()
    other = DemoContext(session=session, seed=12, voters=3000, today=TODAY)
    assert ctx.rng("users").random() != other.rng("users").random()


def test_refuses_a_non_empty_database_and_too_few_voters(country):
    session, _ = country
    before = audit.count_records(session)
    with pytest.raises(Conflict) as exc:
        generate(session, 2000)
    assert exc.value.code == "demo.not_empty"
    with pytest.raises(InvalidInput) as exc:
        generate(session, 999)
    assert exc.value.code == "demo.too_few_voters"
    assert audit.count_records(session) == before


def test_next_polling_sunday():
    assert next_polling_sunday(date(2026, 1, 1)) == date(2026, 4, 5)
    assert next_polling_sunday(date(2026, 1, 4), days_ahead=0) == date(2026, 1, 4)
    assert next_polling_sunday(date(2026, 1, 5), days_ahead=0) == date(2026, 1, 11)


@given(count=st.integers(0, 60),
       regions=st.lists(st.tuples(st.floats(1, 1e6), st.integers(1, 12)), min_size=1,
                        max_size=10))
def test_districts_per_region_fill_up_to_the_stations(count, regions):
    from shailoo.elections.demo import districts_per_region

    weights = [w for w, _ in regions]
    capacity = [c for _, c in regions]
    shares = districts_per_region(count, weights, capacity)
    assert sum(shares) == min(count, sum(capacity))
    assert all(0 <= s <= c for s, c in zip(shares, capacity, strict=True))
    if count >= len(regions):
        assert all(s >= 1 for s in shares)
