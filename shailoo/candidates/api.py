"""Parties JSON API."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from shailoo.candidates import service
from shailoo.candidates.schemas import PartyOut
from shailoo.web.deps import get_session

router = APIRouter(prefix="/api/parties", tags=["candidates"])


@router.get("")
def parties(session: Session = Depends(get_session)) -> list[PartyOut]:
    """Registered parties in Kyrgyz alphabetical order."""
    return service.public_list_parties(session)
