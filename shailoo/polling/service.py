"""Device registry: register, revoke, and verify what a device signed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.errors import Conflict, Forbidden, InvalidInput, NotFound
from shailoo.geography import service as geography
from shailoo.kit.clock import utcnow
from shailoo.polling.models import Device
from shailoo.polling.signing import signature_valid

DEVICE_KINDS = ("scanner", "identification")


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


@dataclass(frozen=True)
class DeviceKey:
    """What checking a device's upload needs."""

    device_id: str
    status: str
    kind: str
    station_code: str
    public_key: str


def device_keys(session: Session, device_ids: list[str]) -> dict[str, DeviceKey]:
    """The registered devices among ``device_ids`` (one query)."""
    if not device_ids:
        return {}
    rows = session.execute(select(Device.id, Device.status, Device.kind, Device.station_code,
                                  Device.public_key).where(Device.id.in_(sorted(device_ids))))
    return {r.id: DeviceKey(r.id, r.status, r.kind, r.station_code, r.public_key) for r in rows}


def verify_upload(session: Session, device_id: str, kind: str, station_code: str,
                  document: dict[str, Any], signature: str,
                  known: dict[str, DeviceKey] | None = None) -> str:
    """Check that an active device of this kind, registered to this station, signed the
    document; return the device's audit label. Refusals name the reason. ``known`` holds
    devices already read (for a group of uploads)."""
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
    if not signature_valid(device.public_key, document, signature):
        raise Forbidden("polling.bad_signature",
                        f"the signature does not match device {device_id!r}'s key")
    return f"device:{device_id}"
