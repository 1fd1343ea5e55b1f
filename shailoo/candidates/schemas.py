"""Input and output shapes of parties."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class PartyIn(BaseModel):
    """A party to register."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    name_ky: str = Field(min_length=1, max_length=300)
    name_ru: str = Field(min_length=1, max_length=300)
    name_en: str = Field(min_length=1, max_length=300)


class PartyOut(PartyIn):
    """A registered party."""

    id: int


class ChoiceKind(StrEnum):
    """What a ballot line stands for."""

    PARTY = "party"
    CANDIDATE = "candidate"
    AGAINST_ALL = "against_all"
    YES = "yes"
    NO = "no"


class ChoiceIn(BaseModel):
    """A ballot line to add to a contest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[A-Za-z0-9_-]{1,60}$")
    kind: ChoiceKind
    name_ky: str = Field(min_length=1, max_length=300)
    name_ru: str = Field(min_length=1, max_length=300)
    name_en: str = Field(min_length=1, max_length=300)
    party_id: int | None = None


class ChoiceOut(ChoiceIn):
    """A ballot line as published, with its position on the ballot."""

    id: int
    contest_id: int
    position: int
