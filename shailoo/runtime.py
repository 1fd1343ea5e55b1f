"""Process wiring shared by the CLI and the web app: engine, sessions, schema check."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache, wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from shailoo.config import get_settings
from shailoo.db import make_engine, make_session_factory, pending_migrations
from shailoo.errors import MigrationsPending, ShailooError

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True)


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    """One engine per URL per process."""
    return make_engine(url)


@lru_cache(maxsize=4)
def session_factory_for(url: str) -> sessionmaker[Session]:
    """One session factory per URL per process."""
    return make_session_factory(engine_for(url))


def ensure_schema_current(engine: Engine) -> None:
    """Refuse to run against a database whose migrations are not all applied."""
    pending = pending_migrations(engine)
    if pending:
        raise MigrationsPending(
            "db.migrations_pending",
            f"the database at {engine.url.render_as_string(hide_password=True)} has "
            f"{len(pending)} pending migration(s) ({', '.join(pending)}); "
            "run `shailoo db upgrade` first")


@contextmanager
def cli_session(check_schema: bool = True) -> Iterator[Session]:
    """A session on SHAILOO_DATABASE_URL for one CLI command."""
    url = get_settings().database_url
    if check_schema:
        ensure_schema_current(engine_for(url))
    session = session_factory_for(url)()
    try:
        yield session
    finally:
        session.close()


def cli_actor() -> str:
    """Audit label of a person running the CLI on the server."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print a ShailooError (or a validation error) plainly and exit with its code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from pydantic import ValidationError

        try:
            return func(*args, **kwargs)
        except ShailooError as exc:
            _print_error(exc.code, exc.message)
            report = exc.details.get("report") if exc.details else None
            if report:
                for e in report["errors"]:
                    value = f" ({e['value']!r})" if e["value"] else ""
                    err_console.print(f"  {e['source']}:{e['line']}: {e['field']}: "
                                      f"{e['reason']}{value}", markup=False, highlight=False,
                                      soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except ValidationError as exc:
            is_settings = exc.title == "Settings"
            _print_error("config.invalid" if is_settings else "input.invalid", str(exc))
            raise typer.Exit(3 if is_settings else 2) from None

    return wrapper


def _print_error(code: str, message: str) -> None:
    err_console.print(f"error [{code}] {message}", markup=False, highlight=False,
                      soft_wrap=True)
