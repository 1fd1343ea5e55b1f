"""The protocol-ingestion engine shared by one-by-one submission and bulk import.

A protocol is *prepared* (validated against its contest, ballot and station, compared with
the station's latest version, checked) and then *written* in a few statements: the new
version, its status step, the superseded old version, the running totals at every level.
The latest version of a contest/station/source is the current one; it is counted when
accepted. Reference facts are read once per engine, so a bulk import reads each contest,
ballot and the station map a single time.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from shailoo.candidates import service as candidates
from shailoo.elections import service as elections
from shailoo.elections.rules import ContestKind, ElectionStatus
from shailoo.errors import Conflict, InvalidInput, NotFound, RuleViolation
from shailoo.geography import service as geography
from shailoo.geography.rules import StationKind
from shailoo.kit.hashing import digest as canonical_digest
from shailoo.kit.importing import batched
from shailoo.kit.rawsql import Raw, TableRows, reader
from shailoo.results.models import Protocol, ProtocolTransition, ResultSettings
from shailoo.results.rules import (
    DEFAULT_CHECKS,
    CheckResult,
    ControlCheck,
    ProtocolStatus,
    failed,
    run_checks,
)
from shailoo.results.schemas import ProtocolIn
from shailoo.types import GeoPath

COUNTING_STATUSES = (ElectionStatus.POLLING, ElectionStatus.COUNTING)
ABROAD_UNIT = "abroad"
STATIONS_KEY = "stations_reporting"
LIVE = (ProtocolStatus.ACCEPTED.value, ProtocolStatus.QUARANTINED.value)

Key = tuple[int, str, str]  # contest, station, source
Delta = defaultdict[tuple[int, str, str, str], defaultdict[str, int]]


@lru_cache(maxsize=64)
def _parse_checks(payload: str) -> tuple[ControlCheck, ...]:
    return tuple(ControlCheck.model_validate(c) for c in json.loads(payload))


def election_checks(session: Session, election_id: int) -> tuple[ControlCheck, ...]:
    """The election's control checks (the defaults unless configured)."""
    raw = Raw(session)
    rows = raw.execute("SELECT checks FROM result_settings WHERE election_id = ?",
                       [election_id])
    if not rows:
        return DEFAULT_CHECKS
    read = reader(raw, cast(Table, ResultSettings.__table__), "checks")
    stored = read(rows[0][0])
    return _parse_checks(json.dumps(stored, sort_keys=True))


def content_hash(protocol: ProtocolIn) -> str:
    """Idempotency key: the protocol's content, whatever reason or signature came with it."""
    return canonical_digest(protocol.document() | {"correction_reason": None})


@dataclass
class Latest:
    """The latest version of one contest/station/source (what a new one would replace)."""

    row: dict[str, Any]  # id, contest_id, source, region_code, tec_code, lines, votes
    content_hash: str
    version: int
    status: str

    @property
    def counted(self) -> bool:
        """True when this version is in the totals."""
        return self.status == ProtocolStatus.ACCEPTED.value


@dataclass
class Prepared:
    """A validated protocol ready to be written, or a duplicate of the latest version."""

    row: dict[str, Any]
    results: list[CheckResult]
    replaces: Latest | None
    duplicate_of: Latest | None = None

    @property
    def status(self) -> ProtocolStatus:
        """Accepted, or quarantined when a check failed."""
        return ProtocolStatus(self.row["status"])

    @property
    def failed(self) -> list[CheckResult]:
        """Checks that failed."""
        return failed(self.results)


@dataclass
class Engine:
    """Validation facts, read once, and the latest versions seen so far in this transaction."""

    session: Session
    preload: bool = False
    contests: dict[int, elections.ContestFacts] = field(default_factory=dict)
    ballots: dict[int, list[str]] = field(default_factory=dict)
    checks: dict[int, tuple[ControlCheck, ...]] = field(default_factory=dict)
    stations: dict[str, tuple[GeoPath, StationKind]] | None = None
    latest: dict[Key, Latest | None] = field(default_factory=dict)
    # Ballots kept beyond this engine (by the API's writer): a ballot can be set only once,
    # so one with lines never changes; a contest without a ballot yet is not kept there.
    known_ballots: dict[int, list[str]] | None = None

    def __post_init__(self) -> None:
        if self.preload:
            self.stations = geography.station_paths(self.session)
            self.latest.update(_all_latest(self.session))

    def preload_for(self, protocols: list[ProtocolIn]) -> None:
        """Read the stations and latest versions a group of protocols needs in two queries
        (instead of two per protocol), holding their keys first (:func:`hold_keys`)."""
        keys = {(p.contest_id, p.station, p.source.value) for p in protocols}
        hold_keys(self.session, sorted(keys))
        self.stations = geography.station_paths(self.session, sorted({p.station
                                                                      for p in protocols}))
        found = _latest_for(self.session, sorted(keys))
        for key in keys:
            self.latest[key] = found.get(key)

    def _contest(self, contest_id: int) -> elections.ContestFacts:
        if contest_id not in self.contests:
            self.contests[contest_id] = elections.contest_facts(self.session, contest_id)
        return self.contests[contest_id]

    def _ballot(self, contest_id: int) -> list[str]:
        if contest_id not in self.ballots:
            known = self.known_ballots
            codes = known.get(contest_id) if known is not None else None
            if codes is None:
                codes = candidates.ballot_codes(self.session, contest_id)
                if known is not None and codes:
                    known[contest_id] = codes
            self.ballots[contest_id] = codes
        return self.ballots[contest_id]

    def _checks(self, election_id: int) -> tuple[ControlCheck, ...]:
        if election_id not in self.checks:
            self.checks[election_id] = election_checks(self.session, election_id)
        return self.checks[election_id]

    def _station(self, code: str) -> tuple[GeoPath, StationKind]:
        if self.stations is None:
            return geography.station_place(self.session, code)
        if code not in self.stations:
            raise NotFound("geography.station_not_found",
                           f"no polling station with code {code!r}", code=code)
        return self.stations[code]

    def _latest(self, key: Key) -> Latest | None:
        if key not in self.latest:
            if self.preload:
                return None
            self.latest[key] = _one_latest(self.session, key)
        return self.latest[key]

    def prepare(self, protocol: ProtocolIn, actor: str, now: datetime,
                digest: str | None = None) -> Prepared:
        """Validate and check a protocol against what is stored; raise ShailooError when it is
        refused. A protocol equal to the latest version is a duplicate. ``digest``: its
        :func:`content_hash` when already worked out."""
        facts = self._contest(protocol.contest_id)
        if facts.status not in COUNTING_STATUSES:
            raise RuleViolation("results.election_not_counting",
                                f"election {facts.election_id} is {facts.status.value}; "
                                "protocols are taken in while it is polling or counting")
        _check_votes(self._ballot(facts.contest_id), facts.contest_id, protocol.votes)
        path, kind = self._station(protocol.station)
        _check_station_in_contest(facts, protocol.station, path, kind)
        key: Key = (facts.contest_id, protocol.station, protocol.source.value)
        digest = digest or content_hash(protocol)
        latest = self._latest(key)
        if latest is not None and latest.content_hash == digest:
            return Prepared(latest.row, [], None, duplicate_of=latest)
        if latest is not None and protocol.correction_reason is None:
            raise Conflict("results.correction_needs_reason",
                           f"station {protocol.station} already has a {protocol.source.value} "
                           "protocol for this contest; a different one is a correction and "
                           "needs correction_reason")
        lines = {k: v for k, v in protocol.lines.items() if v is not None}
        results = run_checks(self._checks(facts.election_id), lines, protocol.votes)
        status = ProtocolStatus.QUARANTINED if failed(results) else ProtocolStatus.ACCEPTED
        row: dict[str, Any] = {"election_id": facts.election_id, "contest_id": facts.contest_id,
               "station_code": protocol.station, "source": protocol.source.value,
               "version": (latest.version if latest else 0) + 1, "status": status.value,
               "content_hash": digest, "lines": lines, "votes": dict(protocol.votes),
               "checks": [r.as_dict() for r in results], "submitted_by": actor,
               "received_at": now, "correction_reason": protocol.correction_reason,
               "region_code": path.region_code, "tec_code": path.tec_code or ""}
        self.latest[key] = Latest(row, digest, row["version"], status.value)
        return Prepared(row, results, latest)


def _check_station_in_contest(facts: elections.ContestFacts, station: str, path: GeoPath,
                              kind: StationKind) -> None:
    if facts.kind is ContestKind.SINGLE_MEMBER_DISTRICT:
        if facts.district_id not in path.district_ids:
            raise RuleViolation("results.station_not_in_contest",
                                f"station {station} does not vote in contest "
                                f"{facts.contest_id}")
    elif (facts.kind is ContestKind.NATIONAL_LIST and kind is StationKind.ABROAD
          and not facts.abroad_list_votes):
        raise RuleViolation("results.station_not_in_contest",
                            f"abroad station {station} does not vote in this list contest")


def _check_votes(codes: list[str], contest_id: int, votes: Mapping[str, int]) -> None:
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


_LATEST_SELECT = ("SELECT id, contest_id, station_code, source, region_code, tec_code, lines, "
                  "votes, content_hash, version, status FROM protocols WHERE ")


def _latest_rows(raw: Raw, rows: list[tuple[Any, ...]]) -> dict[Key, Latest]:
    """Rows of ``_LATEST_SELECT`` as the latest versions of their keys."""
    figures = reader(raw, cast(Table, Protocol.__table__), "lines")  # lines and votes alike
    return {(r[1], r[2], r[3]): Latest(
        {"id": r[0], "contest_id": r[1], "source": r[3], "region_code": r[4],
         "tec_code": r[5], "lines": figures(r[6]), "votes": figures(r[7]), "version": r[9],
         "status": r[10]}, r[8], r[9], r[10]) for r in rows}


def _one_latest(session: Session, key: Key) -> Latest | None:
    raw = Raw(session)
    lock = " FOR UPDATE" if raw.postgres else ""
    rows = raw.execute(_LATEST_SELECT + "contest_id = ? AND station_code = ? AND source = ? "
                       "ORDER BY version DESC LIMIT 1" + lock, key)
    return _latest_rows(raw, rows).get(key)


def _latest_for(session: Session, keys: list[Key]) -> dict[Key, Latest]:
    if not keys:
        return {}
    raw = Raw(session)
    contests, contest_args = raw.in_list("contest_id", sorted({k[0] for k in keys}))
    stations, station_args = raw.in_list("station_code", sorted({k[1] for k in keys}))
    live, live_args = raw.in_list("status", list(LIVE))
    rows = raw.execute(f"{_LATEST_SELECT}{contests} AND {stations} AND {live}",
                       contest_args + station_args + live_args)
    found = _latest_rows(raw, rows)
    return {key: found[key] for key in keys if key in found}


def _all_latest(session: Session) -> dict[Key, Latest | None]:
    raw = Raw(session)
    live, live_args = raw.in_list("status", list(LIVE))
    return dict(_latest_rows(raw, raw.execute(_LATEST_SELECT + live, live_args)))


def hold_keys(session: Session, keys: list[Key]) -> None:
    """On PostgreSQL, where writers run side by side, hold a transaction-scoped advisory lock
    for each contest/station/source, taken in one order: two transactions taking in the same
    station's protocol at once (a device's retry reaching another server process) then take
    turns, and the second finds the first's version (a duplicate, or a correction needing a
    reason) instead of colliding with it on the version number, which would fail its whole
    group. SQLite's writers take turns anyway. Call before reading the latest versions."""
    raw = Raw(session)
    if not raw.postgres or not keys:
        return
    locks = sorted({int.from_bytes(hashlib.sha256(f"protocol:{c}:{s}:{src}".encode())
                                   .digest()[:8], "big", signed=True) for c, s, src in keys})
    raw.execute("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(? AS bigint[])) AS t(k)",
                [locks])


def accumulate(delta: Delta, row: Mapping[str, Any], sign: int) -> None:
    """Add (or take away) a protocol's figures in the running totals of the contest and of
    its region (commissions are summed on demand: see service.public_totals)."""
    figures = [(f"line:{k}", sign * int(v)) for k, v in row["lines"].items() if v is not None]
    figures += [(f"choice:{k}", sign * int(v)) for k, v in row["votes"].items()]
    figures.append((STATIONS_KEY, sign))
    contest, source = row["contest_id"], row["source"]
    for level, unit in (("contest", "*"), ("region", row["region_code"] or ABROAD_UNIT)):
        bucket = delta[(contest, source, level, unit)]
        for key, value in figures:
            bucket[key] += value


def new_delta() -> Delta:
    """An empty set of changes to the running totals."""
    return defaultdict(lambda: defaultdict(int))


_PROTOCOL_ROWS = TableRows(cast(Table, Protocol.__table__), (
    "id", "election_id", "contest_id", "station_code", "source", "version", "status",
    "content_hash", "lines", "votes", "checks", "submitted_by", "received_at",
    "correction_reason", "region_code", "tec_code"))
_TRANSITION_ROWS = TableRows(cast(Table, ProtocolTransition.__table__), (
    "protocol_id", "from_status", "to_status", "actor", "at", "reason"))


def write(session: Session, prepared: list[Prepared], now: datetime,
          batch_size: int = 2000) -> None:
    """Write prepared protocols (no duplicates): versions, status steps (by each protocol's
    sender), superseded old versions and the running totals. (Driver-level statements: this
    is the election-night hot path; see kit.rawsql.)"""
    raw = Raw(session)
    rows = [p.row for p in prepared]
    for row, new_id in zip(rows, _reserve_ids(raw, len(rows)), strict=True):
        row["id"] = new_id
    for batch in batched(rows, batch_size):
        _PROTOCOL_ROWS.insert(raw, batch)
    steps = [{"protocol_id": p.row["id"], "from_status": None, "to_status": p.row["status"],
              "actor": p.row["submitted_by"], "at": now,
              "reason": "failed: " + ", ".join(r.id for r in p.failed) if p.failed
              else "checks passed"} for p in prepared]
    old_ids = []
    delta = new_delta()
    for p in prepared:
        old = p.replaces
        if old is not None:
            old_ids.append(old.row["id"])
            steps.append({"protocol_id": old.row["id"], "from_status": old.status,
                          "to_status": ProtocolStatus.SUPERSEDED.value,
                          "actor": p.row["submitted_by"],
                          "at": now, "reason": f"corrected by version {p.row['version']}: "
                                               f"{p.row['correction_reason']}"})
            if old.counted:
                accumulate(delta, old.row, -1)
        if p.status is ProtocolStatus.ACCEPTED:
            accumulate(delta, p.row, +1)
    for batch in batched(steps, batch_size):
        _TRANSITION_ROWS.insert(raw, batch)
    for batch in batched(old_ids, batch_size):
        ids, args = raw.in_list("id", batch)
        raw.send(f"UPDATE protocols SET status = ? WHERE {ids}",
                 [ProtocolStatus.SUPERSEDED.value, *args])
    for batch in batched(total_rows(delta), batch_size):
        add_to_totals(session, batch)


def _reserve_ids(raw: Raw, count: int) -> list[int]:
    """Ids for new protocols: on PostgreSQL from its sequence; on SQLite after the largest
    (the write lock is held from BEGIN IMMEDIATE)."""
    if count == 0:
        return []
    if raw.postgres:
        return [r[0] for r in raw.execute(
            "SELECT nextval(pg_get_serial_sequence('protocols', 'id')) "
            "FROM generate_series(1, ?)", [count])]
    start = int(raw.execute("SELECT coalesce(max(id), 0) FROM protocols")[0][0])
    return list(range(start + 1, start + 1 + count))


def total_rows(delta: Delta) -> list[dict[str, Any]]:
    """Rows for the running-totals upsert (zero changes left out)."""
    return [{"contest_id": c, "source": s, "level": lvl, "unit": u, "key": k, "value": v}
            for (c, s, lvl, u), values in delta.items() for k, v in values.items() if v != 0]


_TOTAL_KEY = ("contest_id", "source", "level", "unit", "key")

_SQLITE_TOTALS_UPSERT = (
    "INSERT INTO result_totals (contest_id, source, level, unit, key, value) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (contest_id, source, level, unit, key) "
    "DO UPDATE SET value = value + excluded.value")

# PostgreSQL: the whole change in one statement and one round trip (the rows travel as one
# JSON document), where an executemany of the upsert costs the server a statement per row.
_PG_TOTALS_UPSERT = (
    "INSERT INTO result_totals (contest_id, source, level, unit, key, value) "
    "SELECT contest_id, source, level, unit, key, value "
    "FROM json_populate_recordset(NULL::result_totals, CAST(? AS json)) "
    "ON CONFLICT (contest_id, source, level, unit, key) "
    "DO UPDATE SET value = result_totals.value + excluded.value")


def add_to_totals(session: Session, rows: list[dict[str, Any]]) -> None:
    """Add values to the running totals (insert, or add to the existing figure). Rows for the
    same figure are summed first; the figures are written in key order (writers that touch the
    same figures take their row locks in one order)."""
    if not rows:
        return
    merged: dict[tuple[Any, ...], int] = {}
    for row in rows:
        key = tuple(row[k] for k in _TOTAL_KEY)
        merged[key] = merged.get(key, 0) + int(row["value"])
    ordered = sorted(merged.items())
    raw = Raw(session)
    if raw.postgres:
        raw.send(_PG_TOTALS_UPSERT, [json.dumps(
            [dict(zip(_TOTAL_KEY, key, strict=True), value=value) for key, value in ordered],
            ensure_ascii=False)])
        return
    raw.executemany(_SQLITE_TOTALS_UPSERT, [(*key, value) for key, value in ordered])
