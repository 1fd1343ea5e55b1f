"""Input shapes of devices."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
