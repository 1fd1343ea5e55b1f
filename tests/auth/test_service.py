"""Users, authentication, tokens and the one authorisation check."""

import pytest
from sqlalchemy import func, select

from shailoo.audit import service as audit
from shailoo.auth import service
from shailoo.auth.models import ApiToken, User
from shailoo.auth.rules import Permission, Role, Scope
from shailoo.elections import service as elections
from shailoo.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from shailoo.geography import service as geography
from shailoo.types import GeoPath, ScopeKind
from tests.factories import PASSWORD, make_country, make_election, make_user


def counts(session):
    return (session.execute(select(func.count()).select_from(User)).scalar(),
            session.execute(select(func.count()).select_from(ApiToken)).scalar(),
            audit.count_records(session))


def principal(role, kind=ScopeKind.NATION, code=None, username="u"):
    return service.Principal(1, username, "U", role, Scope(kind, code))


# --- authorize -----------------------------------------------------------------------------


def test_unauthenticated():
    with pytest.raises(Unauthenticated) as exc:
        service.authorize(None, Permission.STATIONS_EDIT)
    assert exc.value.code == "auth.unauthenticated"
    assert exc.value.exit_code == 7


def test_a_role_lacking_the_permission_is_refused():
    observer = principal(Role.OBSERVER)
    with pytest.raises(Forbidden) as exc:
        service.authorize(observer, Permission.GEOGRAPHY_IMPORT)
    assert exc.value.code == "auth.permission_denied"
    assert exc.value.message == "a observer may not do geography.import"
    assert exc.value.details == {"permission": "geography.import"}


def test_permission_is_checked_before_scope():
    pec = principal(Role.PEC_MEMBER, ScopeKind.STATION, "1001")
    with pytest.raises(Forbidden) as exc:
        service.authorize(pec, Permission.STATIONS_EDIT, GeoPath(station_code="1001"))
    assert exc.value.code == "auth.permission_denied"


def test_a_nation_scope_may_act_anywhere():
    admin = principal(Role.CEC_ADMIN)
    assert service.authorize(admin, Permission.USERS_MANAGE) is admin
    assert service.authorize(admin, Permission.STATIONS_EDIT,
                             GeoPath(tec_code="X", station_code="9")) is admin


def test_a_tec_member_may_act_on_stations_of_its_own_tec_only(session):
    make_country(session)
    tec = make_user(session, "tec-gb01", Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "GB01"))
    own = geography.station_path(session, "1001")
    assert own == GeoPath(region_code="KG-GB", tec_code="GB01", station_code="1001")
    assert service.authorize(tec, Permission.STATIONS_EDIT, own) is tec
    with pytest.raises(Forbidden) as exc:
        service.authorize(tec, Permission.STATIONS_EDIT, geography.station_path(session, "2001"))
    assert exc.value.code == "auth.out_of_scope"
    assert exc.value.message == "tec-gb01 acts in tec:GB01 and may not act on 2001"
    assert exc.value.details == {"scope": "tec:GB01"}
    with pytest.raises(Forbidden) as exc:
        service.authorize(tec, Permission.STATIONS_EDIT)
    assert exc.value.code == "auth.out_of_scope"
    assert "nationwide" in exc.value.message


def test_a_district_scope_covers_the_stations_of_its_district(session):
    make_country(session)
    e = make_election(session)
    elections.add_districts(session, "t", e.id, [(1, "a", "b", "c", "KG-GB", ["1001"]),
                                                 (2, "a", "b", "c", "KG-C", ["2001"])])
    d1 = geography.public_list_districts(session, e.id)[0]["id"]
    dec = make_user(session, "dec1", Role.DEC_MEMBER, Scope(ScopeKind.DISTRICT, str(d1)))
    assert service.authorize(dec, Permission.STATIONS_EDIT,
                             geography.station_path(session, "1001")) is dec
    with pytest.raises(Forbidden, match="may not act on 2001"):
        service.authorize(dec, Permission.STATIONS_EDIT, geography.station_path(session, "2001"))


def test_a_district_scope_must_name_an_existing_district(session):
    from shailoo.errors import NotFound

    make_country(session)
    with pytest.raises(NotFound) as exc:
        make_user(session, "dec9", Role.DEC_MEMBER, Scope(ScopeKind.DISTRICT, "999"))
    assert exc.value.code == "geography.district_not_found"


# --- users -----------------------------------------------------------------------------------


def test_create_user_and_read_it_back(session):
    make_country(session)
    p = make_user(session, "tec.gb-01_a", Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "GB01"))
    assert (p.username, p.full_name, p.role, p.scope) == (
        "tec.gb-01_a", "Tec.Gb-01_A", Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "GB01"))
    assert p.label == "user:tec.gb-01_a"
    assert service.get_user(session, "tec.gb-01_a") == p
    assert service.get_principal(session, p.user_id) == p
    stored = session.get(User, p.user_id)
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash


def test_list_users_by_username(session):
    make_user(session, "zed", Role.OBSERVER)
    make_user(session, "amy", Role.CEC_ADMIN)
    assert [u.username for u in service.list_users(session)] == ["amy", "zed"]


@pytest.mark.parametrize(("username", "password", "role", "scope", "error", "code"), [
    ("", PASSWORD, Role.CEC_ADMIN, Scope(ScopeKind.NATION), InvalidInput,
     "auth.invalid_username"),
    ("a b", PASSWORD, Role.CEC_ADMIN, Scope(ScopeKind.NATION), InvalidInput,
     "auth.invalid_username"),
    ("x" * 101, PASSWORD, Role.CEC_ADMIN, Scope(ScopeKind.NATION), InvalidInput,
     "auth.invalid_username"),
    ("bob", "short", Role.CEC_ADMIN, Scope(ScopeKind.NATION), InvalidInput,
     "auth.weak_password"),
    ("bob", PASSWORD, Role.CEC_ADMIN, Scope(ScopeKind.TERRITORIAL, "GB01"), InvalidInput,
     "auth.invalid_scope"),
    ("bob", PASSWORD, Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "NOPE"), NotFound,
     "geography.commission_not_found"),
    ("bob", PASSWORD, Role.PEC_MEMBER, Scope(ScopeKind.STATION, "7777"), NotFound,
     "geography.station_not_found"),
    ("bob", PASSWORD, Role.OBSERVER, Scope(ScopeKind.REGION, "KG-Z"), NotFound,
     "geography.region_not_found"),
    ("bob", PASSWORD, Role.DEC_MEMBER, Scope(ScopeKind.DISTRICT, "first"), InvalidInput,
     "auth.invalid_scope"),
])
def test_create_user_refuses_bad_input_and_changes_nothing(session, username, password, role,
                                                           scope, error, code):
    make_country(session)
    before = counts(session)
    with pytest.raises(error) as exc:
        service.create_user(session, "test", username, "", password, role, scope)
    assert exc.value.code == code
    assert counts(session) == before


def test_a_scope_must_suit_the_role_message(session):
    with pytest.raises(InvalidInput) as exc:
        make_user(session, "boss", Role.CEC_ADMIN, Scope(ScopeKind.TERRITORIAL, "GB01"))
    assert exc.value.message == "a cec_admin acts in a scope of kind nation, not tec"
    assert exc.value.details == {"role": "cec_admin", "scope": "tec:GB01"}


def test_duplicate_username_is_a_conflict_and_changes_nothing(session):
    make_user(session, "alice", Role.CEC_ADMIN)
    before = counts(session)
    with pytest.raises(Conflict) as exc:
        make_user(session, "alice", Role.OBSERVER)
    assert exc.value.code == "auth.duplicate_username"
    assert counts(session) == before
    assert service.get_user(session, "alice").role is Role.CEC_ADMIN


def test_get_user_unknown(session):
    with pytest.raises(NotFound) as exc:
        service.get_user(session, "ghost")
    assert exc.value.code == "auth.user_not_found"
    assert service.get_principal(session, 424242) is None


# --- authentication and tokens ---------------------------------------------------------------


def test_authenticate(session):
    alice = make_user(session, "alice", Role.CEC_ADMIN)
    assert service.authenticate(session, "alice", PASSWORD) == alice
    for username, password in (("alice", PASSWORD + "x"), ("ghost", PASSWORD), ("alice", "")):
        with pytest.raises(Unauthenticated) as exc:
            service.authenticate(session, username, password)
        assert exc.value.code == "auth.bad_credentials"
        assert exc.value.message == "wrong username or password"


def test_an_inactive_user_cannot_sign_in_or_use_tokens(session):
    alice = make_user(session, "alice", Role.CEC_ADMIN)
    token = service.issue_token(session, alice, "cli")
    session.get(User, alice.user_id).active = False
    session.flush()
    with pytest.raises(Unauthenticated):
        service.authenticate(session, "alice", PASSWORD)
    with pytest.raises(Unauthenticated):
        service.principal_from_token(session, token)
    assert service.get_principal(session, alice.user_id) is None


def test_tokens(session):
    from shailoo.kit.clock import utcnow

    alice = make_user(session, "alice", Role.CEC_ADMIN)
    token = service.issue_token(session, alice, "laptop")
    assert token.startswith("shl_")
    assert len(token) > 40
    assert service.principal_from_token(session, token) == alice
    row = session.execute(select(ApiToken)).scalar_one()
    assert row.token_hash != token
    assert token not in str(audit.list_records(session, limit=1)[0].change)
    assert service.issue_token(session, alice, "other") != token
    with pytest.raises(Unauthenticated) as exc:
        service.principal_from_token(session, token + "x")
    assert exc.value.code == "auth.bad_token"
    row.revoked_at = utcnow()
    session.flush()
    with pytest.raises(Unauthenticated):
        service.principal_from_token(session, token)


def test_token_name_defaults_and_is_cut(session):
    alice = make_user(session, "alice", Role.CEC_ADMIN)
    service.issue_token(session, alice, "")
    service.issue_token(session, alice, "n" * 150)
    names = sorted(session.execute(select(ApiToken.name)).scalars(), key=len)
    assert names == ["token", "n" * 100]
