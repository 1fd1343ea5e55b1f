"""Elections JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from shailoo.auth.rules import Permission
from shailoo.elections import service
from shailoo.elections.schemas import ElectionCreate, ElectionDetail, ElectionOut, TransitionIn
from shailoo.elections.systems import PRESETS
from shailoo.web.deps import Guard, get_session, require

router = APIRouter(prefix="/api/elections", tags=["elections"])


@router.get("")
def calendar(session: Session = Depends(get_session)) -> list[ElectionOut]:
    """Every election, latest polling date first."""
    return service.public_calendar(session)


@router.get("/presets")
def presets() -> dict[str, Any]:
    """The shipped electoral-system presets."""
    return {name: system.model_dump(mode="json") for name, system in PRESETS.items()}


@router.get("/{election_id}")
def election(election_id: int, session: Session = Depends(get_session)) -> ElectionDetail:
    """One election with its contests and status history."""
    return service.public_get_election(session, election_id)


@router.post("", status_code=201)
def create(data: ElectionCreate, guard: Guard = Depends(require(Permission.ELECTIONS_MANAGE)),
           session: Session = Depends(get_session)) -> ElectionOut:
    """Schedule an election."""
    return service.create_election(session, guard.actor, data)


@router.post("/{election_id}/transitions")
def transition(election_id: int, data: TransitionIn,
               guard: Guard = Depends(require(Permission.ELECTIONS_MANAGE)),
               session: Session = Depends(get_session)) -> ElectionOut:
    """Move an election to another status, if the transition table allows it."""
    return service.transition(session, guard.actor, election_id, data.to, data.reason)
