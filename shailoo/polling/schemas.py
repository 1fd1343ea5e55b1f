"""Input shapes of devices and of what they upload."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shailoo.types import StationCode


class DeviceIn(BaseModel):
    """A device to register to a station."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    kind: str = Field(pattern=r"^(scanner|identification|enrolment)$")
    station: StationCode
    public_key: str = Field(pattern=r"^[0-9a-fA-F]{64}$")


class RevokeIn(BaseModel):
    """Why a device is revoked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


class IdentificationIn(BaseModel):
    """One voter identified by a device (the event id is the device's, unique)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{8,64}$")
    pin: str = Field(min_length=1, max_length=20)
    method: str = Field(max_length=20)
    fallback_reason: str | None = Field(None, max_length=1000)
    at: AwareDatetime

    def document(self) -> dict[str, Any]:
        """The event as signed."""
        body: dict[str, Any] = {"event_id": self.event_id, "pin": self.pin,
                                "method": self.method, "at": self.at.isoformat()}
        if self.fallback_reason is not None:
            body["fallback_reason"] = self.fallback_reason
        return body


class IdentificationBatchIn(BaseModel):
    """A device's batch of identifications, signed with its key (sent when it can)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    station: StationCode
    election_id: int
    events: list[IdentificationIn] = Field(min_length=1, max_length=5000)
    signature: str = Field(pattern=r"^[0-9a-fA-F]{128}$")

    def document(self) -> dict[str, Any]:
        """What the device signs: everything but the signature."""
        return {"device_id": self.device_id, "station": self.station,
                "election_id": self.election_id,
                "events": [e.document() for e in self.events]}


class StationReportIn(BaseModel):
    """A station commission's report: opened, suspended (with the reason), resumed, turnout
    at a fixed hour (voters who received a ballot so far) or closed (voters who signed the
    paper list). Sent by a commission member in scope, or signed by the station's
    identification device (``device_id`` and ``signature``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    report_id: str = Field(pattern=r"^[A-Za-z0-9_.:-]{8,64}$")
    election_id: int
    station: StationCode
    kind: str = Field(max_length=20)
    at: AwareDatetime
    voters: int | None = Field(None, ge=0)
    reason: str | None = Field(None, max_length=2000)
    device_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    signature: str | None = Field(None, pattern=r"^[0-9a-fA-F]{128}$")

    def document(self) -> dict[str, Any]:
        """What a device signs: everything but the signature (absent fields left out)."""
        body: dict[str, Any] = {"report_id": self.report_id, "election_id": self.election_id,
                                "station": self.station, "kind": self.kind,
                                "at": self.at.isoformat()}
        for name in ("voters", "reason", "device_id"):
            if getattr(self, name) is not None:
                body[name] = getattr(self, name)
        return body


class OperatorIn(BaseModel):
    """An operator of station devices and their certification (a flag until the training
    domain issues certificates)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    full_name: str = Field(min_length=1, max_length=300)
    pin: str | None = Field(None, pattern=r"^[0-9]{14}$")
    certified: bool
    certified_until: date | None = None


class DutyIn(BaseModel):
    """The operator to put on duty at a device (null: nobody)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operator_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]{1,60}$")


class CaseDecisionIn(BaseModel):
    """A territorial commission's resolution of a reconciliation case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resolution: str = Field(min_length=3, max_length=4000)
