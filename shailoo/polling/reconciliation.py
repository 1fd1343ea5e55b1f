"""Reconciliation per station: voters identified by the device, voters who signed the paper
list, ballots issued (manual protocol), ballots found by the scanner, ballots found in the
manual count. Differences beyond the election's tolerances open a case for the station's
territorial commission; the figures are public."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.db import unit_of_work
from shailoo.errors import Conflict, NotFound
from shailoo.kit.clock import utcnow
from shailoo.polling import identification, reports
from shailoo.polling import service as devices
from shailoo.polling.figures import largest_flagged, reconcile
from shailoo.polling.models import ReconciliationCase
from shailoo.polling.rules import COUNTS
from shailoo.results import reports as results_reports
from shailoo.results import service as results
from shailoo.results.rules import Source

ISSUED_LINES = ("ballots_issued_early", "ballots_issued_station", "ballots_issued_mobile")
FOUND_LINES = ("ballots_found_stationary", "ballots_found_mobile")


def _sum(lines: dict[str, int | None], names: tuple[str, ...]) -> int | None:
    values = [lines[n] for n in names if lines.get(n) is not None]
    return sum(v for v in values if v is not None) if values else None


def station_counts(session: Session, election_id: int) -> dict[str, dict[str, Any]]:
    """Per station: its commission and region, and the five counts (None while unknown),
    from the nationwide contest's counted protocols."""
    statuses = reports.station_statuses(session, election_id)
    identified = identification.ballots_by_station(session, election_id)
    contest = results_reports.main_contest(session, election_id)
    protocols = {(p.station, p.source): p.lines for p in results.public_counted_protocols(
        session, election_id, contest_id=contest.id)}
    out = {}
    for code, status in statuses.items():
        manual = protocols.get((code, Source.MANUAL))
        scanner = protocols.get((code, Source.SCANNER))
        out[code] = {"station": code, "tec": status["tec"], "region": status["region"],
                     "identified": identified.get(code, 0)
                     if status["status"] != "not_opened" or code in identified else None,
                     "signed": status["signed_list"],
                     "issued": _sum(manual, ISSUED_LINES) if manual else None,
                     "scanner": _sum(scanner, FOUND_LINES) if scanner else None,
                     "manual": _sum(manual, FOUND_LINES) if manual else None}
    return out


def reconciliation(session: Session, election_id: int,
                   station: str | None = None) -> list[dict[str, Any]]:
    """Every station's (or one station's) counts, their differences and whether any is
    beyond tolerance, largest flagged difference first."""
    config = devices.polling_config(session, election_id)
    rows = []
    for code, counts in station_counts(session, election_id).items():
        if station is not None and code != station:
            continue
        differences = reconcile({k: counts[k] for k in COUNTS}, config)
        rows.append({**counts, "differences": [d.to_dict() for d in differences],
                     "flagged": any(d.flagged for d in differences),
                     "largest": largest_flagged(differences)})
    if station is not None and not rows:
        raise NotFound("polling.station_not_found", f"no station {station!r}")
    return sorted(rows, key=lambda r: (-r["largest"], r["station"]))


def open_cases(session: Session, actor: str, election_id: int) -> dict[str, int]:
    """Open a case for each station beyond tolerance that has none, bring open cases up to
    date, reopen a resolved case whose counts changed, and clear open cases whose counts now
    agree (each change audited); return how many of each."""
    rows = reconciliation(session, election_id)
    done = {"opened": 0, "updated": 0, "reopened": 0, "cleared": 0}
    now = utcnow()
    with unit_of_work(session):
        cases = {c.station_code: c for c in session.execute(select(ReconciliationCase).where(
            ReconciliationCase.election_id == election_id).with_for_update()).scalars()}
        for row in rows:
            counts = {k: row[k] for k in COUNTS}
            case = cases.get(row["station"])
            change = None
            if row["flagged"] and case is None:
                case = ReconciliationCase(election_id=election_id, station_code=row["station"],
                                          tec_code=row["tec"], status="open", opened_at=now)
                session.add(case)
                change = "opened"
            elif case is not None:
                change = _case_change(case, counts, row)
                if change is not None:
                    case.status = "cleared" if change == "cleared" else "open"
            if change is None or case is None:
                continue
            case.counts, case.differences = counts, row["differences"]
            case.largest, case.updated_at = row["largest"], now
            done[change] += 1
            session.flush()
            audit.record(session, actor, f"polling.case_{change}", "station", row["station"],
                         {"election_id": election_id, "counts": counts,
                          "largest": row["largest"]})
    return done


def _case_change(case: ReconciliationCase, counts: dict[str, Any],
                 row: dict[str, Any]) -> str | None:
    """What happens to an existing case: an open case is brought up to date while beyond
    tolerance and cleared once within it (new counts or new tolerances); a cleared case is
    reopened once beyond tolerance again; a resolved case only when its counts change."""
    if case.status == "open":
        if not row["flagged"]:
            return "cleared"
        moved = case.counts != counts or case.differences != row["differences"]
        return "updated" if moved else None
    if not row["flagged"]:
        return None
    if case.status == "cleared" or case.counts != counts:
        return "reopened"
    return None


def list_cases(session: Session, election_id: int, tec: str | None = None,
               status: str | None = None) -> list[dict[str, Any]]:
    """Reconciliation cases of an election, largest difference first (optionally of one
    territorial commission or one status)."""
    stmt = select(ReconciliationCase).where(ReconciliationCase.election_id == election_id)
    if tec is not None:
        stmt = stmt.where(ReconciliationCase.tec_code == tec)
    if status is not None:
        stmt = stmt.where(ReconciliationCase.status == status)
    return [_case_out(c) for c in session.execute(stmt.order_by(
        ReconciliationCase.largest.desc(), ReconciliationCase.station_code)).scalars()]


def _case_out(case: ReconciliationCase) -> dict[str, Any]:
    return {"id": case.id, "station": case.station_code, "tec": case.tec_code,
            "status": case.status, "counts": case.counts, "differences": case.differences,
            "largest": case.largest, "opened_at": case.opened_at.isoformat(),
            "updated_at": case.updated_at.isoformat(), "resolution": case.resolution,
            "resolved_by": case.resolved_by}


def case_station(session: Session, case_id: int) -> str:
    """The station a case is about (for the scope check)."""
    case = session.get(ReconciliationCase, case_id)
    if case is None:
        raise NotFound("polling.case_not_found", f"no reconciliation case {case_id}")
    return case.station_code


def resolve_case(session: Session, actor: str, case_id: int,
                 resolution: str) -> dict[str, Any]:
    """Close a case with the commission's written resolution (audited)."""
    with unit_of_work(session):
        case = session.get(ReconciliationCase, case_id, with_for_update=True)
        if case is None:
            raise NotFound("polling.case_not_found", f"no reconciliation case {case_id}")
        if case.status != "open":
            raise Conflict("polling.case_not_open",
                           f"case {case_id} is {case.status}, not open: nothing to resolve")
        case.status, case.resolution, case.resolved_by = "resolved", resolution, actor
        case.updated_at = utcnow()
        audit.record(session, actor, "polling.case_resolved", "station", case.station_code,
                     {"case": case_id, "resolution": resolution})
        return _case_out(case)
