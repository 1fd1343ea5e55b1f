"""`shailoo results seats`: CSV in, Rich table or JSON out, clear errors with line numbers."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from shailoo.cli import app

runner = CliRunner()

KG_2015 = ("party,votes\nСДПК,435968\nРеспублика–Ата-Журт,320115\nКыргызстан,206094\n"
           "Онугуу–Прогресс,148279\nБир Бол,135875\nАта Мекен,123055\nБутун Кыргызстан,100000\n")


def write(tmp_path, text, name="votes.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def flat(output: str) -> str:
    return " ".join(output.split())


def test_json_output_with_threshold_on_participants(tmp_path):
    path = write(tmp_path, KG_2015)
    result = runner.invoke(app, ["results", "seats", "--votes", path, "--seats", "120",
                                 "--method", "hare", "--threshold", "7", "--denominator",
                                 "1626255", "--cap", "65", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"seats", "transcript"}
    assert body["seats"] == {"СДПК": 38, "Республика–Ата-Журт": 28, "Кыргызстан": 18,
                             "Онугуу–Прогресс": 13, "Бир Бол": 12, "Ата Мекен": 11,
                             "Бутун Кыргызстан": 0}
    kinds = [s["kind"] for s in body["transcript"]]
    assert kinds[0] == "input" and kinds[-1] == "result"
    assert "threshold.national" in kinds and "quota" in kinds
    quota = next(s for s in body["transcript"] if s["kind"] == "quota")
    assert quota["data"]["votes"] == 1369386


def test_threshold_of_all_votes_in_the_file_by_default(tmp_path):
    path = write(tmp_path, "party,votes\nA,900\nB,60\nC,40\n")
    result = runner.invoke(app, ["results", "seats", "--votes", path, "--seats", "10",
                                 "--method", "hare", "--threshold", "5", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["seats"] == {"A": 9, "B": 1, "C": 0}  # C 4 % < 5 %


def test_table_and_transcript(tmp_path):
    path = write(tmp_path, "party,votes\nАта Мекен,100\nSDPK,250\nBir Bol,40\n")
    result = runner.invoke(app, ["results", "seats", "--votes", path, "--seats", "10",
                                 "--method", "modified-sainte-lague", "--first-divisor", "1.2"])
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Ата Мекен" in out and "share" in out and "64.10" in out
    assert "modified Sainte-Laguë: divisors 1.2, 3, 5, 7" in out
    assert "Result: Ата Мекен 3, SDPK 6, Bir Bol 1." in out


def test_bad_rows_are_reported_with_line_numbers(tmp_path):
    path = write(tmp_path, "party,votes\nA,10\nB,ten\nA,5\nC,-3\n")
    result = runner.invoke(app, ["results", "seats", "--votes", path, "--seats", "5",
                                 "--method", "hare"])
    assert result.exit_code != 0
    err = flat(result.stderr)
    assert f"{path}:3: votes" in err and f"{path}:4: party: duplicate" in err
    assert f"{path}:5: votes: must not be negative" in err
    assert result.stdout == ""


def test_missing_column_and_invalid_allocation_input(tmp_path):
    path = write(tmp_path, "name,votes\nA,1\n")
    result = runner.invoke(app, ["results", "seats", "--votes", path, "--seats", "5",
                                 "--method", "hare"])
    assert result.exit_code == 2 and "party: required column is missing" in flat(result.stderr)
    good = write(tmp_path, "party,votes\nA,1\nB,1\n", "good.csv")
    result = runner.invoke(app, ["results", "seats", "--votes", good, "--seats", "5",
                                 "--method", "hare", "--threshold", "150"])
    assert result.exit_code == 2
    assert "results.invalid_allocation_input" in result.stderr and "threshold" in result.stderr


def test_tie_needs_a_seed_and_seed_is_recorded(tmp_path):
    path = write(tmp_path, "party,votes\nA,50\nB,50\n")
    args = ["results", "seats", "--votes", path, "--seats", "1", "--method", "hare"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "no seed was given" in flat(result.stderr)
    result = runner.invoke(app, [*args, "--seed", "cec-7", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    tie = next(s for s in body["transcript"] if s["kind"] == "tie")
    assert tie["data"]["seed"] == "cec-7" and sum(body["seats"].values()) == 1
    result = runner.invoke(app, [*args, "--tie-break", "ballot_order", "--json"])
    assert json.loads(result.stdout)["seats"] == {"A": 1, "B": 0}
