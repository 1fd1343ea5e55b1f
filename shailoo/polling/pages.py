"""Public polling-day pages: the CEC's overview of stations and turnout by region, a
region's stations, one station's day (status, turnout curve, reconciliation), and the
national list of stations by size of difference; each with .json/.csv twins and live
refresh."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shailoo.auth.service import Principal
from shailoo.elections import service as elections
from shailoo.errors import NotFound
from shailoo.geography import service as geography
from shailoo.polling import reconciliation, reports, turnout
from shailoo.polling.figures import curve_points
from shailoo.polling.rules import COUNTS
from shailoo.web.deps import get_session, visitor
from shailoo.web.templating import localized, render
from shailoo.web.twins import twin

router = APIRouter(include_in_schema=False)

CURVE_WIDTH, CURVE_HEIGHT = 240, 60
RECONCILE_HEADER = ["station", "tec", "region", *COUNTS, "largest", "flagged"]


def _with_curves(figures: dict[str, Any]) -> dict[str, Any]:
    """Add each row's SVG curve points (shares over the day's hours so far)."""
    hours = figures["curve_hours"]
    top = max([0.05, *(v for r in figures["rows"] for v in r["curve"].values() if v)])
    for row in figures["rows"]:
        row["points"] = curve_points([row["curve"].get(h) for h in hours], CURVE_WIDTH,
                                     CURVE_HEIGHT, top)
    figures["top"] = top
    return figures


def _region_names(session: Session, language: str) -> dict[str, str]:
    return {r.code: localized(r, "name", language)
            for r in geography.public_regions_overview(session)}


def _overview(session: Session, election_id: int) -> dict[str, Any]:
    figures = turnout.turnout(session, election_id, "region")
    status = {r["region"]: r for r in reports.dashboard(session, election_id)}
    for row in figures["rows"]:
        row["status"] = status.get(row["unit"])
    return _with_curves(figures)


def _flat(row: dict[str, Any], hours: list[str]) -> dict[str, Any]:
    flat = {k: v for k, v in row.items() if not isinstance(v, dict | list)}
    flat.update({f"at {h}": row["published"].get(h) for h in hours})
    return flat


@router.get("/polling/{election_id}.{fmt}")
def overview_twin(election_id: int, fmt: str, session: Session = Depends(get_session)
                  ) -> Response:
    """Turnout and station status per region, as JSON or CSV."""
    figures = _overview(session, election_id)
    hours = figures["published_hours"]
    rows = []
    for row in figures["rows"]:
        flat = _flat(row, hours)
        status = row["status"] or {}
        flat.update({k: len(status.get(k, [])) for k in ("not_opened", "no_turnout",
                                                         "no_protocol", "suspended")})
        flat["stations"] = status.get("stations", 0)
        rows.append(flat)
    header = ["unit", "stations", "registered", "identified", "turnout",
              *(f"at {h}" for h in hours), "not_opened", "no_turnout", "no_protocol",
              "suspended"]
    return twin(fmt, figures, rows, header)


@router.get("/polling/{election_id}")
def overview(election_id: int, request: Request, fragment: str | None = None,
             session: Session = Depends(get_session),
             _v: Principal | None = Depends(visitor)) -> Response:
    """The CEC's polling-day overview: turnout by region at the published hours and live,
    curves, and stations that have not opened, reported turnout or sent a protocol."""
    context = {"election": elections.public_get_election(session, election_id),
               "figures": _overview(session, election_id),
               "names": _region_names(session, request.state.language),
               "jumps": turnout.jumping_stations(session, election_id)[:20]}
    return render(request, "polling/_overview.html" if fragment else "polling/overview.html",
                  context)


def _region(session: Session, election_id: int, region: str) -> dict[str, Any]:
    figures = turnout.turnout(session, election_id, "station")
    statuses = reports.station_statuses(session, election_id)
    rows = []
    for row in figures["rows"]:
        status = statuses.get(row["unit"])
        if status is None or status["region"] != region:
            continue
        rows.append({**row, "status": status["status"], "tec": status["tec"]})
    if not rows:
        raise NotFound("polling.unknown_region", f"no stations in region {region!r}")
    figures["rows"] = sorted(rows, key=lambda r: (r["tec"], r["unit"]))
    return _with_curves(figures)


@router.get("/polling/{election_id}/regions/{region}.{fmt}")
def region_twin(election_id: int, region: str, fmt: str,
                session: Session = Depends(get_session)) -> Response:
    """A region's stations: status, turnout at the published hours and live, jumps."""
    figures = _region(session, election_id, region)
    hours = figures["published_hours"]
    rows = [{**_flat(r, hours), "jumps": len(r["jumps"])} for r in figures["rows"]]
    return twin(fmt, figures, rows, ["unit", "tec", "status", "registered", "identified",
                                     "turnout", *(f"at {h}" for h in hours), "jumps"])


@router.get("/polling/{election_id}/regions/{region}")
def region_page(election_id: int, region: str, request: Request,
                fragment: str | None = None, session: Session = Depends(get_session),
                _v: Principal | None = Depends(visitor)) -> Response:
    """A region's stations on polling day."""
    context = {"election": elections.public_get_election(session, election_id),
               "region": region, "figures": _region(session, election_id, region),
               "names": _region_names(session, request.state.language)}
    return render(request, "polling/_region.html" if fragment else "polling/region.html",
                  context)


def _station(session: Session, election_id: int, code: str) -> dict[str, Any]:
    geography.public_get_station(session, code)
    figures = turnout.turnout(session, election_id, "station")
    row = next((r for r in figures["rows"] if r["unit"] == code), None)
    if row is None:
        raise NotFound("polling.station_not_found", f"no station {code!r}")
    figures["rows"] = [row]
    return {"turnout": _with_curves(figures),
            "status": reports.station_statuses(session, election_id)[code],
            "reconciliation": reconciliation.reconciliation(session, election_id, code)[0]}


@router.get("/polling/{election_id}/stations/{code}.{fmt}")
def station_twin(election_id: int, code: str, fmt: str,
                 session: Session = Depends(get_session)) -> Response:
    """One station's polling day: status, turnout, the five counts and differences."""
    data = _station(session, election_id, code)
    return twin(fmt, data, [{**data["reconciliation"], **_flat(
        data["turnout"]["rows"][0], data["turnout"]["published_hours"]),
        "status": data["status"]["status"]}],
        ["station", "status", "registered", "identified", "turnout",
         *(f"at {h}" for h in data["turnout"]["published_hours"]), *COUNTS[1:], "largest",
         "flagged"])


@router.get("/polling/{election_id}/stations/{code}")
def station_page(election_id: int, code: str, request: Request, fragment: str | None = None,
                 session: Session = Depends(get_session),
                 _v: Principal | None = Depends(visitor)) -> Response:
    """One station's polling day."""
    context = {"election": elections.public_get_election(session, election_id),
               "station": geography.public_get_station(session, code),
               **_station(session, election_id, code)}
    return render(request, "polling/_station.html" if fragment else "polling/station.html",
                  context)


@router.get("/polling/{election_id}/reconciliation.{fmt}")
def reconciliation_twin(election_id: int, fmt: str, session: Session = Depends(get_session)
                        ) -> Response:
    """Every station's five counts and differences, largest difference first."""
    rows = reconciliation.reconciliation(session, election_id)
    return twin(fmt, rows, rows, RECONCILE_HEADER)


@router.get("/polling/{election_id}/reconciliation")
def reconciliation_page(election_id: int, request: Request, flagged_only: bool = True,
                        session: Session = Depends(get_session),
                        _v: Principal | None = Depends(visitor)) -> Response:
    """The national list of stations by size of difference between identifications,
    the paper list, ballots issued and the two counts."""
    rows = reconciliation.reconciliation(session, election_id)
    context = {"election": elections.public_get_election(session, election_id),
               "rows": [r for r in rows if r["flagged"]] if flagged_only else rows,
               "flagged_only": flagged_only, "flagged": sum(r["flagged"] for r in rows),
               "total": len(rows), "counts": COUNTS,
               "cases": {c["station"]: c for c in reconciliation.list_cases(
                   session, election_id)}}
    return render(request, "polling/reconciliation.html", context)
