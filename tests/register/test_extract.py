"""The extract judged in worker processes (the path of large files): the same outcome as in
one process, line numbers right across chunk boundaries (also inside quoted line breaks),
every byte hashed, and bad rows or bytes in any chunk rejecting the whole file."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shailoo.kit.importing import ImportRejected
from shailoo.register import extract, service
from shailoo.register.extract import _record_end
from tests.register.factories import (
    ACTOR,
    TODAY,
    extract_csv,
    make_register_country,
    stored_persons,
    voter,
)

STREETS = ("Токтогула", "Өмүрбекова", "Ахунбаева", "Неизвестная")


def rows(n: int = 120) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        row = voter(i, surname=f"Асанова{'ё' * (i % 3)}", born=date(1950 + i % 40, 1 + i % 12,
                                                                      1 + i % 28),
                    street=STREETS[i % 4], house=str(i))
        if i % 17 == 0:
            row["pin"] = "1" + row["pin"][1:3] + "99" + row["pin"][5:]  # a PIN-structure warning
        out.append(row)
    out[50]["street"] = "Токтогула\nугол Киевской"  # a quoted line break inside a record
    return out


def write(tmp_path: Path, text: str, name: str = "extract.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def run(session: Any, path: Path, workers: int) -> service.ImportOutcome:
    with path.open(encoding="utf-8", newline="") as stream:
        return service.import_extract(session, stream, path.name, ACTOR, TODAY, workers=workers)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extract, "CHUNK_BYTES", 700)  # many chunks from a small file


def test_record_end_skips_line_breaks_inside_quotes():
    assert _record_end(b'a,b\nc,"d\ne"') == 3
    assert _record_end(b'a,"b\nc"\nd') == 7
    assert _record_end(b'a,"b\nc') == -1
    assert _record_end(b"no newline") == -1


def test_workers_give_the_same_register_and_report_as_one_process(
        session, tmp_path, small_chunks):
    make_register_country(session)
    data = rows()
    path = write(tmp_path, extract_csv(data))
    outcome = run(session, path, workers=2)
    assert outcome.added == len(data)
    assert stored_persons(session) == {r["pin"]: r for r in data}
    # the warnings name the same lines as a serial judgement would
    warned = sorted(q.line for q in outcome.report.quality if q.kind == "pin_structure")
    text = extract_csv(data)
    expected = []
    line = 2
    for row in data:
        if row["pin"][3:5] == "99":
            expected.append(line)
        line += 1 + row["street"].count("\n")
    assert warned == expected
    # every fourth on an unknown street, and the one whose street holds a line break
    assert outcome.warnings["address_none"] == len(data) // 4 + 1
    from shailoo.register.models import RegisterImport

    record = session.get(RegisterImport, outcome.import_id)
    assert record.sha256 == hashlib.sha256(text.encode()).hexdigest()


def test_workers_report_bad_rows_of_every_chunk_and_store_nothing(
        session, tmp_path, small_chunks):
    make_register_country(session)
    data = rows()
    data[5]["sex"] = "X"
    data[100]["birth_date"] = "1990-13-01"
    path = write(tmp_path, extract_csv(data))
    with pytest.raises(ImportRejected) as exc:
        run(session, path, workers=2)
    errors = [(e.line, e.field) for e in exc.value.report.errors]
    assert errors == [(7, "sex"), (103, "birth_date")]  # the record on line 52 spans two lines
    assert stored_persons(session) == {}


def test_workers_refuse_a_pin_twice_across_chunks(session, tmp_path, small_chunks):
    make_register_country(session)
    data = rows()
    data[110]["pin"] = data[3]["pin"]
    path = write(tmp_path, extract_csv(data))
    with pytest.raises(ImportRejected) as exc:
        run(session, path, workers=2)
    [error] = exc.value.report.errors
    assert (error.line, error.field) == (113, "pin")
    assert "first on line 5" in error.reason
    assert stored_persons(session) == {}


def test_workers_refuse_bytes_that_are_not_utf8(session, tmp_path, small_chunks):
    make_register_country(session)
    text = extract_csv(rows()).encode("utf-8")
    lines = text.split(b"\n")
    lines[90] = lines[90].replace(b"KG", b"\xff\xfe", 1)
    path = tmp_path / "extract.csv"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(ImportRejected) as exc:
        run(session, path, workers=2)
    [error] = [e for e in exc.value.report.errors if e.field == "(file)"]
    assert error.line == 91 and "UTF-8" in error.reason
    assert stored_persons(session) == {}
