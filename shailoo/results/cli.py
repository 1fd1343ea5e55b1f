"""`shailoo results ...`: seat allocation, protocol import and exports."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from shailoo.errors import InvalidInput
from shailoo.kit.importing import (
    Column,
    ImportRejected,
    ImportReport,
    ImportSpec,
    RowError,
    read_records,
)
from shailoo.results.seats import Allocation, CapOverflow, Method, TieBreak, allocate
from shailoo.runtime import handle_errors

app = typer.Typer(help="Results: seats, protocols, exports.", no_args_is_help=True)


def _whole_votes(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError("must be a whole number of votes") from None
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _party_name(raw: str) -> str:
    return raw.strip()


VOTES_SPEC: ImportSpec[tuple[str, int]] = ImportSpec(
    name="party votes",
    columns=(Column("party", _party_name), Column("votes", _whole_votes)),
    build=lambda row: (row["party"], row["votes"]),
)


def _read_votes(path: Path) -> list[tuple[str, int]]:
    """Rows of ``party,votes`` (UTF-8); every bad row is reported with its line."""
    source = str(path)
    report = ImportReport(source)
    rows: list[tuple[str, int]] = []
    first_line: dict[str, int] = {}
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            for parsed in read_records(VOTES_SPEC, stream, source, report):
                party, votes = parsed.record
                if party in first_line:
                    report.add_error(RowError(source, parsed.line, "party",
                                              f"duplicate party (first on line "
                                              f"{first_line[party]})", party))
                    continue
                first_line[party] = parsed.line
                report.rows_accepted += 1
                rows.append((party, votes))
    except UnicodeDecodeError as exc:
        raise InvalidInput("results.invalid_allocation_input",
                           f"{source} is not UTF-8 text: {exc}") from None
    except OSError as exc:
        raise InvalidInput("results.invalid_allocation_input",
                           f"cannot read {source}: {exc}") from None
    if not report.ok:
        raise ImportRejected(report)
    if not rows:
        raise InvalidInput("results.invalid_allocation_input", f"{source} has no party rows")
    return rows


def _print_table(rows: list[tuple[str, int]], result: Allocation) -> None:
    console = Console()
    total = sum(v for _, v in rows)
    table = Table(title=f"{result.house_size} seats by {result.method.value}")
    table.add_column("party")
    table.add_column("votes", justify="right")
    table.add_column("share %", justify="right")
    table.add_column("seats", justify="right")
    for party, votes in rows:
        hundredths = round(Fraction(votes * 10000, total)) if total else 0
        table.add_row(party, str(votes), f"{hundredths // 100}.{hundredths % 100:02d}",
                      str(result.seats[party]))
    console.print(table)
    for step in result.transcript:
        console.print(step.text, markup=False, highlight=False, soft_wrap=True)


@app.command("seats")
@handle_errors
def seats(
    votes: Path = typer.Option(..., "--votes", help="CSV file with the columns party,votes "
                               "(UTF-8)", dir_okay=False),
    seat_count: int = typer.Option(..., "--seats", help="number of seats to allocate"),
    method: Method = typer.Option(..., "--method", help="allocation method"),
    threshold: str | None = typer.Option(
        None, "--threshold", help="national threshold in percent (e.g. 7 or 0.7) of all the "
        "votes in the file, or of --denominator"),
    denominator: int | None = typer.Option(
        None, "--denominator", help="what the threshold is measured against, e.g. the voters "
        "who took part"),
    cap: int | None = typer.Option(None, "--cap", help="most seats one list may hold"),
    cap_overflow: CapOverflow = typer.Option(
        CapOverflow.REDISTRIBUTE, "--cap-overflow",
        help="seats above the cap: redistribute among the other lists, or leave vacant"),
    first_divisor: str | None = typer.Option(
        None, "--first-divisor", help="first divisor of modified-sainte-lague (default 1.4)"),
    tie_break: TieBreak = typer.Option(TieBreak.LOT, "--tie-break",
                                       help="how a tie for a seat is settled"),
    seed: str | None = typer.Option(None, "--seed", help="seed of the lot (recorded)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON: seats and transcript"),
) -> None:
    """Allocate seats from a party,votes CSV and show every step of the calculation."""
    rows = _read_votes(votes)
    try:
        result = allocate(rows, seat_count, method, threshold=threshold,
                          denominator=denominator, cap=cap, cap_overflow=cap_overflow,
                          first_divisor=first_divisor, tie_break=tie_break, seed=seed)
    except ValueError as exc:
        raise InvalidInput("results.invalid_allocation_input", str(exc)) from None
    if as_json:
        typer.echo(json.dumps({"seats": result.seats, "transcript": result.transcript_dicts()},
                              ensure_ascii=False))
        return
    _print_table(rows, result)


def _include_transfer_commands() -> None:
    """`shailoo results import` and `shailoo results export` live in transfer_cli."""
    from shailoo.results.transfer_cli import app as transfer_app

    app.registered_commands.extend(transfer_app.registered_commands)


_include_transfer_commands()
