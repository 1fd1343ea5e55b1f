"""`shailoo elections ...`: the calendar, scheduling, status changes and presets."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import typer

from shailoo.elections import service
from shailoo.elections.rules import ElectionKind, ElectionStatus
from shailoo.elections.schemas import ElectionCreate
from shailoo.elections.systems import PRESETS
from shailoo.runtime import cli_actor, cli_session, handle_errors

app = typer.Typer(help="Elections, their status and electoral systems.", no_args_is_help=True)


@app.command("list")
@handle_errors
def list_() -> None:
    """Print every election as CSV on stdout, election id in the first column."""
    with cli_session() as session:
        service.export_elections(session, sys.stdout)


@app.command("show")
@handle_errors
def show(election_id: int = typer.Argument(..., help="election id")) -> None:
    """Print one election with its contests and status history as JSON."""
    with cli_session() as session:
        typer.echo(service.public_get_election(session, election_id).model_dump_json(indent=2))


@app.command("create")
@handle_errors
def create(
    code: str = typer.Option(..., help="short code, e.g. parliament-2026"),
    kind: ElectionKind = typer.Option(..., help="parliamentary, presidential, local, referendum"),
    polling_date: datetime = typer.Option(..., formats=["%Y-%m-%d"], help="YYYY-MM-DD"),
    preset: str = typer.Option(..., help=f"one of: {', '.join(PRESETS)}"),
    name_ky: str = typer.Option(...), name_ru: str = typer.Option(...),
    name_en: str = typer.Option(...),
) -> None:
    """Schedule an election on a preset electoral system; prints its id."""
    data = ElectionCreate(code=code, kind=kind, polling_date=polling_date.date(),
                          preset=preset, name_ky=name_ky, name_ru=name_ru, name_en=name_en)
    with cli_session() as session:
        election = service.create_election(session, cli_actor(), data)
    typer.echo(election.id)


@app.command("transition")
@handle_errors
def transition(
    election_id: int = typer.Argument(..., help="election id"),
    to: ElectionStatus = typer.Argument(..., help="the new status"),
    reason: str = typer.Option(..., help="why (kept in the status history)"),
) -> None:
    """Move an election to another status if the transition table allows it."""
    with cli_session() as session:
        election = service.transition(session, cli_actor(), election_id, to, reason)
    typer.echo(f"{election.id}\t{election.status.value}")


@app.command("presets")
def presets() -> None:
    """Print the shipped electoral-system presets as JSON."""
    typer.echo(json.dumps({k: v.model_dump(mode="json") for k, v in PRESETS.items()},
                          indent=2, ensure_ascii=False))
