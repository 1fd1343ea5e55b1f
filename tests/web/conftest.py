"""A FastAPI test client whose requests use the test's rolled-back session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shailoo.auth import service as auth
from shailoo.auth.rules import Role, Scope
from shailoo.config import Settings
from shailoo.types import ScopeKind
from shailoo.web.app import create_app
from shailoo.web.deps import get_session
from tests.factories import PASSWORD, make_country, make_election, make_user


@pytest.fixture
def client(session: Session) -> Iterator[TestClient]:
    app = create_app(Settings(database_url="sqlite://"), session_factory=lambda: session)

    def same_session() -> Iterator[Session]:
        yield session

    app.dependency_overrides[get_session] = same_session
    with TestClient(app) as test_client:
        yield test_client


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
