"""`shailoo results import|export`: real-data protocol import and open-format exports."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from shailoo import __version__
from shailoo.kit.clock import utcnow
from shailoo.results import transfer_service
from shailoo.results.exports import nist_report, write_results_csv, write_results_json
from shailoo.results.rules import Source
from shailoo.results.transfer import FormatName
from shailoo.runtime import cli_actor, cli_session, handle_errors

app = typer.Typer(help="Results import and export.", no_args_is_help=True)


class ExportFormat(StrEnum):
    """Open export formats."""

    NIST_ERR = "nist-err"
    CSV = "csv"
    JSON = "json"


@app.command("import")
@handle_errors
def import_file(
    file: Path = typer.Argument(..., help="the source file (.csv, .zip holding one .csv, "
                                "or .json), or the directory of a directory format "
                                "(ru-2021-spbik)", exists=True),
    fmt: FormatName = typer.Option(..., "--format", help="the source format"),
    source_name: str | None = typer.Option(
        None, "--source-name", help="the name errors and the audit record give the file "
        "(default: the file name)"),
) -> None:
    """Import a results file: what it implies (regions, commissions, stations, the election
    in counting, its ballot and checks) and its protocols, all or nothing."""
    console = Console()
    name = source_name or file.name
    with cli_session() as session, Progress(
            TextColumn("[progress.description]{task.description}"), BarColumn(),
            MofNCompleteColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"importing {name}", total=None)
        result = transfer_service.import_path(
            session, cli_actor(), fmt, file, name,
            progress=lambda n: bar.advance(task, n),
            on_parsed=lambda total: bar.update(task, total=total))
    console.print(f"{name}: election #{result.election_id}; read {result.read}, accepted "
                  f"{result.accepted}, quarantined {result.quarantined}, duplicates "
                  f"{result.duplicates}, corrections {result.corrections}; created "
                  + ", ".join(f"{v} {k}" for k, v in result.created.items()),
                  markup=False, highlight=False, soft_wrap=True)
    for contest_id, totals in result.totals.items():
        table = Table(title=f"contest {contest_id} {result.contest_names[contest_id]}: "
                            "national totals of counted protocols")
        table.add_column("choice")
        table.add_column("votes", justify="right")
        for code, value in totals.items():
            table.add_row(code, str(value))
        console.print(table)


@app.command("export")
@handle_errors
def export(
    fmt: ExportFormat = typer.Option(..., "--format", help="nist-err (NIST SP 1500-100 JSON), "
                                     "csv or json (shailoo-csv / shailoo-json re-import)"),
    source: Source | None = typer.Option(
        None, "--source", help="only scanner or only manual protocols (default: csv and "
        "json both, nist-err manual)"),
    election: int | None = typer.Option(
        None, "--election", help="election id (default: the newest election with "
        "protocols)"),
) -> None:
    """Write an election's counted protocols to stdout."""
    with cli_session() as session:
        election_id = election or transfer_service.default_export_election(session)
        if fmt is ExportFormat.NIST_ERR and source is None:
            source = Source.MANUAL
        data = transfer_service.export_data(session, election_id, source)
    if fmt is ExportFormat.CSV:
        write_results_csv(data, sys.stdout)
    elif fmt is ExportFormat.JSON:
        write_results_json(data, sys.stdout)
    else:
        report = nist_report(data, utcnow(), vendor=f"shailoo {__version__}")
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
