"""Driver-level statements inside a session's transaction, for the hot paths.

Building, caching and executing a SQLAlchemy statement costs 0.1-0.3 ms of Python, where
SQLite itself runs a small insert or lookup in about 10 us; a protocol upload runs a dozen
statements. The few statements on the election-night paths (protocols, identifications,
the audit chain) are written once here as text and run on the session's own DB-API
connection, so they share its transaction. Values are converted with SQLAlchemy's own bind
and result processors for each column's type, so what is stored is exactly what the ORM
would store and read back. See docs/decisions/0006-results-ingestion-and-totals.md.

Statements are written with ``?`` placeholders (SQLite's style); on PostgreSQL they become
``%s``. ``in_list`` writes a membership test that suits the dialect.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

_PG_TEXT: dict[str, str] = {}


class Raw:
    """The DB-API cursor of a session's current transaction (one is begun if none is)."""

    def __init__(self, session: Session) -> None:
        session.flush()  # what the ORM holds pending is visible to these statements too
        # (nothing to do, and cheap, when nothing is pending)
        connection = session.connection()
        self.dialect: Dialect = connection.dialect
        self.postgres = self.dialect.name == "postgresql"
        self.cursor: Any = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]

    def sql(self, text: str) -> str:
        """The statement in this driver's placeholder style."""
        if not self.postgres:
            return text
        converted = _PG_TEXT.get(text)
        if converted is None:
            converted = _PG_TEXT[text] = text.replace("?", "%s")
        return converted

    def execute(self, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return its rows."""
        self.cursor.execute(self.sql(text), params)
        return list(self.cursor.fetchall())

    def send(self, text: str, params: Sequence[Any] = ()) -> None:
        """Run a statement that returns no rows (inside :meth:`together`, on PostgreSQL, it
        is only queued)."""
        self.cursor.execute(self.sql(text), params)

    def together(self) -> AbstractContextManager[Any]:
        """A block whose statements travel together: on PostgreSQL in psycopg's pipeline
        mode, where a statement that returns no rows is queued and all queued are sent at
        the next query or at the end of the block (one round trip instead of one each); an
        error surfaces there. On SQLite, an ordinary block."""
        if self.postgres:
            return cast(AbstractContextManager[Any], self.cursor.connection.pipeline())
        return nullcontext()

    def executemany(self, text: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row (nothing when there are none)."""
        if rows:
            self.cursor.executemany(self.sql(text), rows)

    def in_list(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``column IN (...)`` for ``values`` as a condition and its parameters (on
        PostgreSQL one array parameter, so the statement text does not vary with the
        count)."""
        if self.postgres:
            return f"{column} = ANY(?)", [list(values)]
        return f"{column} IN ({','.join('?' * len(values))})", list(values)


Processor = Callable[[Any], Any] | None


class TableRows:
    """An INSERT of the named columns of one table, converting values as the ORM would: on
    SQLite through each column type's SQLAlchemy bind processor, on PostgreSQL by the server
    from a JSON document, by the table's own column types."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self._by_dialect: dict[str, tuple[str, list[Processor]]] = {}

    def _for(self, raw: Raw) -> tuple[str, list[Processor]]:
        name = raw.dialect.name
        if name not in self._by_dialect:
            processors: list[Processor] = []
            for column in self.columns:
                impl = self.table.c[column].type.dialect_impl(raw.dialect)
                processors.append(impl.bind_processor(raw.dialect))
            sql = (f"INSERT INTO {self.table.name} ({', '.join(self.columns)}) "
                   f"VALUES ({', '.join('?' * len(self.columns))})")
            self._by_dialect[name] = (sql, processors)
        return self._by_dialect[name]

    def insert(self, raw: Raw, rows: Iterable[Mapping[str, Any]]) -> None:
        """Insert ``rows`` (mappings holding every named column): on SQLite with one
        executemany; on PostgreSQL as one JSON document turned into the table's rows by the
        server (one statement and one round trip, with no per-value conversion here)."""
        if raw.postgres:
            document = json.dumps([{c: row[c] for c in self.columns} for row in rows],
                                  default=_json_default, ensure_ascii=False)
            if document != "[]":
                columns = ", ".join(self.columns)
                raw.send(f"INSERT INTO {self.table.name} ({columns}) SELECT {columns} "
                         f"FROM json_populate_recordset(NULL::{self.table.name}, "
                         "CAST(? AS json))", [document])
            return
        sql, processors = self._for(raw)
        encoded = [tuple(value if process is None or value is None else process(value)
                         for process, value in zip(processors,
                                                   (row[c] for c in self.columns),
                                                   strict=True))
                   for row in rows]
        raw.executemany(sql, encoded)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):  # as db.UtcDateTime stores it
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store UTC-aware datetimes only")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"not a JSON value: {type(value).__name__}")


_READERS: dict[tuple[str, str, str], Callable[[Any], Any]] = {}


def _as_it_comes(value: Any) -> Any:
    return value


def reader(raw: Raw, table: Table, column: str) -> Callable[[Any], Any]:
    """How a value of ``table.column`` read on this dialect becomes what the ORM would give:
    its type's result processor (taken as it comes when it has none)."""
    key = (raw.dialect.name, table.name, column)
    if key not in _READERS:
        impl = table.c[column].type.dialect_impl(raw.dialect)
        _READERS[key] = impl.result_processor(raw.dialect, None) or _as_it_comes
    return _READERS[key]
