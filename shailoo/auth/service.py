"""Authentication, users, tokens, and ``authorize``: the one check every write goes through."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.auth.models import ApiToken, User
from shailoo.auth.passwords import (
    DUMMY_HASH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from shailoo.auth.rules import Permission, Role, Scope, permission_denied, scope_covers, scope_error
from shailoo.db import unit_of_work
from shailoo.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from shailoo.geography import service as geography
from shailoo.kit.clock import utcnow
from shailoo.kit.hashing import sha256_hex
from shailoo.types import GeoPath, ScopeKind

TOKEN_PREFIX = "shl_"


@dataclass(frozen=True)
class Principal:
    """The authenticated actor of a request."""

    user_id: int
    username: str
    full_name: str
    role: Role
    scope: Scope

    @property
    def label(self) -> str:
        """How the actor appears in the audit log."""
        return f"user:{self.username}"


def check_permission(principal: Principal | None, permission: Permission) -> Principal:
    """Refuse unless someone is signed in and their role carries ``permission``."""
    if principal is None:
        raise Unauthenticated("auth.unauthenticated", "sign in or present an API token")
    if permission_denied(principal.role, permission):
        raise Forbidden("auth.permission_denied",
                        f"a {principal.role.value} may not do {permission.value}",
                        permission=permission.value)
    return principal


def authorize(principal: Principal | None, permission: Permission,
              target: GeoPath | None = None) -> Principal:
    """Refuse unless the principal holds ``permission`` and its scope covers ``target``.

    ``target`` None means a nationwide action, which only a nation scope covers.
    """
    principal = check_permission(principal, permission)
    if not scope_covers(principal.scope, target):
        where = "nationwide" if target is None else (
            target.station_code or target.tec_code or target.region_code or "there")
        raise Forbidden("auth.out_of_scope",
                        f"{principal.username} acts in {principal.scope} and may not act on "
                        f"{where}", scope=str(principal.scope))
    return principal


def _principal(user: User) -> Principal:
    return Principal(user.id, user.username, user.full_name, Role(user.role),
                     Scope(ScopeKind(user.scope_kind), user.scope_code))


def _check_scope_exists(session: Session, scope: Scope) -> None:
    code = scope.code or ""
    if scope.kind is ScopeKind.REGION:
        geography.public_get_region(session, code)
    elif scope.kind is ScopeKind.TERRITORIAL:
        geography.public_get_commission(session, code)
    elif scope.kind is ScopeKind.STATION:
        geography.public_get_station(session, code)
    elif scope.kind is ScopeKind.DISTRICT:
        if not code.isdigit():
            raise InvalidInput("auth.invalid_scope", "a district scope is the district's id")
        geography.public_get_district(session, int(code))


def create_user(session: Session, actor: str, username: str, full_name: str, password: str,
                role: Role, scope: Scope) -> Principal:
    """Create a user; the scope must suit the role and exist (audited)."""
    if not username or len(username) > 100 or not username.replace(".", "").replace(
            "_", "").replace("-", "").isalnum():
        raise InvalidInput("auth.invalid_username",
                           "a username is 1-100 letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("auth.weak_password",
                           f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    reason = scope_error(role, scope)
    if reason:
        raise InvalidInput("auth.invalid_scope", reason, role=role.value, scope=str(scope))
    with unit_of_work(session):
        _check_scope_exists(session, scope)
        if session.execute(select(User.id).where(User.username == username)).first():
            raise Conflict("auth.duplicate_username", f"user {username!r} already exists")
        user = User(username=username, full_name=full_name or username,
                    password_hash=hash_password(password), role=role.value,
                    scope_kind=scope.kind.value, scope_code=scope.code, active=True,
                    created_at=utcnow())
        session.add(user)
        session.flush()
        audit.record(session, actor, "auth.user_created", "user", user.id,
                     {"username": username, "role": role.value, "scope": str(scope)})
    return _principal(user)


def authenticate(session: Session, username: str, password: str) -> Principal:
    """Check a username and password; the same error for an unknown user or a wrong password."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        verify_password(DUMMY_HASH, password)  # same work, so timing does not tell
    elif user.active and verify_password(user.password_hash, password):
        return _principal(user)
    raise Unauthenticated("auth.bad_credentials", "wrong username or password")


def get_principal(session: Session, user_id: int) -> Principal | None:
    """The active user with this id, or None."""
    user = session.get(User, user_id)
    return _principal(user) if user is not None and user.active else None


def issue_token(session: Session, principal: Principal, name: str) -> str:
    """Create an API token for the principal; the plain token is shown only this once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with unit_of_work(session):
        row = ApiToken(user_id=principal.user_id, name=name[:100] or "token",
                       token_hash=sha256_hex(token), created_at=utcnow())
        session.add(row)
        session.flush()
        audit.record(session, principal.label, "auth.token_issued", "api_token", row.id,
                     {"user": principal.username, "name": row.name})
    return token


def principal_from_token(session: Session, token: str) -> Principal:
    """The principal of a valid, unrevoked token of an active user."""
    row = session.execute(select(ApiToken).where(
        ApiToken.token_hash == sha256_hex(token))).scalar_one_or_none()
    principal = get_principal(session, row.user_id) if row and row.revoked_at is None else None
    if principal is None:
        raise Unauthenticated("auth.bad_token", "the API token is unknown or revoked")
    return principal


def list_users(session: Session) -> list[Principal]:
    """Every user, by username."""
    return [_principal(u) for u in session.execute(
        select(User).order_by(User.username)).scalars()]


def get_user(session: Session, username: str) -> Principal:
    """A user by username."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound("auth.user_not_found", f"no user {username!r}")
    return _principal(user)
