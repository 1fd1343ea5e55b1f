"""`shailoo audit ...`: verify the chain, show recent records, print the head to publish."""

from __future__ import annotations

import typer

from shailoo.audit import service
from shailoo.runtime import cli_session, err_console, handle_errors

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
@handle_errors
def verify() -> None:
    """Walk the hash chain; exit 0 when intact, else 10 naming the first bad record."""
    with cli_session() as session:
        result = service.verify(session)
    if result.fault is not None:
        err_console.print(f"[red]TAMPERED[/red] {result.fault}", highlight=False)
        raise typer.Exit(10)
    typer.echo(f"intact: {result.checked} records, head {result.head_seq} {result.head_hash}")


@app.command("tail")
@handle_errors
def tail(limit: int = typer.Option(20, min=1, max=10000)) -> None:
    """Print the most recent records: seq, time, actor, action, object."""
    with cli_session() as session:
        for r in service.list_records(session, limit=limit):
            typer.echo(f"{r.seq}\t{r.at.isoformat()}\t{r.actor}\t{r.action}\t"
                       f"{r.object_type}:{r.object_id}")
