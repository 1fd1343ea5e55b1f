"""Engine, sessions, the declarative base and the one place where transactions commit."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    MetaData,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every table; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store UTC-aware datetimes only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL and a busy timeout; let SQLAlchemy own BEGIN so savepoints work."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL with the project's settings.

    On PostgreSQL, psycopg's automatic server-side preparing is off: a statement prepared
    while a table was nearly empty keeps its generic plan (a sequential scan) after the table
    has grown to millions of rows, and election-day tables grow within minutes."""
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {}).setdefault("prepare_threshold", None)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def _begin_immediate(session: Session) -> None:
    """Take SQLite's write lock at BEGIN. A deferred transaction that has read and then
    writes fails at once, without waiting, when another writer committed in between; so a
    read-only transaction left open (say, by the sign-in check of a request) is ended first."""
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            return  # already writing: keep the caller's changes
        session.rollback()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


_writer_turns = threading.local()  # how deep this thread is inside a writer's turn


@contextmanager
def _writer_turn(engine: Engine) -> Iterator[None]:
    """Writers to one SQLite file take turns through an advisory lock on a file beside it
    (``<database>-writer.lock``). A waiting writer wakes the moment the turn is free, where
    SQLite's own busy handler sleeps in growing steps of milliseconds: two server processes
    writing at once spent most of their time asleep that way. Re-entrant within a thread (a
    use case that opens a second session does not wait for itself); the lock goes with the
    process if it dies. SQLite's own locking still guarantees correctness: this only orders
    the waiting."""
    depth: int = getattr(_writer_turns, "depth", 0)
    database = engine.url.database
    if depth or database in (None, "", ":memory:"):
        _writer_turns.depth = depth + 1
        try:
            yield
        finally:
            _writer_turns.depth = depth
        return
    handle = os.open(f"{database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        _writer_turns.depth = 1
        try:
            yield
        finally:
            _writer_turns.depth = 0
    finally:
        os.close(handle)  # releases the lock


def writers_take_turns(session: Session) -> bool:
    """True on SQLite, where one writer at a time holds the database (see
    :func:`_writer_turn`); PostgreSQL's writers run side by side."""
    return isinstance(session.bind, Engine) and session.bind.dialect.name == "sqlite"


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Run one use case in one transaction: commit on success, roll back on any error.

    This is the only place in the code base that commits. Use cases may call each other:
    an inner unit of work joins the outer one, which alone commits or rolls back. On a
    SQLite file, writers take turns (:func:`_writer_turn`) and take the write lock at BEGIN.
    """
    depth: int = session.info.get("uow_depth", 0)
    with ExitStack() as turn:
        if depth == 0 and writers_take_turns(session):
            turn.enter_context(_writer_turn(cast(Engine, session.bind)))
            _begin_immediate(session)
        session.info["uow_depth"] = depth + 1
        try:
            yield session
            if depth == 0:
                session.flush()
                session.commit()
        except BaseException:
            if depth == 0:
                session.rollback()
            raise
        finally:
            session.info["uow_depth"] = depth


@contextmanager
def session_scope(factory: Callable[[], Session]) -> Iterator[Session]:
    """A session from ``factory`` for one piece of work, closed afterwards, unless the factory
    hands out a session that must stay open (``session.info["keep_open"]``: the tests' shared
    session)."""
    session = factory()
    try:
        yield session
    finally:
        if not session.info.get("keep_open"):
            session.close()


def alembic_config(url: str) -> Any:
    """Alembic configuration for the packaged migrations and the given database URL."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def pending_migrations(engine: Engine) -> list[str]:
    """Revisions in the code that the database has not applied yet (empty when current)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(False)))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    pending: list[str] = []
    for rev in script.walk_revisions():
        if rev.revision in current:
            break
        pending.append(rev.revision)
    return [] if current == set(script.get_heads()) else pending


def create_postgres_database(server_url: str, name: str) -> str:
    """Create an empty database beside ``server_url``'s (tests, benchmarks); return its URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_databases(server_url: str, names: list[str]) -> None:
    """Drop databases made by ``create_postgres_database`` (closing their connections)."""
    from sqlalchemy import text

    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def one_of_chunks(session: Session, values: Sequence[Any], size: int = 1000
                  ) -> list[Sequence[Any]]:
    """``values`` split for ``one_of``: whole on PostgreSQL (one parameter), in slices of
    ``size`` elsewhere (SQLite bounds the parameters of a statement); none when empty."""
    if session.get_bind().dialect.name == "postgresql":
        return [values] if values else []
    return [values[s:s + size] for s in range(0, len(values), size)]


def one_of(session: Session, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL the values travel as one JSON text parameter
    (``IN (SELECT json_array_elements_text(:json))``), so the statement text does not change
    with the list and the driver does not adapt a long list element by element."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import JSON, String, func, literal, select
        from sqlalchemy import cast as sql_cast

        values_json = json.dumps([str(v) for v in values])
        return cast("ColumnElement[bool]", column.in_(select(func.json_array_elements_text(
            sql_cast(literal(values_json, String()), JSON())))))
    return cast("ColumnElement[bool]", column.in_(list(values)))
