"""Geography use cases: imports (all or nothing, with a quality report), corrections, reads."""

import io

import pytest
from sqlalchemy import func, select

from shailoo.audit import service as audit
from shailoo.errors import Conflict, NotFound, RuleViolation
from shailoo.geography import service
from shailoo.geography.models import PollingStation, Region, TerritorialCommission
from shailoo.geography.schemas import StationUpdate
from shailoo.kit.importing import ImportRejected
from tests.factories import (
    COMMISSIONS_CSV,
    REGIONS_CSV,
    STATIONS_CSV,
    make_country,
    make_election,
)


def test_country_imports(session):
    make_country(session)
    assert [r.stations for r in service.public_regions_overview(session)] == [1, 3]
    assert [s.code for s in service.public_list_stations(session, query="ЁЛКИНО")] == ["2001"]


# --- imports: bad input is refused, named, and changes nothing ------------------------------

STATION_HEADER = STATIONS_CSV.splitlines()[0]


def snapshot(session):
    """Counts of every geography table and of the audit log."""
    tables = (Region, TerritorialCommission, PollingStation)
    return (*(session.execute(select(func.count()).select_from(t)).scalar() for t in tables),
            audit.count_records(session))


def import_stations(session, text, **kwargs):
    return service.import_stations(session, io.StringIO(text), "stations.csv", "test", **kwargs)


def rejected(call) -> list[tuple[int, str, str, str]]:
    with pytest.raises(ImportRejected) as exc:
        call()
    assert exc.value.code == "import.rejected"
    return [(e.line, e.field, e.reason, e.value) for e in exc.value.report.errors]


@pytest.fixture
def country(session):
    make_country(session)
    return session


def test_import_reports(session):
    r = service.import_regions(session, io.StringIO(REGIONS_CSV), "r.csv", "t")
    c = service.import_commissions(session, io.StringIO(COMMISSIONS_CSV), "c.csv", "t")
    s = import_stations(session, STATIONS_CSV)
    assert (r.rows_read, r.rows_accepted, c.rows_accepted, s.rows_read, s.rows_accepted) == (
        2, 2, 3, 5, 5)
    assert s.ok and s.quality == []
    station = service.public_get_station(session, "9001")
    assert station.model_dump() == {
        "code": "9001", "kind": "abroad", "tec": "ABROAD", "region": None,
        "name": "Участок при посольстве", "address": "Москва, ул. Большая Ордынка, 64",
        "locality": "Москва", "country": "RU", "city": "Москва", "latitude": 55.74,
        "longitude": 37.62, "planned_voters": 2000}


@pytest.mark.parametrize(("row", "line", "field", "reason_part"), [
    ("3001,ordinary,GB01,Школа,адрес,Бишкек,KG", 7, "(row)", "has 7 fields, the header has 11"),
    ("3001,ordinary,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,many", 7, "planned_voters",
     "valid integer"),
    ("3001,ordinary,GB01,Школа,адрес,Бишкек,KG,,north,74.6,10", 7, "latitude", "valid number"),
    ("3001,ordinary,GB01,Школа,адрес,Бишкек,KG,,95,74.6,10", 7, "latitude", "less than or equal"),
    ("3001,school,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,10", 7, "kind",
     "'ordinary', 'abroad', 'hospital' or 'detention'"),
    ("3001,ordinary,GB01,,адрес,Бишкек,KG,,42.8,74.6,10", 7, "name", "is required but empty"),
    ("30 01,ordinary,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,10", 7, "code", "match pattern"),
    ("3001,ordinary,GB01,Школа,адрес,Бишкек,kg,,42.8,74.6,10", 7, "country", "match pattern"),
    ("3001,ordinary,ZZ99,Школа,адрес,Бишкек,KG,,42.8,74.6,10", 7, "tec", "unknown commission"),
    ("1001,ordinary,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,10", 7, "code",
     "station code already exists"),
    ("9002,abroad,ABROAD,Посольство,адрес,Алматы,KZ,,43.2,76.9,10", 7, "kind",
     "an abroad station needs a city"),
    ("3001,ordinary,ABROAD,Школа,адрес,Бишкек,KG,,42.8,74.6,10", 7, "kind",
     "the commission for stations abroad holds only abroad stations"),
])
def test_a_bad_station_row_is_named_and_nothing_is_imported(country, row, line, field,
                                                            reason_part):
    before = snapshot(country)
    good = "\n".join(f"{n},ordinary,C07,Школа,адрес,с. Ак-Жол,KG,,42.8,74.4,10"
                     for n in (2101, 2102, 2103, 2104, 2105))
    errors = rejected(lambda: import_stations(country, f"{STATION_HEADER}\n{good}\n{row}\n"))
    assert len(errors) == 1, errors
    assert errors[0][:2] == (line, field)
    assert reason_part in errors[0][2]
    assert snapshot(country) == before
    assert service.public_list_stations(country, tec="C07") == [
        service.public_get_station(country, "2001")]


def test_every_bad_row_is_reported_in_one_pass(country):
    text = (f"{STATION_HEADER}\n"
            "3001,ordinary,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,10\n"
            "3002,ordinary,GB01,Школа,адрес,Бишкек,KG,,x,74.6,10\n"
            "3001,ordinary,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,10\n"
            "3003,ordinary,NOPE,Школа,адрес,Бишкек,KG,,42.8,74.6,10\n"
            "1002,ordinary,GB01,Школа,адрес,Бишкек,KG,,42.8,74.6,10\n")
    before = snapshot(country)
    with pytest.raises(ImportRejected) as exc:
        import_stations(country, text)
    errors = [(e.line, e.field, e.reason, e.value) for e in exc.value.report.errors]
    assert errors == [
        (3, "latitude", errors[0][2], "x"),
        (4, "code", "duplicate station code in this file", "3001"),
        (5, "tec", "unknown commission", "NOPE"),
        (6, "code", "station code already exists", "1002")]
    assert "4 bad row(s) in stations.csv, nothing was imported" in exc.value.message
    assert "stations.csv:4: code: duplicate station code in this file" in exc.value.message
    assert snapshot(country) == before


def test_a_missing_header_column_is_named(country):
    before = snapshot(country)
    header = STATION_HEADER.replace(",locality", "")
    errors = rejected(lambda: import_stations(
        country, f"{header}\n3001,ordinary,GB01,Школа,адрес,KG,,42.8,74.6,10\n"))
    assert errors == [(1, "locality", "required column is missing from the header", "")]
    assert snapshot(country) == before


def test_an_empty_station_file_is_refused(country):
    before = snapshot(country)
    assert rejected(lambda: import_stations(country, "")) == [
        (1, "(header)", "the file is empty", "")]
    assert snapshot(country) == before


def test_a_header_only_file_imports_nothing_but_is_audited(country):
    before = snapshot(country)
    report = import_stations(country, STATION_HEADER + "\n")
    assert (report.rows_read, report.rows_accepted) == (0, 0)
    assert snapshot(country)[:3] == before[:3]


def test_commission_with_an_unknown_region_is_refused(session):
    service.import_regions(session, io.StringIO(REGIONS_CSV), "r.csv", "t")
    before = snapshot(session)
    text = COMMISSIONS_CSV + "T01,KG-T,Талас,Талас,Talas,false\n"
    errors = rejected(lambda: service.import_commissions(session, io.StringIO(text), "c.csv",
                                                         "t"))
    assert errors == [(5, "region", "unknown region", "KG-T")]
    assert snapshot(session) == before


def test_commission_rules(session):
    service.import_regions(session, io.StringIO(REGIONS_CSV), "r.csv", "t")
    before = snapshot(session)
    text = ("code,region,name_ky,name_ru,name_en,abroad\n"
            "GB01,KG-GB,a,b,c,false\n"
            "GB01,KG-GB,a,b,c,false\n"
            "X1,,a,b,c,false\n"
            "X2,KG-GB,a,b,c,maybe\n"
            "X3,kg-gb,a,b,c,false\n"
            "X4,KG-GB,a,b,c,true\n")
    errors = rejected(lambda: service.import_commissions(session, io.StringIO(text), "c.csv",
                                                         "t"))
    assert [(line, field) for line, field, _, _ in errors] == [
        (3, "code"), (4, "region"), (5, "abroad"), (6, "region"), (7, "region")]
    assert errors[4][2] == "a commission for abroad has no region"
    assert errors[0][2] == "duplicate commission code"
    assert errors[1][2] == "is required unless the commission is for abroad"
    assert snapshot(session) == before


def test_an_existing_commission_is_refused(country):
    before = snapshot(country)
    errors = rejected(lambda: service.import_commissions(
        country, io.StringIO(COMMISSIONS_CSV), "c.csv", "t"))
    assert [(e[0], e[1], e[2]) for e in errors] == [
        (2, "code", "duplicate commission code"), (3, "code", "duplicate commission code"),
        (4, "code", "duplicate commission code")]
    assert snapshot(country) == before


def test_region_rules(session):
    text = ("code,kind,name_ky,name_ru,name_en,center_lat,center_lon,radius_km\n"
            "KG-GB,city,a,b,c,42.8,74.6,15\n"
            "KG-GB,city,a,b,c,42.8,74.6,15\n"
            "KG-X,province,a,b,c,,,\n"
            "KGX,oblast,a,b,c,,,\n"
            "KG-Y,oblast,a,b,c,42,77,-5\n")
    errors = rejected(lambda: service.import_regions(session, io.StringIO(text), "r.csv", "t"))
    assert [(line, field) for line, field, _, _ in errors] == [
        (3, "code"), (4, "kind"), (5, "code"), (6, "radius_km")]
    assert snapshot(session) == (0, 0, 0, 0)
    service.import_regions(session, io.StringIO(REGIONS_CSV), "r.csv", "t")
    errors = rejected(lambda: service.import_regions(session, io.StringIO(REGIONS_CSV),
                                                     "r.csv", "t"))
    assert [e[:3] for e in errors] == [(2, "code", "duplicate region code"),
                                       (3, "code", "duplicate region code")]


# --- the data-quality report ------------------------------------------------------------------


def test_quality_findings_are_reported_not_refused(country):
    text = (f"{STATION_HEADER}\n"
            "3001,ordinary,GB01,Без координат,адрес,Бишкек,KG,,,,100\n"
            "3002,ordinary,GB01,В Оше,адрес,Бишкек,KG,,40.53,72.8,100\n"
            "3003,ordinary,GB01,На месте,адрес,Бишкек,KG,,42.87,74.59,100\n"
            "3004,ordinary,C07,Далеко от Чуя,адрес,с. Ак-Жол,KG,,39.5,69.0,100\n"
            "9002,abroad,ABROAD,Токио,адрес,Токио,JP,Токио,,,100\n")
    report = import_stations(country, text)
    assert report.ok
    assert report.rows_accepted == 5
    assert [(q.kind, q.line, q.record) for q in report.quality] == [
        ("no_coordinates", 2, "3001"), ("far_outside_region", 3, "3002"),
        ("far_outside_region", 5, "3004"), ("no_coordinates", 6, "9002")]
    assert report.quality[1].detail.startswith("3")
    assert report.quality[1].detail.endswith("km from the centre of KG-GB (region radius 15 km)")
    assert "(region radius 170 km)" in report.quality[2].detail
    assert [s.code for s in service.public_list_stations(country, tec="GB01")] == [
        "1001", "1002", "1003", "3001", "3002", "3003"]
    assert audit.list_records(country, limit=1)[0].change["quality_findings"] == 4
    assert report.to_dict()["quality"][0] == {
        "kind": "no_coordinates", "line": 2, "record": "3001",
        "detail": "station has no coordinates"}


def test_update_existing_replaces_stored_stations(country):
    before = snapshot(country)
    text = (f"{STATION_HEADER}\n"
            "1001,ordinary,GB01,Школа-гимназия № 5,новый адрес,Бишкек,KG,,42.871,74.591,1600\n"
            "3001,ordinary,GB01,Новая школа,адрес,Бишкек,KG,,42.87,74.6,900\n")
    report = import_stations(country, text, update_existing=True)
    assert report.rows_accepted == 2
    s = service.public_get_station(country, "1001")
    assert (s.name, s.address, s.latitude, s.planned_voters) == (
        "Школа-гимназия № 5", "новый адрес", 42.871, 1600)
    assert snapshot(country) == (before[0], before[1], before[2] + 1, before[3] + 1)
    assert [s.code for s in service.public_list_stations(country, query="гимназия")] == [
        "1001", "1002"]


# --- corrections ---------------------------------------------------------------------------


def test_update_station(country):
    s = service.update_station(country, "user:tec", "1003",
                               StationUpdate(name="Больница № 4", planned_voters=350))
    assert (s.name, s.planned_voters, s.address) == ("Больница № 4", 350,
                                                     "г. Бишкек, ул. Ахунбаева, 90")
    assert [x.code for x in service.public_list_stations(country, query="больница 4")] == ["1003"]
    record = audit.list_records(country, limit=1)[0]
    assert record.change == {"before": {"name": "Больница", "planned_voters": 300},
                             "after": {"name": "Больница № 4", "planned_voters": 350}}


@pytest.mark.parametrize(("code", "change", "error", "error_code"), [
    ("1001", StationUpdate(), RuleViolation, "geography.nothing_to_change"),
    ("1001", StationUpdate(latitude=42.0), RuleViolation, "geography.coordinates_incomplete"),
    ("4242", StationUpdate(name="x"), NotFound, "geography.station_not_found"),
])
def test_update_station_refusals_change_nothing(country, code, change, error, error_code):
    before = snapshot(country)
    with pytest.raises(error) as exc:
        service.update_station(country, "user:tec", code, change)
    assert exc.value.code == error_code
    assert snapshot(country) == before
    assert service.public_get_station(country, "1001").latitude == 42.87


# --- reading --------------------------------------------------------------------------------


def test_listing_filters_and_paging(country):
    codes = lambda **kw: [s.code for s in service.public_list_stations(country, **kw)]  # noqa: E731
    assert codes() == ["1001", "1002", "1003", "2001", "9001"]
    assert codes(tec="GB01") == ["1001", "1002", "1003"]
    assert codes(region="KG-C") == ["2001"]
    assert codes(limit=2, offset=1) == ["1002", "1003"]
    assert codes(query="токтогула") == ["1001"]
    assert codes(query="омурбекова") == ["1002"]  # typed without Kyrgyz letters
    assert codes(query="Бишкек школа") == ["1001"]
    assert codes(query="100%") == []
    assert codes(query="москва") == ["9001"]


def test_overview_and_commissions(country):
    assert [(r.code, r.commissions, r.stations) for r in service.public_regions_overview(
        country)] == [("KG-C", 1, 1), ("KG-GB", 1, 3)]
    assert service.public_get_region(country, "KG-GB").name_en == "Bishkek City"
    assert [(c.code, c.stations, c.abroad) for c in service.public_list_commissions(country)] == [
        ("ABROAD", 1, True), ("C07", 1, False), ("GB01", 3, False)]
    assert [c.code for c in service.public_list_commissions(country, abroad=False)] == [
        "C07", "GB01"]
    assert [c.code for c in service.public_list_commissions(country, region="KG-C")] == ["C07"]
    assert service.public_get_commission(country, "ABROAD").region is None
    for call, code in ((lambda: service.public_get_region(country, "KG-Z"),
                        "geography.region_not_found"),
                       (lambda: service.public_get_commission(country, "Z"),
                        "geography.commission_not_found"),
                       (lambda: service.public_get_station(country, "Z"),
                        "geography.station_not_found")):
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.code == code


def test_exports_round_trip(country, session):
    out = io.StringIO()
    assert service.export_stations(country, out) == 5
    lines = out.getvalue().splitlines()
    assert lines[0] == ("code,kind,tec,region,name,address,locality,country,city,latitude,"
                        "longitude,planned_voters")
    assert lines[1] == ('1001,ordinary,GB01,KG-GB,Средняя школа № 5,'
                        '"г. Бишкек, ул. Токтогула, 125",Бишкек,KG,,42.87,74.59,1500')
    regions, commissions = io.StringIO(), io.StringIO()
    assert service.export_regions(country, regions) == 2
    assert service.export_commissions(country, commissions) == 3
    assert commissions.getvalue().splitlines()[1] == (
        "ABROAD,,Чет өлкөлөрдөгү участкалар,Участки за рубежом,Stations abroad,true")
    assert regions.getvalue().splitlines()[1] == (
        "KG-C,oblast,Чүй облусу,Чуйская область,Chui Region,42.7,74.4,170.0")


def test_sort_by_name_is_kyrgyz_alphabetical(country):
    commissions = service.public_list_commissions(country)
    assert [c.name_ky for c in service.sort_by_name(commissions, "name_ky")] == [
        "Ленин району", "Сокулук району", "Чет өлкөлөрдөгү участкалар"]


# --- districts ------------------------------------------------------------------------------


def test_districts_and_station_paths(country):
    e = make_election(country)
    ids = service.create_districts(country, "t", e.id, [
        (1, "Биринчи", "Первый", "First", "KG-GB", ["1001", "1002"]),
        (2, "Экинчи", "Второй", "Second", "KG-C", ["2001"])])
    assert [(d["number"], d["stations"], d["region"]) for d in service.public_list_districts(
        country, e.id)] == [(1, 2, "KG-GB"), (2, 1, "KG-C")]
    assert service.station_path(country, "1002").district_ids == frozenset({ids[0]})
    assert service.station_path(country, "9001").district_ids == frozenset()


@pytest.mark.parametrize(("districts", "error", "code"), [
    ([(1, "a", "b", "c", None, ["9001"])], RuleViolation,
     "geography.abroad_station_in_district"),
    ([(1, "a", "b", "c", "KG-GB", ["1001"]), (2, "a", "b", "c", "KG-GB", ["1001"])],
     RuleViolation, "geography.station_in_two_districts"),
    ([(1, "a", "b", "c", "KG-GB", ["7777"])], NotFound, "geography.station_not_found"),
    ([(1, "a", "b", "c", "KG-GB", ["1001", "2001"])], RuleViolation,
     "geography.station_outside_district_region"),
])
def test_district_refusals_change_nothing(country, districts, error, code):
    e = make_election(country)
    before = snapshot(country)
    with pytest.raises(error) as exc:
        service.create_districts(country, "t", e.id, districts)
    assert exc.value.code == code
    assert service.public_list_districts(country, e.id) == []
    assert snapshot(country) == before


def test_a_station_already_in_a_district_or_a_number_reused_is_refused(country):
    e = make_election(country)
    service.create_districts(country, "t", e.id, [(1, "a", "b", "c", "KG-GB", ["1001"])])
    before = snapshot(country)
    with pytest.raises(RuleViolation) as exc:
        service.create_districts(country, "t", e.id, [(2, "a", "b", "c", "KG-GB", ["1001"])])
    assert exc.value.code == "geography.station_in_two_districts"
    with pytest.raises(Conflict) as exc:
        service.create_districts(country, "t", e.id, [(1, "a", "b", "c", "KG-GB", ["1002"])])
    assert exc.value.code == "geography.duplicate_district_number"
    assert snapshot(country) == before
    assert len(service.public_list_districts(country, e.id)) == 1
    # another election may use the same station and number
    other = make_election(country, code="parliament-2032")
    service.create_districts(country, "t", other.id, [(1, "a", "b", "c", "KG-GB", ["1001"])])
