"""Pure geography rules: distances, the far-outside check, station consistency."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shailoo.geography.rules import (
    RegionArea,
    StationKind,
    check_station_consistency,
    far_outside,
    haversine_km,
    parse_latitude,
    parse_longitude,
)

lat_st = st.floats(-90, 90)
lon_st = st.floats(-180, 180)


def test_haversine_known_distances():
    assert haversine_km(42.875, 74.6, 42.875, 74.6) == 0
    # Bishkek to Osh is about 300 km as the crow flies
    assert 295 < haversine_km(42.875, 74.6, 40.53, 72.8) < 310
    # a quarter of the equator
    assert haversine_km(0, 0, 0, 90) == pytest.approx(math.pi * 6371.0088 / 2)


@given(lat_st, lon_st, lat_st, lon_st)
def test_haversine_is_symmetric_and_bounded(a, b, c, d):
    assert haversine_km(a, b, c, d) == pytest.approx(haversine_km(c, d, a, b), abs=1e-6)
    assert 0 <= haversine_km(a, b, c, d) <= math.pi * 6371.0088 + 1e-6


def test_far_outside_uses_one_and_a_half_radii():
    area = RegionArea("KG-GB", 42.875, 74.6, 15)
    assert far_outside(area, 42.88, 74.61) is None
    # 20 km north: outside the radius but within 1.5 radii
    assert far_outside(area, 42.875 + 20 / 111.2, 74.6) is None
    distance = far_outside(area, 40.53, 72.8)
    assert distance is not None
    assert 295 < distance < 310


@pytest.mark.parametrize(("raw", "value"), [("42.5", 42.5), ("42,5", 42.5), ("-90", -90.0)])
def test_parse_latitude(raw, value):
    assert parse_latitude(raw) == value


def test_parse_coordinates_refuse_out_of_range():
    with pytest.raises(ValueError, match="latitude must be between -90 and 90"):
        parse_latitude("91")
    with pytest.raises(ValueError, match="longitude must be between -180 and 180"):
        parse_longitude("-180.5")
    assert parse_longitude("74,6") == 74.6
    with pytest.raises(ValueError):
        parse_latitude("north")


@pytest.mark.parametrize(("kind", "country", "city", "abroad", "error"), [
    (StationKind.ORDINARY, "KG", None, False, None),
    (StationKind.HOSPITAL, "KG", None, False, None),
    (StationKind.ABROAD, "RU", "Москва", True, None),
    (StationKind.ABROAD, "KG", "Москва", True, "an abroad station needs a foreign country"),
    (StationKind.ABROAD, "RU", None, True, "an abroad station needs a city"),
    (StationKind.ABROAD, "RU", "Москва", False,
     "an abroad station must belong to the commission for stations abroad"),
    (StationKind.ORDINARY, "RU", None, False,
     "a ordinary station must be in KG; use kind 'abroad' for stations abroad"),
    (StationKind.DETENTION, "KG", None, True,
     "the commission for stations abroad holds only abroad stations"),
])
def test_check_station_consistency(kind, country, city, abroad, error):
    assert check_station_consistency(kind, country, city, abroad) == error
