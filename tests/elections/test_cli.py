"""`shailoo elections ...`: list (CSV, id first), create, show, transition, presets."""

import csv
import io
import json

from typer.testing import CliRunner

from shailoo.cli import app
from shailoo.elections.systems import PRESETS

runner = CliRunner()

CREATE = ["elections", "create", "--code", "parliament-2027", "--kind", "parliamentary",
          "--polling-date", "2027-02-28", "--preset", "kg-2021-mixed", "--name-ky", "Шайлоо",
          "--name-ru", "Выборы", "--name-en", "Election"]


def flat(output: str) -> str:
    return " ".join(output.split())


def test_create_list_show_transition(fresh_database_url):
    result = runner.invoke(app, CREATE)
    assert result.exit_code == 0, result.output
    assert result.stdout == "1\n"
    second = [*CREATE]
    second[3], second[5] = "president-2027", "presidential"
    second[second.index("kg-2021-mixed")] = "kg-president"
    assert runner.invoke(app, second).stdout == "2\n"

    result = runner.invoke(app, ["elections", "list"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["id", "code", "kind", "polling_date", "status", "preset", "seats",
                       "name_ky", "name_ru", "name_en"]
    assert [r[:3] for r in rows[1:]] == [["2", "president-2027", "presidential"],
                                         ["1", "parliament-2027", "parliamentary"]]
    assert rows[2] == ["1", "parliament-2027", "parliamentary", "2027-02-28", "scheduled",
                       "kg-2021-mixed", "90", "Шайлоо", "Выборы", "Election"]

    result = runner.invoke(app, ["elections", "transition", "1", "nomination", "--reason",
                                 "decree 12"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "1\tnomination\n"
    shown = json.loads(runner.invoke(app, ["elections", "show", "1"]).stdout)
    assert shown["status"] == "nomination"
    assert [(h["from_status"], h["to_status"], h["reason"]) for h in shown["history"]] == [
        (None, "scheduled", "scheduled"), ("scheduled", "nomination", "decree 12")]
    assert shown["history"][1]["actor"].startswith("cli:")
    assert [c["kind"] for c in shown["contests"]] == ["national_list"]


def test_a_forbidden_transition_exits_non_zero_and_changes_nothing(fresh_database_url):
    runner.invoke(app, CREATE)
    result = runner.invoke(app, ["elections", "transition", "1", "certified", "--reason", "x"])
    assert result.exit_code == 6
    assert "from scheduled an election may move only to: annulled, nomination" in flat(
        result.stderr)
    assert ",scheduled," in runner.invoke(app, ["elections", "list"]).stdout
    shown = json.loads(runner.invoke(app, ["elections", "show", "1"]).stdout)
    assert len(shown["history"]) == 1


def test_refusals(fresh_database_url):
    result = runner.invoke(app, ["elections", "show", "9"])
    assert result.exit_code == 4
    assert "no election with id 9" in result.stderr
    bad = [*CREATE]
    bad[bad.index("kg-2021-mixed")] = "kg-1995"
    result = runner.invoke(app, bad)
    assert result.exit_code == 2
    assert "unknown preset 'kg-1995'" in flat(result.stderr)
    assert runner.invoke(app, CREATE).exit_code == 0
    result = runner.invoke(app, CREATE)
    assert result.exit_code == 5
    assert "an election with code 'parliament-2027' already exists" in flat(result.stderr)
    result = runner.invoke(app, ["elections", "transition", "1", "finished", "--reason", "x"])
    assert result.exit_code == 2
    assert runner.invoke(app, ["elections", "list"]).stdout.count("\n") == 2


def test_list_on_an_empty_database_prints_the_header(fresh_database_url):
    result = runner.invoke(app, ["elections", "list"])
    assert result.exit_code == 0
    assert result.stdout == ("id,code,kind,polling_date,status,preset,seats,name_ky,name_ru,"
                             "name_en\n")


def test_presets():
    result = runner.invoke(app, ["elections", "presets"])
    assert result.exit_code == 0
    presets = json.loads(result.stdout)
    assert set(presets) == set(PRESETS)
    assert presets["kg-2021-mixed"]["district_tier"]["districts"] == 36
