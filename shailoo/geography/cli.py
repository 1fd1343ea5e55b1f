"""`shailoo geography ...`: import and export regions, commissions and stations."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console

from shailoo.geography import service
from shailoo.kit.importing import ImportReport
from shailoo.runtime import cli_actor, cli_session, handle_errors

app = typer.Typer(help="Regions, commissions and polling stations.", no_args_is_help=True)
console = Console(stderr=True)


class Table(StrEnum):
    """What to import or export."""

    REGIONS = "regions"
    COMMISSIONS = "commissions"
    STATIONS = "stations"


def _print_report(report: ImportReport) -> None:
    console.print(f"{report.source}: {report.rows_accepted} of {report.rows_read} rows imported")
    if report.quality:
        console.print(f"data-quality report: {len(report.quality)} finding(s)")
        for issue in report.quality[:200]:
            console.print(f"  {issue}", highlight=False)


@app.command("import")
@handle_errors
def import_(
    what: Table = typer.Argument(..., help="regions, commissions or stations"),
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="UTF-8 CSV file"),
    update_existing: bool = typer.Option(False, help="stations: update codes already stored"),
) -> None:
    """Import a CSV file, all or nothing; bad rows are listed with line, field and reason."""
    with cli_session() as session, file.open(encoding="utf-8-sig", newline="") as stream:
        if what is Table.REGIONS:
            report = service.import_regions(session, stream, file.name, cli_actor())
        elif what is Table.COMMISSIONS:
            report = service.import_commissions(session, stream, file.name, cli_actor())
        else:
            report = service.import_stations(session, stream, file.name, cli_actor(),
                                             update_existing=update_existing)
    _print_report(report)


@app.command("export")
@handle_errors
def export(what: Table = typer.Argument(..., help="regions, commissions or stations")) -> None:
    """Write a table as UTF-8 CSV on stdout (code in the first column)."""
    with cli_session() as session:
        if what is Table.REGIONS:
            service.export_regions(session, sys.stdout)
        elif what is Table.COMMISSIONS:
            service.export_commissions(session, sys.stdout)
        else:
            service.export_stations(session, sys.stdout)


@app.command("search")
@handle_errors
def search(text: str = typer.Argument(..., help="part of a code, name or address"),
           limit: int = typer.Option(20, min=1, max=1000)) -> None:
    """Find polling stations by part of their code, name or address (any case, Cyrillic too)."""
    with cli_session() as session:
        for s in service.public_list_stations(session, query=text, limit=limit):
            typer.echo(f"{s.code}\t{s.name}\t{s.address}")
