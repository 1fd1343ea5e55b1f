"""Results use cases: take protocols in (idempotent, versioned, checked, signed), keep
running totals per level, quarantine and accept, and read results for publication."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.errors import Forbidden, InvalidInput, NotFound, RuleViolation, ShailooError
from shailoo.geography import service as geography
from shailoo.kit.clock import utcnow
from shailoo.kit.hashing import digest
from shailoo.kit.importing import ImportRejected, ImportReport, RowError, collector_paused
from shailoo.kit.rawsql import Raw
from shailoo.polling import service as polling
from shailoo.results import ingest
from shailoo.results.ingest import ABROAD_UNIT, STATIONS_KEY
from shailoo.results.models import Protocol, ProtocolTransition, ResultSettings, ResultTotal
from shailoo.results.rules import ControlCheck, ProtocolStatus, Source
from shailoo.results.schemas import ProtocolIn, ProtocolOut, SubmitOutcome
from shailoo.types import GeoPath

__all__ = ["ABROAD_UNIT", "STATIONS_KEY"]


def get_checks(session: Session, election_id: int) -> list[ControlCheck]:
    """The election's control checks (the defaults unless configured)."""
    return list(ingest.election_checks(session, election_id))


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


def submit_from_device(session: Session, protocol: ProtocolIn) -> SubmitOutcome:
    """A scanner's signed protocol: verify the device and its signature, then submit."""
    return _one(submit_batch(session, [(protocol, None)]))


def submit(session: Session, actor: str, protocol: ProtocolIn) -> SubmitOutcome:
    """Store a protocol version from a person: the same content again is a duplicate (stored
    once); a different one after an earlier version is a correction and needs a reason.
    Failing control checks quarantine it (kept, never counted); otherwise it is counted.
    Scanner protocols come only from their device (``submit_from_device``)."""
    return _one(submit_batch(session, [(protocol, actor)]))


def _one(answers: list[SubmitOutcome | ShailooError]) -> SubmitOutcome:
    (answer,) = answers
    if isinstance(answer, ShailooError):
        raise answer
    return answer


def _received(prepared: ingest.Prepared) -> audit.Entry:
    row = prepared.row
    return audit.Entry(row["submitted_by"], "results.protocol_received", "protocol", row["id"], {
        "contest": row["contest_id"], "station": row["station_code"], "source": row["source"],
        "version": row["version"], "status": row["status"],
        "content_hash": row["content_hash"], "failed_checks": [r.id for r in prepared.failed],
        "correction_reason": row["correction_reason"]})


def _stored_outcome(prepared: ingest.Prepared) -> SubmitOutcome:
    message = ("accepted and counted" if prepared.status is ProtocolStatus.ACCEPTED else
               "quarantined: failed " + ", ".join(r.id for r in prepared.failed))
    return _outcome(prepared.row, prepared.row["checks"], duplicate=False, message=message)


DUPLICATE_MESSAGE = "the same protocol was already received; nothing changed"


@dataclass(frozen=True)
class Precheck:
    """What is worked out for an upload before the write begins (no lock held): its content
    hash and, for a device's, the registered key its signature is valid under."""

    content_hash: str
    signed_with: str | None = None


def precheck(session: Session, items: list[tuple[ProtocolIn, str | None]]) -> list[Precheck]:
    """The CPU-heavy part of judging uploads (hashing, signature checks: a fifth of an
    upload's cost), done outside the writers' turn so that concurrent server processes do
    it side by side; ``submit_batch`` given the answers checks the devices again inside."""
    signed = [(i, p) for i, (p, actor) in enumerate(items)
              if actor is None and p.source is Source.SCANNER and p.device_id and p.signature]
    keys = polling.signature_valid_under(session, [
        (p.device_id or "", p.document(), p.signature or "") for _i, p in signed])
    key_of = {i: key for (i, _p), key in zip(signed, keys, strict=True)}
    return [Precheck(ingest.content_hash(p), key_of.get(i)) for i, (p, _a) in enumerate(items)]


def submit_batch(session: Session, items: list[tuple[ProtocolIn, str | None]],
                 ballots: dict[int, list[str]] | None = None,
                 prechecked: list[Precheck] | None = None
                 ) -> list[SubmitOutcome | ShailooError]:
    """Take in protocols arriving together (the API groups concurrent requests) in one
    transaction, each judged on its own as ``submit`` would: a device's (actor None; its
    signature is verified) or a person's. Returns, per item, its outcome or its refusal.
    ``ballots``: ballot codes kept by the caller from one batch to the next (see
    ``ingest.Engine.known_ballots``); ``prechecked``: :func:`precheck`'s answers for
    ``items``, worked out before."""
    now = utcnow()
    answers: list[SubmitOutcome | ShailooError | ingest.Prepared] = []
    with unit_of_work(session):
        engine = ingest.Engine(session, known_ballots=ballots)
        engine.preload_for([protocol for protocol, _actor in items])
        devices = polling.device_keys(session, [p.device_id for p, a in items
                                                if a is None and p.device_id])
        prepared: list[ingest.Prepared] = []
        refused: list[audit.Entry] = []
        for index, (protocol, actor) in enumerate(items):
            check = prechecked[index] if prechecked is not None else None
            try:
                if actor is not None and protocol.source is Source.SCANNER:
                    raise Forbidden("results.scanner_needs_device", "scanner protocols come "
                                    "from the scanner itself, signed with its key")
                who = actor if actor is not None else _device_actor(
                    session, protocol, devices, check.signed_with if check else None)
                ready = engine.prepare(protocol, who, now,
                                       check.content_hash if check else None)
            except ShailooError as exc:
                answers.append(exc)
                if actor is None and isinstance(exc, Forbidden):
                    refused.append(_refusal(protocol, exc))
                continue
            answers.append(ready)  # a duplicate may repeat one of this very batch
            if ready.duplicate_of is None:
                prepared.append(ready)
        with Raw(session).together():  # PostgreSQL: the writes in three round trips
            ingest.write(session, prepared, now)
            audit.record_many(session, [_received(p) for p in prepared] + refused)
    return [_batch_answer(a) for a in answers]


def _refusal(protocol: ProtocolIn, refusal: Forbidden) -> audit.Entry:
    """The audit record of a refused device upload (unknown or revoked device, another
    station, a bad signature)."""
    device = protocol.device_id or "unnamed"
    return audit.Entry(f"device:{device}", "polling.upload_refused", "device", device, {
        "station": protocol.station, "contest": protocol.contest_id, "code": refusal.code,
        "reason": refusal.message, "content_hash": digest(protocol.document())})


def _batch_answer(answer: SubmitOutcome | ShailooError | ingest.Prepared
                  ) -> SubmitOutcome | ShailooError:
    if not isinstance(answer, ingest.Prepared):
        return answer
    if answer.duplicate_of is not None:
        return _outcome(answer.row, [], duplicate=True, message=DUPLICATE_MESSAGE)
    return _stored_outcome(answer)


def _device_actor(session: Session, protocol: ProtocolIn,
                  known: dict[str, polling.DeviceKey] | None = None,
                  valid_under: str | None = None) -> str:
    if protocol.source is not Source.SCANNER:
        raise InvalidInput("results.device_source", "devices send scanner protocols only")
    if protocol.device_id is None or protocol.signature is None:
        raise Forbidden("results.signature_required",
                        "a scanner protocol must name its device and carry its signature")
    device = polling.verify_upload(session, protocol.device_id, "scanner", protocol.station,
                                   protocol.document(), protocol.signature, known,
                                   valid_under=valid_under)
    return f"device:{device.device_id}"


def _outcome(row: dict[str, Any], checks: list[dict[str, Any]], duplicate: bool,
             message: str) -> SubmitOutcome:
    return SubmitOutcome(protocol_id=row["id"], version=row["version"],
                         status=ProtocolStatus(row["status"]), duplicate=duplicate,
                         failed_checks=[c for c in checks if c.get("passed") is False],
                         message=message)


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
        row.status = ProtocolStatus.ACCEPTED.value
        session.add(ProtocolTransition(protocol_id=row.id,
                                       from_status=ProtocolStatus.QUARANTINED.value,
                                       to_status=ProtocolStatus.ACCEPTED.value, actor=actor,
                                       at=utcnow(), reason=reason))
        delta = ingest.new_delta()
        ingest.accumulate(delta, _as_row(row), +1)
        session.flush()
        ingest.add_to_totals(session, ingest.total_rows(delta))
        audit.record(session, actor, "results.protocol_accepted", "protocol", row.id,
                     {"reason": reason, "failed_checks": [
                         c["id"] for c in row.checks if c.get("passed") is False]})
        checks = row.checks
        result = {"id": row.id, "version": row.version, "status": row.status}
    return _outcome(result, checks, duplicate=False,
                    message="accepted by a supervisor and counted")


def _as_row(protocol: Protocol) -> dict[str, Any]:
    return {"contest_id": protocol.contest_id, "source": protocol.source,
            "region_code": protocol.region_code, "tec_code": protocol.tec_code,
            "lines": protocol.lines, "votes": protocol.votes}


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
    stmt = (select(Protocol)
            .where(Protocol.election_id == election_id,
                   Protocol.status == ProtocolStatus.QUARANTINED.value)
            .order_by(Protocol.tec_code, Protocol.station_code))
    if tec_codes is not None:
        stmt = stmt.where(Protocol.tec_code.in_(sorted(tec_codes)))
    return [_protocol_out(r) for r in session.execute(stmt).scalars()]


def public_totals(session: Session, contest_id: int, source: Source, level: str = "contest"
                  ) -> dict[str, dict[str, int]]:
    """Totals of a contest and source at a level: {unit: {key: value}}. The contest and its
    regions are running totals; a territorial commission's are summed on demand from its
    stations' counted protocols (a handful of rows), which keeps them off the write path."""
    if level == "tec":
        return {tec: figures for (_source, tec, _region), figures in
                _counted_sums(session, contest_id, source).items()}
    return _running_totals(session, contest_id, source, [level])[level]


def _running_totals(session: Session, contest_id: int, source: Source, levels: list[str]
                    ) -> dict[str, dict[str, dict[str, int]]]:
    """The running totals of the given levels (contest, region): {level: {unit: {key:
    value}}}, in one driver-level query (every results page and API answer asks)."""
    raw = Raw(session)
    wanted, args = raw.in_list("level", levels)
    found: dict[str, dict[str, dict[str, int]]] = {level: {} for level in levels}
    for level, unit, key, value in raw.execute(
            "SELECT level, unit, key, value FROM result_totals WHERE contest_id = ? AND "
            f"source = ? AND {wanted}", [contest_id, source.value, *args]):
        found[level].setdefault(unit, {})[key] = int(value)
    return found


def public_totals_at(session: Session, contest_id: int, source: Source,
                     levels: Iterable[str]) -> dict[str, dict[str, dict[str, int]]]:
    """``public_totals`` of several levels at once: {level: {unit: {key: value}}}. The running
    totals of the contest and region levels come in one query."""
    wanted = list(dict.fromkeys(levels))
    found: dict[str, dict[str, dict[str, int]]] = {level: {} for level in wanted}
    running = [level for level in wanted if level != "tec"]
    if running:
        found.update(_running_totals(session, contest_id, source, running))
    if "tec" in found:
        found["tec"] = public_totals(session, contest_id, source, "tec")
    return found


def public_station_protocols(session: Session, election_id: int,
                             station_code: str) -> list[ProtocolOut]:
    """The current counted protocols of a station (scanner and manual, every contest)."""
    rows = session.execute(
        select(Protocol)
        .where(Protocol.election_id == election_id, Protocol.station_code == station_code,
               Protocol.status == ProtocolStatus.ACCEPTED.value)
        .order_by(Protocol.contest_id, Protocol.source)).scalars()
    return [_protocol_out(r) for r in rows]


def stations_with_protocols(session: Session, election_id: int) -> set[str]:
    """Stations from which any protocol of the election arrived (counted or not)."""
    return set(session.execute(select(Protocol.station_code).where(
        Protocol.election_id == election_id).distinct()).scalars())


def public_counted_protocols(session: Session, election_id: int,
                             source: Source | None = None, contest_id: int | None = None,
                             tec: str | None = None) -> list[ProtocolOut]:
    """Counted current protocols of an election (for exports and the station lists), by
    station; optionally of one source, contest or territorial commission."""
    stmt = (select(Protocol)
            .where(Protocol.election_id == election_id,
                   Protocol.status == ProtocolStatus.ACCEPTED.value)
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


def _counted_sums(session: Session, contest_id: int, source: Source | None = None
                  ) -> dict[tuple[str, str, str | None], dict[str, int]]:
    """Sums of the counted protocols' figures per (source, commission, region), in the
    database: {(source, tec, region): {key: value}} with the number of stations reporting."""
    from shailoo.candidates import service as candidates
    from shailoo.results.rules import LINES

    keys = [(f"choice:{c}", Protocol.votes[c]) for c in candidates.ballot_codes(
        session, contest_id)]
    keys += [(f"line:{name}", Protocol.lines[name]) for name in LINES]
    stmt = (select(Protocol.source, Protocol.tec_code, Protocol.region_code, func.count(),
                   *[func.sum(expr.as_integer()) for _key, expr in keys])
            .where(Protocol.contest_id == contest_id,
                   Protocol.status == ProtocolStatus.ACCEPTED.value)
            .group_by(Protocol.source, Protocol.tec_code, Protocol.region_code))
    if source is not None:
        stmt = stmt.where(Protocol.source == source.value)
    sums: dict[tuple[str, str, str | None], dict[str, int]] = {}
    for src, tec, region, stations, *values in session.execute(stmt):
        figures = {key: int(value) for (key, _expr), value in zip(keys, values, strict=True)
                   if value}
        figures[STATIONS_KEY] = int(stations)
        sums[(src, tec, region)] = figures
    return sums


def recompute_totals(session: Session, actor: str, contest_id: int) -> int:
    """Rebuild a contest's running totals (the contest and its regions) from its counted
    protocols, in the database, one GROUP BY rolled up from commissions; audited. Returns the
    number of protocols counted. The incremental totals must equal this."""
    with unit_of_work(session):
        session.execute(delete(ResultTotal).where(ResultTotal.contest_id == contest_id))
        delta = ingest.new_delta()
        counted = 0
        for (source, _tec, region), figures in _counted_sums(session, contest_id).items():
            counted += figures[STATIONS_KEY]
            for level, unit in (("contest", "*"), ("region", region or ABROAD_UNIT)):
                bucket = delta[(contest_id, source, level, unit)]
                for key, value in figures.items():
                    bucket[key] += value
        totals = ingest.total_rows(delta)
        if totals:
            session.execute(insert(ResultTotal), totals)
        audit.record(session, actor, "results.totals_recomputed", "contest", contest_id,
                     {"protocols": counted})
    return counted


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


def submit_many(session: Session, actor: str, items: Iterable[tuple[int, ProtocolIn]],
                source: str, progress: Callable[[int], None] | None = None,
                batch_size: int = 2000) -> BulkSummary:
    """Take in many protocols in one transaction, as ``submit`` would one by one: duplicates
    are skipped, corrections need a reason, failing checks quarantine. Any refused protocol
    (unknown station, contest or choice...) rejects the whole import, each named by line."""
    report = ImportReport(source)
    summary = BulkSummary(source)
    now = utcnow()
    with collector_paused(), unit_of_work(session):
        engine = ingest.Engine(session, preload=True)
        prepared: list[ingest.Prepared] = []
        for line, protocol in items:
            summary.read += 1
            if progress is not None and summary.read % 1000 == 0:
                progress(1000)
            try:
                ready = engine.prepare(protocol, actor, now)
            except ShailooError as exc:
                field = "correction_reason" if exc.code == "results.correction_needs_reason" \
                    else exc.code
                report.add_error(RowError(source, line, field, exc.message))
                continue
            if ready.duplicate_of is not None:
                summary.duplicates += 1
                continue
            prepared.append(ready)
            summary.corrections += ready.replaces is not None
            if ready.status is ProtocolStatus.ACCEPTED:
                summary.accepted += 1
            else:
                summary.quarantined += 1
        if not report.ok:
            raise ImportRejected(report)
        ingest.write(session, prepared, now, batch_size)
        audit.record(session, actor, "results.protocols_imported", "import", source,
                     summary.as_dict() | {"content_digest": digest(
                         [p.row["content_hash"] for p in prepared])})
    if progress is not None:
        progress(summary.read % 1000)
    return summary
