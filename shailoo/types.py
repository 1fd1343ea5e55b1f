"""Validated value types and enums shared by several domains."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, NewType

from pydantic import StringConstraints

StationCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,20}$")]
CommissionCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,20}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")]
Pin = Annotated[str, StringConstraints(pattern=r"^\d{14}$")]
Tyiyn = NewType("Tyiyn", int)
ElectionId = NewType("ElectionId", int)

CODE_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,20}$")
REGION_CODE_PATTERN = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


class ScopeKind(StrEnum):
    """The kind of territory a user acts in."""

    NATION = "nation"
    REGION = "region"
    TERRITORIAL = "tec"
    DISTRICT = "district"
    STATION = "station"


@dataclass(frozen=True)
class GeoPath:
    """Where a thing sits in the territory: used to decide whether a scope covers it."""

    region_code: str | None = None
    tec_code: str | None = None
    station_code: str | None = None
    district_ids: frozenset[int] = field(default_factory=frozenset)
