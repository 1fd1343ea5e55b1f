"""Voter register JSON API.

- Public: "where do I vote" (``POST /lookup`` as JSON, ``POST /lookup.txt`` as one line of
  text for SMS and chat bots), rate-limited per client address; the published difference
  counts of imports, the hashes of frozen lists and an election's register rules.
- Commission members (``register.read``): voters, lists, changes and additional lists, only
  of their own territory; every read passes the caller's :class:`VoterScope` to the service.
- Writes, each guarded by ``require``: Form No. 2 at a commission, the additional list of
  polling day, and the CEC's decisions (duplicates, rules, building and freezing lists, the
  address table).

Handlers that do nothing but a quick query are ``async def``: the session is made on the event
loop, and the lookup is the hot path of polling week.
"""

from __future__ import annotations

import io
import json
import math
import time
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission, Role
from shailoo.errors import InvalidInput, NotFound, RuleViolation
from shailoo.kit.ratelimit import RateLimiter
from shailoo.register import changes, duplicates, lists, lookup, service
from shailoo.register.scope import VoterScope
from shailoo.web.deps import Guard, get_session, require
from shailoo.web.i18n import translations

router = APIRouter(prefix="/api/register", tags=["register"])

NO_STORE = {"Cache-Control": "no-store"}


# --- the public lookup --------------------------------------------------------------------


def lookup_state(request: Request) -> tuple[lookup.Directory, RateLimiter]:
    """The app's one directory of stations and one per-client rate limiter."""
    return lookup.app_lookup_state(request.app.state)


def today(request: Request) -> date:
    """Today in the configured time zone (Asia/Bishkek)."""
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


def _retry_after(request: Request) -> int | None:
    """Seconds to wait when this client is over the lookup limit, else None (and counted)."""
    client = request.client.host if request.client else "unknown"
    wait = lookup_state(request)[1].check(client, time.time())
    return None if wait is None else max(1, math.ceil(wait))


def _rate_limited_body(wait: int) -> dict[str, Any]:
    return {"error": {"code": "register.rate_limited",
                      "message": f"too many lookups from this address; try again in {wait} s",
                      "details": {"retry_after": wait}}}


LOOKUP_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": {"type": "object", "required": ["pin"], "properties": {"pin": {
        "type": "string",
        "description": "the voter's 14-digit personal identification number"}}}}}}}


def _answer(request: Request, pin: str) -> lookup.Answer:
    return lookup.public_where_to_vote_with(request.app.state.session_factory,
                                            lookup_state(request)[0], pin, today(request))


@router.post("/lookup", response_model=None, openapi_extra=LOOKUP_BODY)
async def lookup_pin(request: Request) -> JSONResponse:
    """Where a voter votes in the upcoming election: the station's code, name, address, map
    link, opening hours and polling date. A PIN that is unknown, malformed or not on a list
    gets the same keys with ``found: false`` and the same status 200, after the same work.
    The body is JSON ``{"pin": "…"}``. (A bare route: no session, no body model; the hot path
    of polling week.)"""
    wait = _retry_after(request)
    if wait is not None:
        return JSONResponse(_rate_limited_body(wait), status_code=429,
                            headers={"Retry-After": str(wait), **NO_STORE})
    try:
        parsed = json.loads(await request.body())
    except ValueError:
        parsed = None
    pin = parsed.get("pin") if isinstance(parsed, dict) else None
    if not isinstance(pin, str):
        return JSONResponse({"error": {
            "code": "request.invalid", "message": "the request is not valid",
            "details": {"problems": [{"field": "body.pin",
                                      "reason": "a JSON object with the PIN as a string"}]}}},
            status_code=422)
    return JSONResponse(_answer(request, pin).to_dict(), headers=NO_STORE)


async def _pin_of(request: Request) -> str:
    """The PIN of a text lookup: JSON ``{"pin": …}``, a form field ``pin``, or the body."""
    raw = (await request.body())[:1000].decode("utf-8", errors="replace")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            parsed = json.loads(raw)
        except ValueError:
            return ""
        value = parsed.get("pin") if isinstance(parsed, dict) else None
        return value if isinstance(value, str) else ""
    if kind == "application/x-www-form-urlencoded":
        return (parse_qs(raw).get("pin") or [""])[0]
    return raw


def answer_line(answer: lookup.Answer, language: str) -> str:
    """The answer as one line of text in ``language``."""
    gettext = translations(language).gettext
    station = answer.station
    if not answer.found or station is None or answer.polling_date is None:
        return gettext("This PIN is not on any voter list of the upcoming election.")
    line = gettext("Polling station %(code)s: %(address)s, %(hours)s, %(date)s") % {
        "code": station.code, "address": station.address, "hours": answer.opening_hours,
        "date": answer.polling_date.isoformat()}
    return " ".join(line.split())


@router.post("/lookup.txt", response_model=None)
async def lookup_text(request: Request,
                      lang: Literal["ky", "ru", "en"] | None = Query(
                          None, description="language of the answer (default: the visitor's)")
                      ) -> PlainTextResponse:
    """The lookup as one line of plain text, for SMS gateways and chat bots. The body is the
    PIN itself, a form field ``pin`` or JSON ``{"pin": "…"}``."""
    language: str = lang or request.state.language
    wait = _retry_after(request)
    if wait is not None:
        message = translations(language).gettext("Too many lookups; please try again in a "
                                                 "minute.")
        return PlainTextResponse(message + "\n", status_code=429,
                                 headers={"Retry-After": str(wait), **NO_STORE})
    answer = _answer(request, await _pin_of(request))
    return PlainTextResponse(answer_line(answer, language) + "\n", headers=NO_STORE)


# --- public figures without personal data --------------------------------------------------


@router.get("/imports")
async def imports(limit: int = Query(20, ge=1, le=500),
                  session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """The latest applied extracts of the population register with their difference counts."""
    return service.public_imports(session, limit)


@router.get("/imports/{import_id}/stations")
async def import_stations(import_id: int, session: Session = Depends(get_session)
                          ) -> list[dict[str, Any]]:
    """An import's published difference per station, as counts."""
    return service.public_import_stations(session, import_id)


@router.get("/elections/{election_id}/rules")
async def election_rules(election_id: int, session: Session = Depends(get_session)
                         ) -> dict[str, Any]:
    """The election's register rules (eligibility, Form No. 2, capacity, opening hours)."""
    return lists.election_rules(session, election_id).to_dict()


@router.get("/elections/{election_id}/freezes")
async def freezes(election_id: int, session: Session = Depends(get_session)
                  ) -> list[dict[str, Any]]:
    """The published SHA-256 of every frozen station list of the election."""
    return lists.public_freezes(session, election_id)


# --- scoped reads ---------------------------------------------------------------------------


def voter_scope(session: Session, guard: Guard) -> VoterScope:
    """The stations whose voters the guard's principal may see."""
    assert guard.principal is not None  # require() without devices_allowed: a person
    return service.voter_scope(session, guard.principal.scope)


def election_or_next(session: Session, request: Request, election_id: int | None) -> int:
    """The named election, else the next one (polling day today or later)."""
    return election_id if election_id is not None else lists.next_election(session,
                                                                           today(request))


def _person(session: Session, scope: VoterScope, pin: str) -> dict[str, Any]:
    """A person in the caller's territory; the refusal does not repeat the PIN (answers and
    logs of refusals carry no personal number)."""
    try:
        return service.get_person(session, scope, pin)
    except NotFound as exc:
        raise NotFound(exc.code, "no such person in your territory") from None


@router.get("/persons/{pin}")
def person(pin: str, guard: Guard = Depends(require(Permission.REGISTER_READ,
                                                    nationwide=False)),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """A person of the register, if the caller's territory holds their station (else 404,
    exactly as for an unknown PIN)."""
    return _person(session, voter_scope(session, guard), pin)


@router.get("/elections/{election_id}/persons/{pin}/changes")
def person_changes(election_id: int, pin: str,
                   guard: Guard = Depends(require(Permission.REGISTER_READ,
                                                  nationwide=False)),
                   session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """A voter's changes of voting address in the election that touch the caller's
    territory (from or to one of its stations); 404 for a person outside it."""
    scope = voter_scope(session, guard)
    _person(session, scope, pin)  # refuses a person of another territory
    return changes.changes_of(session, scope, election_id, pin)


@router.get("/elections/{election_id}/stations/{station}")
def station_list(election_id: int, station: str,
                 guard: Guard = Depends(require(Permission.REGISTER_READ, nationwide=False)),
                 session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """A station's voter list in alphabetical order (403 outside the caller's territory)."""
    voters = lists.station_list(session, voter_scope(session, guard), election_id, station)
    return [{**v, "birth_date": v["birth_date"].isoformat()} for v in voters]


@router.get("/elections/{election_id}/stations/{station}/additional")
def additional_list(election_id: int, station: str,
                    guard: Guard = Depends(require(Permission.REGISTER_READ,
                                                   nationwide=False)),
                    session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """A station's additional list of polling day (403 outside the caller's territory)."""
    return changes.additional_list(session, voter_scope(session, guard), election_id, station)


@router.get("/elections/{election_id}/incoming")
def incoming(election_id: int,
             guard: Guard = Depends(require(Permission.REGISTER_READ, nationwide=False)),
             session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """Incoming changes of voting address per station of the caller's territory, beside the
    list's size, with a warning where they exceed the configured share."""
    return changes.incoming_report(session, voter_scope(session, guard), election_id)


@router.get("/elections/{election_id}/report")
def report(election_id: int, guard: Guard = Depends(require(Permission.REGISTER_MANAGE)),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """The CEC's register report: exclusions by reason, address matching, stations over
    capacity, incoming changes, repeat changers (nationwide)."""
    scope = voter_scope(session, guard)
    reg = lists.election_rules(session, election_id)
    return {"election_id": election_id,
            "eligibility": lists.eligibility_counts(session, election_id),
            "assignment": service.assignment_report(session, reg.station_capacity),
            "over_capacity": lists.over_capacity(session, election_id),
            "incoming_changes": changes.incoming_report(session, scope, election_id),
            "repeat_changers": changes.repeat_changers(session, election_id)}


@router.get("/duplicates")
def duplicate_cases(status: Literal["open", "same_person", "different_people"] | None = "open",
                    limit: int = Query(200, ge=1, le=5000),
                    guard: Guard = Depends(require(Permission.REGISTER_MANAGE)),
                    session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """Likely-duplicate review cases (nationwide: the CEC), oldest first."""
    return duplicates.cases(session, status, limit)


# --- writes ---------------------------------------------------------------------------------


class ChangeIn(BaseModel):
    """Form No. 2: vote at ``to_station`` in one election instead of the usual station."""

    pin: str = Field(max_length=14)
    to_station: str = Field(max_length=20)
    election_id: int | None = Field(None, description="default: the next election")
    channel: Literal["commission", "online"] = Field(
        "commission", description="`commission` (taken at a commission) or `online` (sent by "
                                  "the state portal with the token of a `voter_portal` user)")


class WithdrawIn(BaseModel):
    """Why a change of voting address is withdrawn."""

    reason: str = Field(min_length=1, max_length=1000)


class AdditionalIn(BaseModel):
    """A voter added to a station's additional list on polling day."""

    pin: str = Field(max_length=14)
    station: str = Field(max_length=20)
    reason: str = Field(min_length=1, max_length=1000)
    election_id: int | None = Field(None, description="default: the next election")


class DecisionIn(BaseModel):
    """A reviewer's decision on a likely-duplicate case."""

    same_person: bool
    reason: str = Field(min_length=1, max_length=1000)
    blocked_pin: str | None = Field(None, max_length=14, description=(
        "for the same person: the PIN kept off the lists (default: the case's second)"))


class FreezeIn(BaseModel):
    """Stations whose lists to freeze (default: every station not yet frozen)."""

    stations: list[str] | None = None


@router.post("/changes")
def request_change(change: ChangeIn, request: Request,
                   guard: Guard = Depends(require(Permission.REGISTER_CHANGES,
                                                  nationwide=False)),
                   session: Session = Depends(get_session)) -> dict[str, Any]:
    """Record a change of voting address (Form No. 2); the station voted at must lie in the
    caller's territory."""
    portal = guard.principal is not None and guard.principal.role is Role.VOTER_PORTAL
    if change.channel != ("online" if portal else "commission"):
        raise RuleViolation("register.bad_channel",
                            "the state portal sends changes as 'online', a commission as "
                            "'commission'")
    election_id = election_or_next(session, request, change.election_id)
    return changes.request_change(session, guard.actor, voter_scope(session, guard),
                                  election_id, change.pin, change.to_station, change.channel,
                                  today(request))


@router.post("/changes/{change_id}/withdraw")
def withdraw_change(change_id: int, body: WithdrawIn, request: Request,
                    guard: Guard = Depends(require(Permission.REGISTER_CHANGES,
                                                   nationwide=False)),
                    session: Session = Depends(get_session)) -> dict[str, Any]:
    """Withdraw an active change before the deadline (from or to the caller's territory)."""
    return changes.withdraw_change(session, guard.actor, voter_scope(session, guard),
                                   change_id, body.reason, today(request))


@router.post("/additional")
def add_to_additional_list(entry: AdditionalIn, request: Request,
                           guard: Guard = Depends(require(Permission.REGISTER_ADDITIONAL,
                                                          nationwide=False)),
                           session: Session = Depends(get_session)) -> dict[str, Any]:
    """Add a voter to a station's additional list on polling day (a station of the caller's
    territory)."""
    election_id = election_or_next(session, request, entry.election_id)
    return changes.add_to_additional_list(session, guard.actor, voter_scope(session, guard),
                                          election_id, entry.station, entry.pin, entry.reason,
                                          today(request))


@router.post("/duplicates/{case_id}/decision")
def decide_duplicate(case_id: int, decision: DecisionIn, request: Request,
                     guard: Guard = Depends(require(Permission.REGISTER_MANAGE)),
                     session: Session = Depends(get_session)) -> dict[str, Any]:
    """Decide a likely-duplicate case (the CEC), with a written reason."""
    return duplicates.decide(session, guard.actor, case_id, decision.same_person,
                             decision.reason, today(request), decision.blocked_pin)


@router.put("/elections/{election_id}/rules")
def set_rules(election_id: int, values: dict[str, Any],
              guard: Guard = Depends(require(Permission.REGISTER_MANAGE)),
              session: Session = Depends(get_session)) -> dict[str, Any]:
    """Change some of the election's register rules (the CEC); names not given keep their
    values."""
    return lists.set_rules(session, guard.actor, election_id, values).to_dict()


@router.post("/elections/{election_id}/lists")
def build_lists(election_id: int, guard: Guard = Depends(require(Permission.REGISTER_MANAGE)),
                session: Session = Depends(get_session)) -> dict[str, int]:
    """Build (or rebuild, until frozen) the election's voter lists; answers the counts."""
    return lists.build_lists(session, guard.actor, election_id)


@router.post("/elections/{election_id}/freeze")
def freeze(election_id: int, body: FreezeIn | None = None,
           guard: Guard = Depends(require(Permission.REGISTER_MANAGE)),
           session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """Freeze station lists (all not yet frozen by default); answers each one's SHA-256."""
    return lists.freeze(session, guard.actor, election_id,
                        None if body is None else body.stations)


@router.post("/addresses")
async def import_addresses(request: Request,
                           guard: Guard = Depends(require(Permission.REGISTER_IMPORT)),
                           session: Session = Depends(get_session)) -> dict[str, Any]:
    """Replace the address-to-station table from a UTF-8 CSV body (region, locality, street,
    house, station), all or nothing, and re-assign every person's station (and their place
    on the built lists of upcoming elections). Extracts of the population register, millions
    of rows, are imported with `shailoo register import`."""
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("import.not_utf8", f"the file is not UTF-8: {exc}") from None
    source = request.headers.get("x-filename", "addresses.csv")
    report_ = service.import_address_table(session, io.StringIO(text, newline=""), source,
                                           guard.actor, today(request))
    return report_.to_dict()
