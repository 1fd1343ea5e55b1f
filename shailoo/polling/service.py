"""Device registry and who works the devices: register and revoke devices, operators and
their certification flag, the operator on duty, verifying what a device signed, and the
election's polling-day settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionStatus
from shailoo.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from shailoo.geography import service as geography
from shailoo.kit.clock import utcnow
from shailoo.kit.rawsql import Raw, reader
from shailoo.polling.models import Device, Operator, PollingSettings
from shailoo.polling.rules import PollingConfig, parse_config
from shailoo.polling.signing import signature_valid

DEVICE_KINDS = ("scanner", "identification", "enrolment")


def register_device(session: Session, actor: str, device_id: str, kind: str,
                    station_code: str, public_key_hex: str) -> dict[str, Any]:
    """Register a device to one station with its Ed25519 public key (audited)."""
    if kind not in DEVICE_KINDS:
        raise InvalidInput("polling.unknown_device_kind",
                           f"device kind must be one of {', '.join(DEVICE_KINDS)}")
    try:
        if len(bytes.fromhex(public_key_hex)) != 32:
            raise ValueError
    except ValueError:
        raise InvalidInput("polling.bad_public_key",
                           "the public key must be 32 bytes in hex (raw Ed25519)") from None
    with unit_of_work(session):
        geography.public_get_station(session, station_code)
        if session.get(Device, device_id) is not None:
            raise Conflict("polling.duplicate_device", f"device {device_id!r} already exists")
        session.add(Device(id=device_id, kind=kind, station_code=station_code,
                           public_key=public_key_hex.lower(), status="active",
                           registered_at=utcnow()))
        audit.record(session, actor, "polling.device_registered", "device", device_id,
                     {"kind": kind, "station": station_code, "public_key": public_key_hex})
    return {"id": device_id, "kind": kind, "station": station_code, "status": "active"}


def revoke_device(session: Session, actor: str, device_id: str, reason: str) -> None:
    """Revoke a device: its later uploads are refused (audited)."""
    with unit_of_work(session):
        device = session.get(Device, device_id, with_for_update=True)
        if device is None:
            raise NotFound("polling.device_not_found", f"no device {device_id!r}")
        device.status = "revoked"
        device.revoked_at = utcnow()
        audit.record(session, actor, "polling.device_revoked", "device", device_id,
                     {"reason": reason})


def device_station(session: Session, device_id: str) -> str:
    """The station a device is registered to."""
    device = session.get(Device, device_id)
    if device is None:
        raise NotFound("polling.device_not_found", f"no device {device_id!r}")
    return device.station_code


def certification_valid(certified: bool, until: date | None, today: date) -> bool:
    """True when an operator's certification holds on ``today``."""
    return certified and (until is None or until >= today)


def save_operator(session: Session, actor: str, operator_id: str, full_name: str,
                  certified: bool, certified_until: date | None = None,
                  pin: str | None = None) -> dict[str, Any]:
    """Add an operator or change their name, PIN and certification flag (audited). Taking
    the certification away takes them off duty on every device. The PIN lets enrolment
    devices check that an operator never enrols themselves."""
    if not full_name.strip():
        raise InvalidInput("polling.bad_operator", f"operator {operator_id!r}: a name is needed",
                           field="full_name")
    with unit_of_work(session):
        operator = session.get(Operator, operator_id, with_for_update=True)
        before = None if operator is None else {
            "certified": operator.certified, "certified_until": operator.certified_until
            and operator.certified_until.isoformat()}
        if operator is None:
            operator = Operator(id=operator_id)
            session.add(operator)
        operator.full_name = full_name.strip()
        if pin is not None:
            operator.pin = pin
        operator.certified = certified
        operator.certified_until = certified_until
        operator.updated_at = utcnow()
        session.flush()
        off_duty = []
        if not certification_valid(certified, certified_until, utcnow().date()):
            for device in session.execute(select(Device).where(
                    Device.operator_id == operator_id)).scalars():
                device.operator_id, device.on_duty_since = None, None
                off_duty.append(device.id)
        audit.record(session, actor, "polling.operator_saved", "operator", operator_id,
                     {"full_name": operator.full_name, "certified": certified,
                      "certified_until": certified_until and certified_until.isoformat(),
                      "before": before, "taken_off_duty": off_duty})
    return {"id": operator_id, "full_name": operator.full_name, "certified": certified,
            "certified_until": certified_until.isoformat() if certified_until else None,
            "pin": operator.pin}


def operator_pin(session: Session, operator_id: str | None) -> str | None:
    """The PIN of an operator (None when unknown or not recorded)."""
    operator = session.get(Operator, operator_id) if operator_id else None
    return None if operator is None else operator.pin


def put_on_duty(session: Session, actor: str, device_id: str, operator_id: str | None) -> None:
    """Put an operator on duty at a device (None takes the one on duty off). Only an
    operator whose certification holds today can be put on duty, and only at an active
    device (audited)."""
    with unit_of_work(session):
        device = session.get(Device, device_id, with_for_update=True)
        if device is None:
            raise NotFound("polling.device_not_found", f"no device {device_id!r}")
        if operator_id is not None and device.status != "active":
            raise Forbidden("polling.device_revoked",
                            f"device {device_id!r} is revoked: no one can be put on duty there")
        if operator_id is not None:
            operator = session.get(Operator, operator_id)
            if operator is None:
                raise NotFound("polling.operator_not_found", f"no operator {operator_id!r}")
            if not certification_valid(operator.certified, operator.certified_until,
                                       utcnow().date()):
                raise Forbidden("polling.operator_not_certified",
                                f"operator {operator_id!r} holds no valid certification and "
                                f"cannot be put on duty")
        previous = device.operator_id
        device.operator_id = operator_id
        device.on_duty_since = utcnow() if operator_id else None
        audit.record(session, actor, "polling.operator_on_duty", "device", device_id,
                     {"operator": operator_id, "previous": previous,
                      "station": device.station_code})


@dataclass(frozen=True)
class DeviceKey:
    """What checking a device's upload needs."""

    device_id: str
    status: str
    kind: str
    station_code: str
    public_key: str
    operator_id: str | None = None
    operator_certified: bool = False


def device_keys(session: Session, device_ids: list[str]) -> dict[str, DeviceKey]:
    """The registered devices among ``device_ids`` with their operator on duty (one query,
    driver-level: every upload of election night asks)."""
    if not device_ids:
        return {}
    today = utcnow().date()
    raw = Raw(session)
    wanted, args = raw.in_list("d.id", sorted(set(device_ids)))
    rows = raw.execute(
        "SELECT d.id, d.status, d.kind, d.station_code, d.public_key, d.operator_id, "
        "o.certified, o.certified_until FROM devices d "
        f"LEFT OUTER JOIN polling_operators o ON o.id = d.operator_id WHERE {wanted}", args)
    until = reader(raw, cast(Table, Operator.__table__), "certified_until")
    return {r[0]: DeviceKey(r[0], r[1], r[2], r[3], r[4], r[5], r[5] is not None and
                            certification_valid(bool(r[6]), until(r[7]), today))
            for r in rows}


def verify_upload(session: Session, device_id: str, kind: str, station_code: str,
                  document: dict[str, Any], signature: str,
                  known: dict[str, DeviceKey] | None = None,
                  operator_needed: bool = False, valid_under: str | None = None) -> DeviceKey:
    """Check that an active device of this kind, registered to this station (and, with
    ``operator_needed``, worked by a certified operator on duty) signed the document; return
    the device. Refusals name the reason. ``known`` holds devices already read (for a group
    of uploads); ``valid_under``: a public key (hex) the signature was already found valid
    under, before the write began (see :func:`signature_valid_under`): when it is still the
    device's key the signature is not checked again."""
    device = (known if known is not None else device_keys(session, [device_id])).get(device_id)
    if device is None:
        raise Forbidden("polling.unknown_device", f"device {device_id!r} is not registered")
    if device.status != "active":
        raise Forbidden("polling.device_revoked", f"device {device_id!r} is revoked")
    if device.kind != kind:
        raise Forbidden("polling.wrong_device_kind",
                        f"device {device_id!r} is a {device.kind}, not a {kind}")
    if device.station_code != station_code:
        raise Forbidden("polling.station_mismatch",
                        f"device {device_id!r} belongs to station {device.station_code}, "
                        f"not {station_code}")
    if valid_under != device.public_key and \
            not signature_valid(device.public_key, document, signature):
        raise Forbidden("polling.bad_signature",
                        f"the signature does not match device {device_id!r}'s key")
    if operator_needed and not device.operator_certified:
        raise Forbidden("polling.no_operator_on_duty",
                        f"device {device_id!r} has no certified operator on duty")
    return device


def signature_valid_under(session: Session, uploads: list[tuple[str, dict[str, Any], str]]
                          ) -> list[str | None]:
    """For (device id, document, signature) uploads: the registered key (hex) each signature
    is valid under, else None. Pure checking with one read, meant to run before a writer's
    turn so that the turn itself need not verify: :func:`verify_upload` given the key back
    checks the device again (revoked, moved, re-keyed) inside the transaction."""
    devices = device_keys(session, [device_id for device_id, _doc, _sig in uploads])
    out: list[str | None] = []
    for device_id, document, signature in uploads:
        device = devices.get(device_id)
        out.append(device.public_key if device is not None and
                   signature_valid(device.public_key, document, signature) else None)
    return out


def audit_refusal(session: Session, device_id: str, station_code: str, refusal: Forbidden,
                  detail: dict[str, Any]) -> None:
    """Record a refused device upload in its own transaction (the upload's own rolled back)."""
    session.rollback()
    with unit_of_work(session):
        audit.record(session, f"device:{device_id}", "polling.upload_refused", "device",
                     device_id, {"station": station_code, "code": refusal.code,
                                 "reason": refusal.message, **detail})


def polling_config(session: Session, election_id: int) -> PollingConfig:
    """The election's polling-day settings (the defaults until set)."""
    row = session.get(PollingSettings, election_id)
    return PollingConfig() if row is None else parse_config(row.config)


def set_polling_config(session: Session, actor: str, election_id: int,
                       data: dict[str, Any]) -> PollingConfig:
    """Set the election's polling-day settings (missing keys keep their defaults; audited)."""
    try:
        config = parse_config(data)
    except ValueError as problem:
        raise InvalidInput("polling.bad_settings", str(problem)) from None
    with unit_of_work(session):
        elections.public_get_election(session, election_id)
        row = session.get(PollingSettings, election_id, with_for_update=True)
        if row is None:
            row = PollingSettings(election_id=election_id)
            session.add(row)
        row.config, row.updated_by, row.updated_at = config.to_dict(), actor, utcnow()
        audit.record(session, actor, "polling.settings_set", "election", election_id,
                     config.to_dict())
    return config


POLLING_OPEN = (ElectionStatus.POLLING, ElectionStatus.COUNTING)


def check_polling(session: Session, election_id: int) -> None:
    """Refuse polling-day uploads for an election that is not in polling (or counting,
    when offline devices catch up after the close)."""
    election = elections.public_get_election(session, election_id)
    if election.status not in POLLING_OPEN:
        raise RuleViolation("polling.not_polling",
                            f"election {election_id} is {election.status.value}: polling-day "
                            f"uploads are taken in polling and counting only")
