"""Audit JSON API (administrators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from shailoo.audit import service
from shailoo.auth.rules import Permission
from shailoo.web.deps import Guard, get_session, require

router = APIRouter(prefix="/api/audit", tags=["audit"])


@router.get("/records")
def records(limit: int = Query(50, ge=1, le=1000), offset: int = Query(0, ge=0),
            guard: Guard = Depends(require(Permission.AUDIT_READ)),
            session: Session = Depends(get_session)) -> list[dict[str, Any]]:
    """Most recent audit records first."""
    return [{"seq": r.seq, "at": r.at.isoformat(), "actor": r.actor, "action": r.action,
             "object_type": r.object_type, "object_id": r.object_id, "change": r.change,
             "record_hash": r.record_hash} for r in service.list_records(session, limit, offset)]


@router.get("/verify")
def verify(guard: Guard = Depends(require(Permission.AUDIT_READ)),
           session: Session = Depends(get_session)) -> dict[str, Any]:
    """Walk the hash chain and report the first bad record, if any."""
    result = service.verify(session)
    return {"intact": result.intact, "checked": result.checked, "head_seq": result.head_seq,
            "head_hash": result.head_hash,
            "fault": None if result.fault is None else {
                "seq": result.fault.seq, "kind": result.fault.kind,
                "detail": result.fault.detail}}
