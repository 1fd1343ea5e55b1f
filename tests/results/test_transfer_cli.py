"""`shailoo results import|export` on a fresh database."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from shailoo.results.transfer_cli import app
from tests.conftest import shared_data
from tests.results.test_exports import validate
from tests.results.test_transfer import RU18

runner = CliRunner()


@pytest.fixture(autouse=True)
def _needs_shared_data() -> None:
    shared_data("election-results")
    shared_data("nist-cdf/election-results-reporting/NIST_V2_election_results_reporting.json")


def flat(output: str) -> str:
    return " ".join(output.translate(str.maketrans("│┃╭╮╰╯─━┏┓┗┛┡┩└┘", " " * 16)).split())


def test_import_then_export_both_formats(fresh_database_url):
    result = runner.invoke(app, ["import", str(RU18), "--format", "ru-2018",
                                 "--source-name", "adygea-2018.csv"])
    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "read 264, accepted 204, quarantined 60, duplicates 0" in text
    assert "c4 " in text  # the table of national totals per choice
    exported = runner.invoke(app, ["export", "--format", "csv"])
    assert exported.exit_code == 0, exported.output
    table = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(table) == 204 and {r["source"] for r in table} == {"manual"}
    nist = runner.invoke(app, ["export", "--format", "nist-err", "--source", "manual"])
    assert nist.exit_code == 0, nist.output
    validate(json.loads(nist.stdout))
    again = runner.invoke(app, ["import", str(RU18), "--format", "ru-2018"])
    assert "duplicates 264" in flat(again.stdout)


def test_a_bad_file_exits_2_naming_the_line(fresh_database_url, tmp_path):
    lines = RU18.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[3] = "21x7"  # voters on the list
    lines[3] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines[:6]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad), "--format", "ru-2018"])
    assert result.exit_code == 2
    assert "import.rejected" in result.output and "bad.csv:4:" in result.output
    nothing = runner.invoke(app, ["export", "--format", "csv"])
    assert nothing.exit_code == 4 and "results.nothing_to_export" in nothing.output
