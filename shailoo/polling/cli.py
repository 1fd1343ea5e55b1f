"""`shailoo polling ...`: polling-day figures."""

from __future__ import annotations

import json
import sys
from enum import StrEnum

import typer

from shailoo.kit.importing import write_csv
from shailoo.polling import identification
from shailoo.runtime import cli_session, handle_errors

app = typer.Typer(help="Polling day: identifications and turnout.", no_args_is_help=True)


class Format(StrEnum):
    """Output formats."""

    CSV = "csv"
    JSON = "json"


@app.command("turnout")
@handle_errors
def turnout(election: int = typer.Option(..., help="election id"),
            format_: Format = typer.Option(Format.CSV, "--format", help="csv or json")) -> None:
    """Turnout per region (and abroad): registered, identified, turnout (a share)."""
    with cli_session() as session:
        rows = identification.turnout_by_region(session, election)
    if format_ is Format.JSON:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    write_csv(sys.stdout, ["region", "registered", "identified", "turnout"],
              ([r["region"], r["registered"], r["identified"], r["turnout"]] for r in rows))
