"""Judging the rows of an extract: every row validated, given its station and duplicate key,
and turned into a staging tuple; errors and data-quality findings recorded with their line.

No database here: the same judge runs in the importing process or in worker processes that
each take a chunk of the file.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from shailoo.kit.importing import ImportReport, QualityIssue, RowError
from shailoo.register import rules
from shailoo.register.importers import EXTRACT_COLUMNS, parse_extract_row

QUALITY_EXAMPLES = 100

AddressTable = dict[str, tuple[str, ...]]
Sink = Callable[[list[tuple[Any, ...]]], None]


@dataclass
class ExtractSummary:
    """What an extract held beyond its rows: warnings by kind, address outcomes, hash."""

    sha256: str = ""
    warnings: Counter[str] = field(default_factory=Counter)
    address_outcomes: Counter[str] = field(default_factory=Counter)
    per_station: Counter[str] = field(default_factory=Counter)  # "" for no station

    def merge(self, other: ExtractSummary) -> None:
        """Add another chunk's counts."""
        self.warnings.update(other.warnings)
        self.address_outcomes.update(other.address_outcomes)
        self.per_station.update(other.per_station)


def merge_reports(into: ImportReport, other: ImportReport) -> None:
    """Add a chunk's errors, findings and rows read to the import's report."""
    into.rows_read += other.rows_read
    for error in other.errors:
        into.add_error(error)
    into.error_count += other.error_count - len(other.errors)
    room = QUALITY_EXAMPLES - len(into.quality)
    into.quality.extend(other.quality[:max(0, room)])


_skeleton = lru_cache(maxsize=200_000)(rules.name_skeleton)


def name_key(surname: str, given_name: str, patronymic: str | None) -> str:
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


@dataclass
class Judge:
    """Everything a row is judged against; ``header`` fixes the column positions."""

    source: str
    header: list[str]
    regions: frozenset[str]
    table: AddressTable
    today: date
    dates_as_text: bool
    batch_rows: int = 20_000
    _match: Any = None

    def __post_init__(self) -> None:
        self.positions = [self.header.index(c) for c in EXTRACT_COLUMNS]
        self.width = len(self.header)
        self.in_order = (self.positions == list(range(len(EXTRACT_COLUMNS)))
                         and self.width == len(self.positions))
        self._match = station_matcher(self.table)

    def judge(self, lines: Iterable[str], first_line: int, report: ImportReport,
              summary: ExtractSummary, sink: Sink) -> None:
        """Judge the CSV records of ``lines`` (the first on physical line ``first_line``):
        valid rows go to ``sink`` in batches while ``report`` has no error."""
        source, width, positions, in_order = self.source, self.width, self.positions, \
            self.in_order
        regions, today, match, as_text = self.regions, self.today, self._match, \
            self.dates_as_text
        reader = csv.reader(lines)
        batch: list[tuple[Any, ...]] = []
        next_line = first_line
        while True:
            line = next_line
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                report.rows_read += 1
                report.add_error(RowError(source, line, "(row)", f"malformed CSV: {exc}"))
                next_line = first_line + reader.line_num
                continue
            except UnicodeDecodeError as exc:
                report.add_error(RowError(source, line, "(file)",
                                          f"is not UTF-8 text from here on: {exc.reason}"))
                break
            next_line = first_line + reader.line_num
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
            station, outcome = match(person.region, person.locality, person.street,
                                     person.house)
            summary.address_outcomes[outcome] += 1
            summary.per_station[station or ""] += 1
            if outcome != "matched":
                _quality(report, summary, f"address_{outcome}", line, person.pin,
                         "the address matches no station" if outcome == "none"
                         else "the address matches several stations")
            born: Any = person.birth_date
            if as_text:
                born = cells[4] if len(cells[4]) == 10 and cells[4][4] == "-" else \
                    born.isoformat()
            batch.append((line, person.pin, person.surname, person.given_name,
                          person.patronymic, born, person.sex, person.citizenship,
                          person.region, person.locality, person.street, person.house,
                          person.flat, person.has_biometrics, person.deceased,
                          person.incapable, station, outcome,
                          name_key(person.surname, person.given_name, person.patronymic)))
            if len(batch) >= self.batch_rows:
                sink(batch)
                report.rows_accepted += len(batch)
                batch = []
        if batch and report.ok:
            sink(batch)
            report.rows_accepted += len(batch)


def _quality(report: ImportReport, summary: ExtractSummary, kind: str, line: int,
             record: str, detail: str) -> None:
    summary.warnings[kind] += 1
    if len(report.quality) < QUALITY_EXAMPLES:
        report.quality.append(QualityIssue(kind, line, record, detail))
