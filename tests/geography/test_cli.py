"""`shailoo geography ...`: import, export (code first), round trip, search, refusals."""

import csv
import io

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from shailoo.cli import app
from shailoo.db import make_engine
from tests.factories import COMMISSIONS_CSV, REGIONS_CSV, STATIONS_CSV

runner = CliRunner()


def flat(output: str) -> str:
    """Output on one line, without Rich's box drawing."""
    return " ".join(output.translate(str.maketrans("│╭╮╰╯─", "      ")).split())


def counts(url):
    engine = make_engine(url)
    with engine.connect() as conn:
        n = tuple(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (
            "regions", "territorial_commissions", "polling_stations", "audit_records"))
    engine.dispose()
    return n


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, content in (("regions", REGIONS_CSV), ("commissions", COMMISSIONS_CSV),
                          ("stations", STATIONS_CSV)):
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(content, encoding="utf-8")
    return paths


def import_all(files):
    for what in ("regions", "commissions", "stations"):
        result = runner.invoke(app, ["geography", "import", what, str(files[what])])
        assert result.exit_code == 0, result.output


def test_import_then_export(fresh_database_url, files):
    result = runner.invoke(app, ["geography", "import", "regions", str(files["regions"])])
    assert result.exit_code == 0
    assert "regions.csv: 2 of 2 rows imported" in result.stderr
    for what in ("commissions", "stations"):
        assert runner.invoke(app, ["geography", "import", what, str(files[what])]).exit_code == 0
    result = runner.invoke(app, ["geography", "export", "stations"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][0] == "code"
    assert [r[0] for r in rows[1:]] == ["1001", "1002", "1003", "2001", "9001"]
    assert rows[4] == ["2001", "ordinary", "C07", "KG-C", "Дом культуры",
                       "Сокулукский район, с. Ёлкино, ул. Мира, 3", "с. Ёлкино", "KG", "",
                       "42.85", "74.3", "1200"]
    for what, first in (("regions", ["KG-C", "KG-GB"]),
                        ("commissions", ["ABROAD", "C07", "GB01"])):
        out = runner.invoke(app, ["geography", "export", what]).stdout
        assert [r[0] for r in csv.reader(io.StringIO(out))] == ["code", *first]


def test_exports_round_trip_into_another_database(databases, monkeypatch, files, tmp_path):
    from shailoo.config import get_settings

    def use(url):
        monkeypatch.setenv("SHAILOO_DATABASE_URL", url)
        get_settings.cache_clear()

    use(databases.create())
    import_all(files)
    exported = {}
    for what in ("regions", "commissions", "stations"):
        exported[what] = runner.invoke(app, ["geography", "export", what]).stdout
        (tmp_path / f"out-{what}.csv").write_text(exported[what], encoding="utf-8")
    use(databases.create())
    for what in ("regions", "commissions", "stations"):
        result = runner.invoke(app, ["geography", "import", what,
                                     str(tmp_path / f"out-{what}.csv")])
        assert result.exit_code == 0, result.output
    for what in ("regions", "commissions", "stations"):
        assert runner.invoke(app, ["geography", "export", what]).stdout == exported[what]


def test_station_import_prints_the_quality_report(fresh_database_url, files, tmp_path):
    import_all(files)
    extra = tmp_path / "extra.csv"
    extra.write_text(STATIONS_CSV.splitlines()[0] + "\n"
                     "3001,ordinary,GB01,Без координат,адрес,Бишкек,KG,,,,100\n"
                     "3002,ordinary,GB01,В Оше,адрес,Бишкек,KG,,40.53,72.8,100\n",
                     encoding="utf-8")
    result = runner.invoke(app, ["geography", "import", "stations", str(extra)])
    assert result.exit_code == 0, result.output
    out = flat(result.stderr)
    assert "extra.csv: 2 of 2 rows imported" in out
    assert "data-quality report: 2 finding(s)" in out
    assert "line 2: no_coordinates: 3001: station has no coordinates" in out
    assert "line 3: far_outside_region: 3002:" in out


@pytest.mark.parametrize(("what", "content", "expected"), [
    ("stations", "{header}\n3001,ordinary,GB01,Школа,адрес,Бишкек,KG\n",
     "bad.csv:2: (row): has 7 fields, the header has 11"),
    ("stations", "{header}\n3001,ordinary,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,lots\n",
     "bad.csv:2: planned_voters:"),
    ("stations", "{header}\n3001,tent,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,10\n",
     "bad.csv:2: kind:"),
    ("stations", "{header}\n3001,ordinary,XX1,Школа,адрес,Бишкек,KG,,42.8,74.6,10\n",
     "bad.csv:2: tec: unknown commission ('XX1')"),
    ("stations", "{header}\n3001,ordinary,GB01,Ш,а,Б,KG,,,,1\n3001,ordinary,GB01,Ш,а,Б,KG,,,,1\n",
     "bad.csv:3: code: duplicate station code in this file ('3001')"),
    ("stations", "{header}\n1001,ordinary,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,10\n",
     "bad.csv:2: code: station code already exists ('1001')"),
    ("stations", "code,kind,tec,name,address,country\n",
     "bad.csv:1: locality: required column is missing from the header"),
    ("commissions", "code,region,name_ky,name_ru,name_en,abroad\nT1,KG-T,a,b,c,false\n",
     "bad.csv:2: region: unknown region ('KG-T')"),
])
def test_a_bad_file_is_refused_naming_line_and_field(fresh_database_url, files, tmp_path, what,
                                                     content, expected):
    import_all(files)
    before = counts(fresh_database_url)
    bad = tmp_path / "bad.csv"
    bad.write_text(content.format(header=STATIONS_CSV.splitlines()[0]), encoding="utf-8")
    result = runner.invoke(app, ["geography", "import", what, str(bad)])
    assert result.exit_code == 2
    out = flat(result.stderr)
    assert "nothing was imported" in out
    assert expected in out
    assert counts(fresh_database_url) == before


def test_import_with_update_existing(fresh_database_url, files, tmp_path):
    import_all(files)
    changed = tmp_path / "changed.csv"
    changed.write_text(STATIONS_CSV.replace("Больница", "Больница № 4"), encoding="utf-8")
    result = runner.invoke(app, ["geography", "import", "stations", str(changed),
                                 "--update-existing"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["geography", "search", "больница"])
    assert result.stdout == "1003\tБольница № 4\tг. Бишкек, ул. Ахунбаева, 90\n"


def test_search(fresh_database_url, files):
    import_all(files)
    result = runner.invoke(app, ["geography", "search", "ЕЛКИНО"])
    assert result.exit_code == 0
    assert result.stdout.split("\t")[0] == "2001"
    result = runner.invoke(app, ["geography", "search", "бишкек", "--limit", "2"])
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["1001", "1002"]
    assert runner.invoke(app, ["geography", "search", "нигде"]).stdout == ""


def test_import_refuses_a_missing_file(fresh_database_url, tmp_path):
    result = runner.invoke(app, ["geography", "import", "regions", str(tmp_path / "no.csv")])
    assert result.exit_code == 2
    assert "does not exist" in flat(result.stderr)
