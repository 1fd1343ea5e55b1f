"""Results use cases: take protocols in (idempotent, versioned, checked), keep running totals
per level, quarantine and accept, and read results for publication."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.candidates import service as candidates
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.elections.rules import ContestKind, ElectionStatus
from shailoo.elections.schemas import ContestOut, ElectionOut
from shailoo.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleViolation,
    ShailooError,
)
from shailoo.geography import service as geography
from shailoo.geography.rules import StationKind
from shailoo.kit.clock import utcnow
from shailoo.kit.hashing import digest
from shailoo.kit.importing import ImportRejected, ImportReport, RowError, batched
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


class _Context:
    """What validating a protocol needs, looked up once per contest, election and station."""

    def __init__(self, session: Session, all_stations: bool = False) -> None:
        self.session = session
        self.contests: dict[int, tuple[ContestOut, ElectionOut]] = {}
        self.ballots: dict[int, list[str]] = {}
        self.checks: dict[int, list[ControlCheck]] = {}
        self.paths = geography.station_paths(session) if all_stations else None

    def contest(self, contest_id: int) -> tuple[ContestOut, ElectionOut]:
        if contest_id not in self.contests:
            self.contests[contest_id] = elections.public_get_contest(self.session, contest_id)
        return self.contests[contest_id]

    def ballot(self, contest_id: int) -> list[str]:
        if contest_id not in self.ballots:
            self.ballots[contest_id] = [
                c.code for c in candidates.public_ballot(self.session, contest_id)]
        return self.ballots[contest_id]

    def election_checks(self, election_id: int) -> list[ControlCheck]:
        if election_id not in self.checks:
            self.checks[election_id] = get_checks(self.session, election_id)
        return self.checks[election_id]

    def station(self, code: str) -> tuple[GeoPath, StationKind]:
        if self.paths is None:
            return (geography.station_path(self.session, code),
                    geography.public_get_station(self.session, code).kind)
        if code not in self.paths:
            raise NotFound("geography.station_not_found",
                           f"no polling station with code {code!r}", code=code)
        return self.paths[code]

    def validate(self, protocol: ProtocolIn) -> tuple[ContestOut, ElectionOut, GeoPath]:
        """Refuse a protocol for a closed election, an unknown choice or a foreign station."""
        contest, election = self.contest(protocol.contest_id)
        if election.status not in COUNTING_STATUSES:
            raise RuleViolation("results.election_not_counting",
                                f"election {election.id} is {election.status.value}; "
                                "protocols are taken in while it is polling or counting")
        _validate_votes(self.ballot(contest.id), contest.id, dict(protocol.votes))
        path, kind = self.station(protocol.station)
        _check_station_in_contest(contest, election, protocol.station, path, kind)
        return contest, election, path


def _check_station_in_contest(contest: ContestOut, election: ElectionOut, station: str,
                              path: GeoPath, kind: StationKind) -> None:
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


def _validate_votes(codes: list[str], contest_id: int, votes: dict[str, int]) -> None:
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
    ctx = _Context(session)
    contest, election, path = ctx.validate(protocol)
    content = _content_hash(protocol)
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
        results = run_checks(ctx.election_checks(election.id), lines, protocol.votes)
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


def _content_hash(protocol: ProtocolIn) -> str:
    """Idempotency key: the protocol's content, whatever the reason or signature sent with it."""
    return digest(protocol.document() | {"correction_reason": None})


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


def _as_row(protocol: Protocol) -> dict[str, Any]:
    return {"contest_id": protocol.contest_id, "source": protocol.source,
            "region_code": protocol.region_code, "tec_code": protocol.tec_code,
            "lines": protocol.lines, "votes": protocol.votes}


def _count(session: Session, new: Protocol, old: Protocol | None, add_new: bool) -> None:
    """Apply the difference between the counted old version and the new one to every level."""
    delta: _Delta = defaultdict(lambda: defaultdict(int))
    if old is not None:
        _accumulate(delta, _as_row(old), -1)
    if add_new:
        _accumulate(delta, _as_row(new), +1)
    rows = _total_rows(delta)
    if rows:
        _add_to_totals(session, rows)


_Delta = defaultdict[tuple[int, str, str, str], defaultdict[str, int]]


def _total_rows(delta: _Delta) -> list[dict[str, Any]]:
    return [{"contest_id": c, "source": s, "level": lvl, "unit": u, "key": k, "value": v}
            for (c, s, lvl, u), values in delta.items() for k, v in values.items() if v != 0]


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
                             source: Source | None = None, contest_id: int | None = None,
                             tec: str | None = None) -> list[ProtocolOut]:
    """Counted current protocols of an election (for exports and the station lists), by
    station; optionally of one source, contest or territorial commission."""
    stmt = (select(Protocol).join(CurrentProtocol, CurrentProtocol.protocol_id == Protocol.id)
            .where(Protocol.election_id == election_id, CurrentProtocol.counted.is_(True))
            .order_by(Protocol.station_code, Protocol.contest_id, Protocol.source))
    if source is not None:
        stmt = stmt.where(Protocol.source == source.value)
    if contest_id is not None:
        stmt = stmt.where(Protocol.contest_id == contest_id)
    if tec is not None:
        stmt = stmt.where(Protocol.tec_code == tec)
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
        delta: _Delta = defaultdict(lambda: defaultdict(int))
        for row in rows:
            _accumulate(delta, _as_row(row), +1)
        totals = _total_rows(delta)
        if totals:
            session.execute(insert(ResultTotal), totals)
        audit.record(session, actor, "results.totals_recomputed", "contest", contest_id,
                     {"protocols": len(rows)})
    return len(rows)



@dataclass
class BulkSummary:
    """What a bulk import did."""

    source: str
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    corrections: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return dict(vars(self))


@dataclass
class _State:
    """The current version of one contest/station/source during a bulk import."""

    row: dict[str, Any]  # contest_id, source, region_code, tec_code, lines, votes (+ id)
    content_hash: str
    version: int
    counted: bool


def _current_states(session: Session) -> dict[tuple[int, str, str], _State]:
    rows = session.execute(
        select(Protocol.id, Protocol.contest_id, Protocol.station_code, Protocol.source,
               Protocol.region_code, Protocol.tec_code, Protocol.lines, Protocol.votes,
               Protocol.content_hash, Protocol.version, CurrentProtocol.counted)
        .join(CurrentProtocol, CurrentProtocol.protocol_id == Protocol.id))
    return {(r.contest_id, r.station_code, r.source): _State(
        {"id": r.id, "contest_id": r.contest_id, "source": r.source,
         "region_code": r.region_code, "tec_code": r.tec_code, "lines": r.lines,
         "votes": r.votes}, r.content_hash, r.version, r.counted) for r in rows}


def _accumulate(delta: _Delta, row: dict[str, Any], sign: int) -> None:
    """Add (or take away) a protocol's figures at the contest, region and TEC levels."""
    figures = [(f"line:{k}", sign * int(v)) for k, v in row["lines"].items() if v is not None]
    figures += [(f"choice:{k}", sign * int(v)) for k, v in row["votes"].items()]
    figures.append((STATIONS_KEY, sign))
    contest, source = row["contest_id"], row["source"]
    for level, unit in (("contest", "*"), ("region", row["region_code"] or ABROAD_UNIT),
                        ("tec", row["tec_code"])):
        bucket = delta[(contest, source, level, unit)]
        for key, value in figures:
            bucket[key] += value


def submit_many(session: Session, actor: str, items: Iterable[tuple[int, ProtocolIn]],
                source: str, progress: Callable[[int], None] | None = None,
                batch_size: int = 2000) -> BulkSummary:
    """Take in many protocols in one transaction, as ``submit`` would one by one: duplicates
    are skipped, corrections need a reason, failing checks quarantine. Any refused protocol
    (unknown station, contest or choice...) rejects the whole import, each named by line."""
    report = ImportReport(source)
    summary = BulkSummary(source)
    with unit_of_work(session):
        ctx = _Context(session, all_stations=True)
        states = _current_states(session)
        inserts: list[dict[str, Any]] = []
        superseded: list[tuple[dict[str, Any], str]] = []
        delta: _Delta = defaultdict(lambda: defaultdict(int))
        now = utcnow()
        for line, protocol in items:
            summary.read += 1
            if progress is not None and summary.read % 1000 == 0:
                progress(1000)
            try:
                contest, election, path = ctx.validate(protocol)
            except ShailooError as exc:
                report.add_error(RowError(source, line, exc.code, exc.message))
                continue
            key = (contest.id, protocol.station, protocol.source.value)
            content = _content_hash(protocol)
            state = states.get(key)
            if state is not None and state.content_hash == content:
                summary.duplicates += 1
                continue
            if state is not None and protocol.correction_reason is None:
                report.add_error(RowError(source, line, "correction_reason",
                                          "a different protocol for a station that has one "
                                          "is a correction and needs a reason"))
                continue
            lines = {k: v for k, v in protocol.lines.items() if v is not None}
            results = run_checks(ctx.election_checks(election.id), lines, protocol.votes)
            bad = failed(results)
            status = ProtocolStatus.QUARANTINED if bad else ProtocolStatus.ACCEPTED
            row: dict[str, Any] = {
                   "election_id": election.id, "contest_id": contest.id,
                   "station_code": protocol.station, "source": protocol.source.value,
                   "version": (state.version if state else 0) + 1, "status": status.value,
                   "content_hash": content, "lines": lines, "votes": dict(protocol.votes),
                   "checks": [r.as_dict() for r in results], "submitted_by": actor,
                   "received_at": now, "correction_reason": protocol.correction_reason,
                   "region_code": path.region_code, "tec_code": path.tec_code or ""}
            inserts.append(row)
            if state is not None:
                summary.corrections += 1
                superseded.append((state.row, protocol.correction_reason or ""))
                if state.counted:
                    _accumulate(delta, state.row, -1)
            counted = status is ProtocolStatus.ACCEPTED
            if counted:
                summary.accepted += 1
                _accumulate(delta, row, +1)
            else:
                summary.quarantined += 1
            states[key] = _State(row, content, row["version"], counted)
        if not report.ok:
            raise ImportRejected(report)
        for row, new_id in zip(inserts, _reserve_protocol_ids(session, len(inserts)),
                               strict=True):
            row["id"] = new_id
        table = cast(Table, Protocol.__table__)
        for batch in batched(inserts, batch_size):
            session.execute(insert(table), batch)
        _bulk_transitions(session, actor, inserts, superseded, now, batch_size)
        _bulk_currents(session, states, {id(r) for r in inserts}, batch_size)
        for batch in batched(_total_rows(delta), batch_size):
            _add_to_totals(session, batch)
        audit.record(session, actor, "results.protocols_imported", "import", source,
                     summary.as_dict() | {"content_digest": digest(
                         [r["content_hash"] for r in inserts])})
    if progress is not None:
        progress(summary.read % 1000)
    return summary


def _reserve_protocol_ids(session: Session, count: int) -> list[int]:
    """Ids for ``count`` new protocols: from the sequence on PostgreSQL; on SQLite, after the
    largest id (the write lock is held since BEGIN IMMEDIATE)."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return list(session.execute(text(
            "SELECT nextval(pg_get_serial_sequence('protocols', 'id')) "
            "FROM generate_series(1, :n)"), {"n": count}).scalars())
    start = int(session.execute(select(func.coalesce(func.max(Protocol.id), 0))).scalar_one())
    return list(range(start + 1, start + 1 + count))


def _bulk_transitions(session: Session, actor: str, inserts: list[dict[str, Any]],
                      superseded: list[tuple[dict[str, Any], str]], now: Any,
                      batch_size: int) -> None:
    steps = [{"protocol_id": r["id"], "from_status": None, "to_status": r["status"],
              "actor": actor, "at": now,
              "reason": "checks passed" if r["status"] == "accepted" else "failed: " + ", ".join(
                  c["id"] for c in r["checks"] if c["passed"] is False)} for r in inserts]
    old_ids = [old["id"] for old, _reason in superseded]
    old_status = dict(session.execute(select(Protocol.id, Protocol.status).where(
        Protocol.id.in_(old_ids))).all()) if old_ids else {}
    for old, reason in superseded:
        steps.append({"protocol_id": old["id"], "from_status": old_status[old["id"]],
                      "to_status": ProtocolStatus.SUPERSEDED.value, "actor": actor, "at": now,
                      "reason": f"corrected: {reason}"})
    for batch in batched(steps, batch_size):
        session.execute(insert(cast(Table, ProtocolTransition.__table__)), batch)
    for batch in batched(old_ids, batch_size):
        session.execute(update(Protocol).where(Protocol.id.in_(batch)).values(
            status=ProtocolStatus.SUPERSEDED.value))


def _bulk_currents(session: Session, states: dict[tuple[int, str, str], _State],
                   new_rows: set[int], batch_size: int) -> None:
    changed = [{"contest_id": c, "station_code": st, "source": src,
                "protocol_id": state.row["id"], "counted": state.counted}
               for (c, st, src), state in states.items() if id(state.row) in new_rows]
    table = cast(Table, CurrentProtocol.__table__)
    keys = ["contest_id", "station_code", "source"]
    dialect = session.get_bind().dialect.name
    for batch in batched(changed, batch_size):
        if dialect == "postgresql":
            pg = postgresql.insert(table)
            stmt: Any = pg.on_conflict_do_update(index_elements=keys, set_={
                "protocol_id": pg.excluded.protocol_id, "counted": pg.excluded.counted})
        else:
            lite = sqlite.insert(table)
            stmt = lite.on_conflict_do_update(index_elements=keys, set_={
                "protocol_id": lite.excluded.protocol_id, "counted": lite.excluded.counted})
        session.execute(stmt, batch)
