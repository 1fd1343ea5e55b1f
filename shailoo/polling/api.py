"""Polling-day JSON API: the device registry (CEC), identifications from devices, turnout."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission
from shailoo.polling import identification, service
from shailoo.polling.schemas import DeviceIn, IdentificationBatchIn, RevokeIn
from shailoo.web.deps import Guard, get_session, require

router = APIRouter(prefix="/api/devices", tags=["polling"])
polling_router = APIRouter(prefix="/api/polling", tags=["polling"])


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


@polling_router.post("/identifications")
async def identifications(batch: IdentificationBatchIn,
                          _guard: Guard = Depends(require(Permission.POLLING_IDENTIFY,
                                                          nationwide=False,
                                                          devices_allowed=True)),
                          session: Session = Depends(get_session)) -> dict[str, Any]:
    """A station identification device's batch, signed with its key: for each voter, in
    order, `issue_ballot`, `already_voted` (where and when), `not_on_this_list` (where
    listed), `not_on_any_list` or `not_eligible`. Sending a batch again is harmless: known
    events are answered as before (`repeated: true`) and counted once."""
    answers = identification.record_batch(session, batch)
    return {"answers": [a.to_dict() for a in answers]}


@polling_router.get("/{election_id}/turnout")
async def turnout(election_id: int, session: Session = Depends(get_session)
                  ) -> list[dict[str, Any]]:
    """Live turnout per region (and abroad): registered, identified, share."""
    return identification.turnout_by_region(session, election_id)
