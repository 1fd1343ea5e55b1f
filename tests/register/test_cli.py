"""`shailoo register ...`: lists in open formats, lookup, duplicates and imports, on the demo
country and on a small one built through the CLI."""

import csv
import hashlib
import io
import json
import re

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shailoo.cli import app
from shailoo.config import get_settings
from shailoo.db import make_engine
from tests.factories import COMMISSIONS_CSV, REGIONS_CSV, STATIONS_CSV, make_election
from tests.register.factories import ADDRESSES_CSV, extract_csv, voter

runner = CliRunner()
CYRILLIC = re.compile("[А-Яа-яЁёӨөҮүҢң]")


def flat(output: str) -> str:
    """Output on one line, however Rich wrapped it."""
    return " ".join(output.split())


def query(url: str, sql: str, **params) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


# --- the demo country -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_database(databases) -> tuple[str, int]:
    """One demo country for the module (generating it takes a few seconds): its URL and the
    number of likely duplicates the generator planted."""
    url = databases.create()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHAILOO_DATABASE_URL", url)
        get_settings.cache_clear()
        result = invoke("demo", "generate", "--voters", 3000, "--seed", 1)
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    planted = re.search(r"\((\d+) planted likely duplicates\)", flat(result.stderr))
    assert planted, result.stderr
    return url, int(planted.group(1))


@pytest.fixture
def demo(demo_database, monkeypatch) -> tuple[str, int]:
    url, planted = demo_database
    monkeypatch.setenv("SHAILOO_DATABASE_URL", url)
    get_settings.cache_clear()
    return url, planted


def busiest_station(url: str) -> tuple[str, set[str]]:
    [(station, _n)] = query(url, "SELECT station_code, COUNT(*) FROM register_list_entries "
                                 "WHERE excluded IS NULL GROUP BY station_code "
                                 "ORDER BY COUNT(*) DESC, station_code LIMIT 1")
    listed = {pin for (pin,) in query(url, "SELECT pin FROM register_list_entries WHERE "
                                           "excluded IS NULL AND station_code = :s", s=station)}
    return station, listed


def test_list_as_csv_with_the_pin_first(demo):
    url, _ = demo
    station, listed = busiest_station(url)
    result = invoke("register", "list", "--station", station, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["pin", "number", "surname", "given_name", "patronymic", "birth_date",
                       "address"]
    body = rows[1:]
    assert {r[0] for r in body} == listed and len(body) == len(listed) > 100
    assert all(re.fullmatch(r"\d{14}", r[0]) for r in body)
    assert [r[1] for r in body] == [str(n) for n in range(1, len(body) + 1)]
    assert sum(bool(CYRILLIC.search(r[2])) for r in body) > len(body) / 2  # UTF-8 Cyrillic
    result = invoke("register", "list", "--station", station, "--format", "json")
    assert result.exit_code == 0, result.output
    as_json = json.loads(result.stdout)
    assert [v["pin"] for v in as_json] == [r[0] for r in body]


def test_list_as_pdf(demo, tmp_path):
    url, _ = demo
    station, _listed = busiest_station(url)
    out = tmp_path / "list.pdf"
    result = invoke("register", "list", "--station", station, "--format", "pdf", "--out", out,
                    "--language", "ru")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


def test_lookup_prints_the_station_then_its_address(demo):
    url, _ = demo
    [(pin, station, address)] = query(
        url, "SELECT e.pin, e.station_code, s.address FROM register_list_entries e "
             "JOIN polling_stations s ON s.code = e.station_code WHERE e.excluded IS NULL "
             "ORDER BY e.pin LIMIT 1")
    result = invoke("register", "lookup", pin)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [station, address]


def test_lookup_of_an_unknown_or_excluded_pin_fails(demo):
    url, _ = demo
    [(excluded,)] = query(url, "SELECT pin FROM register_list_entries WHERE excluded = "
                               "'deceased' ORDER BY pin LIMIT 1")
    for pin in ("00000000000000", excluded, "not a pin"):
        result = invoke("register", "lookup", pin)
        assert result.exit_code == 4, (pin, result.output)
        assert result.stdout == ""
        assert "register.not_found" in result.stderr


def test_check_duplicates_finds_the_planted_ones(demo):
    url, planted = demo
    assert planted >= 1
    result = invoke("register", "check-duplicates")
    assert result.exit_code == 0, result.output
    found = re.fullmatch(r"(\d+) likely duplicate pair\(s\); (\d+) new review case\(s\)\n",
                         result.stdout)
    assert found, result.stdout
    pairs, new = int(found.group(1)), int(found.group(2))
    assert pairs == new >= planted
    assert query(url, "SELECT COUNT(*) FROM register_duplicate_cases") == [(pairs,)]
    # the planted twins are the persons with Latin names; each is in a case
    twins = {pin for pin, surname in query(url, "SELECT pin, surname FROM register_persons")
             if surname.isascii()}
    assert len(twins) == planted
    in_cases = {p for a, b in query(url, "SELECT pin_a, pin_b FROM register_duplicate_cases")
                for p in (a, b)}
    assert twins <= in_cases
    again = invoke("register", "check-duplicates")
    assert again.stdout == f"{pairs} likely duplicate pair(s); 0 new review case(s)\n"


# --- a small country through the CLI --------------------------------------------------------


@pytest.fixture
def country(fresh_database_url, tmp_path) -> tuple[str, int]:
    """The test country imported through the CLI, its address table, and an election."""
    for name, content in (("regions", REGIONS_CSV), ("commissions", COMMISSIONS_CSV),
                          ("stations", STATIONS_CSV)):
        path = tmp_path / f"{name}.csv"
        path.write_text(content, encoding="utf-8")
        result = invoke("geography", "import", name, path)
        assert result.exit_code == 0, result.output
    addresses = tmp_path / "addresses.csv"
    addresses.write_text(ADDRESSES_CSV, encoding="utf-8")
    result = invoke("register", "addresses", addresses)
    assert result.exit_code == 0, result.output
    assert "addresses.csv: 5 address lines" in flat(result.stderr)
    engine = make_engine(fresh_database_url)
    with Session(engine) as session:
        election_id = make_election(session).id
    engine.dispose()
    return fresh_database_url, election_id


ROWS = [voter(1, "Пак", "Ирина"), voter(2, "Өмүров", "Нурлан", sex="M"),
        voter(3, "Орозов", "Бакыт", sex="M"), voter(4, "Ли", "Анна", biometrics="0")]


def test_import_build_freeze_and_list(country, tmp_path):
    url, election = country
    path = tmp_path / "extract.csv"
    path.write_bytes(("\ufeff" + extract_csv(ROWS)).encode())
    result = invoke("register", "import", path)
    assert result.exit_code == 0, result.output
    assert "extract.csv: 4 persons; added 4, changed 0, moved 0, removed 0 (import #1)" in \
        flat(result.stderr)
    assert query(url, "SELECT sha256 FROM register_imports") == [
        (hashlib.sha256(path.read_bytes()).hexdigest(),)]

    result = invoke("register", "rules", "--election", election, "--set", "min_age=18",
                    "--set", "opening_hours=07:00-20:00")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["opening_hours"] == "07:00-20:00"
    result = invoke("register", "rules", "--election", election, "--set", "min_age=-1")
    assert result.exit_code == 2
    assert "register.bad_rule" in result.stderr

    result = invoke("register", "build-lists", "--election", election)
    assert result.exit_code == 0, result.output
    assert f"election #{election}: listed 3, no_biometrics 1" in flat(result.stderr)

    result = invoke("register", "list", "--election", election, "--station", "1001")
    assert result.exit_code == 0, result.output
    body = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert [r[2] for r in body] == ["Орозов", "Өмүров", "Пак"]

    result = invoke("register", "freeze", "--election", election, "--station", "1001")
    assert result.exit_code == 0, result.output
    [(station, voters, sha)] = [line.split(",") for line in result.stdout.splitlines()]
    assert (station, voters) == ("1001", "3")
    assert query(url, "SELECT sha256 FROM register_list_freezes") == [(sha,)]
    result = invoke("register", "build-lists", "--election", election)
    assert result.exit_code == 5
    assert "register.lists_frozen" in result.stderr


def test_a_bad_extract_names_line_field_and_reason(country, tmp_path):
    url, _ = country
    rows = [dict(r) for r in ROWS]
    rows[1]["sex"] = "X"
    rows[3]["birth_date"] = "31.02.1990"
    path = tmp_path / "bad.csv"
    path.write_text(extract_csv(rows), encoding="utf-8")
    result = invoke("register", "import", path)
    assert result.exit_code == 2
    out = flat(result.stderr)
    assert "error [import.rejected] 2 bad row(s) in bad.csv, nothing was imported" in out
    assert "bad.csv:3: sex: must be F or M (value 'X')" in out
    assert ("bad.csv:5: birth_date: must be a date as YYYY-MM-DD or DD.MM.YYYY "
            "(value '31.02.1990')") in out
    assert query(url, "SELECT COUNT(*) FROM register_persons") == [(0,)]
    assert query(url, "SELECT COUNT(*) FROM register_imports") == [(0,)]


def test_the_same_pin_twice_on_the_command_line(country, tmp_path):
    rows = [*ROWS, dict(ROWS[0], surname="Двойник")]
    path = tmp_path / "dup.csv"
    path.write_text(extract_csv(rows), encoding="utf-8")
    result = invoke("register", "import", path)
    assert result.exit_code == 2
    assert (f"dup.csv:6: pin: the same PIN is on 2 lines (first on line 2) "
            f"(value '{ROWS[0]['pin']}')") in flat(result.stderr)
