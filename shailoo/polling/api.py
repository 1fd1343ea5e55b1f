"""Device registry JSON API (CEC)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission
from shailoo.polling import service
from shailoo.polling.schemas import DeviceIn, RevokeIn
from shailoo.web.deps import Guard, get_session, require

router = APIRouter(prefix="/api/devices", tags=["polling"])


@router.post("", status_code=201)
def register(device: DeviceIn, guard: Guard = Depends(require(Permission.DEVICES_MANAGE)),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Register a device to a station with its Ed25519 public key."""
    return service.register_device(session, guard.actor, device.id, device.kind,
                                   device.station, device.public_key)


@router.post("/{device_id}/revoke")
def revoke(device_id: str, data: RevokeIn,
           guard: Guard = Depends(require(Permission.DEVICES_MANAGE)),
           session: Session = Depends(get_session)) -> dict[str, str]:
    """Revoke a device; its later uploads are refused."""
    service.revoke_device(session, guard.actor, device_id, data.reason)
    return {"id": device_id, "status": "revoked"}
