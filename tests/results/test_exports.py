"""Exports: the CSV re-imports into a fresh database with the same totals; the NIST SP
1500-100 JSON validates against the published schema and its station counts add up."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped]
from sqlalchemy.orm import Session

from shailoo.db import make_engine
from shailoo.results import service
from shailoo.results import transfer_service as transfer
from shailoo.results.exports import nist_report, station_unit, write_results_csv
from shailoo.results.rules import Source
from shailoo.results.transfer import FormatName
from tests.conftest import SHARED_DIR, shared_data
from tests.results.test_transfer import GE, KG, RU18, run

SCHEMA = (SHARED_DIR / "data" / "nist-cdf"
          / "election-results-reporting" / "NIST_V2_election_results_reporting.json")
WHEN = datetime(2024, 11, 16, 12, 0, tzinfo=UTC)



@pytest.fixture(autouse=True)
def _needs_shared_data() -> None:
    shared_data("election-results")
    shared_data("nist-cdf/election-results-reporting/NIST_V2_election_results_reporting.json")


def national(session: Session, contest_id: int, source: Source = Source.MANUAL
             ) -> dict[str, int]:
    return {k: v for k, v in service.public_totals(session, contest_id, source)["*"].items()
            if k.startswith(("choice:", "line:")) or k == "stations_reporting"}


@pytest.mark.parametrize(("fmt", "path"), [("kg-2020", KG), ("ge-2024", GE)])
def test_csv_export_reimports_into_a_fresh_database(session, databases, fmt, path):
    result = run(session, fmt, path)
    [contest_id] = result.totals
    data = transfer.export_data(session, result.election_id, None)
    out = io.StringIO()
    written = write_results_csv(data, out)
    assert written == result.accepted  # counted protocols only
    engine = make_engine(databases.create())
    try:
        with Session(engine) as fresh:
            again = transfer.import_source(fresh, "test", FormatName.SHAILOO_CSV,
                                           io.StringIO(out.getvalue()), "export.csv")
            assert (again.read, again.accepted, again.quarantined) == (written, written, 0)
            [new_contest] = again.totals
            assert national(fresh, new_contest) == national(session, contest_id)
            assert again.totals[new_contest] == result.totals[contest_id]
            # and the fresh database exports the same rows (but for the new contest id)
            second = io.StringIO()
            write_results_csv(transfer.export_data(fresh, again.election_id, None), second)
            strip = [line.split(",", 6)[:5] + line.split(",", 6)[6:]
                     for line in out.getvalue().splitlines()]
            assert [line.split(",", 6)[:5] + line.split(",", 6)[6:]
                    for line in second.getvalue().splitlines()] == strip
    finally:
        engine.dispose()


def test_csv_reimport_into_the_same_database_is_all_duplicates(session):
    result = run(session, "ru-2018", RU18)
    out = io.StringIO()
    write_results_csv(transfer.export_data(session, result.election_id, None), out)
    again = transfer.import_source(session, "test", FormatName.SHAILOO_CSV,
                                   io.StringIO(out.getvalue()), "export.csv")
    assert (again.election_id, again.duplicates, again.accepted) == (
        result.election_id, result.accepted, 0)


def validate(report: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft4Validator(schema).iter_errors(report), key=lambda e: e.path)
    assert [e.message for e in errors[:3]] == []


@pytest.mark.parametrize(("fmt", "path", "selection"), [
    ("kg-2020", KG, "ElectionResults.PartySelection"),
    ("ru-2018", RU18, "ElectionResults.CandidateSelection")])
def test_nist_report_validates_and_adds_up(session, fmt, path, selection):
    result = run(session, fmt, path)
    [contest_id] = result.totals
    report = nist_report(transfer.export_data(session, result.election_id, Source.MANUAL), WHEN)
    validate(report)
    assert report["Status"] == "unofficial-partial"
    assert report["GeneratedDate"] == "2024-11-16T12:00:00Z"
    [election] = report["Election"]
    [contest] = election["Contest"]
    totals = service.public_totals(session, contest_id, Source.MANUAL)["*"]
    units = {u["@id"]: u for u in report["GpUnit"]}
    stations = {u["@id"] for u in units.values() if u["Type"] == "precinct"}
    assert len(stations) == totals["stations_reporting"]
    for sel in contest["ContestSelection"]:
        code = sel["@id"].split("-", 2)[2]
        assert sum(v["Count"] for v in sel["VoteCounts"]) == totals[f"choice:{code}"]
        assert {v["GpUnitId"] for v in sel["VoteCounts"]} <= stations
    assert {s["@type"] for s in contest["ContestSelection"]} >= {selection}
    # every station is reached from the country through the composing units
    reached, todo = set(), ["gpu-country"]
    while todo:
        unit = units[todo.pop()]
        reached.add(unit["@id"])
        todo.extend(unit.get("ComposingGpUnitIds", []))
    assert stations <= reached


def test_nist_report_of_a_partly_quarantined_election_counts_only_counted(session):
    result = run(session, "ge-2024", GE)
    [contest_id] = result.totals
    report = nist_report(transfer.export_data(session, result.election_id, Source.MANUAL), WHEN)
    validate(report)
    queue = {station_unit(p.station) for p in service.quarantine_queue(
        session, result.election_id, None)}
    totals = service.public_totals(session, contest_id, Source.MANUAL)["*"]
    [contest] = report["Election"][0]["Contest"]
    assert contest["@type"] == "ElectionResults.PartyContest"
    for sel in contest["ContestSelection"]:
        assert not {v["GpUnitId"] for v in sel["VoteCounts"]} & queue
        code = sel["@id"].split("-", 2)[2]
        assert sum(v["Count"] for v in sel["VoteCounts"]) == totals[f"choice:{code}"]
    assert len(report["Party"]) == len(contest["ContestSelection"])
