"""Input shapes of devices and of what they upload."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shailoo.types import StationCode


class DeviceIn(BaseModel):
    """A device to register to a station."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    kind: str = Field(pattern=r"^(scanner|identification)$")
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
