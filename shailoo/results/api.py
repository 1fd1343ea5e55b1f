"""Results JSON API: protocols in (signed by a device, or by a commission member in scope),
quarantine decisions, control checks, and public results."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission
from shailoo.db import session_scope
from shailoo.errors import ShailooError
from shailoo.geography import service as geography
from shailoo.results import reports, service
from shailoo.results.batching import ProtocolBatcher
from shailoo.results.rules import ControlCheck, Source
from shailoo.results.schemas import (
    AcceptIn,
    ProtocolBatchIn,
    ProtocolIn,
    ProtocolOut,
    SubmitOutcome,
)
from shailoo.web.deps import Guard, get_session, require

router = APIRouter(prefix="/api/results", tags=["results"])


def _batcher(request: Request) -> ProtocolBatcher:
    batcher: ProtocolBatcher | None = getattr(request.app.state, "protocol_batcher", None)
    if batcher is None:
        batcher = ProtocolBatcher(request.app.state.session_factory)
        request.app.state.protocol_batcher = batcher
    return batcher


@router.post("/protocols", response_model=None, responses={200: {"model": SubmitOutcome}})
async def submit_protocol(protocol: ProtocolIn, request: Request,
                          guard: Guard = Depends(require(Permission.RESULTS_SUBMIT,
                                                         nationwide=False,
                                                         devices_allowed=True))
                          ) -> Response:
    """A station protocol: a scanner's, signed with its device key (no user), or a manual
    one from a commission member whose scope covers the station. The same content twice is
    taken once; the answer says so. Concurrent uploads are written together. (The hot path
    of election night: no session unless a person sends, no response model to re-check.)"""
    if protocol.source is Source.SCANNER:
        outcome = await _batcher(request).submit(protocol, None)  # the signature decides
    else:
        with session_scope(request.app.state.session_factory) as session:
            principal = guard.check(geography.station_path(session, protocol.station))
        outcome = await _batcher(request).submit(protocol, principal.label)
    return Response(outcome.model_dump_json(), media_type="application/json")


@router.post("/protocol-batches")
async def submit_protocols(batch: ProtocolBatchIn, request: Request,
                           guard: Guard = Depends(require(Permission.RESULTS_SUBMIT,
                                                          nationwide=False,
                                                          devices_allowed=True)),
                           session: Session = Depends(get_session)) -> dict[str, Any]:
    """Several protocols in one request, each judged on its own exactly as by
    `POST /protocols`: the answer lists, in order, each one's outcome or its error."""
    batcher = _batcher(request)

    async def one(protocol: ProtocolIn) -> SubmitOutcome:
        if protocol.source is Source.SCANNER:
            return await batcher.submit(protocol, None)
        principal = guard.check(geography.station_path(session, protocol.station))
        return await batcher.submit(protocol, principal.label)

    answers = await asyncio.gather(*(one(p) for p in batch.protocols), return_exceptions=True)
    results: list[dict[str, Any]] = []
    for answer in answers:
        if isinstance(answer, ShailooError):
            results.append({"error": answer.to_dict()})
        elif isinstance(answer, BaseException):
            raise answer
        else:
            results.append(answer.model_dump(mode="json"))
    return {"results": results}


@router.post("/protocols/{protocol_id}/accept")
def accept(protocol_id: int, decision: AcceptIn,
           guard: Guard = Depends(require(Permission.RESULTS_SUPERVISE, nationwide=False)),
           session: Session = Depends(get_session)) -> SubmitOutcome:
    """Count a quarantined protocol, with a written reason (its commission or the CEC)."""
    principal = guard.check(service.protocol_path(session, protocol_id))
    return service.accept_quarantined(session, principal.label, protocol_id, decision.reason)


@router.get("/{election_id}/quarantine")
def quarantine(election_id: int,
               guard: Guard = Depends(require(Permission.RESULTS_SUPERVISE, nationwide=False)),
               session: Session = Depends(get_session)) -> list[ProtocolOut]:
    """Quarantined protocols in the caller's territory, awaiting a decision."""
    assert guard.principal is not None  # devices are not allowed here
    scope = guard.principal.scope
    return service.quarantine_queue(session, election_id,
                                    geography.tec_codes_in_scope(session, scope.kind,
                                                                 scope.code))


@router.get("/{election_id}/checks")
def checks(election_id: int, session: Session = Depends(get_session)) -> list[ControlCheck]:
    """The election's control checks."""
    return service.get_checks(session, election_id)


@router.put("/{election_id}/checks")
def set_checks(election_id: int, checks: list[ControlCheck],
               guard: Guard = Depends(require(Permission.RESULTS_CONFIGURE)),
               session: Session = Depends(get_session)) -> list[ControlCheck]:
    """Configure the election's control checks (CEC)."""
    return service.set_checks(session, guard.actor, election_id, checks)


def _report_cache(request: Request) -> reports.ReportCache:
    cache: reports.ReportCache | None = getattr(request.app.state, "report_cache", None)
    if cache is None:
        cache = reports.ReportCache()
        request.app.state.report_cache = cache
    return cache


@router.get("/contests/{contest_id}")
def contest(contest_id: int, request: Request, source: Source = Source.MANUAL,
            level: str = "contest", unit: str = "*",
            session: Session = Depends(get_session)) -> dict[str, Any]:
    """A contest's results at a level (contest, region, tec) with the next level down."""
    below = {"contest": "region", "region": "tec"}.get(level)
    reports.read_without_transaction(session)
    report = reports.public_contest_report(session, contest_id, source, level, unit,
                                           breakdown_level=below, cache=_report_cache(request))
    if level == "contest":
        report.outcome = reports.outcome(session, report)
    return report.as_dict()


@router.get("/{election_id}/stations/{station}")
def station(election_id: int, station: str,
            session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """A station's scanner and manual protocols per contest, with their differences."""
    geography.public_get_station(session, station)
    return [{"contest_id": c["contest"].id,
             "scanner": c["scanner"].model_dump(mode="json") if c["scanner"] else None,
             "manual": c["manual"].model_dump(mode="json") if c["manual"] else None,
             "differences": {k: list(v) for k, v in c["differences"].items()}}
            for c in reports.public_station_comparison(session, election_id, station)]
