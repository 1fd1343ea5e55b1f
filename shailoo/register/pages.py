"""Voter register pages.

- Public: "where do I vote" (``/where``: a PIN in, the station out, nothing else personal);
  the published difference counts of an import, and the hashes of frozen lists, with
  .json/.csv twins.
- Signed-in members (``register.read``): a station's voter list, of their own territory
  only, as a page and as .csv (PIN first), .pdf and .json.
- The CEC (``register.manage``): the register overview.
"""

from __future__ import annotations

import io
import math
import time
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission
from shailoo.auth.service import Principal
from shailoo.elections import service as elections
from shailoo.errors import NotFound
from shailoo.geography import service as geography
from shailoo.register import changes, duplicates, exports, lists, lookup, service
from shailoo.register.scope import NATIONWIDE, VoterScope
from shailoo.web.deps import Guard, get_session, require, visitor
from shailoo.web.i18n import translations
from shailoo.web.templating import render
from shailoo.web.twins import parse_format, twin

router = APIRouter(include_in_schema=False)

IMPORTS_SHOWN = 10
PRIVATE = {"Cache-Control": "private, no-store"}
IMPORT_HEADER = ["station", "added", "removed", "moved_in", "moved_out", "changed"]
FREEZE_HEADER = ["station", "voters", "sha256", "frozen_at"]


def _today(request: Request) -> date:
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


def _member(request: Request, guard: Guard) -> Principal:
    """The signed-in member (also shown in the page header)."""
    assert guard.principal is not None  # require() without devices_allowed: a person
    request.state.principal = guard.principal
    return guard.principal


def _scope(session: Session, principal: Principal) -> VoterScope:
    return service.voter_scope(session, principal.scope)


# --- where do I vote ------------------------------------------------------------------------


@router.get("/where")
async def where(request: Request, _v: Principal | None = Depends(visitor)) -> Response:
    """The lookup form."""
    return render(request, "register/where.html", {"answer": None, "limited": False})


@router.post("/where")
async def where_answer(request: Request, pin: str = Form(""),
                       session: Session = Depends(get_session),
                       _v: Principal | None = Depends(visitor)) -> Response:
    """The answer to the form: the station, or the same neutral message for any PIN that is
    on no list (unknown, malformed or excluded). The PIN is not echoed back."""
    fragment = bool(request.headers.get("hx-request"))
    template = "register/_where_answer.html" if fragment else "register/where.html"
    directory, limiter = lookup.app_lookup_state(request.app.state)
    client = request.client.host if request.client else "unknown"
    wait = limiter.check(client, time.time())
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        response = render(request, template, {"answer": None, "limited": True},
                          status_code=429)
        response.headers["Retry-After"] = str(seconds)
        return response
    answer = lookup.public_where_to_vote_with(request.app.state.session_factory, directory,
                                             pin, _today(request))
    response = render(request, template, {"answer": answer, "limited": False})
    response.headers["Cache-Control"] = "no-store"
    return response


# --- public figures -------------------------------------------------------------------------


def _timed(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Rows with their ISO time ``key`` as a datetime (shown in the local time zone)."""
    return [{**r, key: datetime.fromisoformat(r[key])} for r in rows]


def _import(session: Session, import_id: int) -> tuple[dict[str, Any] | None,
                                                       list[dict[str, Any]]]:
    rows = service.public_import_stations(session, import_id)  # NotFound for an unknown id
    return service.public_get_import(session, import_id), rows


@router.get("/register/imports/{import_id}.{fmt}")
def import_twin(import_id: int, fmt: str, session: Session = Depends(get_session)) -> Response:
    """An import's difference per station (counts only) as JSON or CSV."""
    parse_format(fmt)
    record, rows = _import(session, import_id)
    return twin(fmt, {"import": record, "stations": rows}, rows, IMPORT_HEADER)


@router.get("/register/imports/{import_id}")
def import_page(import_id: int, request: Request, session: Session = Depends(get_session),
                _v: Principal | None = Depends(visitor)) -> Response:
    """An import of the population register: its difference per station, as counts."""
    record, rows = _import(session, import_id)
    return render(request, "register/import.html", {
        "record": None if record is None else _timed([record], "at")[0], "rows": rows,
        "import_id": import_id})


@router.get("/register/elections/{election_id}/freezes.{fmt}")
def freezes_twin(election_id: int, fmt: str, session: Session = Depends(get_session)
                 ) -> Response:
    """The published hashes of the election's frozen lists as JSON or CSV."""
    parse_format(fmt)
    elections.public_get_election(session, election_id)
    frozen = lists.public_freezes(session, election_id)
    return twin(fmt, frozen, frozen, FREEZE_HEADER)


@router.get("/register/elections/{election_id}/freezes")
def freezes_page(election_id: int, request: Request, session: Session = Depends(get_session),
                 _v: Principal | None = Depends(visitor)) -> Response:
    """The published SHA-256 of every frozen station list of an election."""
    return render(request, "register/freezes.html", {
        "election": elections.public_get_election(session, election_id),
        "freezes": _timed(lists.public_freezes(session, election_id), "frozen_at")})


# --- a station's list (members, own territory) ---------------------------------------------


def _election(session: Session, request: Request, election: int | None) -> int:
    return election if election is not None else lists.next_election(session,
                                                                      _today(request))


def _filename(station: str, election_id: int, suffix: str) -> dict[str, str]:
    return {"Content-Disposition":
            f'attachment; filename="voters-{election_id}-{station}.{suffix}"', **PRIVATE}


@router.get("/register/stations/{code}.{fmt}")
def station_twin(code: str, fmt: str, request: Request, election: int | None = None,
                 guard: Guard = Depends(require(Permission.REGISTER_READ, nationwide=False)),
                 session: Session = Depends(get_session)) -> Response:
    """A station's list as CSV (PIN first), PDF (in the visitor's language) or JSON."""
    principal = _member(request, guard)
    if fmt != "pdf":
        parse_format(fmt)
    scope = _scope(session, principal)
    election_id = _election(session, request, election)
    voters = lists.station_list(session, scope, election_id, code)  # refuses another territory
    if fmt == "pdf":
        language = request.state.language
        data = exports.station_list_pdf(session, scope, election_id, code,
                                        translations(language).gettext, language)
        return Response(data, media_type="application/pdf",
                        headers=_filename(code, election_id, "pdf"))
    if fmt == "csv":
        buffer = io.StringIO()
        exports.write_list_csv(voters, buffer)
        return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8",
                        headers=_filename(code, election_id, "csv"))
    response = twin(fmt, {"election_id": election_id, "station": code, "voters": [
        {**v, "birth_date": v["birth_date"].isoformat()} for v in voters]}, [], [])
    response.headers.update(PRIVATE)
    return response


@router.get("/register/stations/{code}")
def station_page(code: str, request: Request, election: int | None = None,
                 guard: Guard = Depends(require(Permission.REGISTER_READ, nationwide=False)),
                 session: Session = Depends(get_session)) -> Response:
    """A station's voter list and additional list (members of its territory only)."""
    principal = _member(request, guard)
    scope = _scope(session, principal)
    election_id = _election(session, request, election)
    voters = lists.station_list(session, scope, election_id, code)  # refuses another territory
    freeze = next((f for f in lists.public_freezes(session, election_id)
                   if f["station"] == code), None)
    response = render(request, "register/station.html", {
        "election": elections.public_get_election(session, election_id),
        "station": geography.public_get_station(session, code), "voters": voters,
        "additional": changes.additional_list(session, scope, election_id, code),
        "freeze": freeze, "query": "" if election is None else f"?election={election_id}"})
    response.headers.update(PRIVATE)
    return response


# --- the CEC's overview ---------------------------------------------------------------------


def _overview(session: Session, request: Request, election: int | None) -> dict[str, Any]:
    try:
        election_id: int | None = _election(session, request, election)
    except NotFound:
        election_id = None
    context: dict[str, Any] = {
        "imports": service.public_imports(session, IMPORTS_SHOWN), "election": None,
        "open_duplicates": duplicates.count_cases(session, "open")}
    if election_id is None:
        return context
    reg = lists.election_rules(session, election_id)
    counts = lists.eligibility_counts(session, election_id)
    context.update({
        "election": elections.public_get_election(session, election_id),
        "rules": reg.to_dict(), "eligibility": counts,
        "excluded": sum(n for reason, n in counts.items() if reason != "listed"),
        "assignment": service.assignment_report(session, reg.station_capacity,
                                                limit=0)["outcomes"],
        "over_capacity": lists.over_capacity(session, election_id),
        "incoming": changes.incoming_report(session, NATIONWIDE, election_id),
        "frozen": len(lists.public_freezes(session, election_id))})
    return context


@router.get("/register.json")
def overview_twin(request: Request, election: int | None = None,
                  guard: Guard = Depends(require(Permission.REGISTER_MANAGE)),
                  session: Session = Depends(get_session)) -> Response:
    """The register overview as JSON."""
    context = _overview(session, request, election)
    election_out = context.pop("election")
    context["election_id"] = None if election_out is None else election_out.id
    response = twin("json", context, [], [])
    response.headers.update(PRIVATE)
    return response


@router.get("/register")
def overview(request: Request, election: int | None = None,
             guard: Guard = Depends(require(Permission.REGISTER_MANAGE)),
             session: Session = Depends(get_session)) -> Response:
    """The CEC's register overview: who is listed and why others are not, the latest imports,
    frozen lists, stations over capacity, incoming changes of address, open duplicate cases."""
    _member(request, guard)
    context = _overview(session, request, election)
    context["imports"] = _timed(context["imports"], "at")
    response = render(request, "register/overview.html", context)
    response.headers.update(PRIVATE)
    return response
