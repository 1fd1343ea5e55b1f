"""`shailoo audit verify` and `tail` on a real database, before and after tampering."""

import re

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from shailoo.cli import app
from shailoo.db import make_engine
from tests.audit.tampering import lift_append_only_guard

runner = CliRunner()


def flat(output: str) -> str:
    return " ".join(output.split())


@pytest.fixture
def demo_url(fresh_database_url):
    result = runner.invoke(app, ["demo", "generate", "--voters", "2000", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return fresh_database_url


def execute(url: str, sql: str, **params) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            lift_append_only_guard(conn)
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def scalar(url: str, sql: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def test_verify_on_an_empty_database(fresh_database_url):
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0
    assert result.stdout.startswith("intact: 0 records, head 0 " + "0" * 64)


def test_verify_is_intact_after_normal_use(demo_url):
    n = scalar(demo_url, "SELECT count(*) FROM audit_records")
    head = scalar(demo_url, "SELECT record_hash FROM audit_head")
    assert n > 20
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"intact: {n} records, head {n} {head}"


def test_tail_prints_the_latest_records(demo_url):
    n = scalar(demo_url, "SELECT count(*) FROM audit_records")
    result = runner.invoke(app, ["audit", "tail", "--limit", "3"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(n), str(n - 1), str(n - 2)]
    _seq, at, actor, action, obj = lines[0].split("\t")
    assert actor == "demo:generator"
    assert action == "biometrics.enrolled_many"  # the last step of the demo
    assert obj == "biometrics:templates"
    assert at.endswith("+00:00")


@pytest.mark.parametrize(("sql", "seq", "kind"), [
    ("UPDATE audit_records SET actor = 'user:mallory' WHERE seq = 5", 5, "altered"),
    ("UPDATE audit_records SET change = '{\"rows\": 1}' WHERE seq = 2", 2, "altered"),
    ("DELETE FROM audit_records WHERE seq = 4", 4, "deleted"),
    ("DELETE FROM audit_records WHERE seq = (SELECT max(seq) FROM audit_records)", "LAST",
     "deleted"),
], ids=["actor", "change", "middle-deleted", "last-deleted"])
def test_verify_names_the_first_tampered_record(demo_url, sql, seq, kind):
    n = scalar(demo_url, "SELECT count(*) FROM audit_records")
    execute(demo_url, sql)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 10
    expected = n if seq == "LAST" else seq
    assert f"TAMPERED audit record {expected}: {kind}:" in flat(result.stderr)
    assert result.stdout == ""


def test_verify_names_a_forged_record(demo_url):
    n = scalar(demo_url, "SELECT count(*) FROM audit_records")
    execute(demo_url,
            "INSERT INTO audit_records (seq, at, actor, action, object_type, object_id, change,"
            " change_digest, prev_hash, record_hash) SELECT seq + 1, at, 'user:mallory', action,"
            " object_type, object_id, change, change_digest, record_hash, :h"
            " FROM audit_records WHERE seq = :n", h="f" * 64, n=n)
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 10
    assert f"TAMPERED audit record {n + 1}:" in flat(result.stderr)
    assert re.search(rf"record {n + 1}: (altered|inserted)", flat(result.stderr))
