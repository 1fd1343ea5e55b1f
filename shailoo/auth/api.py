"""Auth JSON API: tokens, the current user, user management."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from shailoo.auth import service
from shailoo.auth.rules import Permission, Scope
from shailoo.auth.schemas import TokenRequest, UserCreate, UserOut
from shailoo.errors import Unauthenticated
from shailoo.web.deps import Guard, current_principal, get_session, require

router = APIRouter(prefix="/api", tags=["auth"])


def _out(p: service.Principal) -> UserOut:
    return UserOut(id=p.user_id, username=p.username, full_name=p.full_name, role=p.role,
                   scope=str(p.scope))


@router.post("/auth/token", status_code=201)
def token(data: TokenRequest, session: Session = Depends(get_session)) -> dict[str, str]:
    """Exchange a username and password for an API token (sent as `Authorization: Bearer`)."""
    principal = service.authenticate(session, data.username, data.password)
    return {"token": service.issue_token(session, principal, data.name), "token_type": "bearer"}


@router.get("/me")
def me(principal: service.Principal | None = Depends(current_principal)) -> UserOut:
    """The authenticated user."""
    if principal is None:
        raise Unauthenticated("auth.unauthenticated", "sign in or present an API token")
    return _out(principal)


@router.get("/users")
def users(guard: Guard = Depends(require(Permission.USERS_MANAGE)),
          session: Session = Depends(get_session)) -> list[UserOut]:
    """Every user (administrators only)."""
    return [_out(p) for p in service.list_users(session)]


@router.post("/users", status_code=201)
def create_user(data: UserCreate, guard: Guard = Depends(require(Permission.USERS_MANAGE)),
                session: Session = Depends(get_session)) -> UserOut:
    """Create a user with a role and a territorial scope."""
    principal = service.create_user(session, guard.actor, data.username, data.full_name,
                                    data.password, data.role,
                                    Scope(data.scope_kind, data.scope_code))
    return _out(principal)
