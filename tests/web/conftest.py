"""A FastAPI test client whose requests use the test's rolled-back session."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from shailoo.auth import service as auth
from shailoo.auth.rules import Role, Scope
from shailoo.types import ScopeKind
from tests.factories import PASSWORD, make_country, make_election, make_user


@pytest.fixture
def country(session: Session) -> int:
    """The small test country and one election; returns the election id."""
    make_country(session)
    return make_election(session).id


def token_for(session: Session, username: str, role: Role, scope: Scope | None = None) -> dict[
        str, str]:
    """Authorization header of a new user with this role and scope."""
    principal = make_user(session, username, role, scope)
    return {"Authorization": f"Bearer {auth.issue_token(session, principal, 'test')}"}


@pytest.fixture
def admin_headers(session: Session, country: int) -> dict[str, str]:
    return token_for(session, "chair", Role.CEC_ADMIN)


@pytest.fixture
def tec_headers(session: Session, country: int) -> dict[str, str]:
    return token_for(session, "tec-gb01", Role.TEC_MEMBER, Scope(ScopeKind.TERRITORIAL, "GB01"))


@pytest.fixture
def observer_headers(session: Session, country: int) -> dict[str, str]:
    return token_for(session, "watcher", Role.OBSERVER)


__all__ = ["PASSWORD"]
