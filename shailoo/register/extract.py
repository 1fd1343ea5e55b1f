"""Importing a population-register extract: stream and validate every row into a staging
table, then compute the difference to the stored register and apply it in the same
transaction (all or nothing).

Memory stays flat: rows go to the database in batches; duplicate PINs and the difference are
found by the database, not in Python.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import IO, Any, BinaryIO

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shailoo.kit.importing import ImportReport, QualityIssue, RowError
from shailoo.register import rules
from shailoo.register.importers import EXTRACT_COLUMNS, parse_extract_row

BATCH_ROWS = 20_000
QUALITY_EXAMPLES = 100
STAGING = "register_staging"
PERSON_COLUMNS = ("pin", "surname", "given_name", "patronymic", "birth_date", "sex",
                  "citizenship", "region", "locality", "street", "house", "flat",
                  "has_biometrics", "deceased", "incapable", "home_station", "address_match",
                  "name_key")
STAGING_COLUMNS = ("line", *PERSON_COLUMNS)
_TYPES = {"line": "INTEGER", "birth_date": "DATE", "has_biometrics": "BOOLEAN",
          "deceased": "BOOLEAN", "incapable": "BOOLEAN"}

AddressTable = dict[str, tuple[str, ...]]


@dataclass
class ExtractSummary:
    """What an extract held beyond its rows: warnings by kind, address outcomes, hash."""

    sha256: str = ""
    warnings: Counter[str] = field(default_factory=Counter)
    address_outcomes: Counter[str] = field(default_factory=Counter)
    per_station: Counter[str] = field(default_factory=Counter)  # "" for no station


class _HashingLines:
    """A text stream wrapper that hashes what is read (the extract's SHA-256) and reports
    bytes read to a progress bar, a megabyte at a time (for streams without a byte buffer)."""

    def __init__(self, stream: IO[str], progress: Callable[[int], None] | None) -> None:
        self.stream = stream
        self.hash = hashlib.sha256()
        self.progress = progress

    def __iter__(self) -> Iterator[str]:
        pending = 0
        for line in self.stream:
            data = line.encode()
            self.hash.update(data)
            pending += len(data)
            if pending >= 1 << 20 and self.progress is not None:
                self.progress(pending)
                pending = 0
            yield line
        if pending and self.progress is not None:
            self.progress(pending)


class _HashingRaw(io.RawIOBase):
    """A byte stream that hashes and counts what passes through it (in C-sized blocks)."""

    def __init__(self, raw: BinaryIO, progress: Callable[[int], None] | None) -> None:
        super().__init__()
        self.raw = raw
        self.hash = hashlib.sha256()
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        if n:
            self.hash.update(memoryview(buffer)[:n])
            if self.progress is not None:
                self.progress(n)
        return n or 0


def _hashing_text(stream: IO[str], progress: Callable[[int], None] | None
                  ) -> tuple[Iterable[str], Any]:
    """Lines of ``stream`` and the hash object that sees its bytes. A file opened in text
    mode is re-read through its byte buffer (decoding and splitting stay in C)."""
    if isinstance(stream, io.TextIOWrapper) and stream.seekable() and stream.tell() == 0:
        encoding = stream.encoding
        if encoding.replace("_", "-").lower() in ("utf-8", "utf8"):
            encoding = "utf-8-sig"
        raw = _HashingRaw(stream.buffer, progress)
        text_stream = io.TextIOWrapper(io.BufferedReader(raw, 1 << 20), encoding=encoding,
                                       newline="")
        return text_stream, raw.hash
    lines = _HashingLines(stream, progress)
    return lines, lines.hash


def create_staging(session: Session) -> None:
    """A temporary table for the rows of one extract (dropped when the import ends)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    cols = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" for c in STAGING_COLUMNS)
    session.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))
    suffix = " ON COMMIT DROP" if postgres else ""
    session.execute(text(f"CREATE TEMPORARY TABLE {STAGING} ({cols}){suffix}"))


def drop_staging(session: Session) -> None:
    """Drop the staging table (SQLite keeps temporary tables until the connection closes)."""
    session.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))


def _writer(session: Session) -> Callable[[list[tuple[Any, ...]]], None]:
    """The fastest way this database takes a batch of staging rows."""
    raw = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        copy_sql = f"COPY {STAGING} ({', '.join(STAGING_COLUMNS)}) FROM STDIN"

        def copy_rows(rows: list[tuple[Any, ...]]) -> None:
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row(row)

        return copy_rows
    insert_sql = (f"INSERT INTO {STAGING} VALUES "
                  f"({', '.join('?' for _ in STAGING_COLUMNS)})")

    def insert_rows(rows: list[tuple[Any, ...]]) -> None:
        raw.executemany(insert_sql, rows)  # type: ignore[union-attr]

    return insert_rows


_skeleton = lru_cache(maxsize=200_000)(rules.name_skeleton)


def _name_key(surname: str, given_name: str, patronymic: str | None) -> str:
    """rules.person_name_key with each name's skeleton cached (names repeat a lot)."""
    return rules.person_name_key(surname, given_name, patronymic, _skeleton)


def station_matcher(table: AddressTable) -> Callable[[str, str, str | None, str | None],
                                                      tuple[str | None, str]]:
    """Station of an address through the table, cached per distinct address."""

    @lru_cache(maxsize=200_000)
    def match(region: str, locality: str, street: str | None, house: str | None
              ) -> tuple[str | None, str]:
        return rules.assign_station(rules.address_keys(region, locality, street, house), table)

    return match


def stage_extract(session: Session, stream: IO[str], source: str, report: ImportReport,
                  regions: frozenset[str], table: AddressTable, today: date,
                  progress: Callable[[int], None] | None = None) -> ExtractSummary:
    """Validate every row of the extract into the staging table; errors go to ``report``."""
    summary = ExtractSummary()
    lines, hashing = _hashing_text(stream, progress)
    reader = csv.reader(lines)
    write = _writer(session)
    match = station_matcher(table)
    sql_postgres = session.get_bind().dialect.name == "postgresql"
    try:
        header = [h.lstrip("\ufeff").strip() for h in next(reader)]
    except StopIteration:
        report.add_error(RowError(source, 1, "(header)", "the file is empty"))
        return summary
    except UnicodeDecodeError as exc:
        report.add_error(RowError(source, 1, "(file)", f"is not UTF-8 text: {exc.reason}"))
        return summary
    missing = [c for c in EXTRACT_COLUMNS if c not in header]
    for name in missing:
        report.add_error(RowError(source, 1, name, "required column is missing from the header"))
    if missing:
        return summary
    positions = [header.index(c) for c in EXTRACT_COLUMNS]
    width = len(header)
    in_order = positions == list(range(len(EXTRACT_COLUMNS))) and width == len(positions)
    batch: list[tuple[Any, ...]] = []
    next_line = reader.line_num + 1
    while True:
        line = next_line
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.rows_read += 1
            report.add_error(RowError(source, line, "(row)", f"malformed CSV: {exc}"))
            next_line = reader.line_num + 1
            continue
        except UnicodeDecodeError as exc:
            report.add_error(RowError(source, line, "(file)",
                                      f"is not UTF-8 text from here on: {exc.reason}"))
            break
        next_line = reader.line_num + 1
        if not row:
            continue
        report.rows_read += 1
        if len(row) != width:
            report.add_error(RowError(source, line, "(row)",
                                      f"has {len(row)} fields, the header has {width}"))
            continue
        cells = row if in_order else [row[i] for i in positions]
        person, errors = parse_extract_row(cells, regions, today)
        if person is None:
            for error in errors:
                value = cells[EXTRACT_COLUMNS.index(error.field)].strip()
                report.add_error(RowError(source, line, error.field, error.reason, value))
            continue
        if not report.ok:
            continue  # keep reading to report every bad row, but stage nothing more
        if not rules.pin_consistent(person.pin, person.sex, person.birth_date):
            for warning in rules.pin_warnings(person.pin, person.sex, person.birth_date):
                _quality(report, summary, "pin_structure", line, person.pin, warning)
        station, outcome = match(person.region, person.locality, person.street, person.house)
        summary.address_outcomes[outcome] += 1
        summary.per_station[station or ""] += 1
        if outcome != "matched":
            _quality(report, summary, f"address_{outcome}", line, person.pin,
                     "the address matches no station" if outcome == "none"
                     else "the address matches several stations")
        born = person.birth_date if sql_postgres else (
            cells[4] if len(cells[4]) == 10 and cells[4][4] == "-" else
            person.birth_date.isoformat())
        batch.append((line, person.pin, person.surname, person.given_name, person.patronymic,
                      born, person.sex, person.citizenship, person.region, person.locality,
                      person.street, person.house, person.flat, person.has_biometrics,
                      person.deceased, person.incapable, station, outcome,
                      _name_key(person.surname, person.given_name, person.patronymic)))
        if len(batch) >= BATCH_ROWS:
            write(batch)
            report.rows_accepted += len(batch)
            batch = []
    if batch and report.ok:
        write(batch)
        report.rows_accepted += len(batch)
    summary.sha256 = hashing.hexdigest()
    return summary


def _quality(report: ImportReport, summary: ExtractSummary, kind: str, line: int,
             record: str, detail: str) -> None:
    summary.warnings[kind] += 1
    if len(report.quality) < QUALITY_EXAMPLES:
        report.quality.append(QualityIssue(kind, line, record, detail))


def duplicate_pin_errors(session: Session, source: str, report: ImportReport) -> None:
    """Report every PIN that appears on more than one line of the staged extract."""
    rows = session.execute(text(
        f"SELECT pin, MIN(line), MAX(line), COUNT(*) FROM {STAGING} GROUP BY pin "
        f"HAVING COUNT(*) > 1 ORDER BY MIN(line) LIMIT 1000"))
    for pin, first, last, count in rows:
        report.add_error(RowError(source, int(last), "pin",
                                  f"the same PIN is on {count} lines (first on line {first})",
                                  pin))


PERSON_INDEXES = {"ix_register_persons_home_station": "(home_station)",
                  "ix_register_persons_duplicate_key": "(birth_date, name_key)"}


def load_or_index(session: Session, first: bool) -> bool:
    """Into an empty register, load the staged rows in PIN order (its secondary indexes are
    rebuilt afterwards, which is faster than keeping them during the load); otherwise index
    the staged PINs for the difference. Returns False when a PIN is staged twice (nothing is
    changed then)."""
    columns = ", ".join(PERSON_COLUMNS)
    try:
        with session.begin_nested():
            if first:
                for name in PERSON_INDEXES:
                    session.execute(text(f"DROP INDEX {name}"))
                session.execute(text(f"INSERT INTO register_persons ({columns}) "
                                     f"SELECT {columns} FROM {STAGING} ORDER BY pin"))
                for name, on in PERSON_INDEXES.items():
                    session.execute(text(f"CREATE INDEX {name} ON register_persons {on}"))
            else:
                session.execute(text(f"CREATE UNIQUE INDEX ix_{STAGING}_pin ON {STAGING} (pin)"))
    except IntegrityError:
        return False
    return True
