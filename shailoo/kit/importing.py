"""The streaming import pipeline: a declarative spec per source format, one reader for all.

Rows are read one at a time (constant memory), every row is validated, and errors name the
file, line, field and reason. Records reach the caller's sink in batches inside the caller's
transaction; when any row failed, :class:`ImportRejected` is raised at the end so that the
caller's unit of work rolls everything back: imports are all-or-nothing.
"""

from __future__ import annotations

import csv
import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Generic, TypeVar

from shailoo.errors import InvalidInput

T = TypeVar("T")

MAX_REPORTED_ERRORS = 1000


class FieldError(ValueError):
    """Raised by a column parser or a record builder: the named field is wrong."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class Column:
    """One column of a source file: its header, how to parse it, and whether it may be empty."""

    name: str
    parse: Callable[[str], Any] = str
    required: bool = True
    default: Any = None


@dataclass(frozen=True)
class RowError:
    """A rejected row: where, which field, which value and why."""

    source: str
    line: int
    field: str
    reason: str
    value: str = ""

    def __str__(self) -> str:
        shown = f" (value {self.value!r})" if self.value else ""
        return f"{self.source}:{self.line}: {self.field}: {self.reason}{shown}"


@dataclass(frozen=True)
class QualityIssue:
    """A finding of the data-quality report: not an error, but worth a look."""

    kind: str
    line: int
    record: str
    detail: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.kind}: {self.record}: {self.detail}"


@dataclass
class ImportReport:
    """What an import read, accepted and rejected, and what the quality checks found."""

    source: str
    rows_read: int = 0
    rows_accepted: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    quality: list[QualityIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row was rejected."""
        return self.error_count == 0

    def add_error(self, error: RowError) -> None:
        """Record an error (keeping at most MAX_REPORTED_ERRORS in full)."""
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the report."""
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "error_count": self.error_count,
            "errors": [vars(e) for e in self.errors],
            "quality": [vars(q) for q in self.quality],
        }


class ImportRejected(InvalidInput):
    """An import had bad rows; nothing was stored. ``report`` names each one."""

    def __init__(self, report: ImportReport) -> None:
        first = "; ".join(str(e) for e in report.errors[:5])
        more = f" and {report.error_count - 5} more" if report.error_count > 5 else ""
        super().__init__(
            "import.rejected",
            f"{report.error_count} bad row(s) in {report.source}, nothing was imported: "
            f"{first}{more}",
            report=report.to_dict(),
        )
        self.report = report


@dataclass(frozen=True)
class ImportSpec(Generic[T]):
    """A source format: its columns and how a parsed row becomes a record."""

    name: str
    columns: tuple[Column, ...]
    build: Callable[[dict[str, Any]], T]
    delimiter: str = ","

    @property
    def header(self) -> list[str]:
        """Column names in file order."""
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class ParsedRow(Generic[T]):
    """A row that passed validation, with the line it started on."""

    line: int
    record: T


def read_records(
    spec: ImportSpec[T], stream: IO[str], source: str, report: ImportReport
) -> Iterator[ParsedRow[T]]:
    """Yield valid records one by one; record every invalid row in ``report``."""
    reader = csv.reader(stream, delimiter=spec.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        report.add_error(RowError(source, 1, "(header)", "the file is empty"))
        return
    except csv.Error as exc:
        report.add_error(RowError(source, 1, "(header)", f"not a readable CSV file: {exc}"))
        return
    except UnicodeDecodeError as exc:
        report.add_error(RowError(source, 1, "(file)", f"is not UTF-8 text: {exc.reason}"))
        return
    header = [h.lstrip("\ufeff").strip() for h in header]
    positions = {name: i for i, name in enumerate(header)}
    missing = [c.name for c in spec.columns if c.name not in positions]
    for name in missing:
        report.add_error(RowError(source, 1, name, "required column is missing from the header"))
    if missing:
        return
    next_line = reader.line_num + 1
    while True:
        line = next_line
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.rows_read += 1
            report.add_error(RowError(source, line, "(row)", f"malformed CSV: {exc}"))
            next_line = reader.line_num + 1
            continue
        except UnicodeDecodeError as exc:
            report.add_error(RowError(source, line, "(file)",
                                      f"is not UTF-8 text from here on: {exc.reason}"))
            return
        next_line = reader.line_num + 1
        if not row or all(not cell.strip() for cell in row):
            continue
        report.rows_read += 1
        if len(row) != len(header):
            report.add_error(RowError(
                source, line, "(row)", f"has {len(row)} fields, the header has {len(header)}"))
            continue
        values, bad = _parse_row(spec, row, positions, source, line, report)
        if bad:
            continue
        try:
            record = spec.build(values)
        except FieldError as exc:
            report.add_error(RowError(source, line, exc.field, exc.reason,
                                      str(values.get(exc.field, ""))))
            continue
        yield ParsedRow(line, record)


def _parse_row(
    spec: ImportSpec[Any], row: list[str], positions: dict[str, int], source: str, line: int,
    report: ImportReport,
) -> tuple[dict[str, Any], bool]:
    values: dict[str, Any] = {}
    bad = False
    for column in spec.columns:
        raw = row[positions[column.name]].strip()
        if not raw:
            if column.required:
                report.add_error(RowError(source, line, column.name, "is required but empty"))
                bad = True
            values[column.name] = column.default
            continue
        try:
            values[column.name] = column.parse(raw)
        except (ValueError, FieldError) as exc:
            report.add_error(RowError(source, line, column.name, str(exc), raw))
            bad = True
    return values, bad


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Group an iterable into lists of at most ``size`` items."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk load. A bulk load keeps every
    prepared row until it writes them (all-or-nothing), and each automatic collection walks
    all of them again; the rows hold no cycles, so reference counting frees what is dropped
    meanwhile, and any cycle made is collected by the collector's later runs (a collection
    here, at the end, would walk the whole heap once more). Results bulk import, 2,500
    protocols (2026-11-27, in one sitting): 8,000-8,500 -> 11,100-12,600 a second. Leaves
    the collector off if it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write_csv(stream: IO[str], header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    """Write UTF-8 CSV rows (None as empty) to a text stream."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])


def model_builder(model: Callable[..., T]) -> Callable[[dict[str, Any]], T]:
    """Build records with a Pydantic model; its first validation error becomes a FieldError."""
    from pydantic import ValidationError

    def build(values: dict[str, Any]) -> T:
        try:
            return model(**{k: v for k, v in values.items() if v is not None})
        except ValidationError as exc:
            first = exc.errors()[0]
            name = str(first["loc"][0]) if first["loc"] else "(row)"
            raise FieldError(name, str(first["msg"])) from None

    return build


def columns(*names: str, optional: tuple[str, ...] = ()) -> tuple[Column, ...]:
    """Plain text columns: ``names`` required, ``optional`` may be empty."""
    return tuple(Column(n) for n in names) + tuple(Column(n, required=False) for n in optional)
