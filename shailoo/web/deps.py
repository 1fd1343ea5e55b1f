"""Request dependencies: the database session, the signed-in principal, ``require``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from shailoo.auth import service as auth
from shailoo.auth.rules import Permission
from shailoo.db import session_scope
from shailoo.types import GeoPath


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, closed afterwards (made on the event loop: no thread hop)."""
    with session_scope(request.app.state.session_factory) as session:
        yield session


async def current_principal(request: Request) -> auth.Principal | None:
    """The bearer token's user, else the signed-in user of the session cookie, else None.
    A session of its own is opened only when there is someone to look up: a device's upload
    (no token, no cookie) costs no session."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with session_scope(request.app.state.session_factory) as session:
            return auth.principal_from_token(session, header[7:].strip())
    user_id = request.session.get("uid")
    if isinstance(user_id, int):
        with session_scope(request.app.state.session_factory) as session:
            return auth.get_principal(session, user_id)
    return None


@dataclass(frozen=True)
class Guard:
    """The principal of a write request, with the permission the route requires."""

    principal: auth.Principal | None
    permission: Permission

    def check(self, target: GeoPath | None) -> auth.Principal:
        """Refuse unless the principal's scope covers ``target`` (None: nationwide)."""
        return auth.authorize(self.principal, self.permission, target)

    @property
    def actor(self) -> str:
        """Audit label of the principal."""
        return auth.check_permission(self.principal, self.permission).label


def require(permission: Permission, nationwide: bool = True,
            devices_allowed: bool = False) -> Callable[..., Awaitable[Guard]]:
    """Dependency that every write route uses: authenticates and authorises.

    With ``nationwide`` the action must be covered by a nation scope; otherwise the route calls
    ``guard.check(target)`` with the territory it acts on. With ``devices_allowed`` a request
    without a user may go on, for a route that verifies a device signature instead; any
    ``guard.check`` then refuses it.
    """

    async def dependency(principal: auth.Principal | None = Depends(current_principal)
                         ) -> Guard:
        if principal is None and devices_allowed:
            return Guard(None, permission)
        if nationwide:
            checked = auth.authorize(principal, permission, None)
        else:
            checked = auth.check_permission(principal, permission)
        return Guard(checked, permission)

    dependency.required_permission = permission  # type: ignore[attr-defined]
    return dependency


def is_guard_dependency(func: object) -> bool:
    """True for dependencies made by ``require`` (used by the architecture tests)."""
    return hasattr(func, "required_permission")


async def visitor(request: Request, session: Session = Depends(get_session)
                  ) -> auth.Principal | None:
    """For pages: the signed-in user (cookie only), also made available to templates."""
    user_id = request.session.get("uid")
    principal = auth.get_principal(session, user_id) if isinstance(user_id, int) else None
    request.state.principal = principal
    return principal
