"""Polling-day test data built through the real services: the register country with lists
built, identification devices with an operator on duty, signed identification batches and
station reports."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionStatus
from shailoo.polling import identification, reports, service
from shailoo.polling.schemas import IdentificationBatchIn, StationReportIn
from shailoo.polling.signing import public_key_hex, sign
from shailoo.register import lists
from shailoo.results import service as results
from tests.register.factories import (
    ACTOR,
    import_addresses,
    import_rows,
    make_register_country,
    voter,
)
from tests.results.conftest import Counting, make_counting, protocol

KEYS = {d: Ed25519PrivateKey.from_private_bytes(bytes([i + 1]) * 32)
        for i, d in enumerate(("id-1001-a", "id-1001-b", "id-1002"))}
STATION = {"id-1001-a": "1001", "id-1001-b": "1001", "id-1002": "1002"}
ROWS = [voter(1, "Асанова", "Жылдыз"),  # 1001
        voter(2, "Орозов", "Бакыт", sex="M", street="Өмүрбекова"),  # 1002
        voter(3, "Иманов", "Марат", sex="M", deceased="1"),
        voter(4, "Ли", "Анна", street="Неизвестная")]  # no station
AT = datetime(2027, 2, 28, 9, 30, tzinfo=UTC)
PINS_1001 = [ROWS[0]["pin"], *(voter(i)["pin"] for i in range(5, 13))]  # with MORE_ROWS
MORE_ROWS = [*ROWS, *(voter(i) for i in range(5, 13))]  # nine voters listed at 1001
EXACT = {"tolerance": {"absolute": 0, "share": 0}}  # settings: any difference is flagged
BISHKEK = timezone(timedelta(hours=6))  # Asia/Bishkek has no daylight saving time


def local(hour: int, minute: int = 0, tz: timezone = BISHKEK) -> datetime:
    """A time on the test election's polling day (28 February 2027), Bishkek time."""
    return datetime(2027, 2, 28, hour, minute, tzinfo=tz)


def setup_country(session: Session, rows: Sequence[dict[str, str]] = ROWS) -> int:
    """The register country with ``rows`` imported, lists built, the devices of KEYS
    registered and operator op-1 (certified) on duty at each; returns the election id."""
    election = make_register_country(session)
    _lists_and_devices(session, election, rows)
    return election


def setup_counting(session: Session, rows: Sequence[dict[str, str]] = ROWS) -> Counting:
    """The results test election in counting (ballots set, scanner abb-1001 at 1001) with
    the register, lists and identification devices of ``setup_country``."""
    counting = make_counting(session)
    import_addresses(session)
    _lists_and_devices(session, counting.election_id, rows)
    return counting


def open_polling(session: Session, election: int) -> None:
    """Move a scheduled (or later) election along its calendar to polling."""
    path = [ElectionStatus.NOMINATION, ElectionStatus.CAMPAIGN, ElectionStatus.POLLING]
    status = elections.public_get_election(session, election).status
    for step in path[path.index(status) + 1 if status in path else 0:]:
        elections.transition(session, ACTOR, election, step, "test: polling day")


def _lists_and_devices(session: Session, election: int, rows: Sequence[dict[str, str]]
                       ) -> None:
    import_rows(session, rows)
    lists.build_lists(session, ACTOR, election)
    if elections.public_get_election(session, election).status is ElectionStatus.SCHEDULED:
        open_polling(session, election)
    service.save_operator(session, ACTOR, "op-1", "Асанов Бакыт", certified=True)
    for device, key in KEYS.items():
        service.register_device(session, ACTOR, device, "identification", STATION[device],
                                public_key_hex(key))
        service.put_on_duty(session, ACTOR, device, "op-1")


def counted(session: Session, counting: Counting, station: str, source: str = "manual",
            votes: tuple[int, int, int, int] = (2, 1, 1, 0), invalid: int = 0,
            **lines: int) -> None:
    """A counted protocol of the nationwide contest: ballots found in the stationary box
    and issued at the station are the votes plus ``invalid``, unless ``lines`` say
    otherwise; manual from a nationwide member, scanner signed by abb-1001 (station 1001)."""
    found = sum(votes) + invalid
    base = protocol(counting.list_contest, station=station, source=source)
    p = base.model_copy(update={
        "votes": dict(zip(["ala", "ynt", "jan", "against"], votes, strict=True)),
        "lines": dict(base.lines) | {
            "ballots_issued_early": 0, "ballots_issued_station": found,
            "ballots_issued_mobile": 0, "ballots_cancelled": 1500 - found,
            "ballots_found_stationary": found, "ballots_found_mobile": 0,
            "ballots_invalid": invalid} | lines})
    if source == "scanner":
        p = p.model_copy(update={"device_id": "abb-1001"})
        p = p.model_copy(update={"signature": sign(counting.scanner_key, p.document())})
        outcome = results.submit_from_device(session, p)
    else:
        outcome = results.submit(session, ACTOR, p)
    assert outcome.status.value == "accepted", outcome


def batch(election: int, device: str, events: Sequence[tuple[str, str] | tuple[str, str, datetime]],
          method: str = "fingerprint", reason: str | None = None,
          key: Ed25519PrivateKey | None = None, station: str | None = None
          ) -> IdentificationBatchIn:
    """A batch of (event id, pin[, at]) signed by ``device`` (or ``key``); ``at`` defaults
    to AT."""
    body: dict[str, Any] = {
        "device_id": device, "station": station or STATION.get(device, "1001"),
        "election_id": election,
        "events": [{"event_id": e[0], "pin": e[1], "method": method,
                    "at": (e[2] if len(e) > 2 else AT).isoformat(),  # type: ignore[misc]
                    **({"fallback_reason": reason} if reason else {})} for e in events],
        "signature": "0" * 128}
    unsigned = IdentificationBatchIn.model_validate(body)
    body["signature"] = sign(key or KEYS[device], unsigned.document())
    return IdentificationBatchIn.model_validate(body)


def issue(session: Session, election: int, device: str, pins_at: Sequence[tuple[str, datetime]],
          prefix: str = "ev") -> list[str]:
    """Identify each (pin, at) at ``device`` (event ids ``prefix-NNNNNN``); return the answers."""
    events = [(f"{prefix}-{i:06d}", pin, at) for i, (pin, at) in enumerate(pins_at)]
    return [a.answer for a in identification.record_batch(session, batch(election, device,
                                                                          events))]


def report(election: int, station: str, kind: str, at: datetime, report_id: str,
           voters: int | None = None, reason: str | None = None,
           device: str | None = None) -> StationReportIn:
    """A station report; with ``device`` it names the device and carries its signature."""
    body: dict[str, Any] = {"report_id": report_id, "election_id": election,
                            "station": station, "kind": kind, "at": at.isoformat()}
    if voters is not None:
        body["voters"] = voters
    if reason is not None:
        body["reason"] = reason
    if device is None:
        return StationReportIn.model_validate(body)
    body["device_id"] = device
    unsigned = StationReportIn.model_validate(body)
    return unsigned.model_copy(update={"signature": sign(KEYS[device], unsigned.document())})


def closing(session: Session, election: int, station: str, voters: int, rid: str) -> None:
    """A closing report of ``station`` at 20:00 from a commission member."""
    reports.submit_report(session, report(election, station, "closed", local(20), rid,
                                          voters), "user:pec")


def counting_day(session: Session) -> int:
    """1001: 5 identified, 5 signed, 5 issued, scanner 4, manual 5. 1002: 1 identified,
    4 signed. Tolerances exact."""
    counting = setup_counting(session, MORE_ROWS)
    election = counting.election_id
    service.set_polling_config(session, ACTOR, election, EXACT)
    issue(session, election, "id-1001-a", [(pin, local(9)) for pin in PINS_1001[:5]])
    issue(session, election, "id-1002", [(ROWS[1]["pin"], local(9))], prefix="ev1002")
    closing(session, election, "1001", 5, "close-1001")
    closing(session, election, "1002", 4, "close-1002")
    counted(session, counting, "1001", "manual", votes=(2, 1, 1, 0), invalid=1)
    counted(session, counting, "1001", "scanner", votes=(2, 1, 1, 0), invalid=0)
    return election


__all__ = ["ACTOR", "voter"]
