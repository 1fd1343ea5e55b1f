"""Geography JSON API."""

from __future__ import annotations

import io

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission
from shailoo.geography import service
from shailoo.geography.schemas import CommissionOut, RegionOut, StationOut, StationUpdate
from shailoo.web.deps import Guard, get_session, require

router = APIRouter(prefix="/api/geography", tags=["geography"])

IMPORTERS = {"regions": service.import_regions, "commissions": service.import_commissions,
             "stations": service.import_stations}


@router.get("/regions")
def regions(session: Session = Depends(get_session)) -> list[RegionOut]:
    """Regions with their numbers of commissions and stations."""
    return service.public_regions_overview(session)


@router.get("/commissions")
def commissions(region: str | None = None,
                session: Session = Depends(get_session)) -> list[CommissionOut]:
    """Territorial commissions, optionally of one region."""
    return service.public_list_commissions(session, region=region)


@router.get("/stations")
def stations(q: str | None = Query(None, max_length=200), tec: str | None = None,
             region: str | None = None, limit: int = Query(100, ge=1, le=5000),
             offset: int = Query(0, ge=0),
             session: Session = Depends(get_session)) -> list[StationOut]:
    """Polling stations by code, filtered by search text, commission or region."""
    return service.public_list_stations(session, tec=tec, region=region, query=q, limit=limit,
                                        offset=offset)


@router.get("/stations/{code}")
def station(code: str, session: Session = Depends(get_session)) -> StationOut:
    """One polling station."""
    return service.public_get_station(session, code)


@router.patch("/stations/{code}")
def update_station(code: str, change: StationUpdate,
                   guard: Guard = Depends(require(Permission.STATIONS_EDIT, nationwide=False)),
                   session: Session = Depends(get_session)) -> StationOut:
    """Correct a station; only a user whose scope covers the station may."""
    guard.check(service.station_path(session, code))
    return service.update_station(session, guard.actor, code, change)


@router.post("/import/{table}")
async def import_csv(table: str, request: Request,
                     guard: Guard = Depends(require(Permission.GEOGRAPHY_IMPORT)),
                     session: Session = Depends(get_session)) -> dict[str, object]:
    """Import a UTF-8 CSV body (regions, commissions or stations), all or nothing."""
    from shailoo.errors import InvalidInput, NotFound

    if table not in IMPORTERS:
        raise NotFound("geography.unknown_table", f"cannot import {table!r}; use "
                       "regions, commissions or stations")
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("import.not_utf8", f"the file is not UTF-8: {exc}") from None
    source = request.headers.get("x-filename", f"{table}.csv")
    report = IMPORTERS[table](session, io.StringIO(text, newline=""), source, guard.actor)
    return report.to_dict()
