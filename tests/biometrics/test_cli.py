"""`shailoo biometrics ...` over a database of its own: demo enrolment, de-duplication
(first line: the candidate pairs), accuracy reports and identification of a sample file."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from shailoo.biometrics import service
from shailoo.biometrics.enrolment_demo import planted_pairs
from shailoo.biometrics.extractors import Sample
from shailoo.cli import app
from shailoo.db import make_engine, make_session_factory
from shailoo.register import duplicates, lists
from tests.register.factories import import_rows, make_register_country, voter

runner = CliRunner()
ROWS = [voter(i) for i in range(1, 13)]  # twelve voters at 1001


@pytest.fixture
def database(fresh_database_url):
    engine = make_engine(fresh_database_url)
    factory = make_session_factory(engine)
    with factory() as session:
        election = make_register_country(session)
        import_rows(session, ROWS)
        lists.build_lists(session, "test", election)
    yield factory, election
    engine.dispose()


def run(*args: str):
    result = runner.invoke(app, ["biometrics", *args])
    return result


def test_enrol_demo_then_dedup_finds_the_planted_pairs(database, tmp_path):
    factory, _ = database
    out = tmp_path / "planted.csv"
    first = run("enrol-demo", "--seed", "4", "--planted-out", str(out))
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "enrolled 12 templates; planted duplicates 3"
    planted = planted_pairs([r["pin"] for r in ROWS], 4)
    assert out.read_text(encoding="utf-8") == "pin_a,pin_b\n" + "".join(
        f"{a},{b}\n" for a, b in planted)
    again = run("enrol-demo", "--seed", "4")
    assert again.stdout.strip() == "enrolled 0 templates; planted duplicates 3"

    dedup = run("dedup")
    assert dedup.exit_code == 0, dedup.output
    lines = dedup.stdout.splitlines()
    assert lines[0] == "3 candidate pairs"
    assert lines[1].startswith("3 new review cases (exact, 12 templates, threshold 0.67, ")
    with factory() as session:
        assert sorted((c["pin_a"], c["pin_b"], c["kind"]) for c in duplicates.cases(
            session)) == [(a, b, "biometric") for a, b in planted]
    incremental = run("dedup")
    assert incremental.stdout.splitlines()[0] == "0 candidate pairs"
    assert "(incremental, 12 templates" in incremental.stdout
    full = run("dedup", "--exact", "--full")
    assert full.stdout.splitlines()[:2] == ["3 candidate pairs", full.stdout.splitlines()[1]]
    assert full.stdout.splitlines()[1].startswith("0 new review cases (exact, ")
    bad = run("dedup", "--modality", "thumb")
    assert bad.exit_code != 0 and "biometrics.bad_modality" in bad.output


def test_identify_a_sample_file_at_a_station(database, tmp_path):
    factory, election = database
    pin = ROWS[2]["pin"]
    probe = np.random.default_rng(1).standard_normal(128).astype("<f4")
    with factory() as session:
        service.enrol(session, "test", pin, Sample(
            "finger2", probe.tobytes(), 0.9), "float32", "cli-test")
    sample = tmp_path / "probe.bin"
    sample.write_bytes(probe.tobytes())
    result = run("identify", "1001", str(sample), "--election", str(election))
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert (answer["match"], answer["score"], answer["fallback"]) == (pin, 1.0, None)
    other = tmp_path / "other.bin"
    other.write_bytes(np.random.default_rng(2).standard_normal(128).astype("<f4").tobytes())
    stranger = json.loads(run("identify", "1001", str(other), "--election",
                              str(election)).stdout)
    assert (stranger["match"], stranger["fallback"]) == (None, "document")
    short = tmp_path / "short.bin"
    short.write_bytes(b"1234")
    refused = run("identify", "1001", str(short), "--election", str(election))
    assert refused.exit_code != 0 and "biometrics.bad_sample" in refused.output


def test_evaluate_writes_the_report(tmp_path, monkeypatch):
    out = tmp_path / "report"
    result = run("evaluate", "--out", str(out), "--gallery", "300", "--impostor", "5000",
                 "--seed", "2")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FMR ") and "at 1:1 threshold 0.32" in lines[0]
    assert "station 1:N threshold 0.45 (gallery 300, 300 mated and 1700 non-mated" in lines[1]
    assert "national 1:N threshold 0.55" in lines[2]
    assert lines[3] == f"wrote {out / 'det.png'}, {out / 'det.csv'}, {out / 'summary.json'}"
    assert (out / "det.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (summary["gallery"], summary["impostor"], summary["source"]) == (
        300, 5000, "synthetic (seed 2)")


def test_evaluate_a_template_file_and_refuse_a_bad_one(tmp_path):
    rng = np.random.default_rng(0)
    gallery = rng.standard_normal((50, 16)).astype(np.float32)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    path = tmp_path / "set.npz"
    strangers = rng.standard_normal((5, 16)).astype(np.float32)
    np.savez(path, gallery=gallery, probes=np.concatenate([gallery[:10], strangers]),
             mate=np.concatenate([np.arange(10), np.full(5, -1)]))
    result = run("evaluate", "--out", str(tmp_path / "r"), "--templates", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("FMR ") and "FNMR 0 " in result.stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["genuine"], summary["gallery"], summary["genuine_mean"]) == (
        10, 50, pytest.approx(1.0))
    bad = tmp_path / "bad.npz"
    np.savez(bad, gallery=gallery, probes=gallery[:10], mate=np.arange(10))  # all mated
    refused = run("evaluate", "--out", str(tmp_path / "r2"), "--templates", str(bad))
    assert refused.exit_code != 0 and "biometrics.bad_template_set" in refused.output
    missing = run("evaluate", "--out", str(tmp_path / "r3"), "--templates",
                  str(tmp_path / "none.npz"))
    assert missing.exit_code != 0
