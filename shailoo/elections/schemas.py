"""Input and output shapes of elections."""

from __future__ import annotations

from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shailoo.elections.rules import ContestKind, ElectionKind, ElectionStatus
from shailoo.elections.systems import ElectoralSystem


class ElectionCreate(BaseModel):
    """A new election: either a preset name or a full system configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9-]{3,60}$")
    kind: ElectionKind
    name_ky: str = Field(min_length=1, max_length=300)
    name_ru: str = Field(min_length=1, max_length=300)
    name_en: str = Field(min_length=1, max_length=300)
    polling_date: date
    preset: str | None = None
    system: ElectoralSystem | None = None

    @model_validator(mode="after")
    def _one_system(self) -> Self:
        if (self.preset is None) == (self.system is None):
            raise ValueError("give exactly one of preset or system")
        return self


class TransitionIn(BaseModel):
    """A request to move an election to another status."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    to: ElectionStatus
    reason: str = Field(min_length=1, max_length=2000)


class ContestOut(BaseModel):
    """A contest as published."""

    id: int
    election_id: int
    kind: ContestKind
    name_ky: str
    name_ru: str
    name_en: str
    seats: int
    district_id: int | None


class StatusChangeOut(BaseModel):
    """One step of the status history."""

    from_status: ElectionStatus | None
    to_status: ElectionStatus
    actor: str
    at: datetime
    reason: str


class ElectionOut(BaseModel):
    """An election as published."""

    id: int
    code: str
    kind: ElectionKind
    name_ky: str
    name_ru: str
    name_en: str
    polling_date: date
    status: ElectionStatus
    preset: str | None
    system: ElectoralSystem


class ElectionDetail(ElectionOut):
    """An election with its contests and status history."""

    contests: list[ContestOut]
    history: list[StatusChangeOut]
