"""Electoral-system configuration: presets validate, seats must add up."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from shailoo.elections.systems import (
    KG_REGIONS,
    PRESETS,
    AllocationMethod,
    DistrictTier,
    ElectoralSystem,
    ListTier,
    PresidentialRule,
    SeatCap,
    preset,
)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_validate_and_round_trip_through_json(name):
    system = PRESETS[name]
    dumped = system.model_dump(mode="json")
    assert ElectoralSystem.model_validate(dumped) == system
    assert ElectoralSystem.model_validate_json(system.model_dump_json()) == system
    assert system.unverified, "every preset lists its unverified settings"
    assert preset(name) is system


def test_preset_figures():
    mixed = PRESETS["kg-2021-mixed"]
    assert (mixed.seats, mixed.list_tier.seats, mixed.district_tier.districts) == (90, 54, 36)
    assert mixed.list_tier.national_threshold.percent == Decimal(5)
    assert mixed.list_tier.regional_threshold.units == KG_REGIONS
    assert mixed.list_tier.cap.max_seats == 27
    assert mixed.list_tier.open_lists
    assert mixed.list_tier.gender_rule.reserved_share == Decimal("0.3")
    old = PRESETS["kg-2015-120"]
    assert (old.seats, old.list_tier.seats, old.district_tier) == (120, 120, None)
    assert old.list_tier.cap.max_seats == 65
    president = PRESETS["kg-president"]
    assert (president.seats, president.list_tier, president.district_tier) == (1, None, None)
    assert president.presidential.majority_percent == Decimal(50)
    with pytest.raises(KeyError):
        preset("kg-1995")


def test_unverified_paths_name_real_settings():
    for system in PRESETS.values():
        for path in system.unverified:
            node = system
            for part in path.split("."):
                assert hasattr(node, part), f"{path} is not a setting"
                node = getattr(node, part)


def hare_list(seats: int) -> ListTier:
    return ListTier(seats=seats, method=AllocationMethod.HARE)


@given(st.integers(1, 200), st.integers(0, 100), st.integers(1, 3), st.integers(-5, 5))
def test_seats_must_equal_list_plus_district_seats(list_seats, districts, per_district, delta):
    tier = DistrictTier(districts=districts, seats_per_district=per_district) if districts else None
    total = list_seats + districts * per_district
    if delta == 0 or total + delta < 1:
        assert ElectoralSystem(name="x", seats=total, list_tier=hare_list(list_seats),
                               district_tier=tier).seats == total
    else:
        with pytest.raises(ValidationError, match=r"seats \(\d+\) must equal list seats"):
            ElectoralSystem(name="x", seats=total + delta, list_tier=hare_list(list_seats),
                            district_tier=tier)


def test_seats_that_do_not_add_up_are_refused_with_the_figures():
    with pytest.raises(ValidationError) as exc:
        ElectoralSystem(name="x", seats=91, list_tier=hare_list(54),
                        district_tier=DistrictTier(districts=36))
    assert "seats (91) must equal list seats (54) plus district seats (36)" in str(exc.value)


def test_a_presidential_system_has_one_seat_and_nothing_else():
    assert ElectoralSystem(name="p", seats=1, presidential=PresidentialRule()).seats == 1
    for kwargs in ({"seats": 2}, {"seats": 1, "list_tier": hare_list(1)},
                   {"seats": 1, "district_tier": DistrictTier(districts=1)}):
        with pytest.raises(ValidationError, match="a presidential system has one seat"):
            ElectoralSystem(name="p", presidential=PresidentialRule(), **kwargs)


def test_list_tier_rules():
    with pytest.raises(ValidationError, match="first_divisor applies to modified-sainte-lague"):
        ListTier(seats=10, method=AllocationMethod.DHONDT, first_divisor=Decimal("1.4"))
    assert ListTier(seats=10, method=AllocationMethod.MODIFIED_SAINTE_LAGUE,
                    first_divisor=Decimal("1.4")).first_divisor == Decimal("1.4")
    with pytest.raises(ValidationError, match="the cap exceeds the number of list seats"):
        ListTier(seats=10, method=AllocationMethod.HARE, cap=SeatCap(max_seats=11))


@pytest.mark.parametrize("bad", [
    {"seats": 0},
    {"seats": 10, "unknown_field": 1},
    {"seats": 10, "min_turnout_percent": "101"},
])
def test_system_fields_are_validated(bad):
    with pytest.raises(ValidationError):
        ElectoralSystem(name="x", **({"list_tier": hare_list(10)} | bad))


def test_systems_are_frozen():
    with pytest.raises(ValidationError):
        PRESETS["kg-2021-mixed"].seats = 100
