"""Pure geography rules: station kinds, distances, and the data-quality checks of an import."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

EARTH_RADIUS_KM = 6371.0088
FAR_OUTSIDE_FACTOR = 1.5


class StationKind(StrEnum):
    """Kinds of polling station."""

    ORDINARY = "ordinary"
    ABROAD = "abroad"
    HOSPITAL = "hospital"
    DETENTION = "detention"


class RegionKind(StrEnum):
    """Kinds of first-level unit."""

    OBLAST = "oblast"
    CITY = "city"


@dataclass(frozen=True)
class RegionArea:
    """A region's centre and the radius that holds it, for plausibility checks."""

    code: str
    center_lat: float
    center_lon: float
    radius_km: float


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def far_outside(area: RegionArea, lat: float, lon: float) -> float | None:
    """Distance from the region centre when a point lies far outside the region, else None."""
    distance = haversine_km(area.center_lat, area.center_lon, lat, lon)
    return distance if distance > area.radius_km * FAR_OUTSIDE_FACTOR else None


def parse_latitude(raw: str) -> float:
    """A latitude in decimal degrees."""
    value = float(raw.replace(",", "."))
    if not -90 <= value <= 90:
        raise ValueError("latitude must be between -90 and 90")
    return value


def parse_longitude(raw: str) -> float:
    """A longitude in decimal degrees."""
    value = float(raw.replace(",", "."))
    if not -180 <= value <= 180:
        raise ValueError("longitude must be between -180 and 180")
    return value


def check_station_consistency(kind: StationKind, country: str, city: str | None,
                              tec_abroad: bool) -> str | None:
    """Reason why a station's kind, country, city and commission disagree, or None."""
    if kind is StationKind.ABROAD:
        if country == "KG":
            return "an abroad station needs a foreign country"
        if not city:
            return "an abroad station needs a city"
        if not tec_abroad:
            return "an abroad station must belong to the commission for stations abroad"
    else:
        if country != "KG":
            return f"a {kind.value} station must be in KG; use kind 'abroad' for stations abroad"
        if tec_abroad:
            return "the commission for stations abroad holds only abroad stations"
    return None
