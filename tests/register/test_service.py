"""Register use cases: extract imports (all or nothing, with their difference), the address
table, consular registrations, the assignment report and scoped reads of persons."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from shailoo.audit import service as audit
from shailoo.auth.rules import Scope
from shailoo.errors import NotFound
from shailoo.kit.importing import ImportRejected
from shailoo.register import extract, lists, service
from shailoo.register.importers import EXTRACT_COLUMNS
from shailoo.register.models import (
    AddressStation,
    ConsularRegistration,
    Person,
    RegisterChange,
    RegisterImport,
)
from shailoo.register.scope import NATIONWIDE, VoterScope
from shailoo.types import ScopeKind
from tests.factories import make_country
from tests.register.factories import (
    ACTOR,
    ADDRESSES_CSV,
    TODAY,
    extract_csv,
    import_addresses,
    import_rows,
    make_pin,
    stored_persons,
    voter,
)


def first_rows() -> list[dict[str, str]]:
    """Six persons: one per way of matching an address, and one matching nothing."""
    return [
        voter(1, "Асанова", "Жылдыз", "Бакытовна"),  # Токтогула 10: the street, 1001
        voter(2, "Орозов", "Бакыт", sex="M", born=date(1975, 1, 1), locality="г. Бишкек",
              street="ул. Токтогула", house="125"),  # the house, 1002
        voter(3, "Өмүров", "Нурлан", sex="M", born=date(1990, 3, 3), street="Өмүрбекова",
              house="7"),  # 1002
        voter(4, "Пак", "Ирина", born=date(1985, 7, 7), street="Ахунбаева", house="90"),  # 1003
        voter(5, "Ли", "Анна", born=date(1970, 1, 20), region="KG-C", locality="с. Ёлкино",
              street="Мира", house="3"),  # the locality, 2001
        voter(6, "Усенов", "Марат", sex="M", born=date(1960, 6, 6), street="Неизвестная",
              house="1"),  # no station
    ]


@pytest.fixture
def country(session):
    make_country(session)
    import_addresses(session)
    return session


def counts(session) -> tuple[int, int, int]:
    return (session.execute(select(func.count()).select_from(Person)).scalar_one(),
            session.execute(select(func.count()).select_from(RegisterImport)).scalar_one(),
            audit.count_records(session))


def rejected(call) -> list[tuple[str, int, str, str, str]]:
    with pytest.raises(ImportRejected) as exc:
        call()
    assert exc.value.code == "import.rejected"
    return [(e.source, e.line, e.field, e.reason, e.value) for e in exc.value.report.errors]


# --- the first extract ----------------------------------------------------------------------


def test_first_import(country):
    rows = first_rows()
    outcome = import_rows(country, rows)
    assert (outcome.added, outcome.changed, outcome.moved, outcome.removed) == (6, 0, 0, 0)
    assert (outcome.report.rows_read, outcome.report.rows_accepted) == (6, 6)
    assert outcome.address_outcomes == {"matched": 5, "none": 1}
    assert outcome.warnings == {"address_none": 1}
    homes = {p.pin: p.home_station for p in country.execute(select(Person)).scalars()}
    assert [homes[r["pin"]] for r in rows] == ["1001", "1002", "1002", "1003", "2001", None]
    assert service.public_import_stations(country, outcome.import_id) == [
        {"station": None, "added": 1, "removed": 0, "moved_in": 0, "moved_out": 0, "changed": 0},
        {"station": "1001", "added": 1, "removed": 0, "moved_in": 0, "moved_out": 0,
         "changed": 0},
        {"station": "1002", "added": 2, "removed": 0, "moved_in": 0, "moved_out": 0,
         "changed": 0},
        {"station": "1003", "added": 1, "removed": 0, "moved_in": 0, "moved_out": 0,
         "changed": 0},
        {"station": "2001", "added": 1, "removed": 0, "moved_in": 0, "moved_out": 0,
         "changed": 0}]
    assert stored_persons(country) == {r["pin"]: r for r in rows}
    [published] = service.public_imports(country)
    assert {k: published[k] for k in ("id", "source", "rows", "added", "warnings")} == {
        "id": outcome.import_id, "source": "extract.csv", "rows": 6, "added": 6, "warnings": 1}
    assert published["sha256"] == __import__("hashlib").sha256(
        extract_csv(rows).encode()).hexdigest()


def test_the_import_is_audited(country):
    before = audit.count_records(country)
    outcome = import_rows(country, first_rows())
    assert audit.count_records(country) == before + 1
    [record] = audit.list_records(country, limit=1)
    assert (record.actor, record.action, record.object_type, record.object_id) == (
        ACTOR, "register.extract_imported", "register_import", str(outcome.import_id))
    assert {k: record.change[k] for k in ("source", "rows", "added", "changed", "moved",
                                          "removed", "warnings")} == {
        "source": "extract.csv", "rows": 6, "added": 6, "changed": 0, "moved": 0,
        "removed": 0, "warnings": {"address_none": 1}}
    assert audit.verify(country).intact


def test_an_unknown_import_is_not_found(country):
    with pytest.raises(NotFound):
        service.public_import_stations(country, 999)


# --- bad files change nothing ---------------------------------------------------------------


def test_a_bad_row_anywhere_rejects_the_whole_file(country, monkeypatch):
    monkeypatch.setattr(extract, "BATCH_ROWS", 2)  # good rows reach the database first
    rows = first_rows()
    rows[4]["sex"] = "X"
    before = counts(country)
    assert rejected(lambda: import_rows(country, rows, "bad.csv")) == [
        ("bad.csv", 6, "sex", "must be F or M", "X")]
    assert counts(country) == before == (0, 0, before[2])


def test_every_bad_row_is_reported_with_line_field_and_reason(country):
    rows = first_rows()
    rows[0]["pin"] = "123"
    rows[2]["birth_date"] = "31.02.1990"
    rows[2]["region"] = "KG-XX"
    rows[5]["deceased"] = "maybe"
    assert rejected(lambda: import_rows(country, rows, "bad.csv")) == [
        ("bad.csv", 2, "pin", "must be exactly 14 digits", "123"),
        ("bad.csv", 4, "birth_date", "must be a date as YYYY-MM-DD or DD.MM.YYYY",
         "31.02.1990"),
        ("bad.csv", 4, "region", "is not a known region code", "KG-XX"),
        ("bad.csv", 7, "deceased", "must be 1 or 0 (or true/false, yes/no, да/нет)", "maybe")]


def test_a_rejected_reimport_keeps_the_register(country):
    rows = first_rows()
    import_rows(country, rows)
    before, persons = counts(country), stored_persons(country)
    changed = [dict(r, surname="Другая") for r in rows]
    changed[3]["birth_date"] = "2030-01-01"
    assert rejected(lambda: import_rows(country, changed, "bad.csv")) == [
        ("bad.csv", 5, "birth_date", "2030-01-01 is not a plausible birth date",
         "2030-01-01")]
    assert counts(country) == before
    assert stored_persons(country) == persons


def test_a_missing_header_column(country):
    text = extract_csv(first_rows(), [c for c in EXTRACT_COLUMNS if c != "incapable"])
    assert rejected(lambda: service.import_extract(country, io.StringIO(text), "x.csv", ACTOR,
                                                   TODAY)) == [
        ("x.csv", 1, "incapable", "required column is missing from the header", "")]
    assert counts(country)[:2] == (0, 0)


def test_columns_in_another_order_and_a_byte_order_mark(country):
    rows = first_rows()
    text = "\ufeff" + extract_csv(rows, list(reversed(EXTRACT_COLUMNS)))
    outcome = service.import_extract(country, io.StringIO(text), "x.csv", ACTOR, TODAY)
    assert outcome.added == 6
    assert stored_persons(country) == {r["pin"]: r for r in rows}


def test_a_row_with_too_few_fields_and_an_empty_file(country):
    text = extract_csv(first_rows()[:2]) + "1,2,3\n"
    assert rejected(lambda: service.import_extract(country, io.StringIO(text), "x.csv", ACTOR,
                                                   TODAY)) == [
        ("x.csv", 4, "(row)", "has 3 fields, the header has 15", "")]
    assert rejected(lambda: service.import_extract(country, io.StringIO(""), "e.csv", ACTOR,
                                                   TODAY)) == [
        ("e.csv", 1, "(header)", "the file is empty", "")]


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(country):
    rows = first_rows()
    rows[0]["street"] = "Токтогула\nкөчөсү"  # a quoted value spanning two lines
    rows[1]["sex"] = "?"
    text = extract_csv(rows[:1]) + "\n" + extract_csv(rows[1:2]).split("\n", 1)[1]
    assert rejected(lambda: service.import_extract(country, io.StringIO(text), "x.csv", ACTOR,
                                                   TODAY)) == [
        ("x.csv", 5, "sex", "must be F or M", "?")]


def test_the_same_pin_twice_names_both_lines(country):
    rows = first_rows()
    rows[4]["pin"] = rows[1]["pin"]
    pin = rows[1]["pin"]
    assert rejected(lambda: import_rows(country, rows, "dup.csv")) == [
        ("dup.csv", 6, "pin", "the same PIN is on 2 lines (first on line 3)", pin)]
    assert counts(country)[:2] == (0, 0)


def test_the_same_pin_twice_in_a_reimport(country):
    rows = first_rows()
    import_rows(country, rows)
    before, persons = counts(country), stored_persons(country)
    again = [*rows, dict(rows[0], surname="Двойник")]
    assert rejected(lambda: import_rows(country, again, "dup.csv")) == [
        ("dup.csv", 8, "pin", "the same PIN is on 2 lines (first on line 2)", rows[0]["pin"])]
    assert counts(country) == before
    assert stored_persons(country) == persons


# --- later extracts: the difference ---------------------------------------------------------


def test_a_changed_extract_gives_its_exact_difference(country):
    rows = first_rows()
    import_rows(country, rows)
    new = [dict(r) for r in rows[:5]]  # the 6th person (no station) is removed
    new[0]["flat"] = "12"  # changed, same station 1001
    new[1]["house"] = "5"  # moved: Токтогула 5 is 1001, not 1002
    new[3]["street"], new[3]["house"] = "Өмүрбекова", "1"  # moved 1003 -> 1002
    new.append(voter(7, "Жумабаев", "Азамат", sex="M", born=date(2000, 8, 8),
                     region="KG-C", locality="Ёлкино", street="", house=""))  # added, 2001
    new.append(voter(8, "Токтосунова", "Айгүл", born=date(1999, 9, 9)))  # added, 1001
    outcome = import_rows(country, new, "second.csv")
    assert (outcome.added, outcome.changed, outcome.moved, outcome.removed) == (2, 1, 2, 1)
    assert stored_persons(country) == {r["pin"]: r for r in new}
    assert service.public_import_stations(country, outcome.import_id) == [
        {"station": None, "added": 0, "removed": 1, "moved_in": 0, "moved_out": 0,
         "changed": 0},
        {"station": "1001", "added": 1, "removed": 0, "moved_in": 1, "moved_out": 0,
         "changed": 1},
        {"station": "1002", "added": 0, "removed": 0, "moved_in": 1, "moved_out": 1,
         "changed": 0},
        {"station": "1003", "added": 0, "removed": 0, "moved_in": 0, "moved_out": 1,
         "changed": 0},
        {"station": "2001", "added": 1, "removed": 0, "moved_in": 0, "moved_out": 0,
         "changed": 0}]
    changes = {(c.pin, c.kind, c.old_station, c.new_station) for c in country.execute(
        select(RegisterChange).where(RegisterChange.import_id == outcome.import_id)).scalars()}
    assert changes == {
        (rows[5]["pin"], "removed", None, None), (rows[0]["pin"], "changed", "1001", "1001"),
        (rows[1]["pin"], "moved", "1002", "1001"), (rows[3]["pin"], "moved", "1003", "1002"),
        (new[5]["pin"], "added", None, "2001"), (new[6]["pin"], "added", None, "1001")}
    homes = {p.pin: p.home_station for p in country.execute(select(Person)).scalars()}
    assert homes[rows[1]["pin"]] == "1001" and homes[rows[3]["pin"]] == "1002"
    assert [i["id"] for i in service.public_imports(country)] == [outcome.import_id,
                                                                  outcome.import_id - 1]


def test_an_identical_reimport_changes_nothing(country):
    rows = first_rows()
    import_rows(country, rows)
    outcome = import_rows(country, rows, "again.csv")
    assert (outcome.added, outcome.changed, outcome.moved, outcome.removed) == (0, 0, 0, 0)
    assert service.public_import_stations(country, outcome.import_id) == []
    assert stored_persons(country) == {r["pin"]: r for r in rows}


def test_the_same_register_in_other_spellings_changes_nothing(country):
    rows = first_rows()
    import_rows(country, rows)
    respelled = []
    for r in rows:
        born = date.fromisoformat(r["birth_date"])
        respelled.append(dict(r, sex={"F": "female", "M": "male"}[r["sex"]],
                              birth_date=f"{born:%d.%m.%Y}", biometrics="да",
                              citizenship=r["citizenship"].lower()))
    outcome = import_rows(country, respelled, "respelled.csv")
    assert (outcome.added, outcome.changed, outcome.moved, outcome.removed) == (0, 0, 0, 0)


def test_an_extract_can_empty_the_register(country):
    import_rows(country, first_rows())
    outcome = import_rows(country, [], "empty.csv")
    assert (outcome.added, outcome.removed) == (0, 6)
    assert stored_persons(country) == {}


# --- the data-quality report ----------------------------------------------------------------


def test_pin_structure_and_address_warnings(country):
    rows = first_rows()
    born = date(1980, 5, 12)
    rows[0]["pin"] = make_pin("M", born, 1)  # the sex digit says M, the record says F
    rows[3]["pin"] = make_pin("F", date(1985, 7, 8), 4)  # not the birth date
    outcome = import_rows(country, rows)
    assert outcome.added == 6  # warnings do not reject anything
    assert outcome.warnings == {"pin_structure": 2, "address_none": 1}
    assert [(q.kind, q.line, q.record) for q in outcome.report.quality] == [
        ("pin_structure", 2, rows[0]["pin"]), ("pin_structure", 5, rows[3]["pin"]),
        ("address_none", 7, rows[5]["pin"])]
    assert outcome.report.quality[0].detail == "first digit 2 says sex M, the record says F"
    assert outcome.report.quality[1].detail == (
        "digits 2-9 (08071985) are not the birth date 07071985")
    assert outcome.report.quality[2].detail == "the address matches no station"
    assert service.public_imports(country)[0]["warnings"] == 3


# --- the address-to-station table -----------------------------------------------------------


AMBIGUOUS_TABLE = ADDRESSES_CSV.replace("KG-GB,Бишкек,Ахунбаева,,1003\n", "") + (
    "KG-GB,Бишкек,Неизвестная,,1003\n"
    "KG-GB,Бишкек,ул. Өмүрбекова,7,1001\n"
    "KG-GB,г. Бишкек,Өмүрбекова көчөсү,7,1003\n")


def test_the_address_table_reports_ambiguous_lines(session):
    make_country(session)
    before = audit.count_records(session)
    report = import_addresses(session, AMBIGUOUS_TABLE, "new.csv")
    assert (report.rows_read, report.rows_accepted) == (7, 7)
    assert [(q.kind, q.line, q.record, q.detail) for q in report.quality] == [
        ("address_several", 8, "KG-GB|бишкек|омурбекова|7",
         "also assigned to station 1001 (voters there get no station)")]
    assert audit.count_records(session) == before + 1
    [record] = audit.list_records(session, limit=1)
    assert (record.action, record.object_id, record.change) == (
        "register.address_table_imported", "new.csv",
        {"rows": 7, "persons_moved": 0, "ambiguous": 1})
    assert service.export_address_table(session)[-1] == [
        "KG-GB", "г. Бишкек", "Өмүрбекова көчөсү", "7", "1003"]
    rows = first_rows()
    outcome = import_rows(session, rows)
    assert outcome.address_outcomes == {"matched": 4, "several": 1, "none": 1}
    assert outcome.warnings == {"address_several": 1, "address_none": 1}
    persons = {p.pin: (p.home_station, p.address_match)
               for p in session.execute(select(Person)).scalars()}
    assert [persons[r["pin"]] for r in rows] == [
        ("1001", "matched"), ("1002", "matched"), (None, "several"), (None, "none"),
        ("2001", "matched"), ("1003", "matched")]


def test_the_address_table_reassigns_stations(country):
    rows = first_rows()
    import_rows(country, rows)
    report = import_addresses(country, AMBIGUOUS_TABLE, "new.csv")
    assert report.rows_accepted == 7
    persons = {p.pin: (p.home_station, p.address_match)
               for p in country.execute(select(Person)
                                        .execution_options(populate_existing=True)).scalars()}
    assert [persons[r["pin"]] for r in rows] == [
        ("1001", "matched"), ("1002", "matched"), (None, "several"), (None, "none"),
        ("2001", "matched"), ("1003", "matched")]
    [record] = audit.list_records(country, limit=1)
    assert record.change == {"rows": 7, "persons_moved": 3, "ambiguous": 1}


def test_a_new_address_table_keeps_built_lists_current(country):
    from tests.factories import make_election

    rows = first_rows()
    import_rows(country, rows)
    election = make_election(country).id
    lists.build_lists(country, ACTOR, election)
    import_addresses(country, AMBIGUOUS_TABLE, "new.csv", today=TODAY)
    where = {r["surname"]: lists.list_station_of(country, election, r["pin"]) for r in rows}
    assert where == {"Асанова": ("1001", None), "Орозов": ("1002", None),
                     "Өмүров": (None, "no_station"), "Пак": (None, "no_station"),
                     "Ли": ("2001", None), "Усенов": ("1003", None)}
    assert lists.eligibility_counts(country, election) == {"listed": 4, "no_station": 2}


def test_a_bad_address_table_changes_nothing(country):
    table = ADDRESSES_CSV + "KG-XX,Ош,Ленина,,1001\nKG-GB,Бишкек,Манаса,,7777\n"
    before = service.export_address_table(country)
    assert rejected(lambda: import_addresses(country, table, "bad.csv")) == [
        ("bad.csv", 7, "region", "unknown region", "KG-XX"),
        ("bad.csv", 8, "station", "unknown station", "7777")]
    assert service.export_address_table(country) == before
    assert country.execute(select(func.count()).select_from(AddressStation)).scalar_one() == 5


def test_assignment_report(country):
    rows = first_rows()
    rows.append(voter(7, "Беков", "Улан", sex="M", born=date(1991, 1, 1),
                      street="Неизвестная", house="1"))
    import_rows(country, rows)
    report = service.assignment_report(country, capacity=1)
    assert report == {
        "outcomes": {"matched": 5, "none": 2},
        "addresses": [{"outcome": "none", "region": "KG-GB", "locality": "Бишкек",
                       "street": "Неизвестная", "house": "1", "persons": 2}],
        "capacity": 1,
        "over_capacity": [{"station": "1002", "persons": 2}]}
    assert service.assignment_report(country, capacity=2)["over_capacity"] == []


# --- voters abroad --------------------------------------------------------------------------


def test_register_abroad(country):
    rows = first_rows()
    import_rows(country, rows)
    pin = rows[0]["pin"]
    service.register_abroad(country, ACTOR, pin, "9001", "Consulate, Moscow", TODAY)
    saved = country.get(ConsularRegistration, pin)
    assert (saved.station_code, saved.office, saved.registered_on, saved.actor) == (
        "9001", "Consulate, Moscow", TODAY, ACTOR)
    [record] = audit.list_records(country, limit=1)
    assert (record.action, record.object_id, record.change) == (
        "register.abroad_registered", pin, {"station": "9001", "before": None,
                                            "office": "Consulate, Moscow",
                                            "registered_on": "2027-01-10"})
    assert service.get_person(country, NATIONWIDE, pin)["abroad_station"] == "9001"
    with pytest.raises(NotFound) as exc:
        service.register_abroad(country, ACTOR, pin, "1001", "Consulate", TODAY)
    assert exc.value.code == "register.not_an_abroad_station"
    with pytest.raises(NotFound) as exc:
        service.register_abroad(country, ACTOR, make_pin("F", date(1980, 1, 1), 99), "9001",
                                "Consulate", TODAY)
    assert exc.value.code == "register.person_not_found"
    assert country.get(ConsularRegistration, pin).station_code == "9001"


def consular_csv(*lines: str) -> io.StringIO:
    return io.StringIO("pin,station,office,registered_on\n" + "".join(f"{x}\n" for x in lines))


def test_import_consular(country):
    rows = first_rows()
    import_rows(country, rows)
    a, b = rows[0]["pin"], rows[1]["pin"]
    report = service.import_consular(country, consular_csv(
        f"{a},9001,Consulate Moscow,2027-01-05", f"{b},9001,Mobile group,2027-01-06"),
        "consular.csv", ACTOR, TODAY)
    assert (report.rows_read, report.rows_accepted) == (2, 2)
    assert {p.pin: p.station_code for p in country.execute(
        select(ConsularRegistration)).scalars()} == {a: "9001", b: "9001"}


def test_consular_registrations_only_to_stations_abroad(country):
    rows = first_rows()
    import_rows(country, rows)
    a, b = rows[0]["pin"], rows[1]["pin"]
    unknown = make_pin("M", date(1980, 1, 1), 99)
    assert rejected(lambda: service.import_consular(country, consular_csv(
        f"{a},9001,Consulate Moscow,2027-01-05",
        f"{b},1001,Consulate Moscow,2027-01-05",
        f"{unknown},9001,Consulate Moscow,2027-01-05",
        "123,9001,Consulate Moscow,2027-01-05",
        f"{a},9001,Consulate Moscow,05.01.2027"), "c.csv", ACTOR, TODAY)) == [
        ("c.csv", 3, "station", "is not a station abroad", "1001"),
        ("c.csv", 4, "pin", "no such person in the register", unknown),
        ("c.csv", 5, "pin", "must be exactly 14 digits", "123"),
        ("c.csv", 6, "registered_on", "must be a date as YYYY-MM-DD", "05.01.2027")]
    assert country.execute(select(func.count()).select_from(ConsularRegistration)
                           ).scalar_one() == 0


# --- scoped reads ---------------------------------------------------------------------------


def test_get_person_within_a_scope(country):
    rows = first_rows()
    import_rows(country, rows)
    pin = rows[0]["pin"]
    person = service.get_person(country, NATIONWIDE, pin)
    assert person == {
        "pin": pin, "surname": "Асанова", "given_name": "Жылдыз", "patronymic": "Бакытовна",
        "birth_date": "1980-05-12", "sex": "F", "citizenship": "KG", "region": "KG-GB",
        "locality": "Бишкек", "street": "Токтогула", "house": "10", "flat": None,
        "has_biometrics": True, "deceased": False, "incapable": False,
        "home_station": "1001", "address_match": "matched", "abroad_station": None}
    assert service.get_person(country, VoterScope(frozenset({"1001"})), pin)["pin"] == pin


def test_a_person_outside_the_scope_is_answered_like_an_unknown_pin(country):
    rows = first_rows()
    import_rows(country, rows)
    hidden, unknown = rows[0]["pin"], make_pin("F", date(1980, 5, 12), 999)
    bishkek_elsewhere = VoterScope(frozenset({"1002", "1003"}))
    answers = []
    for pin in (hidden, unknown):
        with pytest.raises(NotFound) as exc:
            service.get_person(country, bishkek_elsewhere, pin)
        answers.append((type(exc.value), exc.value.code,
                        exc.value.message.replace(pin, "PIN"), exc.value.details))
    assert answers[0] == answers[1]
    assert answers[0][1] == "register.person_not_found"
    with pytest.raises(NotFound):  # a person with no station is seen nationwide only
        service.get_person(country, VoterScope(frozenset({"1001", "1002", "1003", "2001"})),
                           rows[5]["pin"])


def test_voter_scope_of_a_territory(country):
    assert service.voter_scope(country, Scope(ScopeKind.NATION)) == NATIONWIDE
    assert service.voter_scope(country, Scope(ScopeKind.REGION, "KG-GB")) == VoterScope(
        frozenset({"1001", "1002", "1003"}))
    assert service.voter_scope(country, Scope(ScopeKind.STATION, "9001")) == VoterScope(
        frozenset({"9001"}))


def test_a_voter_on_a_list_abroad_is_seen_by_that_station(country):
    from tests.factories import make_election

    rows = first_rows()
    import_rows(country, rows)
    election = make_election(country)
    pin = rows[0]["pin"]
    service.register_abroad(country, ACTOR, pin, "9001", "Consulate", TODAY)
    lists.build_lists(country, ACTOR, election.id)
    assert service.get_person(country, VoterScope(frozenset({"9001"})), pin)["pin"] == pin
