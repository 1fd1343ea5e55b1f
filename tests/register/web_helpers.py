"""A small register for the web tests: two territories with voters, built lists, a change of
voting address, an additional-list entry and a likely-duplicate case, and members of each
territory with API tokens; plus a test client whose requests share the test's session.

Territory A is the Bishkek commission GB01 (stations 1001-1003), territory B the Sokuluk
commission C07 (station 2001). The election's polling day is two months ahead of today in
Bishkek, so that "the next election" and the Form No. 2 deadline hold whenever the tests run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shailoo.auth import service as auth
from shailoo.auth.rules import Role, Scope
from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionKind
from shailoo.elections.schemas import ElectionCreate
from shailoo.register import changes, duplicates, lists, service
from shailoo.register.importers import EXTRACT_COLUMNS
from shailoo.register.scope import NATIONWIDE
from shailoo.types import ScopeKind
from tests.factories import make_country, make_user

ACTOR = "test"
TODAY = datetime.now(ZoneInfo("Asia/Bishkek")).date()
POLLING = TODAY + timedelta(days=60)

ADDRESSES_CSV = """region,locality,street,house,station
KG-GB,Бишкек,Токтогула,,1001
KG-GB,Бишкек,Өмүрбекова,,1002
KG-C,Ёлкино,,,2001
"""


def pin_of(sex: str, born: date, serial: int) -> str:
    """A PIN that agrees with sex and birth date (1 = F, 2 = M, then DDMMYYYY, serial)."""
    return f"{'1' if sex == 'F' else '2'}{born:%d%m%Y}{serial:05d}"


@dataclass(frozen=True)
class Voter:
    """One person of the test extract."""

    key: str
    surname: str
    given_name: str
    patronymic: str
    born: date
    sex: str
    region: str
    locality: str
    street: str
    house: str
    serial: int
    biometrics: str = "1"
    deceased: str = "0"

    @property
    def pin(self) -> str:
        return pin_of(self.sex, self.born, self.serial)

    def row(self) -> list[str]:
        return [self.pin, self.surname, self.given_name, self.patronymic, self.born.isoformat(),
                self.sex, "KG", self.region, self.locality, self.street, self.house, "",
                self.biometrics, self.deceased, "0"]


VOTERS = (
    # territory A (GB01)
    Voter("a1", "Асанов", "Бакыт", "Эркинович", date(1975, 3, 14), "M", "KG-GB", "Бишкек",
          "ул. Токтогула", "10", 1),
    Voter("a2", "Алиева", "Айгуль", "Маратовна", date(1990, 7, 2), "F", "KG-GB", "Бишкек",
          "Өмүрбекова", "7", 2),
    Voter("a_nobio", "Бекова", "Нуриза", "", date(1988, 1, 5), "F", "KG-GB", "Бишкек",
          "Токтогула", "12", 3, biometrics="0"),
    Voter("a_nostation", "Абдыкадыров", "Улан", "", date(1979, 7, 7), "M", "KG-GB", "Бишкек",
          "Неизвестная", "9", 9),
    Voter("a_minor", "Асанов", "Нурбек", "Бакытович", TODAY - timedelta(days=16 * 365), "M",
          "KG-GB", "Бишкек", "Токтогула", "10", 4),
    # territory B (C07)
    Voter("b1", "Жумабаева", "Гүлнара", "Садыковна", date(1968, 11, 23), "F", "KG-C",
          "с. Ёлкино", "Мира", "5", 11),
    Voter("b2", "Осмонов", "Темирлан", "Бекович", date(1982, 4, 30), "M", "KG-C", "с. Ёлкино",
          "Мира", "8", 12),
    Voter("b2_latin", "Osmonov", "Temirlan", "Bekovich", date(1982, 4, 30), "M", "KG-C",
          "Ёлкино", "Мира", "8", 13),
    Voter("b_nobio", "Токтосунова", "Айжан", "", date(1970, 9, 9), "F", "KG-C", "Ёлкино",
          "Ленина", "1", 14, biometrics="0"),
    Voter("b_dead", "Сыдыков", "Эмил", "", date(1940, 2, 2), "M", "KG-C", "Ёлкино", "Ленина",
          "3", 15, deceased="1"),
    Voter("b_nostation", "Бакиров", "Нурлан", "", date(1975, 5, 5), "M", "KG-C", "с. Кант",
          "Ленина", "7", 16),
)
BY_KEY = {v.key: v for v in VOTERS}
B_KEYS = ("b1", "b2", "b2_latin", "b_nobio", "b_dead", "b_nostation")


def extract_csv(voters: tuple[Voter, ...] = VOTERS) -> str:
    """The extract file of ``voters``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXTRACT_COLUMNS)
    for v in voters:
        writer.writerow(v.row())
    return out.getvalue()


@dataclass
class World:
    """What the tests refer to."""

    election_id: int
    import_id: int
    b_change_id: int
    case_id: int
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def pin(self, key: str) -> str:
        return BY_KEY[key].pin

    @property
    def b_pins(self) -> list[str]:
        return [BY_KEY[k].pin for k in B_KEYS]

    @property
    def b_surnames(self) -> list[str]:
        return [BY_KEY[k].surname for k in B_KEYS]

    @property
    def all_pins(self) -> list[str]:
        return [v.pin for v in VOTERS]

    @property
    def all_surnames(self) -> list[str]:
        return [v.surname for v in VOTERS]


MEMBERS = {
    "cec": (Role.CEC_ADMIN, Scope(ScopeKind.NATION)),
    "tec_a": (Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "GB01")),
    "pec_a": (Role.PEC_MEMBER, Scope(ScopeKind.STATION, "1001")),
    "tec_b": (Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "C07")),
    "pec_b": (Role.PEC_MEMBER, Scope(ScopeKind.STATION, "2001")),
    "observer": (Role.OBSERVER, Scope(ScopeKind.NATION)),
    "portal": (Role.VOTER_PORTAL, Scope(ScopeKind.NATION)),
}


def build_world(session: Session, with_members: bool = True) -> World:
    """The test country, an election two months ahead, the register and its lists, one
    change of voting address in territory B (2001 -> abroad 9001), one from A into B
    (1002 -> 2001), one additional-list entry at 2001 and one likely-duplicate case of B."""
    make_country(session)
    election = elections.create_election(session, ACTOR, ElectionCreate(
        code="parliament-next", kind=ElectionKind.PARLIAMENTARY, name_ky="Шайлоо",
        name_ru="Выборы", name_en="Election", polling_date=POLLING, preset="kg-2021-mixed"))
    service.import_address_table(session, io.StringIO(ADDRESSES_CSV), "addresses.csv", ACTOR)
    outcome = service.import_extract(session, io.StringIO(extract_csv()), "extract.csv", ACTOR,
                                     TODAY)
    lists.build_lists(session, ACTOR, election.id)
    lists.set_rules(session, ACTOR, election.id, {"change_scope": "anyone"})
    b_change = changes.request_change(session, ACTOR, NATIONWIDE, election.id,
                                      BY_KEY["b2"].pin, "9001", "commission", TODAY)
    changes.request_change(session, ACTOR, NATIONWIDE, election.id, BY_KEY["a2"].pin, "2001",
                           "commission", TODAY)
    changes.add_to_additional_list(session, ACTOR, NATIONWIDE, election.id, "2001",
                                   BY_KEY["b_nostation"].pin, "lives in Kant since May", POLLING)
    duplicates.find_duplicates(session, ACTOR)
    case = duplicates.cases(session, "open")[0]
    world = World(election.id, outcome.import_id, b_change["id"], case["id"])
    if with_members:
        for name, (role, scope) in MEMBERS.items():
            principal = make_user(session, name.replace("_", "-"), role, scope)
            token = auth.issue_token(session, principal, "test")
            world.headers[name] = {"Authorization": f"Bearer {token}"}
    return world


@contextmanager
def web_client(session: Session, client: tuple[str, int] = ("testclient", 50000),
               **settings: Any) -> Iterator[Any]:
    """A test client of a new app (with these settings) whose requests use ``session``."""
    from fastapi.testclient import TestClient

    from shailoo.config import Settings
    from shailoo.web.app import create_app
    from shailoo.web.deps import get_session

    session.info["keep_open"] = True
    app = create_app(Settings(database_url="sqlite://", **settings),
                     session_factory=lambda: session)

    async def same_session() -> AsyncIterator[Session]:
        yield session

    app.dependency_overrides[get_session] = same_session
    with TestClient(app, client=client) as test_client:
        yield test_client


def leaks(body: str, pins: list[str], surnames: list[str]) -> list[str]:
    """The PINs and surnames of ``pins``/``surnames`` that appear in ``body``."""
    return [p for p in pins if p in body] + [s for s in surnames if s in body]
