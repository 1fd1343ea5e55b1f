"""The `shailoo` command: help everywhere, schema upgrade, refusal on pending migrations."""

import pytest
import typer
from sqlalchemy import inspect
from typer.testing import CliRunner

from shailoo.cli import app
from shailoo.config import get_settings
from shailoo.db import make_engine

runner = CliRunner()


def command_paths(command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*path, name))
    return paths


ALL_COMMANDS = command_paths(typer.main.get_command(app))


def test_the_command_tree_has_every_group():
    groups = {p[0] for p in ALL_COMMANDS if p}
    assert {"db", "demo", "elections", "geography", "users", "audit", "serve"} <= groups
    assert ("audit", "verify") in ALL_COMMANDS
    assert ("users", "create") in ALL_COMMANDS
    assert len(ALL_COMMANDS) >= 20


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=lambda p: " ".join(p) or "shailoo")
def test_help_on_every_command(path):
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout
    assert "--help" in result.stdout


def test_no_arguments_shows_help():
    result = runner.invoke(app, [])
    assert "shailoo: an open-source election management system." in result.output
    assert "Usage:" in result.output


@pytest.fixture
def unmigrated(databases, monkeypatch):
    url = databases.create(migrate=False)
    monkeypatch.setenv("SHAILOO_DATABASE_URL", url)
    get_settings.cache_clear()
    return url


@pytest.mark.parametrize("command", [
    ["elections", "list"], ["users", "list"], ["audit", "verify"], ["db", "check"],
    ["geography", "export", "stations"], ["demo", "generate", "--voters", "2000"],
])
def test_pending_migrations_are_refused_naming_the_fix(unmigrated, command):
    result = runner.invoke(app, command)
    assert result.exit_code == 9, result.output
    message = " ".join(result.stderr.split())
    assert "pending migration(s)" in message
    assert "run `shailoo db upgrade` first" in message
    assert result.stdout == ""


def test_db_upgrade_then_commands_work(unmigrated):
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "database is at revision head\n"
    engine = make_engine(unmigrated)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"alembic_version", "audit_records", "audit_head", "users", "elections",
            "polling_stations", "regions"} <= tables
    check = runner.invoke(app, ["db", "check"])
    assert (check.exit_code, check.stdout) == (0, "database schema is current\n")
    assert runner.invoke(app, ["elections", "list"]).exit_code == 0
    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0


def test_a_bad_setting_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("SHAILOO_DATABASE_URL", "mysql://db/shailoo")
    result = runner.invoke(app, ["elections", "list"])
    assert result.exit_code == 3
    assert "must be a sqlite:// or postgresql+psycopg:// URL" in " ".join(result.stderr.split())
