"""Input and output shapes of parties."""

from __future__ import annotations

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
