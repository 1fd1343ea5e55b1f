"""Input and output shapes of geography, with validation messages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shailoo.geography.rules import RegionKind, StationKind
from shailoo.types import CommissionCode, RegionCode, StationCode


class RegionIn(BaseModel):
    """A region as imported."""

    model_config = ConfigDict(frozen=True)

    code: RegionCode
    kind: RegionKind
    name_ky: str = Field(min_length=1, max_length=200)
    name_ru: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    center_lat: float | None = Field(default=None, ge=-90, le=90)
    center_lon: float | None = Field(default=None, ge=-180, le=180)
    radius_km: float | None = Field(default=None, gt=0)


class CommissionIn(BaseModel):
    """A territorial election commission as imported."""

    model_config = ConfigDict(frozen=True)

    code: CommissionCode
    region: RegionCode | None = None
    name_ky: str = Field(min_length=1, max_length=200)
    name_ru: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    abroad: bool = False


class StationIn(BaseModel):
    """A polling station as imported."""

    model_config = ConfigDict(frozen=True)

    code: StationCode
    kind: StationKind
    tec: CommissionCode
    name: str = Field(min_length=1, max_length=300)
    address: str = Field(min_length=1, max_length=500)
    locality: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$")
    city: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    planned_voters: int | None = Field(default=None, ge=0)


class StationUpdate(BaseModel):
    """Fields of a station that its commission may correct."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=300)
    address: str | None = Field(default=None, min_length=1, max_length=500)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    planned_voters: int | None = Field(default=None, ge=0)


class StationOut(BaseModel):
    """A polling station as published."""

    code: str
    kind: StationKind
    tec: str
    region: str | None
    name: str
    address: str
    locality: str
    country: str
    city: str | None
    latitude: float | None
    longitude: float | None
    planned_voters: int | None


class RegionOut(BaseModel):
    """A region with counts for the overview."""

    code: str
    kind: RegionKind
    name_ky: str
    name_ru: str
    name_en: str
    commissions: int
    stations: int


class CommissionOut(BaseModel):
    """A territorial commission with its station count."""

    code: str
    region: str | None
    name_ky: str
    name_ru: str
    name_en: str
    abroad: bool
    stations: int
