"""Small, readable test data built through the real services."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy.orm import Session

from shailoo.auth import service as auth
from shailoo.auth.rules import Role, Scope
from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionKind
from shailoo.elections.schemas import ElectionCreate, ElectionOut
from shailoo.geography import service as geography
from shailoo.types import ScopeKind

PASSWORD = "correct horse battery"

REGIONS_CSV = """code,kind,name_ky,name_ru,name_en,center_lat,center_lon,radius_km
KG-GB,city,Бишкек шаары,город Бишкек,Bishkek City,42.875,74.6,15
KG-C,oblast,Чүй облусу,Чуйская область,Chui Region,42.7,74.4,170
"""

COMMISSIONS_CSV = """code,region,name_ky,name_ru,name_en,abroad
GB01,KG-GB,Ленин району,Ленинский район,Leninsky District,false
C07,KG-C,Сокулук району,Сокулукский район,Sokuluk District,false
ABROAD,,Чет өлкөлөрдөгү участкалар,Участки за рубежом,Stations abroad,true
"""

STATIONS_CSV = """code,kind,tec,name,address,locality,country,city,latitude,longitude,planned_voters
1001,ordinary,GB01,Средняя школа № 5,"г. Бишкек, ул. Токтогула, 125",Бишкек,KG,,42.87,74.59,1500
1002,ordinary,GB01,Гимназия № 12,"г. Бишкек, ул. Өмүрбекова, 7",Бишкек,KG,,42.88,74.61,1400
1003,hospital,GB01,Больница,"г. Бишкек, ул. Ахунбаева, 90",Бишкек,KG,,42.84,74.6,300
2001,ordinary,C07,Дом культуры,"Сокулукский район, с. Ёлкино, ул. Мира, 3",с. Ёлкино,KG,,42.85,74.3,1200
9001,abroad,ABROAD,Участок при посольстве,"Москва, ул. Большая Ордынка, 64",Москва,RU,Москва,55.74,37.62,2000
"""


def make_country(session: Session) -> None:
    """Two regions, three commissions (one abroad) and five stations."""
    geography.import_regions(session, io.StringIO(REGIONS_CSV), "regions.csv", "test")
    geography.import_commissions(session, io.StringIO(COMMISSIONS_CSV), "commissions.csv",
                                 "test")
    geography.import_stations(session, io.StringIO(STATIONS_CSV), "stations.csv", "test")


def make_election(session: Session, code: str = "parliament-2027",
                  preset: str = "kg-2021-mixed") -> ElectionOut:
    """A scheduled parliamentary election."""
    return elections.create_election(session, "test", ElectionCreate(
        code=code, kind=ElectionKind.PARLIAMENTARY, name_ky="Шайлоо", name_ru="Выборы",
        name_en="Election", polling_date=date(2027, 2, 28), preset=preset))


def make_user(session: Session, username: str, role: Role,
              scope: Scope | None = None) -> auth.Principal:
    """A user with the test password."""
    return auth.create_user(session, "test", username, username.title(), PASSWORD, role,
                            scope or Scope(ScopeKind.NATION))
