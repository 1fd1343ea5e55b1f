"""Station reports on polling day (opened, suspended, resumed, turnout, closed) and what
they add up to: each station's status and the CEC's list of stations that are late."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.elections import service as elections
from shailoo.errors import Forbidden, InvalidInput
from shailoo.geography import service as geography
from shailoo.kit.clock import utcnow
from shailoo.polling import service as devices
from shailoo.polling.models import StationReport
from shailoo.polling.rules import station_report_problem, station_status
from shailoo.polling.schemas import StationReportIn
from shailoo.results import service as results


def _same(row: StationReport, report: StationReportIn) -> bool:
    return (row.election_id, row.station_code, row.kind, row.at, row.voters, row.reason) == (
        report.election_id, report.station, report.kind, report.at, report.voters,
        report.reason)


def submit_report(session: Session, report: StationReportIn,
                  member: str | None) -> dict[str, Any]:
    """Record a station report from a commission member (``member``, already checked to
    cover the station) or signed by the station's identification device. Sending it again
    is answered ``repeated``; another report under a used id is refused as a replay."""
    problem = station_report_problem(report.kind, report.voters, report.reason)
    if problem:
        raise InvalidInput("polling.bad_station_report", f"report {report.report_id}: {problem}",
                           report_id=report.report_id)
    if member is None and (report.device_id is None or report.signature is None):
        raise Forbidden("polling.signature_required",
                        "a report without a signed-in member must name its device and carry "
                        "its signature")
    try:
        return _record(session, report, member)
    except Forbidden as refusal:
        if member is None and report.device_id is not None:
            devices.audit_refusal(session, report.device_id, report.station, refusal,
                                  {"report_id": report.report_id, "kind": report.kind})
        raise


def _record(session: Session, report: StationReportIn, member: str | None) -> dict[str, Any]:
    with unit_of_work(session):
        if member is None:
            assert report.device_id is not None and report.signature is not None
            device = devices.verify_upload(session, report.device_id, "identification",
                                           report.station, report.document(), report.signature)
            actor = f"device:{device.device_id}"
        else:
            actor = member
        old = session.get(StationReport, report.report_id)
        if old is not None:
            if not _same(old, report):
                raise Forbidden("polling.replayed_report",
                                f"report {report.report_id} was already received with other "
                                f"content", report_id=report.report_id)
            return {"report_id": report.report_id, "repeated": True}
        devices.check_polling(session, report.election_id)
        geography.public_get_station(session, report.station)
        session.add(StationReport(
            report_id=report.report_id, election_id=report.election_id,
            station_code=report.station, kind=report.kind, at=report.at, voters=report.voters,
            reason=report.reason, submitted_by=actor, received_at=utcnow()))
        session.flush()
        audit.record(session, actor, "polling.station_report", "station", report.station,
                     {"report_id": report.report_id, "election_id": report.election_id,
                      "kind": report.kind, "at": report.at.isoformat(),
                      "voters": report.voters, "reason": report.reason})
    return {"report_id": report.report_id, "repeated": False}


def station_statuses(session: Session, election_id: int) -> dict[str, dict[str, Any]]:
    """Every station's status (not opened, opened, suspended, closed, protocol sent) with
    when it opened and closed, its last turnout report and its paper-list count."""
    reports: dict[str, list[StationReport]] = {}
    for row in session.execute(select(StationReport).where(
            StationReport.election_id == election_id).order_by(
            StationReport.at, StationReport.received_at)).scalars():
        reports.setdefault(row.station_code, []).append(row)
    sent = results.stations_with_protocols(session, election_id)
    out: dict[str, dict[str, Any]] = {}
    for station in geography.public_list_stations(session):
        rows = reports.get(station.code, [])
        opened = next((r.at for r in rows if r.kind == "opened"), None)
        closed = next((r for r in reversed(rows) if r.kind == "closed"), None)
        turnout = next((r for r in reversed(rows) if r.kind == "turnout"), None)
        suspended = next((r for r in reversed(rows) if r.kind == "suspended"), None)
        out[station.code] = {
            "station": station.code, "tec": station.tec, "region": station.region or "abroad",
            "status": station_status([r.kind for r in rows], station.code in sent),
            "opened_at": opened.isoformat() if opened else None,
            "closed_at": closed.at.isoformat() if closed else None,
            "signed_list": closed.voters if closed else None,
            "last_turnout_at": turnout.at.isoformat() if turnout else None,
            "last_turnout": turnout.voters if turnout else None,
            "suspension_reason": suspended.reason if suspended else None}
    return out


def dashboard(session: Session, election_id: int) -> list[dict[str, Any]]:
    """Per region (and abroad): stations, and those that have not opened, have not reported
    turnout, or have not sent a protocol, with their codes."""
    elections.public_get_election(session, election_id)
    regions: dict[str, dict[str, Any]] = {}
    for code, status in station_statuses(session, election_id).items():
        region = status["region"]
        row = regions.setdefault(region, {"region": region, "stations": 0, "not_opened": [],
                                          "no_turnout": [], "no_protocol": [],
                                          "suspended": []})
        row["stations"] += 1
        if status["status"] == "not_opened":
            row["not_opened"].append(code)
        if status["last_turnout_at"] is None:
            row["no_turnout"].append(code)
        if status["status"] != "protocol_sent":
            row["no_protocol"].append(code)
        if status["status"] == "suspended":
            row["suspended"].append(code)
    return [regions[r] for r in sorted(regions)]
