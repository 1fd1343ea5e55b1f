"""Results transfer use cases: import a parsed source file in one transaction (geography,
election, ballot, checks, protocols, each through its own service), and gather an election's
data for the open-format exports."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from shailoo.candidates import service as candidates
from shailoo.candidates.schemas import ChoiceIn, ChoiceKind
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.elections.rules import ContestKind, ElectionKind, ElectionStatus
from shailoo.elections.schemas import ContestOut, ElectionCreate, ElectionOut
from shailoo.errors import Conflict, InvalidInput, NotFound
from shailoo.geography import service as geography
from shailoo.geography.importers import (
    COMMISSION_EXPORT_HEADER,
    REGION_EXPORT_HEADER,
    STATION_EXPORT_HEADER,
)
from shailoo.kit.importing import ImportRejected, ImportReport, RowError, write_csv
from shailoo.results import service as results
from shailoo.results.exports import ExportData
from shailoo.results.rules import Source
from shailoo.results.schemas import ProtocolIn
from shailoo.results.transfer import (
    ElectionPlan,
    FormatName,
    ParsedSource,
    PlannedContest,
    open_text,
    parse_source,
)
from shailoo.results.transfer_json import (
    DIRECTORY_FORMATS,
    JSON_STREAM_PARSERS,
    parse_directory,
)

CALENDAR = (ElectionStatus.NOMINATION, ElectionStatus.CAMPAIGN, ElectionStatus.POLLING,
            ElectionStatus.COUNTING)
UNKNOWN_COUNTRY = "ZZ"  # stations abroad whose country the source does not give
HOME_COUNTRY = "KG"     # what geography requires of every station that is not abroad


@dataclass
class TransferResult:
    """What an import did: the bulk summary, the election and each contest's totals."""

    format: str
    source: str
    election_id: int
    read: int
    accepted: int
    quarantined: int
    duplicates: int
    corrections: int
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[int, dict[str, int]] = field(default_factory=dict)  # contest -> choice -> n
    contest_names: dict[int, str] = field(default_factory=dict)


def _csv(header: list[str], rows: list[list[Any]]) -> io.StringIO:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    buffer.seek(0)
    return buffer


def _build_geography(session: Session, actor: str, parsed: ParsedSource) -> dict[str, int]:
    """Create the regions, commissions and stations the file implies and the database lacks
    (existing codes are reused as they are)."""
    regions = {r.code for r in geography.public_regions_overview(session)}
    commissions = {c.code for c in geography.public_list_commissions(session)}
    stations = set(geography.station_paths(session))
    new_regions = [[r.code, r.kind, r.name_ky, r.name_ru, r.name_en, None, None, None]
                   for r in parsed.regions.values() if r.code not in regions]
    new_commissions = [[c.code, c.region or "", c.name, c.name, c.name,
                        "true" if c.abroad else "false"]
                       for c in parsed.commissions.values() if c.code not in commissions]
    new_stations = [[s.code, "abroad" if s.abroad else "ordinary", s.tec, "", s.name,
                     s.locality, s.locality, UNKNOWN_COUNTRY if s.abroad else HOME_COUNTRY,
                     s.locality if s.abroad else "", None, None, None]
                    for s in parsed.stations.values() if s.code not in stations]
    label = parsed.source
    if new_regions:
        geography.import_regions(session, _csv(REGION_EXPORT_HEADER, new_regions),
                                 f"{label} (regions)", actor)
    if new_commissions:
        geography.import_commissions(session, _csv(COMMISSION_EXPORT_HEADER, new_commissions),
                                     f"{label} (commissions)", actor)
    if new_stations:
        geography.import_stations(session, _csv(STATION_EXPORT_HEADER, new_stations),
                                  f"{label} (stations)", actor)
    return {"regions": len(new_regions), "commissions": len(new_commissions),
            "stations": len(new_stations)}


def find_election(session: Session, code: str) -> ElectionOut | None:
    """The election with this code, if any."""
    return next((e for e in elections.public_calendar(session) if e.code == code), None)


def _election(session: Session, actor: str, parsed: ParsedSource) -> tuple[ElectionOut, bool]:
    plan: ElectionPlan = parsed.election
    existing = find_election(session, plan.code)
    if existing is not None:
        return existing, False
    created = elections.create_election(session, actor, ElectionCreate(
        code=plan.code, kind=ElectionKind(plan.kind), name_ky=plan.name_ky,
        name_ru=plan.name_ru, name_en=plan.name_en, polling_date=plan.polling_date,
        preset=plan.preset, system=plan.system))
    for status in CALENDAR:
        created = elections.transition(session, actor, created.id, status,
                                       f"imported from {parsed.source}")
    if parsed.checks is not None:
        results.set_checks(session, actor, created.id, list(parsed.checks))
    return created, True


def _match_contests(session: Session, actor: str, election: ElectionOut, new: bool,
                    parsed: ParsedSource) -> dict[str, ContestOut]:
    """The database contest of each contest of the file, with its ballot set when empty."""
    contests = elections.public_contests(session, election.id)
    matched: dict[str, ContestOut] = {}
    for planned in parsed.contests:
        contest = _find_contest(contests, planned, new, len(parsed.contests))
        if contest is None:
            raise InvalidInput(
                "results.transfer_contest_unknown",
                f"contest {planned.name!r} of {parsed.source} is not in election "
                f"{election.code}; a new election from a file holds one list or presidential "
                "contest", contest=planned.key)
        _ensure_ballot(session, actor, contest, planned)
        matched[planned.key] = contest
    return matched


def _find_contest(contests: list[ContestOut], planned: PlannedContest, new: bool,
                  count: int) -> ContestOut | None:
    if planned.file_id is not None:
        for contest in contests:
            if contest.id == planned.file_id and planned.name in (
                    contest.name_ky, contest.name_ru, contest.name_en):
                return contest
    for contest in contests:
        if planned.name in (contest.name_ky, contest.name_ru, contest.name_en):
            return contest
    main = [c for c in contests if c.kind in (ContestKind.NATIONAL_LIST,
                                              ContestKind.PRESIDENTIAL)]
    if (new or planned.file_id is None) and count == 1 and len(main) == 1:
        return main[0]
    return None


def _ensure_ballot(session: Session, actor: str, contest: ContestOut,
                   planned: PlannedContest) -> None:
    codes = [c.code for c in planned.choices]
    ballot = [c.code for c in candidates.public_ballot(session, contest.id)]
    if not ballot:
        candidates.set_ballot(session, actor, contest.id, [
            ChoiceIn(code=c.code, kind=ChoiceKind(c.kind), name_ky=c.name[:300],
                     name_ru=c.name[:300], name_en=c.name[:300]) for c in planned.choices])
    elif ballot != codes:
        raise Conflict("results.transfer_ballot_mismatch",
                       f"contest {contest.id} already has the ballot {ballot}; the file has "
                       f"{codes}", contest_id=contest.id)


def import_source(session: Session, actor: str, fmt: FormatName, stream: IO[str],
                  source: str, progress: Callable[[int], None] | None = None,
                  on_parsed: Callable[[int], None] | None = None) -> TransferResult:
    """Import a whole source file in one transaction: what the file implies (regions,
    commissions, stations, the election in counting, its ballot and checks) and then its
    protocols through ``results.submit_many`` (duplicates skipped, failing checks
    quarantined). Any bad row rejects the whole file and nothing is stored."""
    if fmt in DIRECTORY_FORMATS:
        raise InvalidInput("results.transfer_unreadable",
                           f"{fmt.value} is read from a directory, not a stream")
    if fmt in JSON_STREAM_PARSERS:
        parsed = JSON_STREAM_PARSERS[fmt](stream, source)
    else:
        parsed = parse_source(fmt, stream, source)
    return import_parsed(session, actor, parsed, progress, on_parsed)


def import_path(session: Session, actor: str, fmt: FormatName, path: Path, source: str,
                progress: Callable[[int], None] | None = None,
                on_parsed: Callable[[int], None] | None = None) -> TransferResult:
    """Import a file (CSV, .zip holding one CSV, JSON) or, for a directory format such as
    ``ru-2021-spbik``, a directory; as :func:`import_source`, all or nothing."""
    if fmt in DIRECTORY_FORMATS:
        parsed = parse_directory(fmt, path, source)
        return import_parsed(session, actor, parsed, progress, on_parsed)
    if path.is_dir():
        raise InvalidInput("results.transfer_unreadable",
                           f"{path} is a directory; format {fmt.value} reads one file")
    with open_text(path) as stream:
        return import_source(session, actor, fmt, stream, source, progress, on_parsed)


def import_parsed(session: Session, actor: str, parsed: ParsedSource,
                  progress: Callable[[int], None] | None = None,
                  on_parsed: Callable[[int], None] | None = None) -> TransferResult:
    """Write a parsed source in one transaction (see :func:`import_source`)."""
    fmt, source = parsed.format, parsed.source
    if on_parsed is not None:
        on_parsed(len(parsed.protocols))
    with unit_of_work(session):
        created = _build_geography(session, actor, parsed)
        election, new = _election(session, actor, parsed)
        contests = _match_contests(session, actor, election, new, parsed)
        items: list[tuple[int, ProtocolIn]] = []
        report = ImportReport(source)
        for p in parsed.protocols:
            try:
                items.append((p.line, ProtocolIn(
                    contest_id=contests[p.contest].id, station=p.station, source=p.source,
                    lines=p.lines, votes=p.votes)))
            except ValidationError as exc:
                first = exc.errors()[0]
                report.add_error(RowError(source, p.line, ".".join(
                    str(x) for x in first["loc"]) or "(row)", str(first["msg"])))
        if not report.ok:
            raise ImportRejected(report)
        summary = results.submit_many(session, actor, items, source, progress)
    totals = {}
    names = {}
    for contest in contests.values():
        sources = {p.source for p in parsed.protocols}
        merged: dict[str, int] = {}
        for src in sorted(sources):
            unit = results.public_totals(session, contest.id, src).get("*", {})
            for key, value in unit.items():
                if key.startswith("choice:"):
                    code = key.removeprefix("choice:")
                    merged[code] = merged.get(code, 0) + value
        totals[contest.id] = merged
        names[contest.id] = contest.name_en
    return TransferResult(format=fmt.value, source=source, election_id=election.id,
                          read=summary.read, accepted=summary.accepted,
                          quarantined=summary.quarantined, duplicates=summary.duplicates,
                          corrections=summary.corrections, created=created, totals=totals,
                          contest_names=names)


def default_export_election(session: Session) -> int:
    """The newest election (highest id) that has protocols."""
    for election in sorted(elections.public_calendar(session), key=lambda e: -e.id):
        if results.revision(session, election.id) > 0:
            return election.id
    raise NotFound("results.nothing_to_export", "no election has protocols yet")


def export_data(session: Session, election_id: int, source: Source | None) -> ExportData:
    """What the exports of an election need, from the public read functions."""
    election = elections.public_get_election(session, election_id)
    contests = elections.public_contests(session, election_id)
    protocols = results.public_counted_protocols(session, election_id, source)
    codes = {p.station for p in protocols}
    stations = {s.code: s for s in geography.public_list_stations(session) if s.code in codes}
    return ExportData(
        election=election, contests=contests,
        ballots={c.id: candidates.public_ballot(session, c.id) for c in contests},
        protocols=protocols, regions=geography.public_regions_overview(session),
        commissions=geography.public_list_commissions(session), stations=stations,
        parties=candidates.public_list_parties(session))
