"""The streaming CSV pipeline: every bad row is reported with line, field and reason."""

import io

import pytest
from pydantic import BaseModel, Field

from shailoo.errors import InvalidInput
from shailoo.kit.importing import (
    Column,
    FieldError,
    ImportRejected,
    ImportReport,
    ImportSpec,
    QualityIssue,
    RowError,
    batched,
    columns,
    model_builder,
    read_records,
    write_csv,
)


class Thing(BaseModel):
    code: str = Field(pattern=r"^[A-Z]+$")
    size: int = Field(ge=0)
    note: str | None = None


SPEC = ImportSpec(name="things", columns=columns("code", "size", optional=("note",)),
                  build=model_builder(Thing))


def read(text: str, spec=SPEC):
    report = ImportReport("things.csv")
    records = list(read_records(spec, io.StringIO(text), "things.csv", report))
    return records, report


def test_valid_rows_become_records_with_their_line():
    records, report = read("code,size,note\nAB,1,x\nCD,2,\n")
    assert [(r.line, r.record.code, r.record.size, r.record.note) for r in records] == [
        (2, "AB", 1, "x"), (3, "CD", 2, None)]
    assert report.ok
    assert report.rows_read == 2
    assert report.errors == []


def test_header_may_have_bom_spaces_and_other_order():
    records, report = read("\ufeff size , code,note\n3,AB,\n")
    assert report.ok
    assert [(r.record.code, r.record.size) for r in records] == [("AB", 3)]


def test_wrong_number_of_fields_names_the_line():
    records, report = read("code,size,note\nAB,1,\nCD,2\nEF,3,,extra\n")
    assert [r.record.code for r in records] == ["AB"]
    assert [(e.line, e.field, e.reason) for e in report.errors] == [
        (3, "(row)", "has 2 fields, the header has 3"),
        (4, "(row)", "has 4 fields, the header has 3")]
    assert report.error_count == 2
    assert not report.ok


def test_missing_header_column_is_reported_on_line_1_and_stops():
    records, report = read("code,note\nAB,x\n")
    assert records == []
    assert [(e.line, e.field, e.reason) for e in report.errors] == [
        (1, "size", "required column is missing from the header")]
    assert report.rows_read == 0


def test_empty_file_is_an_error():
    records, report = read("")
    assert records == []
    assert [(e.line, e.field, e.reason) for e in report.errors] == [
        (1, "(header)", "the file is empty")]


def test_bad_number_names_line_field_and_value():
    _, report = read("code,size,note\nAB,1,\nCD,lots,\nEF,-4,\n")
    assert [(e.line, e.field, e.value) for e in report.errors] == [
        (3, "size", "lots"), (4, "size", "-4")]
    assert "integer" in report.errors[0].reason
    assert "greater than or equal to 0" in report.errors[1].reason
    assert str(report.errors[0]).startswith("things.csv:3: size: ")
    assert str(report.errors[0]).endswith("(value 'lots')")


def test_required_but_empty_field():
    _, report = read("code,size,note\n,1,\n")
    assert [(e.line, e.field, e.reason) for e in report.errors] == [
        (2, "code", "is required but empty")]


def test_blank_lines_are_skipped_and_lines_count_physical_lines():
    text = 'code,size,note\n\nAB,1,"two\nlines"\n ,  , \nCD,x,\n'
    records, report = read(text)
    assert [(r.line, r.record.note) for r in records] == [(3, "two\nlines")]
    assert [(e.line, e.field) for e in report.errors] == [(6, "size")]
    assert report.rows_read == 2


def test_column_parser_errors_and_defaults():
    def parse_even(raw: str) -> int:
        value = int(raw)
        if value % 2:
            raise FieldError("n", "must be even")
        return value

    spec = ImportSpec(name="n", columns=(Column("n", parse_even),
                                         Column("m", int, required=False, default=7)),
                      build=lambda v: (v["n"], v["m"]))
    records, report = read("n,m\n2,\n3,1\nfour,1\n", spec)
    assert [r.record for r in records] == [(2, 7)]
    assert [(e.line, e.field, e.reason, e.value) for e in report.errors] == [
        (3, "n", "must be even", "3"),
        (4, "n", "invalid literal for int() with base 10: 'four'", "four")]


def test_build_field_error_reports_the_value():
    def build(values):
        raise FieldError("code", "no such code")

    spec = ImportSpec(name="x", columns=columns("code"), build=build)
    _, report = read("code\nZZ\n", spec)
    assert [(e.line, e.field, e.reason, e.value) for e in report.errors] == [
        (2, "code", "no such code", "ZZ")]


def test_delimiter_is_part_of_the_spec():
    spec = ImportSpec(name="t", columns=columns("code", "size"), build=model_builder(Thing),
                      delimiter=";")
    records, report = read("code;size\nAB;5\n", spec)
    assert report.ok
    assert records[0].record.size == 5


def test_report_keeps_a_bounded_number_of_errors(monkeypatch):
    import shailoo.kit.importing as importing

    monkeypatch.setattr(importing, "MAX_REPORTED_ERRORS", 3)
    _, report = read("code,size,note\n" + "x,1,\n" * 10)
    assert report.error_count == 10
    assert len(report.errors) == 3


def test_import_rejected_is_invalid_input_with_the_report():
    report = ImportReport("f.csv", rows_read=7)
    for line in range(2, 9):
        report.add_error(RowError("f.csv", line, "size", "bad", str(line)))
    report.quality.append(QualityIssue("no_coordinates", 3, "A", "none"))
    exc = ImportRejected(report)
    assert isinstance(exc, InvalidInput)
    assert exc.code == "import.rejected"
    assert exc.exit_code == 2
    assert exc.message.startswith("7 bad row(s) in f.csv, nothing was imported: f.csv:2: size:")
    assert exc.message.endswith(" and 2 more")
    body = exc.to_dict()
    assert body["details"]["report"]["error_count"] == 7
    assert body["details"]["report"]["errors"][0] == {
        "source": "f.csv", "line": 2, "field": "size", "reason": "bad", "value": "2"}
    assert body["details"]["report"]["quality"] == [
        {"kind": "no_coordinates", "line": 3, "record": "A", "detail": "none"}]
    assert str(report.quality[0]) == "line 3: no_coordinates: A: none"


def test_batched():
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(batched([], 3)) == []
    with pytest.raises(StopIteration):
        next(iter(batched([], 3)))


def test_write_csv_writes_none_as_empty_and_quotes():
    out = io.StringIO()
    write_csv(out, ["a", "b"], [[1, None], ["x,y", 'say "hi"']])
    assert out.getvalue() == 'a,b\n1,\n"x,y","say ""hi"""\n'


def test_write_then_read_round_trips():
    out = io.StringIO()
    write_csv(out, ["code", "size", "note"], [["AB", 1, "a, b"], ["CD", 2, None]])
    records, report = read(out.getvalue())
    assert report.ok
    assert [r.record for r in records] == [Thing(code="AB", size=1, note="a, b"),
                                           Thing(code="CD", size=2)]


def test_the_collector_is_paused_for_a_bulk_load_and_restored():
    import gc

    from shailoo.kit.importing import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    try:
        with collector_paused():
            raise ValueError("a refused import")
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
