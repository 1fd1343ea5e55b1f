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
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO, Any, BinaryIO

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shailoo.kit.importing import ImportReport, RowError
from shailoo.register.importers import EXTRACT_COLUMNS
from shailoo.register.judging import (
    AddressTable,
    ExtractSummary,
    Judge,
    Sink,
    merge_reports,
)

BATCH_ROWS = 20_000
PARALLEL_MIN_BYTES = 16 << 20  # smaller files are judged in this process
CHUNK_BYTES = 2 << 20
STAGING = "register_staging"
PERSONS = "register_persons"
# The order of the judge's tuples (shailoo.register.judging), of the staging table's columns
# and of the columns loaded into register_persons.
PERSON_COLUMNS = ("source_line", "pin", "surname", "given_name", "patronymic", "birth_date",
                  "sex", "citizenship", "region", "locality", "street", "house", "flat",
                  "has_biometrics", "deceased", "incapable", "home_station", "address_match",
                  "name_key")
_TYPES = {"source_line": "INTEGER", "birth_date": "DATE", "has_biometrics": "BOOLEAN",
          "deceased": "BOOLEAN", "incapable": "BOOLEAN"}
PIN_INDEX = "uq_register_persons_pin"
PERSON_INDEXES = {"ix_register_persons_home_station": "(home_station)",
                  "ix_register_persons_duplicate_key": "(birth_date, name_key)"}



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
    cols = ", ".join(f"{c} {_TYPES.get(c, 'TEXT')}" for c in PERSON_COLUMNS)
    session.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))
    suffix = " ON COMMIT DROP" if postgres else ""
    session.execute(text(f"CREATE TEMPORARY TABLE {STAGING} ({cols}){suffix}"))


def drop_staging(session: Session) -> None:
    """Drop the staging table (SQLite keeps temporary tables until the connection closes)."""
    session.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))


def _writer(session: Session, table: str) -> Callable[[list[tuple[Any, ...]]], None]:
    """The fastest way this database takes a batch of judged rows into ``table``."""
    raw = session.connection().connection.driver_connection
    columns = ", ".join(PERSON_COLUMNS)
    if session.get_bind().dialect.name == "postgresql":
        copy_sql = f"COPY {table} ({columns}) FROM STDIN"

        def copy_rows(rows: list[tuple[Any, ...]]) -> None:
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row(row)

        return copy_rows
    insert_sql = (f"INSERT INTO {table} ({columns}) VALUES "
                  f"({', '.join('?' for _ in PERSON_COLUMNS)})")

    def insert_rows(rows: list[tuple[Any, ...]]) -> None:
        raw.executemany(insert_sql, rows)  # type: ignore[union-attr]

    return insert_rows


def stage_extract(session: Session, stream: IO[str], source: str, report: ImportReport,
                  regions: frozenset[str], table: AddressTable, today: date,
                  progress: Callable[[int], None] | None = None, workers: int | None = None,
                  target: str = STAGING) -> ExtractSummary:
    """Judge every row of the extract into ``target`` (the staging table, or the empty
    register itself for a first extract); errors go to ``report``.

    A large file opened from disk is cut into chunks at record boundaries and judged by
    ``workers`` processes (default: two when the machine has them) while this process writes;
    anything else is judged here, line by line. Either way memory stays flat.
    """
    summary = ExtractSummary()
    write = _writer(session, target)
    as_text = session.get_bind().dialect.name != "postgresql"
    raw = _byte_buffer(stream)
    if workers is None:
        workers = _default_workers(raw)
    if raw is not None and workers > 1:
        _stage_in_parallel(raw, source, report, summary, regions, table, today, as_text,
                           write, progress, workers)
        return summary
    lines, hashing = _hashing_text(stream, progress)
    header_reader = csv.reader(lines)
    try:
        header = [h.lstrip("\ufeff").strip() for h in next(header_reader)]
    except StopIteration:
        report.add_error(RowError(source, 1, "(header)", "the file is empty"))
        return summary
    except UnicodeDecodeError as exc:
        report.add_error(RowError(source, 1, "(file)", f"is not UTF-8 text: {exc.reason}"))
        return summary
    if _header_errors(header, source, report):
        return summary
    judge = Judge(source, header, regions, table, today, as_text, BATCH_ROWS)
    judge.judge(lines, header_reader.line_num + 1, report, summary, write)
    summary.sha256 = hashing.hexdigest()
    return summary


def _header_errors(header: list[str], source: str, report: ImportReport) -> bool:
    missing = [c for c in EXTRACT_COLUMNS if c not in header]
    for name in missing:
        report.add_error(RowError(source, 1, name, "required column is missing from the header"))
    return bool(missing)


def _byte_buffer(stream: IO[str]) -> BinaryIO | None:
    """The byte stream under a text file that has not been read yet, else None."""
    if isinstance(stream, io.TextIOWrapper) and stream.seekable() and stream.tell() == 0:
        return stream.buffer  # type: ignore[no-any-return]
    return None


def _default_workers(raw: BinaryIO | None) -> int:
    if raw is None or (os.cpu_count() or 1) < 2 or sys.platform != "linux":
        return 1
    try:
        size = os.fstat(raw.fileno()).st_size
    except (OSError, io.UnsupportedOperation):
        return 1
    return 2 if size >= PARALLEL_MIN_BYTES else 1


def _record_end(block: bytes) -> int:
    """Index of the last newline of ``block`` that ends a CSV record (one outside quotes,
    that is with an even number of quote characters before it), or -1."""
    position = block.rfind(b"\n")
    while position >= 0 and block.count(b'"', 0, position) % 2:
        position = block.rfind(b"\n", 0, position)
    return position


def _chunks(raw: BinaryIO, digest: Any, progress: Callable[[int], None] | None,
            first_line: int, size: int = CHUNK_BYTES) -> Iterator[tuple[bytes, int]]:
    """Whole CSV records in blocks of about ``size`` bytes, each with its first line number;
    every byte read is hashed and reported to ``progress``."""
    carry = b""
    line = first_line
    while True:
        data = raw.read(size)
        if data:
            digest.update(data)
            if progress is not None:
                progress(len(data))
        block = carry + data
        if not data:
            if block:
                yield block, line
            return
        end = _record_end(block)
        if end < 0:
            carry = block
            continue
        chunk, carry = block[:end + 1], block[end + 1:]
        yield chunk, line
        line += chunk.count(b"\n")


_WORKER_JUDGE: Judge | None = None  # set before the worker processes are forked


def _judge_chunk(chunk: bytes, first_line: int
                 ) -> tuple[list[list[tuple[Any, ...]]], ImportReport, ExtractSummary]:
    """In a worker: judge one chunk; return its staging batches, report and summary."""
    judge = _WORKER_JUDGE
    assert judge is not None
    report, summary = ImportReport(judge.source), ExtractSummary()
    batches: list[list[tuple[Any, ...]]] = []
    try:
        text_chunk = chunk.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + chunk.count(b"\n", 0, exc.start)
        report.add_error(RowError(judge.source, line, "(file)",
                                  f"is not UTF-8 text: {exc.reason}"))
        return batches, report, summary
    judge.judge(io.StringIO(text_chunk, newline=""), first_line, report, summary,
                batches.append)
    return batches, report, summary


def _stage_in_parallel(raw: BinaryIO, source: str, report: ImportReport,
                       summary: ExtractSummary, regions: frozenset[str], table: AddressTable,
                       today: date, as_text: bool, write: Sink,
                       progress: Callable[[int], None] | None, workers: int) -> None:
    global _WORKER_JUDGE
    digest = hashlib.sha256()
    header_bytes = raw.readline()
    digest.update(header_bytes)
    if progress is not None:
        progress(len(header_bytes))
    try:
        header = [h.strip() for h in next(csv.reader([header_bytes.decode("utf-8-sig")]),
                                          [])]
    except UnicodeDecodeError as exc:
        report.add_error(RowError(source, 1, "(file)", f"is not UTF-8 text: {exc.reason}"))
        return
    if not header:
        report.add_error(RowError(source, 1, "(header)", "the file is empty"))
        return
    if _header_errors(header, source, report):
        return
    _WORKER_JUDGE = Judge(source, header, regions, table, today, as_text, BATCH_ROWS)
    pending: deque[Any] = deque()

    def take(result: Any) -> None:
        batches, chunk_report, chunk_summary = result.get()
        merge_reports(report, chunk_report)
        summary.merge(chunk_summary)
        if report.ok:
            for batch in batches:
                write(batch)
                report.rows_accepted += len(batch)

    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for chunk, line in _chunks(raw, digest, progress, 2):
                pending.append(pool.apply_async(_judge_chunk, (chunk, line)))
                if len(pending) > workers:
                    take(pending.popleft())
            while pending:
                take(pending.popleft())
    finally:
        _WORKER_JUDGE = None
    summary.sha256 = digest.hexdigest()


def duplicate_pin_errors(session: Session, source: str, report: ImportReport,
                         table: str = STAGING) -> None:
    """Report every PIN that appears on more than one line of the loaded extract."""
    rows = session.execute(text(
        f"SELECT pin, MIN(source_line), MAX(source_line), COUNT(*) FROM {table} GROUP BY pin "
        f"HAVING COUNT(*) > 1 ORDER BY MIN(source_line) LIMIT 1000"))
    for pin, first, last, count in rows:
        report.add_error(RowError(source, int(last), "pin",
                                  f"the same PIN is on {count} lines (first on line {first})",
                                  pin))


def prepare_first_load(session: Session) -> None:
    """Before loading a first extract straight into the empty register: drop its indexes
    (building them once afterwards is faster than keeping them during the load)."""
    for name in (PIN_INDEX, *PERSON_INDEXES):
        session.execute(text(f"DROP INDEX {name}"))


def index_loaded(session: Session, first: bool) -> bool:
    """After the load: rebuild the register's indexes (first extract) or index the staged
    PINs for the difference. Returns False when a PIN was loaded twice; the caller then
    reports the lines and rolls everything back."""
    try:
        with session.begin_nested():
            if first:
                session.execute(text(f"CREATE UNIQUE INDEX {PIN_INDEX} ON {PERSONS} (pin)"))
            else:
                session.execute(text(f"CREATE UNIQUE INDEX ix_{STAGING}_pin ON {STAGING} (pin)"))
    except IntegrityError:
        return False
    if first:
        for name, on in PERSON_INDEXES.items():
            session.execute(text(f"CREATE INDEX {name} ON {PERSONS} {on}"))
    return True
