"""Results use cases: take protocols in (idempotent, versioned, checked), keep running totals
per level, quarantine and accept, and read results for publication."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.candidates import service as candidates
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.elections.rules import ContestKind, ElectionStatus
from shailoo.elections.schemas import ContestOut, ElectionOut
from shailoo.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from shailoo.geography import service as geography
from shailoo.geography.rules import StationKind
from shailoo.kit.clock import utcnow
from shailoo.kit.hashing import digest
from shailoo.polling import service as polling
from shailoo.results.models import (
    CurrentProtocol,
    Protocol,
    ProtocolTransition,
    ResultSettings,
    ResultTotal,
)
from shailoo.results.rules import (
    DEFAULT_CHECKS,
    ControlCheck,
    ProtocolStatus,
    Source,
    failed,
    run_checks,
)
from shailoo.results.schemas import ProtocolIn, ProtocolOut, SubmitOutcome
from shailoo.types import GeoPath

COUNTING_STATUSES = (ElectionStatus.POLLING, ElectionStatus.COUNTING)
ABROAD_UNIT = "abroad"
STATIONS_KEY = "stations_reporting"


def get_checks(session: Session, election_id: int) -> list[ControlCheck]:
    """The election's control checks (the defaults unless configured)."""
    row = session.get(ResultSettings, election_id)
    if row is None:
        return list(DEFAULT_CHECKS)
    return [ControlCheck.model_validate(c) for c in row.checks]


def set_checks(session: Session, actor: str, election_id: int,
               checks: list[ControlCheck]) -> list[ControlCheck]:
    """Configure an election's control checks (audited). Applies to protocols received later."""
    ids = [c.id for c in checks]
    if len(set(ids)) != len(ids):
        raise InvalidInput("results.duplicate_check", "two checks have the same id")
    with unit_of_work(session):
        elections.public_get_election(session, election_id)
        payload = [c.model_dump(mode="json") for c in checks]
        row = session.get(ResultSettings, election_id)
        if row is None:
            session.add(ResultSettings(election_id=election_id, checks=payload))
        else:
            row.checks = payload
        audit.record(session, actor, "results.checks_configured", "election", election_id,
                     {"checks": payload})
    return checks


def _contest_for_station(session: Session, contest: ContestOut, election: ElectionOut,
                         station: str) -> GeoPath:
    path = geography.station_path(session, station)
    kind = geography.public_get_station(session, station).kind
    if contest.kind is ContestKind.SINGLE_MEMBER_DISTRICT:
        if contest.district_id not in path.district_ids:
            raise RuleViolation("results.station_not_in_contest",
                                f"station {station} does not vote in contest {contest.id} "
                                f"({contest.name_en})")
    elif contest.kind is ContestKind.NATIONAL_LIST and kind is StationKind.ABROAD:
        tier = election.system.list_tier
        if tier is not None and not tier.abroad_votes:
            raise RuleViolation("results.station_not_in_contest",
                                f"abroad station {station} does not vote in this list contest")
    return path


def _validate_votes(session: Session, contest_id: int, votes: dict[str, int]) -> None:
    codes = [c.code for c in candidates.public_ballot(session, contest_id)]
    if not codes:
        raise RuleViolation("results.no_ballot", f"contest {contest_id} has no ballot yet")
    unknown = sorted(set(votes) - set(codes))
    if unknown:
        raise InvalidInput("results.unknown_choice",
                           f"unknown ballot line(s) {unknown} for contest {contest_id}",
                           unknown=unknown)
    missing = [c for c in codes if c not in votes]
    if missing:
        raise InvalidInput("results.missing_choice",
                           f"votes missing for ballot line(s) {missing}; send 0 explicitly",
                           missing=missing)


def submit_from_device(session: Session, protocol: ProtocolIn) -> SubmitOutcome:
    """A scanner's signed protocol: verify the device and its signature, then submit."""
    if protocol.source is not Source.SCANNER:
        raise InvalidInput("results.device_source", "devices send scanner protocols only")
    if protocol.device_id is None or protocol.signature is None:
        raise Forbidden("results.signature_required",
                        "a scanner protocol must name its device and carry its signature")
    actor = polling.verify_upload(session, protocol.device_id, "scanner", protocol.station,
                                  protocol.document(), protocol.signature)
    return submit(session, actor, protocol)


def submit(session: Session, actor: str, protocol: ProtocolIn) -> SubmitOutcome:
    """Store a protocol version: the same content again is a duplicate (stored once); a
    different one after an earlier version is a correction and needs a reason. Failing
    control checks quarantine it (kept, never counted); otherwise it is counted."""
    contest, election = elections.public_get_contest(session, protocol.contest_id)
    if election.status not in COUNTING_STATUSES:
        raise RuleViolation("results.election_not_counting",
                            f"election {election.id} is {election.status.value}; protocols "
                            "are taken in while it is polling or counting")
    _validate_votes(session, contest.id, dict(protocol.votes))
    path = _contest_for_station(session, contest, election, protocol.station)
    content = digest(protocol.document() | {"correction_reason": None})
    key = (contest.id, protocol.station, protocol.source.value)
    with unit_of_work(session):
        current = session.get(CurrentProtocol, key, with_for_update=True)
        same = session.execute(select(Protocol).where(
            Protocol.contest_id == contest.id, Protocol.station_code == protocol.station,
            Protocol.source == protocol.source.value, Protocol.content_hash == content)
            .order_by(Protocol.version.desc())).scalars().first()
        if same is not None and current is not None and current.protocol_id == same.id:
            return _outcome(same, duplicate=True,
                            message="the same protocol was already received; nothing changed")
        if current is not None and protocol.correction_reason is None:
            raise Conflict("results.correction_needs_reason",
                           f"station {protocol.station} already has a {protocol.source.value} "
                           "protocol for this contest; a different one is a correction and "
                           "needs correction_reason")
        version = 1 + (session.execute(select(func.max(Protocol.version)).where(
            Protocol.contest_id == contest.id, Protocol.station_code == protocol.station,
            Protocol.source == protocol.source.value)).scalar() or 0)
        lines = {k: v for k, v in protocol.lines.items() if v is not None}
        results = run_checks(get_checks(session, election.id), lines, protocol.votes)
        bad = failed(results)
        status = ProtocolStatus.QUARANTINED if bad else ProtocolStatus.ACCEPTED
        row = Protocol(election_id=election.id, contest_id=contest.id,
                       station_code=protocol.station, source=protocol.source.value,
                       version=version, status=status.value, content_hash=content,
                       lines=lines, votes=dict(protocol.votes),
                       checks=[r.as_dict() for r in results], submitted_by=actor,
                       received_at=utcnow(), correction_reason=protocol.correction_reason,
                       region_code=path.region_code, tec_code=path.tec_code or "")
        session.add(row)
        session.flush()
        _transition(session, row, None, status, actor,
                    "failed: " + ", ".join(r.id for r in bad) if bad else "checks passed")
        previous: Protocol | None = None
        was_counted = False
        if current is not None:
            previous = session.get(Protocol, current.protocol_id)
            was_counted = current.counted
            assert previous is not None
            _transition(session, previous, ProtocolStatus(previous.status),
                        ProtocolStatus.SUPERSEDED, actor,
                        f"corrected by version {version}: {protocol.correction_reason}")
            current.protocol_id = row.id
            current.counted = status is ProtocolStatus.ACCEPTED
        else:
            session.add(CurrentProtocol(contest_id=contest.id, station_code=protocol.station,
                                        source=protocol.source.value, protocol_id=row.id,
                                        counted=status is ProtocolStatus.ACCEPTED))
        _count(session, row, previous if was_counted else None,
               add_new=status is ProtocolStatus.ACCEPTED)
        audit.record(session, actor, "results.protocol_received", "protocol", row.id, {
            "contest": contest.id, "station": protocol.station, "source": protocol.source.value,
            "version": version, "status": status.value, "content_hash": content,
            "failed_checks": [r.id for r in bad],
            "correction_reason": protocol.correction_reason})
    message = ("accepted and counted" if status is ProtocolStatus.ACCEPTED else
               "quarantined: failed " + ", ".join(r.id for r in bad))
    return _outcome(row, duplicate=False, message=message)


def _outcome(row: Protocol, duplicate: bool, message: str) -> SubmitOutcome:
    return SubmitOutcome(protocol_id=row.id, version=row.version,
                         status=ProtocolStatus(row.status), duplicate=duplicate,
                         failed_checks=[c for c in row.checks if c.get("passed") is False],
                         message=message)


def _transition(session: Session, row: Protocol, old: ProtocolStatus | None,
                new: ProtocolStatus, actor: str, reason: str) -> None:
    row.status = new.value
    session.add(ProtocolTransition(protocol_id=row.id, from_status=old.value if old else None,
                                   to_status=new.value, actor=actor, at=utcnow(),
                                   reason=reason))


def _figures(row: Protocol) -> dict[str, int]:
    values = {f"line:{k}": int(v) for k, v in row.lines.items() if v is not None}
    values.update({f"choice:{k}": int(v) for k, v in row.votes.items()})
    values[STATIONS_KEY] = 1
    return values


def _units(row: Protocol) -> list[tuple[str, str]]:
    return [("contest", "*"), ("region", row.region_code or ABROAD_UNIT), ("tec", row.tec_code)]


def _count(session: Session, new: Protocol, old: Protocol | None, add_new: bool) -> None:
    """Apply the difference between the counted old version and the new one to every level."""
    delta: dict[tuple[str, str, str], int] = defaultdict(int)
    if old is not None:
        for unit in _units(old):
            for k, v in _figures(old).items():
                delta[(*unit, k)] -= v
    if add_new:
        for unit in _units(new):
            for k, v in _figures(new).items():
                delta[(*unit, k)] += v
    rows = [{"contest_id": new.contest_id, "source": new.source, "level": level,
             "unit": unit, "key": key, "value": value}
            for (level, unit, key), value in delta.items() if value != 0]
    if rows:
        _add_to_totals(session, rows)


def _add_to_totals(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    table = cast(Table, ResultTotal.__table__)
    if dialect == "postgresql":
        pg = postgresql.insert(table)
        stmt: Any = pg.on_conflict_do_update(
            index_elements=["contest_id", "source", "level", "unit", "key"],
            set_={"value": table.c.value + pg.excluded.value})
    else:
        lite = sqlite.insert(table)
        stmt = lite.on_conflict_do_update(
            index_elements=["contest_id", "source", "level", "unit", "key"],
            set_={"value": table.c.value + lite.excluded.value})
    session.execute(stmt, rows)


def accept_quarantined(session: Session, actor: str, protocol_id: int,
                       reason: str) -> SubmitOutcome:
    """A supervisor counts a quarantined protocol, with a written reason (audited)."""
    with unit_of_work(session):
        row = session.get(Protocol, protocol_id, with_for_update=True)
        if row is None:
            raise NotFound("results.protocol_not_found", f"no protocol {protocol_id}")
        if row.status != ProtocolStatus.QUARANTINED.value:
            raise RuleViolation("results.not_quarantined",
                                f"protocol {protocol_id} is {row.status}, not quarantined")
        current = session.get(CurrentProtocol, (row.contest_id, row.station_code, row.source),
                              with_for_update=True)
        if current is None or current.protocol_id != row.id:
            raise RuleViolation("results.not_current", f"protocol {protocol_id} was corrected "
                                                       "by a later version")
        _transition(session, row, ProtocolStatus.QUARANTINED, ProtocolStatus.ACCEPTED, actor,
                    reason)
        current.counted = True
        _count(session, row, None, add_new=True)
        audit.record(session, actor, "results.protocol_accepted", "protocol", row.id,
                     {"reason": reason, "failed_checks": [
                         c["id"] for c in row.checks if c.get("passed") is False]})
    return _outcome(row, duplicate=False, message="accepted by a supervisor and counted")


def protocol_path(session: Session, protocol_id: int) -> GeoPath:
    """Where a protocol's station sits, for scope checks."""
    row = session.get(Protocol, protocol_id)
    if row is None:
        raise NotFound("results.protocol_not_found", f"no protocol {protocol_id}")
    return geography.station_path(session, row.station_code)


def _protocol_out(row: Protocol) -> ProtocolOut:
    return ProtocolOut(id=row.id, contest_id=row.contest_id, station=row.station_code,
                       source=Source(row.source), version=row.version,
                       status=ProtocolStatus(row.status), lines=row.lines, votes=row.votes,
                       checks=row.checks, submitted_by=row.submitted_by,
                       received_at=row.received_at, correction_reason=row.correction_reason,
                       tec=row.tec_code, region=row.region_code)


def quarantine_queue(session: Session, election_id: int,
                     tec_codes: set[str] | None) -> list[ProtocolOut]:
    """Quarantined current protocols awaiting a decision, limited to the caller's territorial
    commissions (None: the whole country, for the CEC)."""
    stmt = (select(Protocol).join(CurrentProtocol, CurrentProtocol.protocol_id == Protocol.id)
            .where(Protocol.election_id == election_id,
                   Protocol.status == ProtocolStatus.QUARANTINED.value)
            .order_by(Protocol.tec_code, Protocol.station_code))
    if tec_codes is not None:
        stmt = stmt.where(Protocol.tec_code.in_(sorted(tec_codes)))
    return [_protocol_out(r) for r in session.execute(stmt).scalars()]


def public_totals(session: Session, contest_id: int, source: Source, level: str = "contest"
                  ) -> dict[str, dict[str, int]]:
    """Running totals of a contest and source at a level: {unit: {key: value}}."""
    rows = session.execute(select(ResultTotal.unit, ResultTotal.key, ResultTotal.value).where(
        ResultTotal.contest_id == contest_id, ResultTotal.source == source.value,
        ResultTotal.level == level))
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for unit, key, value in rows:
        totals[unit][key] = int(value)
    return dict(totals)


def public_station_protocols(session: Session, election_id: int,
                             station_code: str) -> list[ProtocolOut]:
    """The current counted protocols of a station (scanner and manual, every contest)."""
    rows = session.execute(
        select(Protocol).join(CurrentProtocol, CurrentProtocol.protocol_id == Protocol.id)
        .where(Protocol.election_id == election_id, Protocol.station_code == station_code,
               CurrentProtocol.counted.is_(True))
        .order_by(Protocol.contest_id, Protocol.source)).scalars()
    return [_protocol_out(r) for r in rows]


def public_counted_protocols(session: Session, election_id: int,
                             source: Source | None = None) -> list[ProtocolOut]:
    """Every counted current protocol of an election (for exports), by station."""
    stmt = (select(Protocol).join(CurrentProtocol, CurrentProtocol.protocol_id == Protocol.id)
            .where(Protocol.election_id == election_id, CurrentProtocol.counted.is_(True))
            .order_by(Protocol.station_code, Protocol.contest_id, Protocol.source))
    if source is not None:
        stmt = stmt.where(Protocol.source == source.value)
    return [_protocol_out(r) for r in session.execute(stmt).scalars()]


def protocol_history(session: Session, protocol_id: int) -> list[dict[str, Any]]:
    """A protocol version's status history."""
    rows = session.execute(select(ProtocolTransition).where(
        ProtocolTransition.protocol_id == protocol_id).order_by(ProtocolTransition.id))
    return [{"from": t.from_status, "to": t.to_status, "actor": t.actor,
             "at": t.at.isoformat(), "reason": t.reason} for t in rows.scalars()]


def revision(session: Session, election_id: int) -> int:
    """A number that grows whenever the election's results change (for live pages)."""
    return int(session.execute(select(func.coalesce(func.max(ProtocolTransition.id), 0)).join(
        Protocol, Protocol.id == ProtocolTransition.protocol_id).where(
        Protocol.election_id == election_id)).scalar_one())


def recompute_totals(session: Session, actor: str, contest_id: int) -> int:
    """Rebuild a contest's running totals from its counted protocols (audited); returns the
    number of protocols counted. The incremental totals must equal this."""
    with unit_of_work(session):
        session.execute(delete(ResultTotal).where(ResultTotal.contest_id == contest_id))
        rows = session.execute(
            select(Protocol).join(CurrentProtocol, CurrentProtocol.protocol_id == Protocol.id)
            .where(Protocol.contest_id == contest_id, CurrentProtocol.counted.is_(True))
        ).scalars().all()
        delta: dict[tuple[str, str, str, str], int] = defaultdict(int)
        for row in rows:
            for unit in _units(row):
                for k, v in _figures(row).items():
                    delta[(row.source, *unit, k)] += v
        totals = [{"contest_id": contest_id, "source": s, "level": lvl, "unit": u, "key": k,
                   "value": v} for (s, lvl, u, k), v in delta.items() if v != 0]
        if totals:
            session.execute(insert(ResultTotal), totals)
        audit.record(session, actor, "results.totals_recomputed", "contest", contest_id,
                     {"protocols": len(rows)})
    return len(rows)
