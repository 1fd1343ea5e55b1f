"""`shailoo demo generate`: the same seed gives the same country, another seed another one."""

import csv
import io

import pytest
from typer.testing import CliRunner

from shailoo.cli import app
from shailoo.config import get_settings

runner = CliRunner()


@pytest.fixture
def generate(databases, monkeypatch):
    """Run the generator on a new database; return its stations export and users list."""

    def run(seed: int, voters: int = 2000) -> tuple[str, str]:
        monkeypatch.setenv("SHAILOO_DATABASE_URL", databases.create())
        get_settings.cache_clear()
        result = runner.invoke(app, ["demo", "generate", "--voters", str(voters), "--seed",
                                     str(seed)])
        assert result.exit_code == 0, result.output
        assert result.stdout == ("Demo country ready. Sign in at /login as 'admin' with "
                                 "password 'shailoo-demo-2026'.\n")
        stations = runner.invoke(app, ["geography", "export", "stations"])
        users = runner.invoke(app, ["users", "list"])
        assert stations.exit_code == users.exit_code == 0
        return stations.stdout, users.stdout

    return run


def test_the_same_seed_gives_the_same_country(generate):
    first = generate(3)
    assert generate(3) == first
    stations, users = first
    rows = list(csv.DictReader(io.StringIO(stations)))
    assert sum(int(r["planned_voters"]) for r in rows) == 2000
    assert any(r["kind"] == "abroad" and r["country"] != "KG" for r in rows)
    assert "admin\tcec_admin\tnation" in users


def test_another_seed_gives_another_country(generate):
    stations_a, users_a = generate(3)
    stations_b, users_b = generate(4)
    assert stations_a != stations_b
    assert users_a != users_b
    # the shape is the same: the same codes, commissions and size
    codes = lambda text: [r[:3] for r in csv.reader(io.StringIO(text))]  # noqa: E731
    assert len(codes(stations_a)) == len(codes(stations_b))


def test_refuses_a_non_empty_database_and_too_few_voters(fresh_database_url):
    assert runner.invoke(app, ["demo", "generate", "--voters", "2000"]).exit_code == 0
    result = runner.invoke(app, ["demo", "generate", "--voters", "2000"])
    assert result.exit_code == 5
    assert "the database already holds a country" in " ".join(result.stderr.split())
    result = runner.invoke(app, ["demo", "generate", "--voters", "10"])
    assert result.exit_code == 2
