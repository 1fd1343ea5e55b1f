"""The voter register's law as pure functions: PIN checks, eligibility, address keys,
station resolution, change of voting address (Form No. 2) and likely-duplicate keys.

Nothing here touches the database, settings or the clock: "today" and the election's
rules are arguments.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Exclusion(StrEnum):
    """Why a person of the register is not on an election's voter list (first that applies)."""

    DECEASED = "deceased"
    NOT_CITIZEN = "not_citizen"
    UNDER_AGE = "under_age"
    INCAPABLE = "incapable"
    NO_BIOMETRICS = "no_biometrics"
    DUPLICATE = "duplicate"
    NO_STATION = "no_station"


# --- personal identification number -------------------------------------------------------


@dataclass(frozen=True)
class PinFormat:
    """How a PIN is read. Only the length and digits are law we are sure of; the sex digit and
    the embedded birth date come from unofficial samples, so they give warnings only."""

    length: int = 14
    sex_digit: dict[str, str] | None = None  # first digit -> "F"/"M"
    birth_date_digits: tuple[int, int] | None = (1, 9)  # slice holding DDMMYYYY


KG_PIN = PinFormat(sex_digit={"1": "F", "2": "M"})


def pin_error(pin: str, fmt: PinFormat = KG_PIN) -> str | None:
    """Why ``pin`` is not a PIN at all (a hard rule), or None."""
    if len(pin) != fmt.length or not pin.isascii() or not pin.isdigit():
        return f"must be exactly {fmt.length} digits"
    return None


def pin_consistent(pin: str, sex: str, birth_date: date, fmt: PinFormat = KG_PIN) -> bool:
    """Quick form of :func:`pin_warnings`: True when it would find nothing."""
    if fmt.sex_digit is not None and fmt.sex_digit.get(pin[0]) != sex:
        return False
    if fmt.birth_date_digits is not None:
        start, end = fmt.birth_date_digits
        day, month, year = birth_date.day, birth_date.month, birth_date.year
        return pin[start:end] == f"{day:02d}{month:02d}{year:04d}"
    return True


def pin_warnings(pin: str, sex: str, birth_date: date, fmt: PinFormat = KG_PIN) -> list[str]:
    """Soft checks of a valid PIN against the person's sex and birth date (unverified rules)."""
    warnings: list[str] = []
    if fmt.sex_digit is not None:
        expected = fmt.sex_digit.get(pin[0])
        if expected is None:
            warnings.append(f"first digit {pin[0]} is not a known sex digit")
        elif expected != sex:
            warnings.append(f"first digit {pin[0]} says sex {expected}, the record says {sex}")
    if fmt.birth_date_digits is not None:
        start, end = fmt.birth_date_digits
        expected = f"{birth_date.day:02d}{birth_date.month:02d}{birth_date.year:04d}"
        if pin[start:end] != expected:
            warnings.append(f"digits {start + 1}-{end} ({pin[start:end]}) are not the birth "
                            f"date {expected}")
    return warnings


# --- eligibility ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """What eligibility looks at for one person."""

    citizenship: str
    birth_date: date
    deceased: bool
    incapable: bool
    has_biometrics: bool
    blocked_as_duplicate: bool = False


@dataclass(frozen=True)
class EligibilityRules:
    """An election's eligibility rules."""

    polling_date: date
    citizenship: str = "KG"
    min_age: int = 18
    require_biometrics: bool = True


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on ``day`` (someone born on 29 February comes of age on 1 March
    in a common year)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def exclusion(person: PersonFacts, rules: EligibilityRules) -> Exclusion | None:
    """The first reason ``person`` may not vote in the election, or None when eligible."""
    if person.deceased:
        return Exclusion.DECEASED
    if person.citizenship != rules.citizenship:
        return Exclusion.NOT_CITIZEN
    if age_on(person.birth_date, rules.polling_date) < rules.min_age:
        return Exclusion.UNDER_AGE
    if person.incapable:
        return Exclusion.INCAPABLE
    if rules.require_biometrics and not person.has_biometrics:
        return Exclusion.NO_BIOMETRICS
    if person.blocked_as_duplicate:
        return Exclusion.DUPLICATE
    return None


# --- addresses and stations ---------------------------------------------------------------

_ADDRESS_FOLD = str.maketrans({"ё": "е", "ң": "н", "ө": "о", "ү": "у", "һ": "х",
                               ".": " ", ",": " ", "№": " ", "\"": " ", "'": " ", "«": " ",
                               "»": " "})
_ADDRESS_NOISE = frozenset({"ул", "улица", "көчөсү", "кочосу", "пр", "пр-т", "проспект",
                            "пер", "переулок", "мкр", "микрорайон", "г", "город", "шаары",
                            "с", "село", "айылы", "д", "дом", "кв", "ж", "м", "б-р",
                            "бульвар", "пгт", "st", "street", "ave", "avenue"})


def address_part_key(text: str | None) -> str:
    """A spelling-tolerant key of one address part: case, punctuation, ё/е, Kyrgyz letters
    and words such as "ул." or "көчөсү" do not matter."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_ADDRESS_FOLD)
    return " ".join(w for w in folded.split() if w not in _ADDRESS_NOISE)


def address_keys(region: str, locality: str, street: str | None, house: str | None
                 ) -> tuple[str, str, str]:
    """Keys from the most to the least precise: house, street, whole locality."""
    base = f"{region}|{address_part_key(locality)}"
    street_key = f"{base}|{address_part_key(street)}"
    return f"{street_key}|{address_part_key(house)}", f"{street_key}|", f"{base}||"


def assign_station(keys: tuple[str, ...], table: dict[str, tuple[str, ...]]
                   ) -> tuple[str | None, str]:
    """The station of an address: the most precise key of the table that matches wins.

    Returns (station, outcome) where outcome is ``matched``, ``none`` or ``several``.
    """
    for key in keys:
        stations = table.get(key)
        if stations:
            if len(stations) > 1:
                return None, "several"
            return stations[0], "matched"
    return None, "none"


@dataclass(frozen=True)
class Placement:
    """Where a person is registered to vote, from the strongest claim to the weakest."""

    home_station: str | None
    consular_station: str | None = None
    changed_to_station: str | None = None


def list_station(placement: Placement) -> str | None:
    """The station whose list holds the person: a change of voting address for this election,
    else a consular registration abroad, else the station of the registered address."""
    return placement.changed_to_station or placement.consular_station or placement.home_station


# --- change of voting address (Form No. 2) -------------------------------------------------


class ChangeScope(StrEnum):
    """Who may change their voting address."""

    CLOSED = "closed"
    ABROAD_ONLY = "abroad_only"
    ANYONE = "anyone"


@dataclass(frozen=True)
class AddressChangeRules:
    """An election's Form No. 2 configuration (the statutory values are unverified)."""

    scope: ChangeScope = ChangeScope.ABROAD_ONLY
    deadline_days: int = 15
    forbid_same_region: bool = False
    max_requests: int = 3
    warn_share: float = 0.10


@dataclass(frozen=True)
class ChangeRequest:
    """A request to vote at ``to_station`` instead of ``from_station``."""

    today: date
    polling_date: date
    from_station: str | None
    from_region: str | None
    to_station: str
    to_abroad: bool
    to_region: str | None
    earlier_requests: int


def change_deadline(rules: AddressChangeRules, polling_date: date) -> date:
    """The last day on which a change may be requested or withdrawn."""
    from datetime import timedelta

    return polling_date - timedelta(days=rules.deadline_days)


def change_refusal(request: ChangeRequest, rules: AddressChangeRules) -> str | None:
    """Why the change may not be made, or None."""
    if rules.scope is ChangeScope.CLOSED:
        return "changes of voting address are closed for this election"
    deadline = change_deadline(rules, request.polling_date)
    if request.today > deadline:
        return f"the deadline for changes was {deadline.isoformat()}"
    if rules.scope is ChangeScope.ABROAD_ONLY and not request.to_abroad:
        return "only voters abroad may change their voting address; the station is not abroad"
    if request.from_station == request.to_station:
        return "the voter is already on that station's list"
    if (rules.forbid_same_region and not request.to_abroad and request.from_region
            and request.from_region == request.to_region):
        return "a change within the same region is not allowed"
    if request.earlier_requests >= rules.max_requests:
        return (f"the voter has already made {request.earlier_requests} change(s) in this "
                f"election, the limit is {rules.max_requests}")
    return None


def withdrawal_refusal(today: date, polling_date: date, rules: AddressChangeRules) -> str | None:
    """Why a change may no longer be withdrawn, or None."""
    deadline = change_deadline(rules, polling_date)
    if today > deadline:
        return f"the deadline for changes was {deadline.isoformat()}"
    return None


def change_share_exceeded(incoming: int, listed: int, rules: AddressChangeRules) -> bool:
    """True when a station's incoming changes exceed the configured share of its list."""
    return listed > 0 and incoming > rules.warn_share * listed


# --- the additional list of polling day ----------------------------------------------------


def additional_list_refusal(today: date, polling_date: date, exclusion_reason: str | None
                            ) -> tuple[str, str] | None:
    """Why a person may not be added to a station's additional list: (code, reason), or None.

    The additional list is kept on polling day only, for a person of the register who may
    vote but is on no list (no station matched their address, or they are on no list at all).
    Anyone excluded for another reason (no biometric registration included: only citizens who
    passed it are listed) may not vote there either.
    """
    if today != polling_date:
        return ("register.not_polling_day",
                f"the additional list is kept on polling day ({polling_date.isoformat()}) only")
    if exclusion_reason not in (None, Exclusion.NO_STATION.value):
        return "register.not_eligible", f"the person may not vote: {exclusion_reason}"
    return None


# --- likely duplicates ---------------------------------------------------------------------

_CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "ң": "ng",
    "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u",
    "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y",
    "ь": "", "э": "e", "ю": "yu", "я": "ya", "һ": "h",
}
# Spelling variants of the same sound in Latin transliterations, folded to one skeleton.
_SKELETON_STEPS = (
    (re.compile(r"dzh|dj|zh|j"), "j"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"ts"), "c"),
    (re.compile(r"sch|shch|sh"), "s"),
    (re.compile(r"ch"), "c"),
    (re.compile(r"[yi]"), "i"),
    (re.compile(r"w"), "v"),
    (re.compile(r"q"), "k"),
    (re.compile(r"(.)\1+"), r"\1"),
)


def transliterate(text: str) -> str:
    """Cyrillic (Kyrgyz and Russian) to plain lower-case Latin letters."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text).casefold():
        if char in _CYRILLIC_TO_LATIN:
            out.append(_CYRILLIC_TO_LATIN[char])
        elif char.isascii() and char.isalpha():
            out.append(char)
        elif char.isalpha():
            base = unicodedata.normalize("NFD", char)[0]
            out.append(base if base.isascii() else "")
    return "".join(out)


def name_skeleton(text: str | None) -> str:
    """A spelling-tolerant key of one name, the same for Cyrillic and Latin spellings."""
    if not text:
        return ""
    skeleton = transliterate(text.split()[0]) if text.split() else ""
    for pattern, replacement in _SKELETON_STEPS:
        skeleton = pattern.sub(replacement, skeleton)
    return skeleton


def person_name_key(surname: str, given_name: str, patronymic: str | None,
                    skeleton: Callable[[str | None], str] = name_skeleton) -> str:
    """The key under which likely duplicates meet (with the birth date): the skeletons of
    surname and given name in either order, and the first word of the patronymic.
    (``skeleton`` may be a cached :func:`name_skeleton`.)"""
    first, second = sorted((skeleton(surname), skeleton(given_name)))
    return f"{first} {second} {skeleton(patronymic)}".strip()


# --- voter lists ---------------------------------------------------------------------------

LIST_COLUMNS = ("pin", "surname", "given_name", "patronymic", "birth_date", "address")


def list_line(pin: str, surname: str, given_name: str, patronymic: str | None,
              birth_date: date, address: str) -> str:
    """One voter's line in the text whose SHA-256 is published for a frozen list."""
    return "\t".join((pin, surname, given_name, patronymic or "", birth_date.isoformat(),
                      address)) + "\n"
