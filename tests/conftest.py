"""Shared fixtures: a migrated database per test session (SQLite or PostgreSQL), one
rolled-back transaction per test, and fresh empty databases for CLI and browser tests.

Select the backend with SHAILOO_TEST_DATABASE_URL (default: a temporary SQLite file); for
PostgreSQL give any database on the server, e.g. postgresql+psycopg://postgres@127.0.0.1/test:
the suite creates and drops its own databases beside it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shailoo.db import (
    create_postgres_database,
    drop_postgres_databases,
    make_engine,
    upgrade,
)

BASE_URL = os.environ.get("SHAILOO_TEST_DATABASE_URL", "")


def is_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return BASE_URL.startswith("postgresql")


class DatabaseFactory:
    """Creates empty databases on the selected backend and drops them afterwards."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.created: list[str] = []

    def create(self, migrate: bool = True) -> str:
        """URL of a new empty database (migrated to head unless ``migrate`` is False)."""
        if is_postgres():
            name = f"shailoo_t_{uuid.uuid4().hex[:12]}"
            url = create_postgres_database(BASE_URL, name)
            self.created.append(name)
        else:
            url = f"sqlite:///{self.tmp_dir / f'{uuid.uuid4().hex[:12]}.db'}"
        if migrate:
            upgrade(url)
        return url

    def drop_all(self) -> None:
        """Drop every PostgreSQL database this factory created."""
        if self.created:
            drop_postgres_databases(BASE_URL, self.created)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("db"))
    yield factory
    factory.drop_all()


@pytest.fixture(scope="session")
def database_url(databases: DatabaseFactory) -> str:
    """The migrated database shared by the whole session (tests roll back their changes)."""
    return databases.create()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back at the end."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def fresh_database_url(databases: DatabaseFactory, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new migrated database, also set as SHAILOO_DATABASE_URL (for CLI tests)."""
    url = databases.create()
    monkeypatch.setenv("SHAILOO_DATABASE_URL", url)
    from shailoo.config import get_settings

    get_settings.cache_clear()
    return url


@pytest.fixture(autouse=True)
def _clear_settings_cache() -> Iterator[None]:
    from shailoo.config import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with the smallest cost: the same code path, a fraction of the time."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("shailoo.auth.passwords._HASHER",
                        PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def client(session: Session) -> Iterator[Any]:
    """A test client of the app whose requests share the test's rolled-back session."""
    from fastapi.testclient import TestClient

    from shailoo.config import Settings
    from shailoo.web.app import create_app
    from shailoo.web.deps import get_session

    session.info["keep_open"] = True  # the app's background writers must not close it
    app = create_app(Settings(database_url="sqlite://"), session_factory=lambda: session)

    async def same_session() -> AsyncIterator[Session]:
        yield session

    app.dependency_overrides[get_session] = same_session
    with TestClient(app) as test_client:
        yield test_client


SHARED_DIR = Path(os.environ.get("SHAILOO_SHARED_DIR",
                                 Path(__file__).resolve().parents[2] / "shared"))


def shared_data(relative: str) -> Path:
    """A file of the project's shared real data (../shared/data beside the checkout).

    On a machine without it the test is skipped with the reason; under CI it fails, since
    CI always has it."""
    path = SHARED_DIR / "data" / relative
    if not path.exists():
        message = (f"shared data {path} is missing; set SHAILOO_SHARED_DIR to the folder "
                   "that holds data/")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
