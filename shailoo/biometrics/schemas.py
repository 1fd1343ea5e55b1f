"""Input shapes of what devices send the biometrics domain: enrolments from enrolment
stations and identification searches from polling-station devices, each signed."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from shailoo.types import StationCode


class _Signed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    device_id: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,60}$")
    station: StationCode
    modality: str = Field(max_length=10)
    extractor: str = Field("float32", max_length=40)
    sample: str = Field(max_length=2_000_000, description="the image or vendor template, "
                                                          "base64")
    quality: float | None = Field(None, ge=0, le=1)
    signature: str = Field(pattern=r"^[0-9a-fA-F]{128}$")

    @field_validator("sample")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("sample must be base64") from None
        return value

    def sample_bytes(self) -> bytes:
        """The sample's bytes."""
        return base64.b64decode(self.sample)

    def document(self) -> dict[str, Any]:
        """What the device signs: everything but the signature (absent fields left out)."""
        return self.model_dump(mode="json", exclude={"signature"}, exclude_none=True)


class EnrolmentIn(_Signed):
    """An enrolment station's capture of a person, signed by the station's device (a
    certified operator on duty, who must not be the person)."""

    pin: str = Field(pattern=r"^[0-9]{14}$")
    captured_at: AwareDatetime


class IdentifyIn(_Signed):
    """A polling-station device's search: whose capture is this among the station's voters?"""

    election_id: int
