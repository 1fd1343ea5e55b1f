"""`shailoo users ...`: create (with a scope), list, token; bad scopes are refused."""

import io

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from shailoo.auth.cli import parse_scope
from shailoo.auth.rules import Role, Scope
from shailoo.cli import app
from shailoo.db import make_engine, make_session_factory
from shailoo.errors import InvalidInput
from shailoo.geography import service as geography
from shailoo.types import ScopeKind
from tests.factories import COMMISSIONS_CSV, PASSWORD, REGIONS_CSV, STATIONS_CSV

runner = CliRunner()


def flat(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture
def country_url(fresh_database_url):
    engine = make_engine(fresh_database_url)
    session = make_session_factory(engine)()
    geography.import_regions(session, io.StringIO(REGIONS_CSV), "r.csv", "t")
    geography.import_commissions(session, io.StringIO(COMMISSIONS_CSV), "c.csv", "t")
    geography.import_stations(session, io.StringIO(STATIONS_CSV), "s.csv", "t")
    session.close()
    engine.dispose()
    return fresh_database_url


def count(url, table):
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    engine.dispose()
    return n


def test_parse_scope():
    assert parse_scope(Role.CEC_ADMIN, None) == Scope(ScopeKind.NATION)
    assert parse_scope(Role.OBSERVER, "nation") == Scope(ScopeKind.NATION)
    assert parse_scope(Role.TEC_MEMBER, "GB01") == Scope(ScopeKind.TERRITORIAL, "GB01")
    assert parse_scope(Role.PEC_MEMBER, "1001") == Scope(ScopeKind.STATION, "1001")
    assert parse_scope(Role.DEC_MEMBER, "4") == Scope(ScopeKind.DISTRICT, "4")
    assert parse_scope(Role.OBSERVER, "region:KG-C") == Scope(ScopeKind.REGION, "KG-C")
    with pytest.raises(InvalidInput, match="unknown scope kind 'oblast'"):
        parse_scope(Role.OBSERVER, "oblast:KG-C")
    with pytest.raises(InvalidInput, match="say which kind of scope 'GB01' is"):
        parse_scope(Role.OBSERVER, "GB01")


def test_create_with_password_option_and_list(country_url):
    result = runner.invoke(app, ["users", "create", "--username", "boss", "--role", "cec_admin",
                                 "--full-name", "Асанов Бакыт", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert result.stdout == "1\tboss\tcec_admin\tnation\n"
    result = runner.invoke(app, ["users", "list"])
    assert result.exit_code == 0
    assert result.stdout == "1\tboss\tcec_admin\tnation\tАсанов Бакыт\n"


def test_create_with_env_password_and_a_tec_scope(country_url, monkeypatch):
    monkeypatch.setenv("SHAILOO_NEW_PASSWORD", PASSWORD)
    result = runner.invoke(app, ["users", "create", "--username", "tec1", "--role",
                                 "tec_member", "--scope", "GB01"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "1\ttec1\ttec_member\ttec:GB01\n"
    result = runner.invoke(app, ["users", "create", "--username", "pec1", "--role",
                                 "pec_member", "--scope", "station:9001"])
    assert result.stdout == "2\tpec1\tpec_member\tstation:9001\n"
    # the password from the environment works
    from shailoo.auth import service

    engine = make_engine(country_url)
    session = make_session_factory(engine)()
    assert service.authenticate(session, "tec1", PASSWORD).username == "tec1"
    session.close()
    engine.dispose()


def test_create_prompts_for_a_password(country_url, monkeypatch):
    monkeypatch.delenv("SHAILOO_NEW_PASSWORD", raising=False)
    result = runner.invoke(app, ["users", "create", "--username", "obs", "--role", "observer"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("1\tobs\tobserver\tnation\n")


@pytest.mark.parametrize(("args", "exit_code", "message"), [
    (["--role", "tec_member", "--scope", "ZZ99"], 4,
     "no commission with code 'ZZ99'"),
    (["--role", "cec_admin", "--scope", "tec:GB01"], 2,
     "a cec_admin acts in a scope of kind nation, not tec"),
    (["--role", "cec_admin", "--scope", "GB01"], 2,
     "say which kind of scope 'GB01' is"),
    (["--role", "tec_member"], 2,
     "a tec_member acts in a scope of kind tec, not nation"),
    (["--role", "observer", "--scope", "planet:earth"], 2,
     "unknown scope kind 'planet'"),
    (["--role", "pec_member", "--scope", "4242"], 4,
     "no polling station with code '4242'"),
])
def test_create_refuses_a_bad_scope_and_changes_nothing(country_url, args, exit_code, message):
    before = (count(country_url, "users"), count(country_url, "audit_records"))
    result = runner.invoke(app, ["users", "create", "--username", "x", "--password", PASSWORD,
                                 *args])
    assert result.exit_code == exit_code, result.output
    assert message in flat(result.stderr)
    assert (count(country_url, "users"), count(country_url, "audit_records")) == before


def test_create_refuses_an_unknown_role(country_url):
    result = runner.invoke(app, ["users", "create", "--username", "x", "--role", "king",
                                 "--password", PASSWORD])
    assert result.exit_code == 2
    assert "king" in result.stderr
    assert count(country_url, "users") == 0


def test_create_refuses_a_duplicate_and_a_weak_password(country_url):
    args = ["users", "create", "--username", "boss", "--role", "cec_admin"]
    assert runner.invoke(app, [*args, "--password", PASSWORD]).exit_code == 0
    result = runner.invoke(app, [*args, "--password", PASSWORD])
    assert result.exit_code == 5
    assert "user 'boss' already exists" in flat(result.stderr)
    result = runner.invoke(app, ["users", "create", "--username", "new", "--role", "cec_admin",
                                 "--password", "short"])
    assert result.exit_code == 2
    assert "a password needs at least 10 characters" in flat(result.stderr)
    assert count(country_url, "users") == 1


def test_token(country_url):
    runner.invoke(app, ["users", "create", "--username", "boss", "--role", "cec_admin",
                        "--password", PASSWORD])
    result = runner.invoke(app, ["users", "token", "boss", "--name", "ci"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("shl_")
    assert count(country_url, "api_tokens") == 1
    result = runner.invoke(app, ["users", "token", "ghost"])
    assert result.exit_code == 4
    assert "no user 'ghost'" in flat(result.stderr)


def test_error_output_names_the_error_code(country_url):
    result = runner.invoke(app, ["users", "token", "ghost"])
    assert result.exit_code == 4
    assert "[auth.user_not_found]" in result.stderr
