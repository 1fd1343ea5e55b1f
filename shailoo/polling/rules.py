"""Polling-day law as pure functions: what a device is told about an identified voter, the
election's polling-day configuration, and a station's status from its reports."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Answer(StrEnum):
    """What the identification device is told to do."""

    ISSUE = "issue_ballot"
    ALREADY_VOTED = "already_voted"
    NOT_ON_THIS_LIST = "not_on_this_list"
    NOT_ON_ANY_LIST = "not_on_any_list"
    NOT_ELIGIBLE = "not_eligible"


METHODS = ("fingerprint", "face", "document")


@dataclass(frozen=True)
class Placement:
    """Where the register places a voter in the election: the list (or additional list)
    station, or the reason they are excluded."""

    station: str | None
    exclusion: str | None


def answer_before_ballot(station: str, placement: Placement) -> tuple[Answer, str | None]:
    """The answer for a voter identified at ``station``, before looking at ballots issued:
    (answer, detail), the detail naming where the voter is listed or why they may not vote.
    ISSUE here means "may have a ballot if none was issued yet"."""
    if placement.exclusion is not None:
        return Answer.NOT_ELIGIBLE, placement.exclusion
    if placement.station is None:
        return Answer.NOT_ON_ANY_LIST, None
    if placement.station != station:
        return Answer.NOT_ON_THIS_LIST, placement.station
    return Answer.ISSUE, None


def method_problem(method: str, fallback_reason: str | None) -> str | None:
    """Why an identification's method is not acceptable, or None: a document check (the
    fallback when matching fails) must say why."""
    if method not in METHODS:
        return f"method must be one of {', '.join(METHODS)}"
    if method == "document" and not (fallback_reason or "").strip():
        return "a document check needs the reason the biometric check was not used"
    return None


STATION_REPORT_KINDS = ("opened", "suspended", "resumed", "closed", "turnout")
COUNTS = ("identified", "signed", "issued", "scanner", "manual")
DEFAULT_COMPARISONS = (("identified", "signed"), ("signed", "issued"), ("issued", "scanner"),
                       ("scanner", "manual"), ("identified", "scanner"))


@dataclass(frozen=True)
class Tolerance:
    """How far two counts of a station may differ before a case is opened: the larger of
    ``absolute`` ballots and ``share`` of the larger count."""

    absolute: int = 2
    share: float = 0.01


@dataclass(frozen=True)
class PollingConfig:
    """An election's polling-day configuration. Times are local: ``timezone`` at home,
    ``country_timezones`` for stations abroad (a country not named uses ``timezone``)."""

    timezone: str = "Asia/Bishkek"
    country_timezones: tuple[tuple[str, str], ...] = ()
    opens: str = "08:00"
    closes: str = "20:00"
    turnout_hours: tuple[str, ...] = ("10:00", "12:00", "14:00", "16:00", "18:00", "20:00")
    jump_limit: float = 0.25
    comparisons: tuple[tuple[str, str], ...] = DEFAULT_COMPARISONS
    tolerance: Tolerance = Tolerance()

    def zone_of(self, country: str, abroad: bool) -> str:
        """The time zone of a station in ``country`` (``abroad``: outside the home country)."""
        if not abroad:
            return self.timezone
        return dict(self.country_timezones).get(country, self.timezone)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (what is stored and published)."""
        return {"timezone": self.timezone, "country_timezones": dict(self.country_timezones),
                "opens": self.opens, "closes": self.closes,
                "turnout_hours": list(self.turnout_hours), "jump_limit": self.jump_limit,
                "comparisons": [list(c) for c in self.comparisons],
                "tolerance": {"absolute": self.tolerance.absolute,
                              "share": self.tolerance.share}}


def _clock(value: Any, name: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError(f"{name}: {value!r} is not a time of day HH:MM")
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _zone(value: Any, name: str) -> str:
    try:
        ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name}: {value!r} is not a known time zone") from None
    return str(value)


def parse_config(data: dict[str, Any]) -> PollingConfig:
    """A configuration from its JSON form (missing keys keep their defaults); a ValueError
    names the first bad key and why."""
    base = PollingConfig()
    unknown = set(data) - set(base.to_dict())
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    zone = _zone(data.get("timezone", base.timezone), "timezone")
    countries = data.get("country_timezones", {})
    if not isinstance(countries, dict):
        raise ValueError("country_timezones: a mapping of country code to time zone")
    opens = _clock(data.get("opens", base.opens), "opens")
    closes = _clock(data.get("closes", base.closes), "closes")
    if closes <= opens:
        raise ValueError("closes: must be after opens")
    listed = data.get("turnout_hours", base.turnout_hours)
    if not isinstance(listed, list | tuple):
        raise ValueError("turnout_hours: a list of times of day HH:MM")
    hours = tuple(_clock(h, "turnout_hours") for h in listed)
    if list(hours) != sorted(set(hours)):
        raise ValueError("turnout_hours: must be distinct and in order")
    jump = data.get("jump_limit", base.jump_limit)
    if not _number(jump) or not 0 < jump <= 1:
        raise ValueError("jump_limit: a share between 0 and 1")
    pairs = data.get("comparisons", base.comparisons)
    if not isinstance(pairs, list | tuple):
        raise ValueError("comparisons: a list of pairs of counts")
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2 or not set(pair) <= set(
                COUNTS) or pair[0] == pair[1]:
            raise ValueError(f"comparisons: {pair!r} is not two of {', '.join(COUNTS)}")
    tol = data.get("tolerance", {})
    if not isinstance(tol, dict) or set(tol) - {"absolute", "share"}:
        raise ValueError("tolerance: a mapping with absolute and share")
    absolute, share = tol.get("absolute", base.tolerance.absolute), tol.get(
        "share", base.tolerance.share)
    if not _number(absolute) or not isinstance(absolute, int) or absolute < 0 or not _number(
            share) or not 0 <= share < 1:
        raise ValueError("tolerance: absolute a whole number >= 0, share between 0 and 1")
    return PollingConfig(
        timezone=zone,
        country_timezones=tuple(sorted((str(c).upper(), _zone(z, f"country_timezones.{c}"))
                                       for c, z in countries.items())),
        opens=opens, closes=closes, turnout_hours=hours, jump_limit=float(jump),
        comparisons=tuple((str(a), str(b)) for a, b in pairs),
        tolerance=Tolerance(absolute, float(share)))


def local_instant(day: date, clock: str, zone: str) -> datetime:
    """The UTC instant of ``clock`` (HH:MM) on ``day`` in time zone ``zone``."""
    hour, minute = (int(x) for x in clock.split(":"))
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone)).astimezone(UTC)


def station_report_problem(kind: str, voters: int | None, reason: str | None) -> str | None:
    """Why a station report is malformed, or None: a turnout report and a closing report
    carry a voter count; a suspension says why."""
    if kind not in STATION_REPORT_KINDS:
        return f"kind must be one of {', '.join(STATION_REPORT_KINDS)}"
    if kind in ("turnout", "closed") and voters is None:
        return f"a {kind} report gives the number of voters"
    if voters is not None and voters < 0:
        return "the number of voters cannot be negative"
    if kind == "suspended" and not (reason or "").strip():
        return "a suspension gives its reason"
    return None


def station_status(kinds_in_order: list[str], protocol_sent: bool) -> str:
    """A station's status from its reports, oldest first: not opened, opened, suspended,
    closed, or protocol sent."""
    status = "not_opened"
    for kind in kinds_in_order:
        if kind in ("opened", "resumed"):
            status = "opened" if status != "closed" else status
        elif kind == "suspended" and status != "closed":
            status = "suspended"
        elif kind == "closed":
            status = "closed"
    return "protocol_sent" if protocol_sent else status
