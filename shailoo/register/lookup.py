"""Where do I vote: a PIN in, the station out, and nothing else personal.

Every PIN, right, wrong, unknown or excluded, takes the same path: one indexed query and a
look into an in-memory directory of stations, so the answer time does not tell whether a
PIN exists. The directory (the upcoming election and its stations) is refreshed every
``REFRESH_SECONDS``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shailoo.elections import service as elections
from shailoo.geography import service as geography
from shailoo.register import lists
from shailoo.register.models import ListEntry

REFRESH_SECONDS = 30.0
_NOWHERE = "\x00"  # a station code that exists nowhere, for the path of an unknown PIN


@dataclass(frozen=True)
class StationCard:
    """What a voter is told about a station."""

    code: str
    name: str
    address: str
    country: str
    latitude: float | None
    longitude: float | None

    @property
    def map_url(self) -> str | None:
        """An OpenStreetMap link to the station, when it has coordinates."""
        if self.latitude is None or self.longitude is None:
            return None
        return (f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}"
                f"#map=17/{self.latitude}/{self.longitude}")


@dataclass
class Directory:
    """The upcoming election with built lists, and every station's card."""

    election_id: int | None = None
    election_name: dict[str, str] = field(default_factory=dict)
    polling_date: date | None = None
    opening_hours: str = lists.DEFAULT_HOURS
    stations: dict[str, StationCard] = field(default_factory=dict)
    loaded_at: float = -1e9

    def refresh(self, session: Session, today: date, now: float | None = None) -> None:
        """Reload when older than REFRESH_SECONDS."""
        now = time.monotonic() if now is None else now
        if now - self.loaded_at < REFRESH_SECONDS:
            return
        self.loaded_at = now
        self.election_id = None
        for e in sorted(elections.public_calendar(session), key=lambda e: e.polling_date):
            if e.polling_date >= today and session.execute(
                    select(ListEntry.pin).where(ListEntry.election_id == e.id).limit(1)
            ).first() is not None:
                self.election_id, self.polling_date = e.id, e.polling_date
                self.election_name = {"ky": e.name_ky, "ru": e.name_ru, "en": e.name_en}
                self.opening_hours = lists.election_rules(session, e.id).opening_hours
                break
        self.stations = {s.code: StationCard(s.code, s.name, s.address, s.country, s.latitude,
                                             s.longitude)
                         for s in geography.public_list_stations(session, limit=None)}


@dataclass(frozen=True)
class Answer:
    """The answer to a lookup: the station, or that the PIN is on no list."""

    found: bool
    station: StationCard | None
    election_id: int | None
    election_name: dict[str, str]
    polling_date: date | None
    opening_hours: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the same keys whether found or not."""
        s = self.station
        return {"found": self.found, "election_id": self.election_id,
                "polling_date": None if self.polling_date is None
                else self.polling_date.isoformat(),
                "opening_hours": self.opening_hours,
                "station": None if s is None else {
                    "code": s.code, "name": s.name, "address": s.address,
                    "country": s.country, "latitude": s.latitude, "longitude": s.longitude,
                    "map_url": s.map_url}}


def public_where_to_vote(session: Session, directory: Directory, pin: str, today: date
                         ) -> Answer:
    """The station of ``pin`` in the upcoming election (not found for an unknown, malformed
    or excluded PIN alike)."""
    directory.refresh(session, today)
    key = pin.strip()[:20]
    row = session.execute(select(ListEntry.station_code, ListEntry.excluded).where(
        ListEntry.election_id == (directory.election_id or -1), ListEntry.pin == key)).first()
    code = row[0] if row is not None and row[1] is None and row[0] else _NOWHERE
    card = directory.stations.get(code)
    return Answer(card is not None, card, directory.election_id, directory.election_name,
                  directory.polling_date, directory.opening_hours)
