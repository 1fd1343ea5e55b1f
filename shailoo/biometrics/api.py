"""Biometrics JSON API for devices: enrolment captures and identification at the station,
both signed with the device's key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission
from shailoo.biometrics import service
from shailoo.biometrics.extractors import Sample
from shailoo.biometrics.identify import identify_at_station
from shailoo.biometrics.schemas import EnrolmentIn, IdentifyIn
from shailoo.errors import Forbidden
from shailoo.polling import service as devices
from shailoo.web.deps import Guard, get_session, require

router = APIRouter(prefix="/api/biometrics", tags=["biometrics"])


@router.post("/enrolments", status_code=201)
def enrol(capture: EnrolmentIn,
          _guard: Guard = Depends(require(Permission.POLLING_IDENTIFY, nationwide=False,
                                          devices_allowed=True)),
          session: Session = Depends(get_session)) -> dict[str, Any]:
    """An enrolment device's signed capture of a person (its certified operator on duty
    must not be that person: their own PIN and fingerprint are checked). Stored encrypted;
    a second capture of the same modality replaces the first."""
    try:
        device = devices.verify_upload(session, capture.device_id, "enrolment",
                                       capture.station, capture.document(), capture.signature,
                                       operator_needed=True)
        operator_pin = devices.operator_pin(session, device.operator_id)
        if operator_pin is None:
            raise Forbidden("biometrics.operator_without_pin",
                            f"operator {device.operator_id!r} on duty has no PIN on record, "
                            f"so self-enrolment cannot be ruled out")
    except Forbidden as refusal:
        devices.audit_refusal(session, capture.device_id, capture.station, refusal,
                              {"modality": capture.modality})
        raise
    return service.enrol(session, f"device:{device.device_id}", capture.pin,
                         Sample(capture.modality, capture.sample_bytes(), capture.quality),
                         capture.extractor, device.device_id, operator_pin,
                         capture.captured_at)


@router.post("/identify")
def identify(search: IdentifyIn,
             _guard: Guard = Depends(require(Permission.POLLING_IDENTIFY, nationwide=False,
                                             devices_allowed=True)),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """A station identification device's signed search: the matched voter's PIN among those
    listed at the station (`match`), else where the register lists the person
    (`listed_at`), else `fallback: document` (check the identity document and record why
    the fingerprint failed with the identification)."""
    try:
        devices.verify_upload(session, search.device_id, "identification", search.station,
                              search.document(), search.signature, operator_needed=True)
    except Forbidden as refusal:
        devices.audit_refusal(session, search.device_id, search.station, refusal,
                              {"modality": search.modality, "election_id": search.election_id})
        raise
    return identify_at_station(session, search.election_id, search.station,
                               Sample(search.modality, search.sample_bytes(), search.quality),
                               search.extractor)
