"""Source formats of the register: the population-register extract, the address-to-station
table and consular registrations.

The extract is millions of rows, so its rows are parsed by one tight function instead of the
generic per-column pipeline; it still names the field and reason of every bad value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from shailoo.kit.importing import Column, FieldError, ImportSpec
from shailoo.register import rules

EXTRACT_COLUMNS = ("pin", "surname", "given_name", "patronymic", "birth_date", "sex",
                   "citizenship", "region", "locality", "street", "house", "flat",
                   "biometrics", "deceased", "incapable")
OPTIONAL_EXTRACT_COLUMNS = frozenset({"patronymic", "street", "house", "flat"})

_FLAGS = {"1": True, "0": False, "true": True, "false": False, "yes": True, "no": False,
          "y": True, "n": False, "да": True, "нет": False, "ооба": True, "жок": False}
_SEXES = {"f": "F", "m": "M", "female": "F", "male": "M", "ж": "F", "м": "M", "жен": "F",
          "муж": "M", "аял": "F", "эркек": "M"}
MAX_NAME = 100
MAX_PLACE = 200
MAX_HOUSE = 40


class ExtractRow(NamedTuple):
    """One valid person of an extract (a tuple: millions are made per import)."""

    pin: str
    surname: str
    given_name: str
    patronymic: str | None
    birth_date: date
    sex: str
    citizenship: str
    region: str
    locality: str
    street: str | None
    house: str | None
    flat: str | None
    has_biometrics: bool
    deceased: bool
    incapable: bool


def parse_flag(raw: str) -> bool:
    """A yes/no value: 1/0, true/false, yes/no, да/нет, ооба/жок."""
    try:
        return _FLAGS[raw.casefold()]
    except KeyError:
        raise ValueError("must be 1 or 0 (or true/false, yes/no, да/нет)") from None


def parse_birth_date(raw: str) -> date:
    """YYYY-MM-DD or DD.MM.YYYY."""
    try:
        if "." in raw:
            day, month, year = raw.split(".")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError("must be a date as YYYY-MM-DD or DD.MM.YYYY") from None


def parse_extract_row(cells: list[str], regions: frozenset[str], today: date
                      ) -> tuple[ExtractRow | None, list[FieldError]]:
    """Validate one extract row (cells in EXTRACT_COLUMNS order; surrounding spaces are
    ignored).

    Returns the row, or None and every field error of the row. A row in the usual form
    (ISO date, exact flag and sex codes) takes a fast path; anything else is judged field by
    field, which also names every error.
    """
    (pin, surname, given, patronymic, born, sex, citizenship, region, locality, street,
     house, flat, bio, dead, incapable) = cells
    surname, given, patronymic = surname.strip(), given.strip(), patronymic.strip()
    locality, street, house, flat = locality.strip(), street.strip(), house.strip(), flat.strip()
    sex_code = _FAST_SEXES.get(sex)
    flag_bio, flag_dead, flag_incapable = _FAST_FLAGS.get(bio), _FAST_FLAGS.get(dead), \
        _FAST_FLAGS.get(incapable)
    if (sex_code is not None and flag_bio is not None and flag_dead is not None
            and flag_incapable is not None and len(pin) == 14 and pin.isdigit()
            and pin.isascii() and region in regions and len(born) == 10 and born[4] == "-"
            and 0 < len(surname) <= MAX_NAME and 0 < len(given) <= MAX_NAME
            and len(patronymic) <= MAX_NAME and 0 < len(locality) <= MAX_PLACE
            and len(street) <= MAX_PLACE and len(house) <= MAX_HOUSE
            and len(flat) <= MAX_HOUSE and len(citizenship) == 2 and citizenship.isalpha()
            and citizenship.isascii() and citizenship.isupper()):
        try:
            birth_date = date.fromisoformat(born)
        except ValueError:
            birth_date = None
        if birth_date is not None and birth_date <= today and birth_date.year >= 1890:
            return ExtractRow(pin, surname, given, patronymic or None, birth_date, sex_code,
                              citizenship, region, locality, street or None, house or None,
                              flat or None, flag_bio, flag_dead, flag_incapable), []
    return _parse_slowly(cells, regions, today)


_FAST_SEXES = {"F": "F", "M": "M"}
_FAST_FLAGS = {"1": True, "0": False}


def _parse_slowly(cells: list[str], regions: frozenset[str], today: date
                  ) -> tuple[ExtractRow | None, list[FieldError]]:
    errors: list[FieldError] = []
    cells = [c.strip() for c in cells]
    (pin, surname, given, patronymic, born, sex, citizenship, region, locality, street,
     house, flat, bio, dead, incapable) = cells
    for name, value in zip(EXTRACT_COLUMNS, cells, strict=True):
        if not value and name not in OPTIONAL_EXTRACT_COLUMNS:
            errors.append(FieldError(name, "is required but empty"))
    if errors:
        return None, errors
    reason = rules.pin_error(pin)
    if reason:
        errors.append(FieldError("pin", reason))
    for name, value, limit in (("surname", surname, MAX_NAME), ("given_name", given, MAX_NAME),
                               ("patronymic", patronymic, MAX_NAME),
                               ("locality", locality, MAX_PLACE), ("street", street, MAX_PLACE),
                               ("house", house, MAX_HOUSE), ("flat", flat, MAX_HOUSE)):
        if len(value) > limit:
            errors.append(FieldError(name, f"is longer than {limit} characters"))
    birth_date = None
    try:
        birth_date = parse_birth_date(born)
        if birth_date > today or birth_date.year < 1890:
            errors.append(FieldError("birth_date", f"{born} is not a plausible birth date"))
    except ValueError as exc:
        errors.append(FieldError("birth_date", str(exc)))
    sex_code = _SEXES.get(sex.casefold())
    if sex_code is None:
        errors.append(FieldError("sex", "must be F or M"))
    if len(citizenship) != 2 or not citizenship.isalpha() or not citizenship.isascii():
        errors.append(FieldError("citizenship", "must be a two-letter ISO 3166 country code"))
    if region not in regions:
        errors.append(FieldError("region", "is not a known region code"))
    flags: list[bool] = []
    for name, value in (("biometrics", bio), ("deceased", dead), ("incapable", incapable)):
        try:
            flags.append(parse_flag(value))
        except ValueError as exc:
            errors.append(FieldError(name, str(exc)))
    if errors or birth_date is None or sex_code is None:
        return None, errors
    return ExtractRow(pin, surname, given, patronymic or None, birth_date, sex_code,
                      citizenship.upper(), region, locality, street or None, house or None,
                      flat or None, flags[0], flags[1], flags[2]), []


@dataclass(frozen=True)
class AddressStationIn:
    """One line of the address-to-station table."""

    region: str
    locality: str
    street: str | None
    house: str | None
    station_code: str


def _address_line(values: dict[str, Any]) -> AddressStationIn:
    return AddressStationIn(values["region"], values["locality"], values["street"],
                            values["house"], values["station"])


ADDRESS_SPEC = ImportSpec(
    name="address-stations",
    columns=(Column("region"), Column("locality"), Column("street", required=False),
             Column("house", required=False), Column("station")),
    build=_address_line,
)


@dataclass(frozen=True)
class ConsularIn:
    """A consular registration: the citizen, the station abroad, the office, the day."""

    pin: str
    station_code: str
    office: str
    registered_on: date


def _pin(raw: str) -> str:
    reason = rules.pin_error(raw)
    if reason:
        raise ValueError(reason)
    return raw


def _consular(values: dict[str, Any]) -> ConsularIn:
    return ConsularIn(values["pin"], values["station"], values["office"],
                      values["registered_on"])


def _iso_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FieldError("registered_on", "must be a date as YYYY-MM-DD") from None


CONSULAR_SPEC = ImportSpec(
    name="consular-registrations",
    columns=(Column("pin", _pin), Column("station"), Column("office"),
             Column("registered_on", _iso_date)),
    build=_consular,
)
