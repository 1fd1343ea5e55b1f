"""Polling-day JSON API: the device registry and operators on duty, identifications and
station reports from devices and commissions, turnout, station status, reconciliation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Path
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission
from shailoo.elections import service as elections
from shailoo.geography import service as geography
from shailoo.polling import identification, reconciliation, reports, service, turnout
from shailoo.polling.schemas import (
    CaseDecisionIn,
    DeviceIn,
    DutyIn,
    IdentificationBatchIn,
    OperatorIn,
    RevokeIn,
    StationReportIn,
)
from shailoo.web.deps import Guard, get_session, require

router = APIRouter(prefix="/api/devices", tags=["polling"])
polling_router = APIRouter(prefix="/api/polling", tags=["polling"])


@router.post("", status_code=201)
def register(device: DeviceIn, guard: Guard = Depends(require(Permission.DEVICES_MANAGE)),
             session: Session = Depends(get_session)) -> dict[str, Any]:
    """Register a device to a station with its Ed25519 public key."""
    return service.register_device(session, guard.actor, device.id, device.kind,
                                   device.station, device.public_key)


@router.post("/{device_id}/revoke")
def revoke(device_id: str, data: RevokeIn,
           guard: Guard = Depends(require(Permission.DEVICES_MANAGE)),
           session: Session = Depends(get_session)) -> dict[str, str]:
    """Revoke a device; its later uploads are refused."""
    service.revoke_device(session, guard.actor, device_id, data.reason)
    return {"id": device_id, "status": "revoked"}


@router.put("/{device_id}/operator")
def on_duty(device_id: str, data: DutyIn,
            guard: Guard = Depends(require(Permission.POLLING_REPORT, nationwide=False)),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """Put a certified operator on duty at a device of a station in the member's scope
    (null takes the operator off). Identification devices work only with one on duty."""
    station = service.device_station(session, device_id)
    principal = guard.check(geography.station_path(session, station))
    service.put_on_duty(session, principal.label, device_id, data.operator_id)
    return {"id": device_id, "operator_id": data.operator_id}


@polling_router.put("/operators/{operator_id}")
def save_operator(data: OperatorIn,
                  operator_id: str = Path(pattern=r"^[A-Za-z0-9_.-]{1,60}$"),
                  guard: Guard = Depends(require(Permission.POLLING_MANAGE)),
                  session: Session = Depends(get_session)) -> dict[str, Any]:
    """Add an operator or set their certification (withdrawing it takes them off duty)."""
    return service.save_operator(session, guard.actor, operator_id, data.full_name,
                                 data.certified, data.certified_until, data.pin)


@polling_router.post("/identifications")
def identifications(batch: IdentificationBatchIn,
                          _guard: Guard = Depends(require(Permission.POLLING_IDENTIFY,
                                                          nationwide=False,
                                                          devices_allowed=True)),
                          session: Session = Depends(get_session)) -> dict[str, Any]:
    """A station identification device's batch, signed with its key: for each voter, in
    order, `issue_ballot`, `already_voted` (where and when), `not_on_this_list` (where
    listed), `not_on_any_list` or `not_eligible`. Sending a batch again is harmless: known
    events are answered as before (`repeated: true`) and counted once. (A plain function:
    uploads run in the thread pool, so one waits on the database while another is checked.)"""
    answers = identification.record_batch(session, batch)
    return {"answers": [a.to_dict() for a in answers]}


@polling_router.post("/station-reports")
def station_report(report: StationReportIn,
                   guard: Guard = Depends(require(Permission.POLLING_REPORT, nationwide=False,
                                                  devices_allowed=True)),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """A station's report (opened, suspended, resumed, turnout, closed), from a commission
    member in scope or signed by the station's identification device. Sent twice, taken
    once (`repeated: true`)."""
    member = None
    if guard.principal is not None:
        member = guard.check(geography.station_path(session, report.station)).label
    return reports.submit_report(session, report, member)


@polling_router.get("/{election_id}/settings")
def settings(election_id: int, session: Session = Depends(get_session)) -> dict[str, Any]:
    """The election's polling-day settings (hours, zones, publication, tolerances)."""
    elections.public_get_election(session, election_id)
    return service.polling_config(session, election_id).to_dict()


@polling_router.put("/{election_id}/settings")
def set_settings(election_id: int, data: dict[str, Any] = Body(...),
                 guard: Guard = Depends(require(Permission.POLLING_MANAGE)),
                 session: Session = Depends(get_session)) -> dict[str, Any]:
    """Set the election's polling-day settings; missing keys keep their defaults."""
    return service.set_polling_config(session, guard.actor, election_id, data).to_dict()


@polling_router.get("/{election_id}/turnout")
def turnout_figures(election_id: int, level: str = "region",
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """Live turnout per `level` (station, tec, region, nation): registered, identified,
    share, the share at each published hour, the curve so far; jumps for stations."""
    return turnout.turnout(session, election_id, level)


@polling_router.get("/{election_id}/jumps")
def jumps(election_id: int, session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """Stations whose turnout rose beyond the limit between two published reports."""
    return turnout.jumping_stations(session, election_id)


@polling_router.get("/{election_id}/stations")
def stations(election_id: int, session: Session = Depends(get_session)
             ) -> list[dict[str, Any]]:
    """Every station's status: not opened, opened, suspended, closed, protocol sent."""
    elections.public_get_election(session, election_id)
    return list(reports.station_statuses(session, election_id).values())


@polling_router.get("/{election_id}/dashboard")
def dashboard(election_id: int, session: Session = Depends(get_session)
              ) -> list[dict[str, Any]]:
    """Per region: stations not opened, without a turnout report, without a protocol."""
    return reports.dashboard(session, election_id)


@polling_router.get("/{election_id}/reconciliation")
def reconcile_figures(election_id: int, station: str | None = None,
                      session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """Per station: identified, signed the list, issued, scanner, manual, the differences
    and whether any is beyond tolerance; largest difference first."""
    return reconciliation.reconciliation(session, election_id, station)


@polling_router.post("/{election_id}/reconcile")
def open_cases(election_id: int, guard: Guard = Depends(require(Permission.POLLING_CASES)),
               session: Session = Depends(get_session)) -> dict[str, int]:
    """Open (or bring up to date, or clear) a case for every station beyond tolerance."""
    return reconciliation.open_cases(session, guard.actor, election_id)


@polling_router.get("/{election_id}/cases")
def cases(election_id: int, tec: str | None = None, status: str | None = None,
          session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """Reconciliation cases, largest difference first (public, as the figures are)."""
    elections.public_get_election(session, election_id)
    return reconciliation.list_cases(session, election_id, tec, status)


@polling_router.post("/cases/{case_id}/resolve")
def resolve(case_id: int, data: CaseDecisionIn,
            guard: Guard = Depends(require(Permission.POLLING_CASES, nationwide=False)),
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """The territorial commission's written resolution of a case in its scope."""
    station = reconciliation.case_station(session, case_id)
    principal = guard.check(geography.station_path(session, station))
    return reconciliation.resolve_case(session, principal.label, case_id, data.resolution)
