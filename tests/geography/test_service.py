"""Smoke test of the geography import through the rolled-back session."""

from tests.factories import make_country

from shailoo.geography import service


def test_country_imports(session):
    make_country(session)
    assert [r.stations for r in service.public_regions_overview(session)] == [1, 3]
    assert [s.code for s in service.public_list_stations(session, query="ЁЛКИНО")] == ["2001"]
