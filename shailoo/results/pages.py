"""Public results pages: the overview, drill-down by region and commission, each station's
scanner and manual counts side by side; live without reload; .json/.csv twins."""

from __future__ import annotations

from fractions import Fraction
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.orm import Session

from shailoo.auth.service import Principal
from shailoo.elections import service as elections
from shailoo.elections.rules import ContestKind
from shailoo.geography import service as geography
from shailoo.polling import reconciliation
from shailoo.results import reports, service
from shailoo.results.live import RevisionWatcher, event_stream
from shailoo.results.rules import LINES, Source
from shailoo.web.deps import get_session, visitor
from shailoo.web.templating import localized, render
from shailoo.web.twins import twin

router = APIRouter(include_in_schema=False)

BELOW = {"contest": "region", "region": "tec"}
LEVELS = ("contest", "region", "tec")


def percent(value: Fraction | None) -> str:
    """A share as a percentage with two decimals (display only)."""
    return "—" if value is None else f"{float(value) * 100:.2f} %"


def _query_builder(request: Request) -> Any:
    def query(**changes: str) -> str:
        params = {k: v for k, v in request.query_params.items() if k != "fragment"}
        params.update(changes)
        return urlencode(params)

    return query


def _contest_context(request: Request, session: Session, election_id: int,
                     contest_id: int | None, source: Source, level: str,
                     unit: str) -> dict[str, Any]:
    election = elections.public_get_election(session, election_id)
    contest = (reports.main_contest(session, election_id) if contest_id is None else
               elections.public_get_contest(session, contest_id)[0])
    if contest.election_id != election_id or level not in LEVELS:
        from shailoo.errors import NotFound

        raise NotFound("results.unknown_view", "no such results view")
    language = request.state.language
    report = reports.public_contest_report(session, contest.id, source, level, unit,
                                           breakdown_level=BELOW.get(level))
    labels = _unit_labels(session, language)
    for row in report.breakdown:
        row["label"] = labels.get((row["level"], row["unit"]), row["unit"])
        row["link"] = (f"/results/{election_id}/contests/{contest.id}?"
                       + urlencode({"level": row["level"], "unit": row["unit"],
                                    "source": source.value}))
        row["turnout_shown"] = percent(Fraction(row["participants"], row["voters"])
                                       if row["voters"] else None)
    crumbs = []
    if level == "tec":
        region = _region_of_tec(session, unit)
        crumbs.append({"label": labels.get(("region", region), region),
                       "link": f"/results/{election_id}/contests/{contest.id}?" + urlencode(
                           {"level": "region", "unit": region, "source": source.value})})
    districts = []
    if contest.kind is not ContestKind.SINGLE_MEMBER_DISTRICT and level == "contest":
        for d in elections.public_contests(session, election_id):
            if d.kind is ContestKind.SINGLE_MEMBER_DISTRICT:
                totals = service.public_totals(session, d.id, source).get("*", {})
                districts.append({"id": d.id, "name_ky": d.name_ky, "name_ru": d.name_ru,
                                  "name_en": d.name_en,
                                  "progress": totals.get(service.STATIONS_KEY, 0)})
    progress = (Fraction(report.stations_reporting, report.stations_expected)
                if report.stations_expected else None)
    decided = reports.outcome(session, report) if level == "contest" else None
    return {"election": election, "report": report, "source": source,
            "sources": [s.value for s in Source], "progress": progress,
            "outcome": decided,
            "seats": decided["seats"] if decided and decided.get("kind") == "seats" else None,
            "breakdown_title": _breakdown_title(level),
            "unit_label": labels.get((level, unit)) if level != "contest" else None,
            "crumbs": crumbs, "districts": districts,
            "stations": service.public_counted_protocols(
                session, election_id, source, contest.id, tec=unit) if level == "tec" else None,
            "twin_path": f"/results/{election_id}/contests/{contest.id}",
            "percent": percent, "query": _query_builder(request)}


def _breakdown_title(level: str) -> str:
    return {"contest": "Regions", "region": "Territorial commissions"}.get(level, "")


def _unit_labels(session: Session, language: str) -> dict[tuple[str, str], str]:
    labels = {("region", r.code): localized(r, "name", language)
              for r in geography.public_regions_overview(session)}
    labels[("region", service.ABROAD_UNIT)] = {"ky": "Чет өлкөлөр", "ru": "За рубежом"}.get(
        language, "Abroad")
    labels.update({("tec", c.code): localized(c, "name", language)
                   for c in geography.public_list_commissions(session)})
    return labels


def _region_of_tec(session: Session, tec: str) -> str:
    commission = geography.public_get_commission(session, tec)
    return commission.region or service.ABROAD_UNIT


@router.get("/results/{election_id}/events")
async def events(election_id: int, request: Request) -> StreamingResponse:
    """Server-sent events: `results` whenever a protocol is counted or changes state."""
    watcher: RevisionWatcher | None = getattr(request.app.state, "revision_watcher", None)
    if watcher is None:
        watcher = RevisionWatcher(request.app.state.session_factory)
        request.app.state.revision_watcher = watcher
    return StreamingResponse(event_stream(watcher, election_id, request.is_disconnected),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/results/{election_id}/export.csv")
def export_csv(election_id: int, source: Source | None = None,
               session: Session = Depends(get_session)) -> Response:
    """Every counted protocol of the election, one row per station, contest and source."""
    import io

    from shailoo.results.exports import write_results_csv
    from shailoo.results.transfer_service import export_data

    buffer = io.StringIO()
    write_results_csv(export_data(session, election_id, source), buffer)
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="election-{election_id}-results.csv"'})


@router.get("/results/{election_id}/export.nist.json")
def export_nist(election_id: int, source: Source = Source.MANUAL,
                session: Session = Depends(get_session)) -> Response:
    """The election's results in the NIST SP 1500-100 Election Results Reporting format."""
    from fastapi.responses import JSONResponse

    from shailoo import __version__
    from shailoo.kit.clock import utcnow
    from shailoo.results.exports import nist_report
    from shailoo.results.transfer_service import export_data

    report = nist_report(export_data(session, election_id, source), utcnow(),
                         vendor=f"shailoo {__version__}")
    return JSONResponse(report)


@router.get("/results/{election_id}.{fmt}")
def overview_twin(election_id: int, fmt: str, source: Source = Source.MANUAL,
                  session: Session = Depends(get_session)) -> Response:
    """The main contest's results as JSON, or its regions as CSV."""
    contest = reports.main_contest(session, election_id)
    return _report_twin(session, fmt, contest.id, source, "contest", "*")


@router.get("/results/{election_id}/contests/{contest_id}.{fmt}")
def contest_twin(election_id: int, contest_id: int, fmt: str, source: Source = Source.MANUAL,
                 level: str = "contest", unit: str = "*",
                 session: Session = Depends(get_session)) -> Response:
    """A contest's results at a level as JSON, or the level below as CSV."""
    return _report_twin(session, fmt, contest_id, source, level, unit)


def _report_twin(session: Session, fmt: str, contest_id: int, source: Source, level: str,
                 unit: str) -> Response:
    report = reports.public_contest_report(session, contest_id, source, level, unit,
                                           breakdown_level=BELOW.get(level))
    payload = report.as_dict()
    codes = [c.choice.code for c in report.choices]
    rows = [{"level": r["level"], "unit": r["unit"], "stations_reporting":
             r["stations_reporting"], "stations_expected": r["stations_expected"],
             "voters": r["voters"], "participants": r["participants"],
             **{c["code"]: c["votes"] for c in r["choices"]}}
            for r in [payload | {"level": level, "unit": unit}, *payload["breakdown"]]]
    header = ["level", "unit", "stations_reporting", "stations_expected", "voters",
              "participants", *codes]
    return twin(fmt, payload, rows, header)


@router.get("/results/{election_id}")
def overview(election_id: int, request: Request, source: Source = Source.MANUAL,
             fragment: str | None = None, session: Session = Depends(get_session),
             _v: Principal | None = Depends(visitor)) -> Response:
    """The election's main contest: progress, turnout, votes, outcome, regions."""
    context = _contest_context(request, session, election_id, None, source, "contest", "*")
    return _render(request, "results/contest.html", context, fragment)


@router.get("/results/{election_id}/contests/{contest_id}")
def contest(election_id: int, contest_id: int, request: Request,
            source: Source = Source.MANUAL, level: str = "contest", unit: str = "*",
            fragment: str | None = None, session: Session = Depends(get_session),
            _v: Principal | None = Depends(visitor)) -> Response:
    """A contest at a level (the whole contest, a region, a territorial commission)."""
    context = _contest_context(request, session, election_id, contest_id, source, level, unit)
    return _render(request, "results/contest.html", context, fragment)


def _render(request: Request, template: str, context: dict[str, Any],
            fragment: str | None) -> Response:
    if fragment:
        partial = {"results/contest.html": "results/_report.html",
                   "results/station.html": "results/_station.html"}[template]
        return render(request, partial, context)
    return render(request, template, context)


@router.get("/results/{election_id}/stations/{code}.{fmt}")
def station_twin(election_id: int, code: str, fmt: str,
                 session: Session = Depends(get_session)) -> Response:
    """A station's protocols as JSON, or as CSV (one row per contest and source)."""
    geography.public_get_station(session, code)
    comparison = reports.public_station_comparison(session, election_id, code)
    payload = [{"contest_id": c["contest"].id,
                "scanner": c["scanner"].model_dump(mode="json") if c["scanner"] else None,
                "manual": c["manual"].model_dump(mode="json") if c["manual"] else None,
                "differences": sorted(c["differences"])} for c in comparison]
    rows = []
    for c in comparison:
        for src in ("scanner", "manual"):
            p = c[src]
            if p is not None:
                rows.append({"contest_id": p.contest_id, "source": src, "version": p.version,
                             **p.lines, **p.votes})
    codes = list(dict.fromkeys(b.code for c in comparison for b in c["ballot"]))
    return twin(fmt, payload, rows, ["contest_id", "source", "version", *LINES, *codes])


@router.get("/results/{election_id}/stations/{code}")
def station(election_id: int, code: str, request: Request, fragment: str | None = None,
            session: Session = Depends(get_session),
            _v: Principal | None = Depends(visitor)) -> Response:
    """A station's scanner and manual counts side by side, differences highlighted."""
    context = {"election": elections.public_get_election(session, election_id),
               "station": geography.public_get_station(session, code),
               "main": reports.main_contest(session, election_id),
               "comparison": reports.public_station_comparison(session, election_id, code),
               "lines": LINES,
               "reconciliation": reconciliation.reconciliation(session, election_id, code)[0]}
    return _render(request, "results/station.html", context, fragment)

