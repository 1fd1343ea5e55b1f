"""Election pages with .json/.csv twins."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shailoo.auth.service import Principal
from shailoo.elections import service
from shailoo.web.deps import get_session, visitor
from shailoo.web.templating import render
from shailoo.web.twins import twin

router = APIRouter(include_in_schema=False)

CALENDAR_HEADER = ["id", "code", "kind", "polling_date", "status", "preset", "name_ky",
                   "name_ru", "name_en"]
CONTEST_HEADER = ["id", "kind", "name_ky", "name_ru", "name_en", "seats", "district_id"]


@router.get("/elections.{fmt}")
def calendar_twin(fmt: str, session: Session = Depends(get_session)) -> Response:
    """The election calendar as JSON or CSV."""
    elections = service.public_calendar(session)
    return twin(fmt, elections, elections, CALENDAR_HEADER)


@router.get("/elections/{election_id}.{fmt}")
def election_twin(election_id: int, fmt: str,
                  session: Session = Depends(get_session)) -> Response:
    """An election as JSON, or its contests as CSV."""
    election = service.public_get_election(session, election_id)
    return twin(fmt, election, election.contests, CONTEST_HEADER)


@router.get("/elections/{election_id}")
def election(election_id: int, request: Request, session: Session = Depends(get_session),
             _v: Principal | None = Depends(visitor)) -> Response:
    """An election: its system, contests and status history."""
    return render(request, "elections/election.html",
                  {"election": service.public_get_election(session, election_id)})
