"""Geography use cases: imports, exports, listings, search and station corrections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.errors import Conflict, NotFound, RuleViolation
from shailoo.geography.importers import (
    COMMISSION_EXPORT_HEADER,
    COMMISSION_SPEC,
    REGION_EXPORT_HEADER,
    REGION_SPEC,
    STATION_EXPORT_HEADER,
    STATION_SPEC,
)
from shailoo.geography.models import (
    DistrictCommission,
    PollingStation,
    Region,
    StationDistrict,
    TerritorialCommission,
)
from shailoo.geography.rules import (
    RegionArea,
    StationKind,
    check_station_consistency,
    far_outside,
)
from shailoo.geography.schemas import (
    CommissionIn,
    CommissionOut,
    RegionIn,
    RegionOut,
    StationIn,
    StationOut,
    StationUpdate,
)
from shailoo.kit.hashing import sha256_hex
from shailoo.kit.importing import (
    ImportRejected,
    ImportReport,
    QualityIssue,
    RowError,
    batched,
    read_records,
    write_csv,
)
from shailoo.kit.rawsql import Raw
from shailoo.kit.text import kyrgyz_sort_key, search_key
from shailoo.types import GeoPath, ScopeKind

BATCH_SIZE = 2000


def _station_search_text(s: StationIn | PollingStation) -> str:
    return search_key(" ".join(filter(None, [s.code, s.name, s.address, s.locality, s.city])))


def import_regions(session: Session, stream: IO[str], source: str, actor: str) -> ImportReport:
    """Import regions (all-or-nothing); an existing code is refused."""
    report = ImportReport(source)
    with unit_of_work(session):
        existing = set(session.execute(select(Region.code)).scalars())
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        for parsed in read_records(REGION_SPEC, stream, source, report):
            r: RegionIn = parsed.record
            if r.code in seen or r.code in existing:
                report.add_error(RowError(source, parsed.line, "code",
                                          "duplicate region code", r.code))
                continue
            seen.add(r.code)
            rows.append({**r.model_dump(), "kind": r.kind.value})
        if not report.ok:
            raise ImportRejected(report)
        if rows:
            session.execute(insert(Region), rows)
        report.rows_accepted = len(rows)
        audit.record(session, actor, "geography.regions_imported", "import", source,
                     {"rows": len(rows), "codes_digest": sha256_hex(",".join(sorted(seen)))})
    return report


def import_commissions(
    session: Session, stream: IO[str], source: str, actor: str
) -> ImportReport:
    """Import territorial commissions (all-or-nothing); the region must exist."""
    report = ImportReport(source)
    with unit_of_work(session):
        regions = set(session.execute(select(Region.code)).scalars())
        existing = set(session.execute(select(TerritorialCommission.code)).scalars())
        seen: set[str] = set()
        rows: list[dict[str, Any]] = []
        for parsed in read_records(COMMISSION_SPEC, stream, source, report):
            c: CommissionIn = parsed.record
            if c.code in seen or c.code in existing:
                report.add_error(RowError(source, parsed.line, "code",
                                          "duplicate commission code", c.code))
                continue
            if c.region is not None and c.abroad:
                report.add_error(RowError(source, parsed.line, "region",
                                          "a commission for abroad has no region", c.region))
                continue
            if c.region is None and not c.abroad:
                report.add_error(RowError(source, parsed.line, "region",
                                          "is required unless the commission is for abroad"))
                continue
            if c.region is not None and c.region not in regions:
                report.add_error(RowError(source, parsed.line, "region", "unknown region",
                                          c.region))
                continue
            seen.add(c.code)
            rows.append({"code": c.code, "region_code": c.region, "name_ky": c.name_ky,
                         "name_ru": c.name_ru, "name_en": c.name_en, "abroad": c.abroad})
        if not report.ok:
            raise ImportRejected(report)
        if rows:
            session.execute(insert(TerritorialCommission), rows)
        report.rows_accepted = len(rows)
        audit.record(session, actor, "geography.commissions_imported", "import", source,
                     {"rows": len(rows), "codes_digest": sha256_hex(",".join(sorted(seen)))})
    return report


def import_stations(
    session: Session, stream: IO[str], source: str, actor: str, update_existing: bool = False
) -> ImportReport:
    """Import polling stations, streaming, all-or-nothing, with a data-quality report.

    Errors: malformed rows, unknown commission, a code twice in the file, a code already
    stored (unless ``update_existing``), a kind that contradicts country or commission.
    Quality findings: stations without coordinates, stations far outside their region.
    """
    report = ImportReport(source)
    with unit_of_work(session):
        tecs = {code: (region, abroad) for code, region, abroad in session.execute(
            select(TerritorialCommission.code, TerritorialCommission.region_code,
                   TerritorialCommission.abroad))}
        areas = {r.code: RegionArea(r.code, r.center_lat, r.center_lon, r.radius_km)
                 for r in session.execute(select(Region)).scalars()
                 if r.center_lat is not None and r.center_lon is not None
                 and r.radius_km is not None}
        existing = set(session.execute(select(PollingStation.code)).scalars())
        seen: set[str] = set()
        accepted = 0

        def valid_rows() -> Iterator[dict[str, Any]]:
            for parsed in read_records(STATION_SPEC, stream, source, report):
                s: StationIn = parsed.record
                line = parsed.line
                if s.code in seen:
                    report.add_error(RowError(source, line, "code",
                                              "duplicate station code in this file", s.code))
                    continue
                seen.add(s.code)
                if s.code in existing and not update_existing:
                    report.add_error(RowError(source, line, "code",
                                              "station code already exists", s.code))
                    continue
                if s.tec not in tecs:
                    report.add_error(RowError(source, line, "tec", "unknown commission", s.tec))
                    continue
                region, abroad = tecs[s.tec]
                reason = check_station_consistency(s.kind, s.country, s.city, abroad)
                if reason:
                    report.add_error(RowError(source, line, "kind", reason, s.kind.value))
                    continue
                _quality(report, line, s, areas.get(region) if region else None)
                yield _station_row(s)

        for batch in batched(valid_rows(), BATCH_SIZE):
            if not report.ok:
                continue  # keep reading to report every bad row, but write nothing more
            new = [r for r in batch if r["code"] not in existing]
            changed = [r for r in batch if r["code"] in existing]
            if new:
                session.execute(insert(PollingStation), new)
            for row in changed:
                session.execute(update(PollingStation)
                                .where(PollingStation.code == row["code"]).values(**row))
            accepted += len(batch)
        if not report.ok:
            raise ImportRejected(report)
        report.rows_accepted = accepted
        audit.record(session, actor, "geography.stations_imported", "import", source,
                     {"rows": accepted, "update_existing": update_existing,
                      "codes_digest": sha256_hex(",".join(sorted(seen))),
                      "quality_findings": len(report.quality)})
    return report


def _station_row(s: StationIn) -> dict[str, Any]:
    return {"code": s.code, "kind": s.kind.value, "tec_code": s.tec, "name": s.name,
            "address": s.address, "locality": s.locality, "country": s.country,
            "city": s.city, "latitude": s.latitude, "longitude": s.longitude,
            "planned_voters": s.planned_voters, "search_text": _station_search_text(s)}


def _quality(report: ImportReport, line: int, s: StationIn, area: RegionArea | None) -> None:
    if s.latitude is None or s.longitude is None:
        report.quality.append(QualityIssue("no_coordinates", line, s.code,
                                           "station has no coordinates"))
    elif area is not None:
        distance = far_outside(area, s.latitude, s.longitude)
        if distance is not None:
            report.quality.append(QualityIssue(
                "far_outside_region", line, s.code,
                f"{distance:.0f} km from the centre of {area.code} "
                f"(region radius {area.radius_km:.0f} km)"))


def _station_out(station: PollingStation, region: str | None) -> StationOut:
    return StationOut(code=station.code, kind=StationKind(station.kind), tec=station.tec_code,
                      region=region, name=station.name, address=station.address,
                      locality=station.locality, country=station.country, city=station.city,
                      latitude=station.latitude, longitude=station.longitude,
                      planned_voters=station.planned_voters)


def _station_query() -> Any:
    return select(PollingStation, TerritorialCommission.region_code).join(
        TerritorialCommission, PollingStation.tec_code == TerritorialCommission.code)


def public_list_stations(
    session: Session, *, tec: str | None = None, region: str | None = None,
    query: str | None = None, limit: int | None = None, offset: int = 0,
) -> list[StationOut]:
    """Stations (public data), filtered by commission, region or a search text, by code."""
    stmt = _station_query()
    if tec:
        stmt = stmt.where(PollingStation.tec_code == tec)
    if region:
        stmt = stmt.where(TerritorialCommission.region_code == region)
    if query:
        for word in search_key(query).split():
            stmt = stmt.where(PollingStation.search_text.contains(word, autoescape=True))
    stmt = stmt.order_by(PollingStation.code).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_station_out(s, r) for s, r in session.execute(stmt)]


def public_get_station(session: Session, code: str) -> StationOut:
    """One station by code."""
    row = session.execute(_station_query().where(PollingStation.code == code)).first()
    if row is None:
        raise NotFound("geography.station_not_found", f"no polling station with code {code!r}",
                       code=code)
    return _station_out(row[0], row[1])


def station_place(session: Session, code: str) -> tuple[GeoPath, StationKind]:
    """Where a station sits (for scope checks) and its kind, in one query."""
    found = station_paths(session, [code])
    if code not in found:
        raise NotFound("geography.station_not_found", f"no polling station with code {code!r}",
                       code=code)
    return found[code]


def station_path(session: Session, code: str) -> GeoPath:
    """Where a station sits, for scope checks."""
    return station_place(session, code)[0]


_PLACE_SELECT = ("SELECT s.code, s.kind, s.tec_code, t.region_code, d.district_id "
                 "FROM polling_stations s JOIN territorial_commissions t ON t.code = s.tec_code "
                 "LEFT OUTER JOIN station_districts d ON d.station_code = s.code")


def station_paths(session: Session, codes: list[str] | None = None
                  ) -> dict[str, tuple[GeoPath, StationKind]]:
    """Every station's (or the given stations') place and kind, in one query (driver-level:
    every protocol upload asks)."""
    raw = Raw(session)
    if codes is None:
        rows = raw.execute(_PLACE_SELECT)
    else:
        if not codes:
            return {}
        wanted, args = raw.in_list("s.code", sorted(set(codes)))
        rows = raw.execute(f"{_PLACE_SELECT} WHERE {wanted}", args)
    places: dict[str, tuple[str, str, str | None, set[int]]] = {}
    for code, kind, tec, region, district_id in rows:
        place = places.setdefault(code, (kind, tec, region, set()))
        if district_id is not None:
            place[3].add(district_id)
    return {code: (GeoPath(region_code=region, tec_code=tec, station_code=code,
                           district_ids=frozenset(districts)), StationKind(kind))
            for code, (kind, tec, region, districts) in places.items()}


def station_counts(session: Session, district_id: int | None = None,
                   include_abroad: bool = True) -> list[tuple[str | None, str, int]]:
    """How many stations each (region, territorial commission) has, optionally only those of
    one district, or without the abroad ones; one GROUP BY."""
    stmt = (select(TerritorialCommission.region_code, PollingStation.tec_code, func.count())
            .join(TerritorialCommission, PollingStation.tec_code == TerritorialCommission.code)
            .group_by(TerritorialCommission.region_code, PollingStation.tec_code))
    if district_id is not None:
        stmt = stmt.join(StationDistrict, StationDistrict.station_code == PollingStation.code
                         ).where(StationDistrict.district_id == district_id)
    if not include_abroad:
        stmt = stmt.where(PollingStation.kind != StationKind.ABROAD.value)
    return [(region, tec, int(n)) for region, tec, n in session.execute(stmt)]


def tec_codes_in_scope(session: Session, kind: ScopeKind, code: str | None) -> set[str] | None:
    """The territorial commissions a scope reaches (None: all of them, for the nation)."""
    if kind is ScopeKind.NATION:
        return None
    if kind is ScopeKind.REGION:
        return set(session.execute(select(TerritorialCommission.code).where(
            TerritorialCommission.region_code == code)).scalars())
    if kind is ScopeKind.TERRITORIAL:
        return {code} if code else set()
    if kind is ScopeKind.STATION:
        return set(session.execute(select(PollingStation.tec_code).where(
            PollingStation.code == code)).scalars())
    district = int(code) if code and code.isdigit() else -1
    return set(session.execute(
        select(PollingStation.tec_code).join(
            StationDistrict, StationDistrict.station_code == PollingStation.code)
        .where(StationDistrict.district_id == district)).scalars())


def update_station(session: Session, actor: str, code: str, change: StationUpdate) -> StationOut:
    """Correct a station's name, address, coordinates or planned size (audited)."""
    values = change.model_dump(exclude_unset=True)
    if not values:
        raise RuleViolation("geography.nothing_to_change", "the update names no field")
    if ("latitude" in values) != ("longitude" in values):
        raise RuleViolation("geography.coordinates_incomplete",
                            "latitude and longitude must be changed together")
    with unit_of_work(session):
        station = session.get(PollingStation, code, with_for_update=True)
        if station is None:
            raise NotFound("geography.station_not_found",
                           f"no polling station with code {code!r}", code=code)
        before = {k: getattr(station, k) for k in values}
        for key, value in values.items():
            setattr(station, key, value)
        station.search_text = _station_search_text(station)
        audit.record(session, actor, "geography.station_updated", "polling_station", code,
                     {"before": before, "after": values})
    return public_get_station(session, code)


def public_regions_overview(session: Session) -> list[RegionOut]:
    """Every region with its number of commissions and stations."""
    tec_counts = dict(session.execute(
        select(TerritorialCommission.region_code, func.count())
        .group_by(TerritorialCommission.region_code)).all())
    station_counts = dict(session.execute(
        select(TerritorialCommission.region_code, func.count(PollingStation.code))
        .join(PollingStation, PollingStation.tec_code == TerritorialCommission.code)
        .group_by(TerritorialCommission.region_code)).all())
    regions = session.execute(select(Region).order_by(Region.code)).scalars()
    return [RegionOut(code=r.code, kind=r.kind, name_ky=r.name_ky, name_ru=r.name_ru,
                      name_en=r.name_en, commissions=tec_counts.get(r.code, 0),
                      stations=station_counts.get(r.code, 0)) for r in regions]


def public_get_region(session: Session, code: str) -> RegionOut:
    """One region with its counts."""
    for region in public_regions_overview(session):
        if region.code == code:
            return region
    raise NotFound("geography.region_not_found", f"no region with code {code!r}", code=code)


def public_list_commissions(session: Session, region: str | None = None,
                            abroad: bool | None = None) -> list[CommissionOut]:
    """Territorial commissions with their station counts, by code."""
    counts = (select(PollingStation.tec_code, func.count().label("n"))
              .group_by(PollingStation.tec_code).subquery())
    stmt = (select(TerritorialCommission, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.tec_code == TerritorialCommission.code)
            .order_by(TerritorialCommission.code))
    if region:
        stmt = stmt.where(TerritorialCommission.region_code == region)
    if abroad is not None:
        stmt = stmt.where(TerritorialCommission.abroad == abroad)
    return [CommissionOut(code=c.code, region=c.region_code, name_ky=c.name_ky,
                          name_ru=c.name_ru, name_en=c.name_en, abroad=c.abroad, stations=n)
            for c, n in session.execute(stmt)]


def public_get_commission(session: Session, code: str) -> CommissionOut:
    """One territorial commission."""
    for c in public_list_commissions(session):
        if c.code == code:
            return c
    raise NotFound("geography.commission_not_found", f"no commission with code {code!r}",
                   code=code)


def export_stations(session: Session, out: IO[str]) -> int:
    """Write every station as CSV (the import format plus region); return the row count."""
    stations = public_list_stations(session)
    write_csv(out, STATION_EXPORT_HEADER, (
        [s.code, s.kind.value, s.tec, s.region, s.name, s.address, s.locality, s.country,
         s.city, s.latitude, s.longitude, s.planned_voters] for s in stations))
    return len(stations)


def export_commissions(session: Session, out: IO[str]) -> int:
    """Write every territorial commission as CSV."""
    rows = public_list_commissions(session)
    write_csv(out, COMMISSION_EXPORT_HEADER, (
        [c.code, c.region, c.name_ky, c.name_ru, c.name_en, str(c.abroad).lower()]
        for c in rows))
    return len(rows)


def export_regions(session: Session, out: IO[str]) -> int:
    """Write every region as CSV."""
    regions = list(session.execute(select(Region).order_by(Region.code)).scalars())
    write_csv(out, REGION_EXPORT_HEADER, (
        [r.code, r.kind, r.name_ky, r.name_ru, r.name_en, r.center_lat, r.center_lon,
         r.radius_km] for r in regions))
    return len(regions)


def create_districts(
    session: Session, actor: str, election_id: int,
    districts: list[tuple[int, str, str, str, str | None, list[str]]],
) -> list[int]:
    """Create an election's single-member districts and assign stations to them.

    Each item is (number, name_ky, name_ru, name_en, region code, station codes). A station
    may belong to one district per election; abroad stations belong to none.
    """
    with unit_of_work(session):
        kinds = dict(session.execute(select(PollingStation.code, PollingStation.kind)).all())
        regions = dict(session.execute(
            select(PollingStation.code, TerritorialCommission.region_code)
            .join(TerritorialCommission,
                  PollingStation.tec_code == TerritorialCommission.code)).all())
        taken = set(session.execute(select(StationDistrict.station_code).where(
            StationDistrict.election_id == election_id)).scalars())
        numbers = set(session.execute(select(DistrictCommission.number).where(
            DistrictCommission.election_id == election_id)).scalars())
        ids: list[int] = []
        assigned: set[str] = set()
        for number, name_ky, name_ru, name_en, region, stations in districts:
            if number in numbers:
                raise Conflict("geography.duplicate_district_number",
                               f"district number {number} is already used in this election",
                               number=number)
            numbers.add(number)
            district = DistrictCommission(election_id=election_id, number=number,
                                          name_ky=name_ky, name_ru=name_ru, name_en=name_en,
                                          region_code=region)
            session.add(district)
            session.flush()
            for code in stations:
                if code not in kinds:
                    raise NotFound("geography.station_not_found",
                                   f"no polling station with code {code!r}", code=code)
                if kinds[code] == StationKind.ABROAD.value:
                    raise RuleViolation("geography.abroad_station_in_district",
                                        f"station {code} is abroad and votes in no district")
                if region is not None and regions[code] != region:
                    raise RuleViolation("geography.station_outside_district_region",
                                        f"station {code} is in {regions[code]}, not in the "
                                        f"district's region {region}")
                if code in assigned or code in taken:
                    raise RuleViolation("geography.station_in_two_districts",
                                        f"station {code} is assigned to two districts")
                assigned.add(code)
            if stations:
                session.execute(insert(StationDistrict), [
                    {"election_id": election_id, "station_code": c,
                     "district_id": district.id} for c in stations])
            ids.append(district.id)
        audit.record(session, actor, "geography.districts_created", "election", election_id,
                     {"districts": [d[0] for d in districts], "stations": len(assigned)})
    return ids


def public_get_district(session: Session, district_id: int) -> dict[str, Any]:
    """One district commission by id."""
    district = session.get(DistrictCommission, district_id)
    if district is None:
        raise NotFound("geography.district_not_found", f"no district with id {district_id}",
                       district_id=district_id)
    return {"id": district.id, "election_id": district.election_id, "number": district.number,
            "name_ky": district.name_ky, "name_ru": district.name_ru,
            "name_en": district.name_en, "region": district.region_code}


def public_list_districts(session: Session, election_id: int) -> list[dict[str, Any]]:
    """An election's districts with their station counts, by number."""
    counts = dict(session.execute(
        select(StationDistrict.district_id, func.count())
        .where(StationDistrict.election_id == election_id)
        .group_by(StationDistrict.district_id)).all())
    rows = session.execute(select(DistrictCommission).where(
        DistrictCommission.election_id == election_id).order_by(DistrictCommission.number))
    return [{"id": d.id, "number": d.number, "name_ky": d.name_ky, "name_ru": d.name_ru,
             "name_en": d.name_en, "region": d.region_code, "stations": counts.get(d.id, 0)}
            for d in rows.scalars()]


def sort_by_name(items: list[Any], attr: str) -> list[Any]:
    """Sort records by a Cyrillic text attribute in Kyrgyz alphabetical order."""
    return sorted(items, key=lambda item: kyrgyz_sort_key(getattr(item, attr)))
