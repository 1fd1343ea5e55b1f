"""Small, readable register data built through the real services: an address table for the
country of tests.factories, extracts written as CSV, and an election with built lists."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shailoo.register import service
from shailoo.register.importers import EXTRACT_COLUMNS
from shailoo.register.models import Person
from tests.factories import make_country, make_election

ACTOR = "test"
TODAY = date(2027, 1, 10)  # before the default Form No. 2 deadline of the test election
POLLING = date(2027, 2, 28)  # the polling day of tests.factories.make_election
DEADLINE = date(2027, 2, 13)  # POLLING minus the default 15 days

# House beats street beats locality: Токтогула 125 is 1002 although the street is 1001.
ADDRESSES_CSV = """region,locality,street,house,station
KG-GB,Бишкек,Токтогула,,1001
KG-GB,Бишкек,Токтогула,125,1002
KG-GB,Бишкек,Өмүрбекова,,1002
KG-GB,Бишкек,Ахунбаева,,1003
KG-C,Ёлкино,,,2001
"""


def make_pin(sex: str, born: date, serial: int) -> str:
    """A PIN whose structure agrees with sex and birth date (1 = F, 2 = M, then DDMMYYYY)."""
    return f"{'1' if sex == 'F' else '2'}{born:%d%m%Y}{serial:05d}"


def voter(serial: int, surname: str = "Асанова", given_name: str = "Жылдыз",
          patronymic: str = "", *, born: date = date(1980, 5, 12), sex: str = "F",
          region: str = "KG-GB", locality: str = "Бишкек", street: str = "Токтогула",
          house: str = "10", flat: str = "", citizenship: str = "KG", biometrics: str = "1",
          deceased: str = "0", incapable: str = "0", pin: str | None = None) -> dict[str, str]:
    """One extract row as a dict of EXTRACT_COLUMNS (living at Токтогула 10, station 1001,
    unless told otherwise)."""
    return {"pin": pin or make_pin(sex, born, serial), "surname": surname,
            "given_name": given_name, "patronymic": patronymic, "birth_date": born.isoformat(),
            "sex": sex, "citizenship": citizenship, "region": region, "locality": locality,
            "street": street, "house": house, "flat": flat, "biometrics": biometrics,
            "deceased": deceased, "incapable": incapable}


def extract_csv(rows: Iterable[dict[str, str]], columns: Iterable[str] = EXTRACT_COLUMNS
                ) -> str:
    """An extract file: a header and one line per row."""
    out = io.StringIO()
    columns = list(columns)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return out.getvalue()


def import_rows(session: Session, rows: Iterable[dict[str, str]], source: str = "extract.csv",
                today: date = TODAY) -> service.ImportOutcome:
    """Import an extract made of ``rows``."""
    return service.import_extract(session, io.StringIO(extract_csv(rows)), source, ACTOR,
                                  today)


def import_addresses(session: Session, text: str = ADDRESSES_CSV,
                     source: str = "addresses.csv", today: date | None = None) -> Any:
    """Replace the address-to-station table (refreshing built lists when given ``today``)."""
    if today is None:
        return service.import_address_table(session, io.StringIO(text), source, ACTOR)
    return service.import_address_table(session, io.StringIO(text), source, ACTOR, today)


def make_register_country(session: Session) -> int:
    """The test country, its address table and a scheduled election; returns its id."""
    make_country(session)
    import_addresses(session)
    return make_election(session).id


def stored_persons(session: Session) -> dict[str, dict[str, Any]]:
    """Every stored person as the fields of an extract row (for comparing with a file)."""
    out: dict[str, dict[str, Any]] = {}
    for p in session.execute(select(Person).execution_options(populate_existing=True)
                             ).scalars():
        out[p.pin] = {"pin": p.pin, "surname": p.surname, "given_name": p.given_name,
                      "patronymic": p.patronymic or "", "birth_date": p.birth_date.isoformat(),
                      "sex": p.sex, "citizenship": p.citizenship, "region": p.region,
                      "locality": p.locality, "street": p.street or "", "house": p.house or "",
                      "flat": p.flat or "", "biometrics": "1" if p.has_biometrics else "0",
                      "deceased": "1" if p.deceased else "0",
                      "incapable": "1" if p.incapable else "0"}
    return out
