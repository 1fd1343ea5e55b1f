"""Fixtures of the register's web tests: the two-territory world and a client on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.register.web_helpers import World, build_world, web_client


@pytest.fixture
def world(session: Session) -> World:
    """The small register of tests.register.web_helpers, built in the test's transaction."""
    return build_world(session)


@pytest.fixture
def web(session: Session) -> Iterator[Any]:
    """A test client whose requests share the test's session."""
    with web_client(session) as client:
        yield client
