"""Register use cases: importing extracts and the address table, consular registrations,
the assignment report, and scoped reads of persons.

Every read of personal data takes a :class:`VoterScope` (the caller's territory) as a
required argument; public functions are named ``public_*``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.auth.rules import Scope, scope_covers
from shailoo.db import one_of, one_of_chunks, unit_of_work
from shailoo.errors import NotFound
from shailoo.geography import service as geography
from shailoo.geography.rules import StationKind
from shailoo.kit.clock import utcnow
from shailoo.kit.hashing import sha256_hex
from shailoo.kit.importing import (
    ImportRejected,
    ImportReport,
    QualityIssue,
    RowError,
    read_records,
)
from shailoo.register import extract, judging, lists, rules
from shailoo.register.importers import ADDRESS_SPEC, CONSULAR_SPEC, AddressStationIn
from shailoo.register.models import (
    AddressStation,
    ConsularRegistration,
    Person,
    RegisterChange,
    RegisterImport,
    RegisterImportStation,
)
from shailoo.register.scope import VoterScope
from shailoo.types import ScopeKind


@dataclass(frozen=True)
class ImportOutcome:
    """An applied extract: its report, its id and its difference."""

    report: ImportReport
    import_id: int
    added: int
    changed: int
    moved: int
    removed: int
    warnings: dict[str, int]
    address_outcomes: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"import_id": self.import_id, "added": self.added, "changed": self.changed,
                "moved": self.moved, "removed": self.removed, "warnings": self.warnings,
                "address_outcomes": self.address_outcomes, "report": self.report.to_dict()}


def _address_table(session: Session) -> judging.AddressTable:
    table: dict[str, list[str]] = defaultdict(list)
    for key, station in session.execute(select(AddressStation.address_key,
                                               AddressStation.station_code)):
        if station not in table[key]:
            table[key].append(station)
    return {key: tuple(stations) for key, stations in table.items()}


def _region_codes(session: Session) -> frozenset[str]:
    return frozenset(r.code for r in geography.public_regions_overview(session))


def import_extract(session: Session, stream: IO[str], source: str, actor: str, today: date,
                   progress: Callable[[int], None] | None = None, workers: int | None = None
                   ) -> ImportOutcome:
    """Import a population-register extract, all or nothing, and apply its difference to the
    stored register (added, changed, moved, removed), audited, with counts per station.
    ``workers``: processes that judge rows (default: two for a large file on disk)."""
    report = ImportReport(source)
    with unit_of_work(session):
        first = session.execute(select(Person.id).limit(1)).first() is None
        if first:
            extract.prepare_first_load(session)
        else:
            extract.create_staging(session)
        target = extract.PERSONS if first else extract.STAGING
        summary = extract.stage_extract(session, stream, source, report,
                                        _region_codes(session), _address_table(session), today,
                                        progress, workers, target)
        if not report.ok:
            raise ImportRejected(report)
        if not extract.index_loaded(session, first):
            extract.duplicate_pin_errors(session, source, report, target)
            raise ImportRejected(report)
        record = RegisterImport(source=source, sha256=summary.sha256, actor=actor, at=utcnow(),
                                rows=report.rows_accepted, added=0, changed=0, moved=0,
                                removed=0, warnings=sum(summary.warnings.values()))
        session.add(record)
        session.flush()
        counts = (_count_first(session, record.id, summary.per_station) if first
                  else _apply_difference(session, record.id))
        record.added, record.changed = counts["added"], counts["changed"]
        record.moved, record.removed = counts["moved"], counts["removed"]
        if not first:
            extract.drop_staging(session)
        refreshed = 0 if first else lists.refresh_after_import(session, record.id, today)
        audit.record(session, actor, "register.extract_imported", "register_import", record.id,
                     {"source": source, "sha256": summary.sha256, "rows": record.rows,
                      "added": record.added, "changed": record.changed, "moved": record.moved,
                      "removed": record.removed, "warnings": dict(summary.warnings),
                      "lists_refreshed": refreshed})
    return ImportOutcome(report, record.id, record.added, record.changed, record.moved,
                         record.removed, dict(summary.warnings),
                         dict(summary.address_outcomes))


_COLUMNS = ", ".join(extract.PERSON_COLUMNS)


def _count_first(session: Session, import_id: int, per_station: dict[str, int]
                 ) -> dict[str, int]:
    """The first extract: everything is added; no per-person change rows are kept."""
    rows = [{"import_id": import_id, "station_code": station, "added": n, "removed": 0,
             "moved_in": 0, "moved_out": 0, "changed": 0} for station, n in per_station.items()]
    if rows:
        session.execute(insert(RegisterImportStation), rows)
    return {"added": sum(per_station.values()), "changed": 0, "moved": 0, "removed": 0}


def _apply_difference(session: Session, import_id: int) -> dict[str, int]:
    """Write the change rows of this import, apply them, and count them per station."""
    staging = extract.STAGING
    params = {"i": import_id}
    distinct = ("IS DISTINCT FROM" if session.get_bind().dialect.name == "postgresql"
                else "IS NOT")
    differs = " OR ".join(f"s.{c} {distinct} p.{c}" for c in extract.PERSON_COLUMNS
                          if c not in ("source_line", "pin", "name_key"))
    # one pass over the extract finds the added, moved and changed persons ...
    session.execute(text(
        f"INSERT INTO register_changes (import_id, pin, kind, old_station, new_station) "
        f"SELECT :i, s.pin, CASE WHEN p.id IS NULL THEN 'added' "
        f"WHEN COALESCE(s.home_station, '') <> COALESCE(p.home_station, '') THEN 'moved' "
        f"ELSE 'changed' END, p.home_station, s.home_station FROM {staging} s "
        f"LEFT JOIN register_persons p ON p.pin = s.pin WHERE p.id IS NULL OR {differs}"),
        params)
    # ... and one over the register the removed ones
    session.execute(text(
        f"INSERT INTO register_changes (import_id, pin, kind, old_station, new_station) "
        f"SELECT :i, p.pin, 'removed', p.home_station, NULL FROM register_persons p "
        f"LEFT JOIN {staging} s ON s.pin = p.pin WHERE s.pin IS NULL"), params)
    session.execute(text(
        "DELETE FROM register_persons WHERE pin IN (SELECT pin FROM register_changes "
        "WHERE import_id = :i AND kind IN ('removed', 'changed', 'moved'))"), params)
    session.execute(text(
        f"INSERT INTO register_persons ({_COLUMNS}) SELECT {_COLUMNS} FROM {staging} "
        f"WHERE pin IN (SELECT pin FROM register_changes WHERE import_id = :i "
        f"AND kind IN ('added', 'changed', 'moved')) ORDER BY pin"), params)
    totals = {"added": 0, "changed": 0, "moved": 0, "removed": 0}
    stations: dict[str, dict[str, int]] = defaultdict(lambda: {
        "added": 0, "removed": 0, "moved_in": 0, "moved_out": 0, "changed": 0})
    for kind, old, new, n in session.execute(
            select(RegisterChange.kind, RegisterChange.old_station, RegisterChange.new_station,
                   func.count()).where(RegisterChange.import_id == import_id)
            .group_by(RegisterChange.kind, RegisterChange.old_station,
                      RegisterChange.new_station)):
        n = int(n)
        totals[kind] += n
        if kind == "added":
            stations[new or ""]["added"] += n
        elif kind == "removed":
            stations[old or ""]["removed"] += n
        elif kind == "moved":
            stations[new or ""]["moved_in"] += n
            stations[old or ""]["moved_out"] += n
        else:
            stations[new or ""]["changed"] += n
    if stations:
        session.execute(insert(RegisterImportStation), [
            {"import_id": import_id, "station_code": code, **figures}
            for code, figures in stations.items()])
    return totals


def _import_out(r: RegisterImport) -> dict[str, Any]:
    return {"id": r.id, "source": r.source, "sha256": r.sha256, "at": r.at.isoformat(),
            "rows": r.rows, "added": r.added, "changed": r.changed, "moved": r.moved,
            "removed": r.removed, "warnings": r.warnings}


def public_imports(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    """The latest applied extracts with their difference counts (no personal data)."""
    rows = session.execute(select(RegisterImport).order_by(RegisterImport.id.desc())
                           .limit(limit)).scalars()
    return [_import_out(r) for r in rows]


def public_get_import(session: Session, import_id: int) -> dict[str, Any]:
    """One applied extract with its difference counts."""
    record = session.get(RegisterImport, import_id)
    if record is None:
        raise NotFound("register.import_not_found", f"no register import {import_id}")
    return _import_out(record)


def public_import_stations(session: Session, import_id: int) -> list[dict[str, Any]]:
    """An import's difference per station, as counts (the published diff)."""
    if session.get(RegisterImport, import_id) is None:
        raise NotFound("register.import_not_found", f"no register import {import_id}")
    rows = session.execute(select(RegisterImportStation)
                           .where(RegisterImportStation.import_id == import_id)
                           .order_by(RegisterImportStation.station_code)).scalars()
    return [{"station": r.station_code or None, "added": r.added, "removed": r.removed,
             "moved_in": r.moved_in, "moved_out": r.moved_out, "changed": r.changed}
            for r in rows]


# --- the address-to-station table -----------------------------------------------------------


def import_address_table(session: Session, stream: IO[str], source: str, actor: str,
                         today: date | None = None) -> ImportReport:
    """Replace the address-to-station table (all or nothing) and re-assign every person's
    station (and, given ``today``, their place on built lists of upcoming elections); lines
    that repeat an address with another station are kept and reported."""
    report = ImportReport(source)
    with unit_of_work(session):
        regions = _region_codes(session)
        stations = set(geography.station_paths(session))
        rows: list[dict[str, Any]] = []
        seen: dict[str, str] = {}
        for parsed in read_records(ADDRESS_SPEC, stream, source, report):
            line: AddressStationIn = parsed.record
            if line.region not in regions:
                report.add_error(RowError(source, parsed.line, "region", "unknown region",
                                          line.region))
                continue
            if line.station_code not in stations:
                report.add_error(RowError(source, parsed.line, "station", "unknown station",
                                          line.station_code))
                continue
            key = rules.address_keys(line.region, line.locality, line.street, line.house)[
                0 if line.house else 1 if line.street else 2]
            if key in seen and seen[key] != line.station_code:
                report.quality.append(QualityIssue(
                    "address_several", parsed.line, key,
                    f"also assigned to station {seen[key]} (voters there get no station)"))
            seen.setdefault(key, line.station_code)
            rows.append({"region": line.region, "locality": line.locality,
                         "street": line.street, "house": line.house,
                         "station_code": line.station_code, "address_key": key})
        if not report.ok:
            raise ImportRejected(report)
        session.execute(delete(AddressStation))
        if rows:
            session.execute(insert(AddressStation), rows)
        report.rows_accepted = len(rows)
        moved = reassign_stations(session, today)
        audit.record(session, actor, "register.address_table_imported", "address_table",
                     source, {"rows": len(rows), "persons_moved": moved,
                              "ambiguous": len(report.quality)})
    return report


def reassign_stations(session: Session, today: date | None = None) -> int:
    """Recompute every person's station from the address table and keep built lists of
    upcoming elections current; return how many persons changed station or outcome."""
    match = judging.station_matcher(_address_table(session))
    changes: list[dict[str, Any]] = []
    moved: list[str] = []
    rows = session.execute(select(Person.id, Person.pin, Person.region, Person.locality,
                                  Person.street, Person.house, Person.home_station,
                                  Person.address_match).execution_options(yield_per=50_000))
    for person_id, pin, region, locality, street, house, old, old_outcome in rows:
        station, outcome = match(region, locality, street, house)
        if station != old or outcome != old_outcome:
            changes.append({"id": person_id, "home_station": station, "address_match": outcome})
            moved.append(pin)
    for start in range(0, len(changes), 10_000):
        session.execute(update(Person), changes[start:start + 10_000])
    if moved and today is not None:
        lists.refresh_persons(session, moved, today)
    return len(changes)


def export_address_table(session: Session) -> list[list[Any]]:
    """The address table as rows (region, locality, street, house, station)."""
    rows = session.execute(select(AddressStation.region, AddressStation.locality,
                                  AddressStation.street, AddressStation.house,
                                  AddressStation.station_code).order_by(AddressStation.id))
    return [list(r) for r in rows]


def assignment_report(session: Session, capacity: int, limit: int = 100) -> dict[str, Any]:
    """Persons whose address matches no station or several (grouped by address), and stations
    whose registered persons exceed ``capacity``."""
    outcomes = dict(session.execute(select(Person.address_match, func.count())
                                    .group_by(Person.address_match)).all())
    unmatched = session.execute(
        select(Person.address_match, Person.region, Person.locality, Person.street,
               Person.house, func.count()).where(Person.address_match != "matched")
        .group_by(Person.address_match, Person.region, Person.locality, Person.street,
                  Person.house).order_by(func.count().desc()).limit(limit)).all()
    over = session.execute(
        select(Person.home_station, func.count()).where(Person.home_station.is_not(None))
        .group_by(Person.home_station).having(func.count() > capacity)
        .order_by(func.count().desc())).all()
    return {
        "outcomes": {k: int(v) for k, v in outcomes.items()},
        "addresses": [{"outcome": o, "region": r, "locality": loc, "street": s, "house": h,
                       "persons": int(n)} for o, r, loc, s, h, n in unmatched],
        "capacity": capacity,
        "over_capacity": [{"station": code, "persons": int(n)} for code, n in over],
    }


# --- voters abroad --------------------------------------------------------------------------


def _abroad_stations(session: Session) -> set[str]:
    return {code for code, (_path, kind) in geography.station_paths(session).items()
            if kind is StationKind.ABROAD}


def register_abroad(session: Session, actor: str, pin: str, station_code: str, office: str,
                    registered_on: date) -> None:
    """Record a consular registration: the citizen votes at ``station_code`` abroad."""
    with unit_of_work(session):
        before = _save_consular(session, actor, pin, station_code, office, registered_on,
                                _abroad_stations(session))
        lists.refresh_persons(session, [pin], registered_on)
        audit.record(session, actor, "register.abroad_registered", "person", pin,
                     {"station": station_code, "before": before, "office": office,
                      "registered_on": registered_on.isoformat()})


def _save_consular(session: Session, actor: str, pin: str, station_code: str, office: str,
                   registered_on: date, abroad: set[str]) -> str | None:
    """Store a registration; return the station it replaced (or None)."""
    if station_code not in abroad:
        raise NotFound("register.not_an_abroad_station",
                       f"station {station_code} is not a station abroad")
    if lists.find_person(session, pin) is None:
        raise NotFound("register.person_not_found", "no such person in the register")
    existing = session.get(ConsularRegistration, pin)
    before = None if existing is None else existing.station_code
    if existing is None:
        session.add(ConsularRegistration(pin=pin, station_code=station_code, office=office,
                                         registered_on=registered_on, actor=actor))
    else:
        existing.station_code, existing.office = station_code, office
        existing.registered_on, existing.actor = registered_on, actor
    session.flush()
    return before


def import_consular(session: Session, stream: IO[str], source: str, actor: str, today: date
                    ) -> ImportReport:
    """Import consular registrations (all or nothing): PIN, station abroad, office, day."""
    report = ImportReport(source)
    with unit_of_work(session):
        abroad = _abroad_stations(session)
        accepted: list[str] = []
        for parsed in read_records(CONSULAR_SPEC, stream, source, report):
            rec = parsed.record
            if rec.station_code not in abroad:
                report.add_error(RowError(source, parsed.line, "station",
                                          "is not a station abroad", rec.station_code))
                continue
            if lists.find_person(session, rec.pin) is None:
                report.add_error(RowError(source, parsed.line, "pin",
                                          "no such person in the register", rec.pin))
                continue
            if report.ok:
                _save_consular(session, actor, rec.pin, rec.station_code, rec.office,
                               rec.registered_on, abroad)
                accepted.append(rec.pin)
        if not report.ok:
            raise ImportRejected(report)
        report.rows_accepted = len(accepted)
        lists.refresh_persons(session, accepted, today)
        audit.record(session, actor, "register.abroad_imported", "import", source,
                     {"rows": len(accepted),
                      "pins_digest": sha256_hex(",".join(sorted(accepted)))})
    return report


# --- scoped reads of persons ----------------------------------------------------------------


def voter_scope(session: Session, scope: Scope) -> VoterScope:
    """The stations a territorial scope reaches."""
    if scope.kind is ScopeKind.NATION:
        return VoterScope(None)
    return VoterScope(frozenset(code for code, (path, _kind)
                                in geography.station_paths(session).items()
                                if scope_covers(scope, path)))


def _person_out(person: Person) -> dict[str, Any]:
    return {"pin": person.pin, "surname": person.surname, "given_name": person.given_name,
            "patronymic": person.patronymic, "birth_date": person.birth_date.isoformat(),
            "sex": person.sex, "citizenship": person.citizenship, "region": person.region,
            "locality": person.locality, "street": person.street, "house": person.house,
            "flat": person.flat, "has_biometrics": person.has_biometrics,
            "deceased": person.deceased, "incapable": person.incapable,
            "home_station": person.home_station, "address_match": person.address_match}


def get_person(session: Session, scope: VoterScope, pin: str) -> dict[str, Any]:
    """A person of the register, if the caller's scope covers their home or list station.

    A person outside the scope is answered exactly like an unknown PIN."""
    person = lists.find_person(session, pin)
    if person is None:
        raise NotFound("register.person_not_found", "no such person in your territory")
    stations = {person.home_station, *lists.stations_of(session, pin)}
    if not any(scope.covers(s) for s in stations):
        raise NotFound("register.person_not_found", "no such person in your territory")
    out = _person_out(person)
    consular = session.get(ConsularRegistration, pin)
    out["abroad_station"] = None if consular is None else consular.station_code
    return out




def placements(session: Session, election_id: int, pins: list[str]
               ) -> dict[str, tuple[str | None, str | None]]:
    """Where each PIN may vote in the election, for polling-day devices: (station, None) from
    the list or the additional list, (None, exclusion) when excluded, (None, None) when the
    PIN is in no list (or its address matched no station). One query per kind for built
    lists."""
    from shailoo.register.models import AdditionalEntry, ListEntry

    unique = sorted(set(pins))
    out: dict[str, tuple[str | None, str | None]] = {}
    chunks = one_of_chunks(session, unique, 5000)
    if lists.is_built(session, election_id):
        for chunk in chunks:
            for pin, station, excluded in session.execute(
                    select(ListEntry.pin, ListEntry.station_code, ListEntry.excluded).where(
                        ListEntry.election_id == election_id,
                        one_of(session, ListEntry.pin, chunk))):
                out[pin] = (station if excluded is None else None, excluded)
    else:
        for pin in unique:
            station, excluded = lists.list_station_of(session, election_id, pin)
            out[pin] = (station if excluded is None else None, excluded)
    for chunk in chunks:
        for pin, station in session.execute(
                select(AdditionalEntry.pin, AdditionalEntry.station_code).where(
                    AdditionalEntry.election_id == election_id,
                    one_of(session, AdditionalEntry.pin, chunk))):
            out[pin] = (station, None)
    # a person whose address matched no station may vote; they are on no list (yet)
    return {pin: (None, None) if out.get(pin, (None, None))[1] == rules.Exclusion.NO_STATION
            else out.get(pin, (None, None)) for pin in unique}
