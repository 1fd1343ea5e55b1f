"""Roles, permissions and scopes as pure rules."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shailoo.auth.rules import (
    ROLE_PERMISSIONS,
    ROLE_SCOPES,
    Permission,
    Role,
    Scope,
    permission_denied,
    scope_covers,
    scope_error,
)
from shailoo.types import GeoPath, ScopeKind

STATION = GeoPath(region_code="KG-GB", tec_code="GB01", station_code="1001",
                  district_ids=frozenset({3, 4}))


def test_every_role_has_permissions_and_scopes():
    assert set(ROLE_PERMISSIONS) == set(Role)
    assert set(ROLE_SCOPES) == set(Role)
    # the CEC holds every permission but the one only identification devices act under
    assert ROLE_PERMISSIONS[Role.CEC_ADMIN] == frozenset(Permission) - {
        Permission.POLLING_IDENTIFY}
    assert not any(Permission.POLLING_IDENTIFY in p for p in ROLE_PERMISSIONS.values())


@pytest.mark.parametrize(("role", "permission", "denied"), [
    (Role.CEC_ADMIN, Permission.USERS_MANAGE, False),
    (Role.TEC_MEMBER, Permission.STATIONS_EDIT, False),
    (Role.TEC_MEMBER, Permission.GEOGRAPHY_IMPORT, True),
    (Role.TEC_MEMBER, Permission.USERS_MANAGE, True),
    (Role.DEC_MEMBER, Permission.STATIONS_EDIT, False),
    (Role.PEC_MEMBER, Permission.STATIONS_EDIT, True),
    (Role.OBSERVER, Permission.AUDIT_READ, True),
    (Role.OBSERVER, Permission.TOKENS_OWN, False),
    (Role.PARTY_FINANCE_OFFICER, Permission.ELECTIONS_MANAGE, True),
])
def test_permission_denied(role, permission, denied):
    assert permission_denied(role, permission) is denied


@given(st.sampled_from(Role))
def test_every_role_may_hold_tokens(role):
    assert not permission_denied(role, Permission.TOKENS_OWN)


def test_scope_str():
    assert str(Scope(ScopeKind.NATION)) == "nation"
    assert str(Scope(ScopeKind.TERRITORIAL, "GB01")) == "tec:GB01"


@pytest.mark.parametrize(("scope", "covered"), [
    (Scope(ScopeKind.NATION), True),
    (Scope(ScopeKind.REGION, "KG-GB"), True),
    (Scope(ScopeKind.REGION, "KG-C"), False),
    (Scope(ScopeKind.TERRITORIAL, "GB01"), True),
    (Scope(ScopeKind.TERRITORIAL, "GB02"), False),
    (Scope(ScopeKind.STATION, "1001"), True),
    (Scope(ScopeKind.STATION, "1002"), False),
    (Scope(ScopeKind.DISTRICT, "3"), True),
    (Scope(ScopeKind.DISTRICT, "5"), False),
    (Scope(ScopeKind.DISTRICT, "x3"), False),
])
def test_scope_covers_a_station(scope, covered):
    assert scope_covers(scope, STATION) is covered


@given(st.sampled_from(ScopeKind), st.text(max_size=5))
def test_only_the_nation_covers_a_nationwide_action(kind, code):
    scope = Scope(kind, None if kind is ScopeKind.NATION else code)
    assert scope_covers(scope, None) is (kind is ScopeKind.NATION)


def test_a_tec_scope_does_not_cover_another_tec_or_region():
    scope = Scope(ScopeKind.TERRITORIAL, "GB01")
    assert not scope_covers(scope, GeoPath(region_code="KG-GB", tec_code="GB02",
                                           station_code="1101"))
    assert not scope_covers(scope, GeoPath(region_code="KG-GB"))


@pytest.mark.parametrize(("role", "scope", "error"), [
    (Role.CEC_ADMIN, Scope(ScopeKind.NATION), None),
    (Role.CEC_ADMIN, Scope(ScopeKind.TERRITORIAL, "GB01"),
     "a cec_admin acts in a scope of kind nation, not tec"),
    (Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "GB01"), None),
    (Role.TEC_MEMBER, Scope(ScopeKind.NATION),
     "a tec_member acts in a scope of kind tec, not nation"),
    (Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL), "a tec scope needs a code"),
    (Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, ""), "a tec scope needs a code"),
    (Role.BIOMETRIC_OPERATOR, Scope(ScopeKind.REGION, "KG-C"),
     "a biometric_operator acts in a scope of kind station, tec, not region"),
    (Role.OBSERVER, Scope(ScopeKind.NATION, "KG"), "the nation scope takes no code"),
    (Role.OBSERVER, Scope(ScopeKind.REGION, "KG-C"), None),
    (Role.PEC_MEMBER, Scope(ScopeKind.STATION, "1001"), None),
])
def test_scope_error(role, scope, error):
    assert scope_error(role, scope) == error
