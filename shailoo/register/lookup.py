"""Where do I vote: a PIN in, the station out, and nothing else personal.

Every PIN, right, wrong, unknown or excluded, takes the same path: one indexed query (on a
connection of the lookup's own, outside any ORM session) and a look into an in-memory
directory of stations, so the answer time does not tell whether a PIN exists. The directory
(the upcoming election and its stations) is refreshed every ``REFRESH_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from shailoo.db import session_scope
from shailoo.elections import service as elections
from shailoo.geography import service as geography
from shailoo.kit.ratelimit import RateLimiter
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


LIST_SQL = ("SELECT station_code, excluded FROM register_list_entries "
            "WHERE election_id = ? AND pin = ?")
REGISTER_SQL = ("SELECT COALESCE(c.station_code, p.home_station), "
                "CASE WHEN p.deceased THEN 'deceased' END FROM register_persons p "
                "LEFT JOIN register_consular c ON c.pin = p.pin WHERE p.pin = ?")


class PinReader:
    """A read-only database connection of its own for lookups, in autocommit, so that a
    lookup is one indexed statement with no session, no transaction and no ORM around it.
    Handlers run on the event loop, one at a time per process: one connection suffices."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.paramstyle = engine.dialect.paramstyle
        self._connection: Any = None
        self._proxy: Any = None

    def _open(self) -> Any:
        self._proxy = self.engine.raw_connection()  # held: it never goes back to the pool
        connection: Any = self._proxy.driver_connection
        if self.engine.dialect.name == "postgresql":
            connection.autocommit = True
        else:
            connection.execute("PRAGMA query_only = 1")
        self._connection = connection
        return connection

    def fetch(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The first row of ``sql`` (written with ? placeholders)."""
        if self.paramstyle != "qmark":
            sql = sql.replace("?", "%s")
        for attempt in (1, 2):
            connection = self._connection or self._open()
            try:
                cursor = connection.cursor()
                try:
                    cursor.execute(sql, params)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                return None if row is None else tuple(row)
            except Exception:
                self._connection = None  # a broken connection: open a new one, once
                if self._proxy is not None:
                    self._proxy.invalidate()
                if attempt == 2:
                    raise
        return None


@dataclass
class Directory:
    """The upcoming election (and whether its lists are built), and every station's card.

    Built lists answer from the election's list entries; with no upcoming election the
    register answers (the consular or home station of a living person); an upcoming election
    whose lists are not built yet is answered by its rules, person by person."""

    election_id: int | None = None
    election_name: dict[str, str] = field(default_factory=dict)
    polling_date: date | None = None
    opening_hours: str = lists.DEFAULT_HOURS
    built: bool = False
    stations: dict[str, StationCard] = field(default_factory=dict)
    loaded_at: float = -1e9
    reader: PinReader | None = None

    def stale(self, now: float | None = None) -> bool:
        """True when the directory is older than REFRESH_SECONDS."""
        now = time.monotonic() if now is None else now
        return now - self.loaded_at >= REFRESH_SECONDS

    def needs_session(self, now: float | None = None) -> bool:
        """True when the next lookup needs an ORM session (to refresh, or to apply the rules
        of an election whose lists are not built, or without a reader of its own)."""
        return self.reader is None or self.stale(now) or (
            self.election_id is not None and not self.built)

    def refresh(self, session: Session, today: date, now: float | None = None) -> None:
        """Reload when older than REFRESH_SECONDS."""
        now = time.monotonic() if now is None else now
        if not self.stale(now):
            return
        self.loaded_at = now
        self.election_id, self.built = None, False
        upcoming = sorted((e for e in elections.public_calendar(session)
                           if e.polling_date >= today), key=lambda e: (e.polling_date, e.id))
        for e in upcoming:
            built = session.execute(select(ListEntry.pin).where(ListEntry.election_id == e.id)
                                    .limit(1)).first() is not None
            if built or e is upcoming[0]:
                self.election_id, self.polling_date, self.built = e.id, e.polling_date, built
                self.election_name = {"ky": e.name_ky, "ru": e.name_ru, "en": e.name_en}
                self.opening_hours = lists.election_rules(session, e.id).opening_hours
                if built:
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


def public_where_to_vote(session: Session | None, directory: Directory, pin: str,
                         today: date) -> Answer:
    """The station of ``pin`` in the upcoming election (not found for an unknown, malformed
    or excluded PIN alike). ``session`` may be None when ``directory.needs_session()`` is
    false: the directory's own reader then answers."""
    if session is not None:
        directory.refresh(session, today)
    key = pin.strip()[:20]
    if directory.election_id is not None and not directory.built:
        assert session is not None
        row: tuple[Any, ...] | None = lists.list_station_of(session, directory.election_id,
                                                            key)
    elif directory.election_id is not None:
        row = _fetch(session, directory, LIST_SQL, (directory.election_id, key))
    else:
        row = _fetch(session, directory, REGISTER_SQL, (key,))
    code = row[0] if row is not None and row[1] is None and row[0] else _NOWHERE
    card = directory.stations.get(code)
    return Answer(card is not None, card, directory.election_id, directory.election_name,
                  directory.polling_date, directory.opening_hours)


def directory_for(session_factory: Callable[[], Session]) -> Directory:
    """A directory for an app: with a reader of its own when the factory is bound to an
    engine (a test that hands every request one shared session gets none)."""
    engine = getattr(session_factory, "kw", {}).get("bind")
    return Directory(reader=PinReader(engine) if isinstance(engine, Engine) else None)


APP_STATE = "register_lookup"  # the app.state attribute holding (Directory, RateLimiter)


def app_lookup_state(app_state: Any) -> tuple[Directory, RateLimiter]:
    """An app's one directory of stations and one per-client rate limiter, shared by the
    JSON, text and page lookups (made on first use)."""
    state: tuple[Directory, RateLimiter] | None = getattr(app_state, APP_STATE, None)
    if state is None:
        state = (directory_for(app_state.session_factory),
                 RateLimiter(app_state.settings.lookup_rate_per_minute))
        setattr(app_state, APP_STATE, state)
    return state


def public_where_to_vote_with(session_factory: Callable[[], Session], directory: Directory,
                              pin: str, today: date) -> Answer:
    """:func:`public_where_to_vote`, opening a session only when the lookup needs one."""
    if not directory.needs_session():
        return public_where_to_vote(None, directory, pin, today)
    with session_scope(session_factory) as session:
        return public_where_to_vote(session, directory, pin, today)


def _fetch(session: Session | None, directory: Directory, sql: str,
           params: tuple[Any, ...]) -> tuple[Any, ...] | None:
    if directory.reader is not None:
        return directory.reader.fetch(sql, params)
    assert session is not None
    if session.get_bind().dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    found = session.connection().exec_driver_sql(sql, params).first()
    return None if found is None else tuple(found)
