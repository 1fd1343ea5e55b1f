"""Input and output shapes of protocols and results."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shailoo.results.rules import LINES, ProtocolStatus, Source
from shailoo.types import StationCode

Count = Annotated[int, Field(strict=True, ge=0, le=10_000_000)]


class ProtocolIn(BaseModel):
    """A station's protocol for one contest, as a scanner or a commission sends it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contest_id: int
    station: StationCode
    source: Source
    lines: dict[str, Count | None] = Field(default_factory=dict)
    votes: dict[str, Count]
    device_id: str | None = Field(default=None, max_length=60)
    signature: str | None = Field(default=None, pattern=r"^[0-9a-f]{128}$")
    correction_reason: str | None = Field(default=None, min_length=1, max_length=2000)

    @field_validator("lines")
    @classmethod
    def _known_lines(cls, lines: dict[str, int | None]) -> dict[str, int | None]:
        unknown = sorted(set(lines) - set(LINES))
        if unknown:
            raise ValueError(f"unknown protocol line(s) {unknown}; the lines are {list(LINES)}")
        return lines

    def document(self) -> dict[str, Any]:
        """What a device signs and what the idempotency hash covers (no signature)."""
        body: dict[str, Any] = {
            "contest_id": self.contest_id, "station": self.station, "source": self.source.value,
            "lines": {k: v for k, v in self.lines.items() if v is not None},
            "votes": dict(self.votes)}
        if self.device_id is not None:
            body["device_id"] = self.device_id
        if self.correction_reason is not None:
            body["correction_reason"] = self.correction_reason
        return body


class SubmitOutcome(BaseModel):
    """What happened to a submission."""

    protocol_id: int
    version: int
    status: ProtocolStatus
    duplicate: bool
    failed_checks: list[dict[str, Any]]
    message: str


class ProtocolOut(BaseModel):
    """A protocol version as shown to those who may see it."""

    id: int
    contest_id: int
    station: str
    source: Source
    version: int
    status: ProtocolStatus
    lines: dict[str, int | None]
    votes: dict[str, int]
    checks: list[dict[str, Any]]
    submitted_by: str
    received_at: datetime
    correction_reason: str | None
    tec: str
    region: str | None


class AcceptIn(BaseModel):
    """A supervisor's decision to count a quarantined protocol."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reason: str = Field(min_length=3, max_length=2000)


class ProtocolBatchIn(BaseModel):
    """Several protocols in one upload (a station's scanner sends every contest's count
    together; a device that was offline sends what it kept)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    protocols: list[ProtocolIn] = Field(min_length=1, max_length=500)
