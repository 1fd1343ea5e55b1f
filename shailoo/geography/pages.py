"""Geography pages: regions -> commissions -> stations, search, with .json/.csv twins."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shailoo.auth.service import Principal
from shailoo.geography import service
from shailoo.geography.importers import COMMISSION_EXPORT_HEADER, STATION_EXPORT_HEADER
from shailoo.geography.schemas import CommissionOut
from shailoo.kit.text import kyrgyz_sort_key
from shailoo.web.deps import get_session, visitor
from shailoo.web.templating import localized, render
from shailoo.web.twins import twin

router = APIRouter(include_in_schema=False)

SEARCH_LIMIT = 25
REGION_HEADER = ["code", "kind", "name_ky", "name_ru", "name_en", "commissions", "stations"]
STATION_HEADER = ["code", "kind", "tec", "region", "name", "address", "locality", "country",
                  "city", "latitude", "longitude", "planned_voters"]


def overview_context(session: Session, language: str) -> dict[str, object]:
    """Regions (in alphabetical order of the visitor's language) with counts, and the
    commission for stations abroad; for the home page too."""
    abroad = service.public_list_commissions(session, abroad=True)
    regions = sorted(service.public_regions_overview(session),
                     key=lambda r: kyrgyz_sort_key(localized(r, "name", language)))
    return {"regions": regions, "abroad": _merge_abroad(abroad)}


def _merge_abroad(commissions: list[CommissionOut]) -> CommissionOut | None:
    return commissions[0] if len(commissions) == 1 else None


@router.get("/geography")
def index(request: Request, session: Session = Depends(get_session),
          _v: Principal | None = Depends(visitor)) -> Response:
    """The regions, with a station search."""
    return render(request, "geography/index.html",
                  {**overview_context(session, request.state.language), "query": None,
                   "stations": [], "limit": SEARCH_LIMIT})


@router.get("/geography/search")
def search(request: Request, q: str = Query("", max_length=200),
           session: Session = Depends(get_session),
           _v: Principal | None = Depends(visitor)) -> Response:
    """Station search: an HTMX fragment, or the whole page for a plain form submit."""
    query = q.strip()
    stations = service.public_list_stations(session, query=query, limit=SEARCH_LIMIT) if (
        query) else []
    context = {"query": query, "stations": stations, "limit": SEARCH_LIMIT}
    if request.headers.get("hx-request"):
        return render(request, "geography/_station_rows.html", context)
    overview = overview_context(session, request.state.language)
    return render(request, "geography/index.html", {**overview, **context})


@router.get("/geography/regions.{fmt}")
def regions_twin(fmt: str, session: Session = Depends(get_session)) -> Response:
    """All regions as JSON or CSV."""
    regions = service.public_regions_overview(session)
    return twin(fmt, regions, regions, REGION_HEADER)


@router.get("/geography/stations.{fmt}")
def stations_twin(fmt: str, session: Session = Depends(get_session)) -> Response:
    """All stations as JSON or CSV (the import format plus region)."""
    stations = service.public_list_stations(session)
    return twin(fmt, stations, stations, STATION_HEADER)


@router.get("/geography/regions/{code}.{fmt}")
def region_twin(code: str, fmt: str, session: Session = Depends(get_session)) -> Response:
    """A region and its commissions as JSON or CSV."""
    region = service.public_get_region(session, code)
    commissions = service.public_list_commissions(session, region=code)
    return twin(fmt, {"region": region.model_dump(mode="json"),
                      "commissions": [c.model_dump(mode="json") for c in commissions]},
                commissions, [*COMMISSION_EXPORT_HEADER, "stations"])


@router.get("/geography/regions/{code}")
def region(code: str, request: Request, session: Session = Depends(get_session),
           _v: Principal | None = Depends(visitor)) -> Response:
    """A region's territorial commissions."""
    return render(request, "geography/region.html", {
        "region": service.public_get_region(session, code),
        "commissions": service.public_list_commissions(session, region=code)})


@router.get("/geography/commissions/{code}.{fmt}")
def commission_twin(code: str, fmt: str, session: Session = Depends(get_session)) -> Response:
    """A commission and its stations as JSON or CSV."""
    commission = service.public_get_commission(session, code)
    stations = service.public_list_stations(session, tec=code)
    return twin(fmt, {"commission": commission.model_dump(mode="json"),
                      "stations": [s.model_dump(mode="json") for s in stations]},
                stations, STATION_EXPORT_HEADER)


@router.get("/geography/commissions/{code}")
def commission(code: str, request: Request, session: Session = Depends(get_session),
               _v: Principal | None = Depends(visitor)) -> Response:
    """A commission's polling stations."""
    tec = service.public_get_commission(session, code)
    region = service.public_get_region(session, tec.region) if tec.region else None
    return render(request, "geography/commission.html", {
        "commission": tec, "region": region,
        "stations": service.public_list_stations(session, tec=code)})


@router.get("/geography/stations/{code}.{fmt}")
def station_twin(code: str, fmt: str, session: Session = Depends(get_session)) -> Response:
    """A station as JSON or CSV."""
    station = service.public_get_station(session, code)
    return twin(fmt, station, [station], STATION_HEADER)


@router.get("/geography/stations/{code}")
def station(code: str, request: Request, session: Session = Depends(get_session),
            _v: Principal | None = Depends(visitor)) -> Response:
    """One polling station."""
    found = service.public_get_station(session, code)
    return render(request, "geography/station.html", {
        "station": found, "commission": service.public_get_commission(session, found.tec)})
