"""JSON sources: the St Petersburg 2021 per-UIK files (national totals equal the sums of the
files, read here straight from them; a protocol whose arithmetic breaks is quarantined; bad
values are named by file, line and JSON path) and the shailoo JSON export, which round-trips."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shailoo.db import make_engine
from shailoo.elections import service as elections
from shailoo.errors import InvalidInput
from shailoo.geography import service as geography
from shailoo.kit.importing import ImportRejected
from shailoo.results import service
from shailoo.results import transfer_service as transfer
from shailoo.results.exports import write_results_json
from shailoo.results.rules import Source
from shailoo.results.transfer import FormatName
from shailoo.results.transfer_cli import app
from tests.conftest import shared_data
from tests.results.test_transfer import DATA, KG, RU21, run

SPBIK = DATA / "russia" / "spbik-2021-uik-sample"
RU21_ZIP = DATA / "russia" / "kobak-shpilkin" / "2021_duma_federal_list_by_uik.csv.zip"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _needs_shared_data() -> None:
    shared_data("election-results/russia/spbik-2021-uik-sample")


def spbik_files(root: Path = SPBIK) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(root.glob("uik_*/federal_parties.json"))]


def spbik(session: Session, root: Path = SPBIK) -> transfer.TransferResult:
    return transfer.import_path(session, "test", FormatName.RU_2021_SPBIK, root, "spbik")


def national(session: Session, contest_id: int) -> dict[str, int]:
    return {k: v for k, v in service.public_totals(session, contest_id, Source.MANUAL)["*"]
            .items() if k.startswith(("choice:", "line:")) or k == "stations_reporting"}


def test_spbik_national_totals_equal_the_sums_of_the_files(session):
    files = spbik_files()
    result = spbik(session)
    assert (result.read, result.accepted, result.quarantined) == (20, 20, 0)
    assert result.created == {"regions": 1, "commissions": 2, "stations": 20}
    [contest_id] = result.totals
    totals = national(session, contest_id)
    votes: dict[str, int] = {}
    for f in files:
        for e in f["entries"]:
            key = f"choice:p{e['position']}"
            votes[key] = votes.get(key, 0) + e["official_result"]["votes_count"]
    assert {k: v for k, v in totals.items() if k.startswith("choice:")} == votes
    papers = [f["metadata"]["papers"] for f in files]
    voters = [f["metadata"]["voters"] for f in files]
    assert totals["line:voters_list"] == sum(v["registered_count"] for v in voters)
    assert totals["line:ballots_received"] == sum(p["received_count"] for p in papers)
    assert totals["line:ballots_issued_station"] == sum(v["walk_by_count"] for v in voters)
    assert totals["line:ballots_issued_mobile"] == sum(v["on_home_count"] for v in voters)
    assert totals["line:ballots_cancelled"] == sum(p["destroyed_count"] for p in papers)
    assert totals["line:ballots_found_stationary"] == sum(p["stationary_box_count"]
                                                          for p in papers)
    assert totals["line:ballots_invalid"] == sum(p["invalid_count"] for p in papers)
    assert sum(votes.values()) == sum(p["valid_count"] for p in papers)
    stations = {s.code: s for s in geography.public_list_stations(session)}
    koib = sorted(int(c.rsplit("-", 1)[1]) for c, s in stations.items() if "(КОИБ)" in s.name)
    assert koib == sorted(f["protocol_scope"]["id"] for f in files if f["has_koib"])
    assert spbik(session).duplicates == 20  # a second import changes nothing


def test_spbik_files_are_the_kobak_shpilkin_protocols(session, tmp_path):
    """The same 20 UIKs of the Kobak-Shpilkin table: the same election, stations and
    protocols, so the St Petersburg files are all duplicates after it."""
    shared_data("election-results/russia/kobak-shpilkin/2021_duma_federal_list_by_uik.csv.zip")
    wanted = {f"УИК №{f['protocol_scope']['id']}" for f in spbik_files()}
    with zipfile.ZipFile(RU21_ZIP) as archive, archive.open(archive.namelist()[0]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""))
        header = next(reader)
        picked = [r for r in reader if r[1] == "город Санкт-Петербург" and r[4] in wanted]
    assert len(picked) == 20
    table = tmp_path / "spb.csv"
    with table.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *picked])
    first = run(session, "ru-2021", table)
    second = spbik(session)
    assert (second.election_id, second.duplicates, second.accepted) == (first.election_id, 20, 0)
    assert second.created == {"regions": 0, "commissions": 0, "stations": 0}


def broken_copy(tmp_path: Path, edit) -> Path:
    root = tmp_path / "spbik"
    shutil.copytree(SPBIK, root)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    target = root / "uik_3" / "federal_parties.json"
    data = json.loads(target.read_text(encoding="utf-8"))
    edit(data)
    target.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return root


def test_a_spbik_protocol_that_breaks_the_arithmetic_is_quarantined(session, tmp_path):
    def spoil(data: dict[str, Any]) -> None:
        data["metadata"]["papers"]["invalid_count"] += 7  # valid + invalid != found

    result = spbik(session, broken_copy(tmp_path, spoil))
    assert (result.read, result.accepted, result.quarantined) == (20, 19, 1)
    [p] = service.quarantine_queue(session, result.election_id, None)
    assert p.station.endswith("-3")
    assert [c["id"] for c in p.checks if c["passed"] is False] == [
        "votes_plus_invalid_equal_found"]


def test_bad_spbik_values_are_named_and_nothing_is_stored(session, tmp_path):
    def spoil(data: dict[str, Any]) -> None:
        data["entries"][2]["official_result"]["votes_count"] = -4
        data["metadata"]["papers"]["received_count"] = "1600"
        del data["metadata"]["voters"]["walk_by_count"]

    before = len(elections.public_calendar(session))
    with pytest.raises(ImportRejected) as caught:
        spbik(session, broken_copy(tmp_path, spoil))
    assert {e.source for e in caught.value.report.errors} == {
        "spbik/uik_3/federal_parties.json"}
    assert {e.field for e in caught.value.report.errors} == {
        "entries[2].official_result.votes_count", "metadata.papers.received_count",
        "metadata.voters.walk_by_count"}
    lines = {e.field: e.line for e in caught.value.report.errors}
    text = (tmp_path / "spbik" / "uik_3" / "federal_parties.json").read_text().splitlines()
    assert '"papers"' in text[lines["metadata.papers.received_count"] - 1]
    assert "spbik/uik_3/federal_parties.json:" in str(caught.value)
    assert len(elections.public_calendar(session)) == before
    assert geography.public_list_stations(session) == []


def test_a_file_is_not_a_spbik_directory(session):
    with pytest.raises(InvalidInput, match="must be a directory"):
        spbik(session, SPBIK / "election_1.json")


def export_json(session: Session, election_id: int) -> str:
    out = io.StringIO()
    write_results_json(transfer.export_data(session, election_id, None), out)
    return out.getvalue()


def test_json_export_round_trips_into_a_fresh_database(session, databases):
    shared_data("election-results/russia/kobak-shpilkin")
    result = run(session, "ru-2021", RU21)  # 42 of 266 quarantined: not exported
    [contest_id] = result.totals
    text = export_json(session, result.election_id)
    document = json.loads(text)
    assert len(document["protocols"]) == result.accepted
    engine = make_engine(databases.create())
    try:
        with Session(engine) as fresh:
            again = transfer.import_source(fresh, "test", FormatName.SHAILOO_JSON,
                                           io.StringIO(text), "export.json")
            assert (again.read, again.accepted, again.quarantined) == (
                result.accepted, result.accepted, 0)
            [new_contest] = again.totals
            assert national(fresh, new_contest) == national(session, contest_id)
            election = elections.public_get_election(fresh, again.election_id)
            assert (election.code, election.polling_date) == (
                document["election"]["code"],
                date.fromisoformat(document["election"]["polling_date"]))
            second = json.loads(export_json(fresh, again.election_id))
            for doc in (document, second):
                for c in doc["contests"]:
                    c.pop("id")
                for p in doc["protocols"]:
                    p.pop("contest_id")
            assert second["protocols"] == document["protocols"]
            assert second["contests"][0]["choices"] == document["contests"][0]["choices"]
    finally:
        engine.dispose()


def test_json_reimport_into_the_same_database_is_all_duplicates(session):
    result = spbik(session)
    again = transfer.import_source(session, "test", FormatName.SHAILOO_JSON,
                                   io.StringIO(export_json(session, result.election_id)), "x")
    assert (again.election_id, again.duplicates, again.accepted) == (result.election_id, 20, 0)


def test_bad_json_values_are_named_by_line_and_path(session):
    result = spbik(session)
    lines = export_json(session, result.election_id).splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith('  {"station"')) + 3
    protocol = json.loads(lines[row - 1].rstrip(","))
    protocol["lines"]["ballots_received"] = 12.5
    protocol["votes"]["p99"] = 1
    lines[row - 1] = json.dumps(protocol, ensure_ascii=False) + ","
    with pytest.raises(ImportRejected) as caught:
        transfer.import_source(session, "test", FormatName.SHAILOO_JSON,
                               io.StringIO("\n".join(lines)), "bad.json")
    assert sorted((e.line, e.field) for e in caught.value.report.errors) == [
        (row, "protocols[2].lines.ballots_received"), (row, "protocols[2].votes.p99")]
    with pytest.raises(ImportRejected) as caught:
        transfer.import_source(session, "test", FormatName.SHAILOO_JSON,
                               io.StringIO('{"format": "shailoo-results",\n "version": 1,,}'),
                               "broken.json")
    [error] = caught.value.report.errors
    assert (error.line, error.field) == (2, "(json)")
    with pytest.raises(ImportRejected, match="format"):
        transfer.import_source(session, "test", FormatName.SHAILOO_JSON,
                               io.StringIO('{"format": "nist"}'), "other.json")


def test_cli_imports_a_directory_and_exports_json_that_reimports(fresh_database_url, tmp_path):
    shared_data("election-results/kyrgyzstan")
    result = runner.invoke(app, ["import", str(SPBIK), "--format", "ru-2021-spbik"])
    assert result.exit_code == 0, result.output
    assert "read 20, accepted 20, quarantined 0" in " ".join(result.stdout.split())
    exported = runner.invoke(app, ["export", "--format", "json"])
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "results.json"
    path.write_text(exported.stdout, encoding="utf-8")
    again = runner.invoke(app, ["import", str(path), "--format", "shailoo-json"])
    assert again.exit_code == 0, again.output
    assert "duplicates 20" in " ".join(again.stdout.split())
    wrong = runner.invoke(app, ["import", str(KG), "--format", "ru-2021-spbik"])
    assert wrong.exit_code == 2 and "must be a directory" in wrong.output
