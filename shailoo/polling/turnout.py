"""Turnout on polling day: ballots issued to identified voters, live and at the election's
fixed publication hours, per station, territorial commission, region and nation, with a
curve per unit and a flag on stations whose turnout jumps between two reports.

An hour is published once it has passed: on the clock, or in the data (a ballot issued or a
station report made at or after it, which is how a replayed or simulated day publishes too).
Hours are local to each station (abroad stations use their country's zone where the
settings name one): a station's, commission's or region's hour is published once it has
passed in the zone of every station of the unit (a station abroad west of Bishkek publishes
its 10:00 figure after Bishkek's). The nation, like the CEC's announcements, counts every
station's ballots before the home zone's hour. ``published_hours`` are the home zone's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shailoo.elections import service as elections
from shailoo.errors import InvalidInput
from shailoo.geography import service as geography
from shailoo.geography.rules import StationKind
from shailoo.kit.clock import utcnow
from shailoo.polling import service as devices
from shailoo.polling.figures import jumps, share
from shailoo.polling.models import BallotIssue, StationReport
from shailoo.polling.rules import PollingConfig, local_instant
from shailoo.register import lists

LEVELS = ("station", "tec", "region", "nation")


def clock_hours(config: PollingConfig) -> list[str]:
    """Every full hour after opening up to closing (the points of a turnout curve)."""
    start, end = int(config.opens[:2]) + 1, int(config.closes[:2])
    hours = [f"{h:02d}:00" for h in range(start, end + 1)]
    return hours if config.closes.endswith(":00") else [*hours, config.closes]


@dataclass(frozen=True)
class StationCounts:
    """Ballots issued at one station before each hour of the day, and so far; ``cutoffs``
    are the UTC instants of those hours in the station's own time zone."""

    registered: int
    before: tuple[int, ...]
    live: int
    cutoffs: tuple[datetime, ...] = ()
    home_before: tuple[int, ...] = ()  # before the same hours in the home time zone


def _count_before(session: Session, election_id: int, cutoffs: list[datetime],
                  stations: list[str] | None) -> dict[str, tuple[tuple[int, ...], int]]:
    columns = [func.sum(case((BallotIssue.issued_at < c, 1), else_=0)) for c in cutoffs]
    stmt = (select(BallotIssue.station_code, func.count(), *columns)
            .where(BallotIssue.election_id == election_id).group_by(BallotIssue.station_code))
    if stations is not None:
        stmt = stmt.where(BallotIssue.station_code.in_(stations))
    return {row[0]: (tuple(int(v or 0) for v in row[2:]), int(row[1]))
            for row in session.execute(stmt)}


def station_counts(session: Session, election_id: int, hours: list[str]
                   ) -> tuple[dict[str, StationCounts], list[datetime]]:
    """Per station: voters on the list and ballots issued before each of ``hours`` (local
    time) and so far; also the home zone's instants of those hours. One grouped scan for
    the home zone and one per other zone abroad."""
    election = elections.public_get_election(session, election_id)
    config = devices.polling_config(session, election_id)
    zones: dict[str, list[str]] = {}
    for s in geography.public_list_stations(session):
        zones.setdefault(config.zone_of(s.country, s.kind is StationKind.ABROAD),
                         []).append(s.code)
    counted: dict[str, tuple[tuple[int, ...], int]] = {}
    instants = {zone: tuple(local_instant(election.polling_date, h, zone) for h in hours)
                for zone in {config.timezone, *zones}}
    home = list(instants[config.timezone])
    at_home = _count_before(session, election_id, home, None)
    counted.update(at_home)
    for zone, codes in zones.items():
        if zone != config.timezone:
            counted.update(_count_before(session, election_id, list(instants[zone]), codes))
    sizes = lists.station_sizes(session, election_id)
    empty = (tuple(0 for _ in hours), 0)
    return ({code: StationCounts(sizes.get(code, 0), *counted.get(code, empty),
                                 cutoffs=instants[zone],
                                 home_before=at_home.get(code, empty)[0])
             for zone, codes in zones.items() for code in codes}, home)


def _unit(level: str, code: str, station: Any) -> str:
    if level == "station":
        return code
    if level == "tec":
        return str(station.tec)
    if level == "region":
        return str(station.region or "abroad")
    return "nation"


def turnout(session: Session, election_id: int, level: str = "region",
            now: datetime | None = None) -> dict[str, Any]:
    """Turnout per unit of ``level`` (station, tec, region or nation): voters on the list,
    voters identified so far and the share, the share at each published hour, the curve
    over the day's hours so far and, for stations, jumps beyond the election's limit."""
    if level not in LEVELS:
        raise InvalidInput("polling.bad_level", f"level must be one of {', '.join(LEVELS)}")
    config = devices.polling_config(session, election_id)
    curve_hours = clock_hours(config)
    hours = sorted(set(curve_hours) | set(config.turnout_hours))
    counts, instants = station_counts(session, election_id, hours)
    clock = max([now or utcnow(), *filter(None, [
        session.execute(select(func.max(BallotIssue.issued_at)).where(
            BallotIssue.election_id == election_id)).scalar(),
        session.execute(select(func.max(StationReport.at)).where(
            StationReport.election_id == election_id)).scalar()])])
    stations = {s.code: s for s in geography.public_list_stations(session)}
    units: dict[str, dict[str, Any]] = {}
    for code, c in counts.items():
        unit = _unit(level, code, stations[code])
        row = units.setdefault(unit, {"unit": unit, "registered": 0, "identified": 0,
                                      "before": [0] * len(hours),
                                      "passed": [True] * len(hours)})
        row["registered"] += c.registered
        row["identified"] += c.live
        # the nation counts every station at the home hour (as the CEC publishes); other
        # units are stations of one zone, whose hour passes in that zone
        before, cutoffs = (c.home_before, instants) if level == "nation" else (
            c.before, c.cutoffs)
        row["before"] = [a + b for a, b in zip(row["before"], before, strict=True)]
        row["passed"] = [p and at <= clock for p, at in zip(row["passed"], cutoffs,
                                                             strict=True)]
    published = [h for h, at in zip(hours, instants, strict=True)
                 if at <= clock and h in config.turnout_hours]
    rows = []
    for unit in sorted(units):
        row = units.pop(unit)
        before, passed = row.pop("before"), row.pop("passed")
        at_hour = {hours[i]: share(before[i], row["registered"])
                   for i in range(len(hours)) if passed[i]}
        out = {**row, "turnout": share(row["identified"], row["registered"]),
               "published": {h: v for h, v in at_hour.items() if h in config.turnout_hours},
               "curve": {h: at_hour[h] for h in curve_hours if h in at_hour}}
        if level == "station":
            out["jumps"] = [j.to_dict() for j in jumps(list(out["published"].items()),
                                                       config.jump_limit)]
        rows.append(out)
    return {"election_id": election_id, "level": level, "hours": config.turnout_hours,
            "published_hours": published, "curve_hours": curve_hours,
            "jump_limit": config.jump_limit, "as_of": clock.astimezone(UTC).isoformat(),
            "rows": rows}


def jumping_stations(session: Session, election_id: int,
                     now: datetime | None = None) -> list[dict[str, Any]]:
    """Stations whose published turnout rose by more than the limit between two reports,
    largest rise first."""
    rows = [r for r in turnout(session, election_id, "station", now)["rows"] if r["jumps"]]
    return sorted(rows, key=lambda r: -max(j["rise"] for j in r["jumps"]))
