"""Parsing one extract row: the fast path and the field-by-field path agree, and every bad
field is named with its reason."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shailoo.kit.importing import FieldError
from shailoo.register import importers
from shailoo.register.importers import (
    EXTRACT_COLUMNS,
    parse_birth_date,
    parse_extract_row,
    parse_flag,
)

REGIONS = frozenset({"KG-GB", "KG-C"})
TODAY = date(2027, 1, 10)

BASE = {"pin": "11205198000017", "surname": "Асанова", "given_name": "Жылдыз",
        "patronymic": "Бакытовна", "birth_date": "1980-05-12", "sex": "F",
        "citizenship": "KG", "region": "KG-GB", "locality": "Бишкек", "street": "Токтогула",
        "house": "10", "flat": "4", "biometrics": "1", "deceased": "0", "incapable": "0"}


def cells(**changes: str) -> list[str]:
    row = {**BASE, **changes}
    return [row[c] for c in EXTRACT_COLUMNS]


def fields(row) -> dict:
    """A parsed row's values by field name."""
    return row._asdict()


def parse(**changes: str):
    return parse_extract_row(cells(**changes), REGIONS, TODAY)


def errors_of(**changes: str) -> list[tuple[str, str]]:
    row, errors = parse(**changes)
    assert row is None
    return [(e.field, e.reason) for e in errors]


def test_a_usual_row():
    row, errors = parse()
    assert errors == []
    assert fields(row) == {
        "pin": "11205198000017", "surname": "Асанова", "given_name": "Жылдыз",
        "patronymic": "Бакытовна", "birth_date": date(1980, 5, 12), "sex": "F",
        "citizenship": "KG", "region": "KG-GB", "locality": "Бишкек", "street": "Токтогула",
        "house": "10", "flat": "4", "has_biometrics": True, "deceased": False,
        "incapable": False}


def test_empty_optional_fields_are_none():
    row, errors = parse(patronymic="", street="", house="", flat="")
    assert errors == []
    assert (row.patronymic, row.street, row.house, row.flat) == (None, None, None, None)


@pytest.mark.parametrize(("field", "usual", "other"), [
    ("sex", "F", "female"), ("sex", "F", "f"), ("sex", "F", "ж"), ("sex", "F", "Аял"),
    ("sex", "M", "male"), ("sex", "M", "М"), ("sex", "M", "эркек"), ("sex", "M", "муж"),
    ("biometrics", "1", "да"), ("biometrics", "1", "yes"), ("biometrics", "1", "TRUE"),
    ("biometrics", "1", "ооба"), ("biometrics", "1", "Y"),
    ("biometrics", "0", "нет"), ("biometrics", "0", "жок"), ("biometrics", "0", "No"),
    ("deceased", "0", "false"), ("deceased", "1", "Да"),
    ("incapable", "0", "n"), ("incapable", "1", "true"),
    ("birth_date", "1980-05-12", "12.05.1980"), ("birth_date", "1980-05-02", "2.5.1980"),
    ("citizenship", "KG", "kg"), ("citizenship", "KZ", "Kz"),
])
def test_slow_spellings_give_the_same_row(field, usual, other):
    fast, fast_errors = parse(**{field: usual})
    slow, slow_errors = parse(**{field: other})
    assert fast_errors == slow_errors == []
    assert fields(fast) == fields(slow)


def test_every_spelling_at_once_gives_the_same_row():
    fast, _ = parse()
    slow, errors = parse(sex="female", birth_date="12.05.1980", citizenship="kg",
                         biometrics="да", deceased="жок", incapable="no")
    assert errors == []
    assert fields(slow) == fields(fast)


text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl",
                                                                "Zp")), max_size=8)
names = text.filter(bool)
rows = st.fixed_dictionaries({
    "pin": st.text("0123456789", min_size=14, max_size=14), "surname": names,
    "given_name": names, "patronymic": text,
    "birth_date": st.dates(date(1890, 1, 1), TODAY).map(date.isoformat),
    "sex": st.sampled_from(["F", "M"]), "citizenship": st.sampled_from(["KG", "KZ", "RU"]),
    "region": st.sampled_from(sorted(REGIONS)), "locality": names, "street": text,
    "house": text, "flat": text, "biometrics": st.sampled_from("01"),
    "deceased": st.sampled_from("01"), "incapable": st.sampled_from("01")})


@given(rows)
def test_the_fast_path_agrees_with_the_field_by_field_path(row):
    values = [row[c] for c in EXTRACT_COLUMNS]
    fast, fast_errors = parse_extract_row(values, REGIONS, TODAY)
    slow, slow_errors = importers._parse_slowly(values, REGIONS, TODAY)
    assert fast_errors == slow_errors == []
    assert fields(fast) == fields(slow)


# --- every error is named -------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "expected"), [
    ({"pin": "1120519800001"}, [("pin", "must be exactly 14 digits")]),
    ({"pin": "1120519800001x"}, [("pin", "must be exactly 14 digits")]),
    ({"pin": "１１２０５１９８０００１７"}, [("pin", "must be exactly 14 digits")]),
    ({"birth_date": "1980-13-01"}, [("birth_date",
                                     "must be a date as YYYY-MM-DD or DD.MM.YYYY")]),
    ({"birth_date": "31.02.1980"}, [("birth_date",
                                     "must be a date as YYYY-MM-DD or DD.MM.YYYY")]),
    ({"birth_date": "12/05/1980"}, [("birth_date",
                                     "must be a date as YYYY-MM-DD or DD.MM.YYYY")]),
    ({"birth_date": "2027-01-11"}, [("birth_date", "2027-01-11 is not a plausible birth date")]),
    ({"birth_date": "1889-12-31"}, [("birth_date", "1889-12-31 is not a plausible birth date")]),
    ({"sex": "X"}, [("sex", "must be F or M")]),
    ({"citizenship": "KGZ"}, [("citizenship", "must be a two-letter ISO 3166 country code")]),
    ({"citizenship": "K1"}, [("citizenship", "must be a two-letter ISO 3166 country code")]),
    ({"region": "KG-XX"}, [("region", "is not a known region code")]),
    ({"region": "kg-gb"}, [("region", "is not a known region code")]),
    ({"biometrics": "maybe"}, [("biometrics", "must be 1 or 0 (or true/false, yes/no, да/нет)")]),
    ({"deceased": "2"}, [("deceased", "must be 1 or 0 (or true/false, yes/no, да/нет)")]),
    ({"incapable": "?"}, [("incapable", "must be 1 or 0 (or true/false, yes/no, да/нет)")]),
    ({"surname": "А" * 101}, [("surname", "is longer than 100 characters")]),
    ({"given_name": "А" * 101}, [("given_name", "is longer than 100 characters")]),
    ({"patronymic": "А" * 101}, [("patronymic", "is longer than 100 characters")]),
    ({"locality": "А" * 201}, [("locality", "is longer than 200 characters")]),
    ({"street": "А" * 201}, [("street", "is longer than 200 characters")]),
    ({"house": "1" * 41}, [("house", "is longer than 40 characters")]),
    ({"flat": "1" * 41}, [("flat", "is longer than 40 characters")]),
])
def test_a_bad_field_is_named(changes, expected):
    assert errors_of(**changes) == expected


@pytest.mark.parametrize("field", sorted(set(EXTRACT_COLUMNS) - importers.
                                         OPTIONAL_EXTRACT_COLUMNS))
def test_a_required_field_may_not_be_empty(field):
    assert errors_of(**{field: ""}) == [(field, "is required but empty")]


def test_the_longest_values_are_accepted():
    row, errors = parse(surname="А" * 100, given_name="Б" * 100, patronymic="В" * 100,
                        locality="Г" * 200, street="Д" * 200, house="1" * 40, flat="2" * 40)
    assert errors == []
    assert (len(row.surname), len(row.locality), len(row.house)) == (100, 200, 40)


def test_the_earliest_and_latest_birth_dates():
    assert parse(birth_date="1890-01-01")[1] == []
    assert parse(birth_date=TODAY.isoformat())[1] == []
    assert parse(birth_date="01.01.1890")[1] == []


def test_every_bad_field_of_a_row_is_named():
    assert errors_of(pin="123", sex="X", region="KG-XX", biometrics="?", flat="1" * 41) == [
        ("pin", "must be exactly 14 digits"), ("flat", "is longer than 40 characters"),
        ("sex", "must be F or M"), ("region", "is not a known region code"),
        ("biometrics", "must be 1 or 0 (or true/false, yes/no, да/нет)")]
    assert errors_of(surname="", locality="", deceased="") == [
        ("surname", "is required but empty"), ("locality", "is required but empty"),
        ("deceased", "is required but empty")]


@pytest.mark.parametrize("citizenship", ["КГ", "кг", "ÄB"])
def test_citizenship_must_be_latin_letters(citizenship):
    assert errors_of(citizenship=citizenship) == [
        ("citizenship", "must be a two-letter ISO 3166 country code")]


def test_parse_flag_and_birth_date():
    assert [parse_flag(v) for v in ("1", "0", "TRUE", "нет", "Ооба", "жок")] == [
        True, False, True, False, True, False]
    with pytest.raises(ValueError, match="must be 1 or 0"):
        parse_flag("2")
    assert parse_birth_date("1980-05-12") == parse_birth_date("12.05.1980") == date(1980, 5, 12)
    for bad in ("12.05", "1.2.3.4", "a.b.c", "1980/05/12", ""):
        with pytest.raises(ValueError, match="must be a date"):
            parse_birth_date(bad)


# --- the other source formats ---------------------------------------------------------------


def test_consular_date_and_pin_parsers():
    assert importers._iso_date("2027-01-05") == date(2027, 1, 5)
    with pytest.raises(FieldError) as exc:
        importers._iso_date("05.01.2027")
    assert (exc.value.field, exc.value.reason) == ("registered_on",
                                                   "must be a date as YYYY-MM-DD")
    assert importers._pin("11205198000017") == "11205198000017"
    with pytest.raises(ValueError, match="must be exactly 14 digits"):
        importers._pin("1120519800001")
