"""The public home page: the election calendar and the geography, with a station search."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from shailoo.auth.service import Principal
from shailoo.elections import service as elections
from shailoo.geography.pages import SEARCH_LIMIT, overview_context
from shailoo.web.deps import get_session, visitor
from shailoo.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: Session = Depends(get_session),
         _v: Principal | None = Depends(visitor)) -> Response:
    """Calendar, regions and the station search."""
    return render(request, "home.html", {
        "elections": elections.public_calendar(session), "limit": SEARCH_LIMIT,
        **overview_context(session, request.state.language)})
