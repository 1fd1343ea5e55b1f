"""Real-data import: each source's national totals equal its column sums, computed here
straight from the file; protocols whose arithmetic breaks are quarantined, and only those."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionStatus
from shailoo.geography import service as geography
from shailoo.kit.importing import ImportRejected
from shailoo.results import service
from shailoo.results import transfer_service as transfer
from shailoo.results.rules import Source
from shailoo.results.transfer import FormatName, open_text, parse_count
from tests.conftest import SHARED_DIR, shared_data

DATA = SHARED_DIR / "data" / "election-results"
KG = DATA / "kyrgyzstan" / "2020-parliament-kloop" / "PARTIES_RESULTS_REACT_LEVEL_ONE.csv"
GE = DATA / "georgia" / "2024-parliament-sichinava" / "precinct_protocols_2024-11-15.csv"
RU18 = DATA / "russia" / "kobak-shpilkin" / "2018_president_by_uik_SUBSET_Adygea.csv"
RU21 = DATA / "russia" / "kobak-shpilkin" / "2021_duma_federal_list_by_uik_SUBSET_Adygea.csv"



@pytest.fixture(autouse=True)
def _needs_shared_data() -> None:
    shared_data("election-results")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def column_sums(data: list[dict[str, str]], columns: list[str], noisy: bool = False
                ) -> list[int]:
    return [sum(round(float(r[c])) if noisy else int(r[c]) for r in data) for c in columns]


def run(session, fmt: str, path: Path, text: str | None = None) -> transfer.TransferResult:
    if text is not None:
        return transfer.import_source(session, "test", FormatName(fmt), io.StringIO(text),
                                      path.name)
    with open_text(path) as stream:
        return transfer.import_source(session, "test", FormatName(fmt), stream, path.name)


def outcome(session: Any, result: transfer.TransferResult) -> tuple[int, dict[str, int], list[Any]]:
    """(counted national totals, quarantined protocols) of the import's single contest."""
    [contest_id] = result.totals
    totals = service.public_totals(session, contest_id, Source.MANUAL)["*"]
    queue = service.quarantine_queue(session, result.election_id, None)
    return contest_id, totals, queue


def counted_plus_quarantined(session, result, codes: list[str]) -> list[int]:
    _contest, totals, queue = outcome(session, result)
    return [totals.get(f"choice:{c}", 0) + sum(p.votes[c] for p in queue) for c in codes]


def test_kyrgyzstan_2020_full_file(session):
    data = rows(KG)
    parties = list(data[0])[:17]
    result = run(session, "kg-2020", KG)
    assert (result.read, result.accepted, result.quarantined) == (2413, 2413, 0)
    codes = [f"p{i:02d}" for i in range(1, 17)] + ["against_all"]
    _contest, totals, queue = outcome(session, result)
    assert [totals[f"choice:{c}"] for c in codes] == column_sums(data, parties, noisy=True)
    assert totals["stations_reporting"] == 2413
    assert queue == []  # the file has votes only: no line, no arithmetic to break
    election = elections.public_get_election(session, result.election_id)
    assert (election.status, election.preset) == (ElectionStatus.COUNTING, "kg-2015-120")
    abroad = geography.public_list_stations(session, tec="KG20-ABROAD")
    assert len(abroad) == sum(1 for r in data if r["level_one"] == "МИД КР") == 45
    assert {s.kind.value for s in abroad} == {"abroad"}
    regions = service.public_totals(session, _contest, Source.MANUAL, "region")
    bishkek = [r for r in data if r["level_one"] == "БИШКЕК Г."]
    assert regions["KG-GB"]["choice:p01"] == column_sums(bishkek, parties[:1], noisy=True)[0]
    assert regions["abroad"]["stations_reporting"] == 45
    assert [s.code for s in geography.public_list_stations(session, tec="KG20-GB")][:2] == [
        "KG20-GB-0001", "KG20-GB-0002"]


def georgia_breaks(r: dict[str, str], parties: list[str]) -> list[str]:
    """The Georgian checks, recomputed from a source row."""
    votes, invalid, part = sum(int(r[p]) for p in parties), int(r["f_06"]), int(r["f_05"])
    voters = int(r["f_01"]) + int(r["f_03"])
    broken = []
    if votes + invalid != part:
        broken.append("ge_votes_plus_invalid_equal_participants")
    if r["f_02"] and part > int(r["f_02"]):
        broken.append("ge_participants_not_above_received")
    if part > voters:
        broken.append("ge_participants_not_above_voters")
    if part * 100 > voters * 95:
        broken.append("ge_turnout_not_above_limit")
    return broken


def test_georgia_2024_full_file(session):
    data = rows(GE)
    parties = [c for c in data[0] if c.startswith("p_")]
    result = run(session, "ge-2024", GE)
    expected = {f"GE-{int(r['district']):02d}-{int(r['precinct']):03d}": georgia_breaks(r, parties)
                for r in data}
    broken = {code for code, checks in expected.items() if checks}
    assert result.read == len(data) == 3110
    assert result.quarantined == len(broken) > 200
    assert counted_plus_quarantined(session, result, parties) == column_sums(data, parties)
    _contest, totals, queue = outcome(session, result)
    assert {p.station for p in queue} == broken
    for p in queue:
        failed = [c["id"] for c in p.checks if c["passed"] is False]
        assert failed == expected[p.station]
        # the arithmetic really breaks on the stored figures too
        assert failed[0] != "ge_votes_plus_invalid_equal_participants" or (
            sum(p.votes.values()) + p.lines["ballots_invalid"]
            != p.lines["ballots_issued_station"])
    assert totals["stations_reporting"] == 3110 - len(broken)
    assert totals["line:voters_list"] == sum(int(r["f_01"]) for r in data
                                             if not expected[
                                                 f"GE-{int(r['district']):02d}-"
                                                 f"{int(r['precinct']):03d}"])
    # the one protocol without line 2 (ballots received) stores it as missing
    empty = next(r for r in data if not r["f_02"])
    code = f"GE-{int(empty['district']):02d}-{int(empty['precinct']):03d}"
    [stored] = service.public_station_protocols(session, result.election_id, code) or [
        p for p in queue if p.station == code]
    assert "ballots_received" not in stored.lines


RU_LINE = {  # the same source columns in both years, by the words that identify them
    "voters": "Число избирателей", "received": "полученных", "early": "досрочно",
    "station": "в помещении", "mobile": "вне помещения", "cancelled": "погашенных",
    "box_mobile": "переносных", "box_fixed": "стационарных", "invalid": "недействительных",
    "valid": "Число действительных", "unaccounted": "не учтенных"}


def russia_breaks(r: dict[str, str]) -> list[str]:
    col = {k: next(c for c in r if w in c) for k, w in RU_LINE.items()}
    v = {k: int(r[c]) for k, c in col.items()}
    found = v["box_mobile"] + v["box_fixed"]
    issued = v["early"] + v["station"] + v["mobile"]
    broken = []
    if v["valid"] + v["invalid"] != found:
        broken.append("votes_plus_invalid_equal_found")
    if found > issued:
        broken.append("found_not_above_issued")
    if issued + v["cancelled"] > v["received"]:
        broken.append("issued_and_cancelled_not_above_received")
    if found > v["voters"]:
        broken.append("ru_found_not_above_voters")
    if found * 100 > v["voters"] * 95:
        broken.append("ru_turnout_not_above_limit")
    return broken


@pytest.mark.parametrize(("fmt", "path", "prefix"), [("ru-2018", RU18, "c"),
                                                     ("ru-2021", RU21, "p")])
def test_russia_adygea(session, fmt, path, prefix):
    data = rows(path)
    header = list(data[0])
    choices = header[header.index(next(c for c in header if "не учтенных" in c)) + 1:-1]
    result = run(session, fmt, path)
    codes = [f"c{i + 1}" for i in range(len(choices))] if prefix == "c" else [
        "p" + c.split(".")[0] for c in choices]
    assert counted_plus_quarantined(session, result, codes) == column_sums(data, choices)
    expected = [russia_breaks(r) for r in data]
    assert result.quarantined == sum(1 for e in expected if e) > 0
    _contest, _totals, queue = outcome(session, result)
    assert sorted(tuple(c["id"] for c in p.checks if c["passed"] is False) for p in queue) == \
        sorted(tuple(e) for e in expected if e)
    for p in queue:
        found = p.lines["ballots_found_stationary"] + p.lines["ballots_found_mobile"]
        issued = (p.lines["ballots_issued_early"] + p.lines["ballots_issued_station"]
                  + p.lines["ballots_issued_mobile"])
        assert (found * 100 > p.lines["voters_list"] * 95
                or issued + p.lines["ballots_cancelled"] > p.lines["ballots_received"]
                or sum(p.votes.values()) + p.lines["ballots_invalid"] != found)


def test_russia_zip_gives_the_same_result_as_csv(session, tmp_path):
    archive = tmp_path / "2018.csv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(RU18, "2018.csv")
    result = run(session, "ru-2018", archive)
    assert (result.read, result.quarantined) == (264, 60)
    again = run(session, "ru-2018", RU18)  # the same protocols: all duplicates
    assert (again.duplicates, again.accepted, again.quarantined) == (264, 0, 0)
    assert again.totals == result.totals


def test_a_second_election_reuses_stations_of_the_first(session):
    first = run(session, "ru-2018", RU18)
    second = run(session, "ru-2021", RU21)
    assert first.created["stations"] == 264
    assert second.created == {"regions": 0, "commissions": 0, "stations": 2}
    assert first.election_id != second.election_id


def kg_text(edit) -> str:
    lines = KG.read_text(encoding="utf-8").splitlines()
    header = lines[0]
    body = [edit(i + 2, line) for i, line in enumerate(lines[1:50])]
    return "\n".join([header, *body]) + "\n"


def test_float_noise_beyond_tolerance_rejects_the_file_and_stores_nothing(session):
    def spoil(line: int, text: str) -> str:
        if line == 7:
            return "84.5" + text[text.index(","):]
        if line == 9:
            return text.replace("БИШКЕК Г.", "НЕИЗВЕСТНО")
        return text

    before = len(elections.public_calendar(session))
    with pytest.raises(ImportRejected) as caught:
        run(session, "kg-2020", KG, kg_text(spoil))
    errors = {(e.line, e.field) for e in caught.value.report.errors}
    assert (7, "«БИРИМДИК»") in errors and (9, "level_one") in errors
    assert "whole number" in str(caught.value)
    assert len(elections.public_calendar(session)) == before
    assert geography.public_list_stations(session, tec="KG20-GB") == []


def test_a_total_that_is_not_the_sum_is_a_row_error(session):
    def spoil(line: int, text: str) -> str:
        if line == 5:
            cells = text.split(",")
            cells[17] = str(float(cells[17]) + 1)
            return ",".join(cells)
        return text

    with pytest.raises(ImportRejected) as caught:
        run(session, "kg-2020", KG, kg_text(spoil))
    assert [(e.line, e.field) for e in caught.value.report.errors] == [(5, "total")]


def test_georgia_bad_rows_are_named(session):
    lines = GE.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("p_41")] = ""
    other = lines[2].split(",")
    other[header.index("f_05")] = "-3"
    text = "\n".join([lines[0], ",".join(row), ",".join(other), lines[3]]) + "\n"
    with pytest.raises(ImportRejected) as caught:
        run(session, "ge-2024", GE, text)
    assert [(e.line, e.field) for e in caught.value.report.errors] == [(2, "p_41"), (3, "f_05")]


def test_missing_columns_reject_the_file(session):
    with pytest.raises(ImportRejected) as caught:
        run(session, "ru-2021", RU21, RU18.read_text(encoding="utf-8"))
    assert {e.line for e in caught.value.report.errors} == {1}


@pytest.mark.parametrize(("raw", "value"), [("83", 83), ("83.00000000000001", 83),
                                            ("82.99999999999999", 83), ("0.0", 0)])
def test_counts_tolerate_only_float_noise(raw, value):
    assert parse_count(raw, tolerate_float=True) == value


@pytest.mark.parametrize("raw", ["83.5", "83.00001", "-1", "nan", "inf", "x"])
def test_counts_refuse_anything_else(raw):
    with pytest.raises(ValueError):
        parse_count(raw, tolerate_float=True)
    with pytest.raises(ValueError):
        parse_count(raw)


def test_quarantine_counts_per_check_are_reported(session):
    """The figures quoted in the operators' guide."""
    result = run(session, "ru-2021", RU21)
    queue = service.quarantine_queue(session, result.election_id, None)
    failed = Counter(c["id"] for p in queue for c in p.checks if c["passed"] is False)
    assert failed == {"ru_turnout_not_above_limit": 41,
                      "issued_and_cancelled_not_above_received": 1}
