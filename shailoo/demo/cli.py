"""`shailoo demo ...`: generate the synthetic country."""

from __future__ import annotations

from datetime import date, datetime

import typer

from shailoo.demo import generator
from shailoo.runtime import cli_session, err_console, handle_errors

app = typer.Typer(help="The synthetic demo country.", no_args_is_help=True)


@app.command("generate")
@handle_errors
def generate(
    voters: int = typer.Option(100_000, min=1000, help="electorate the stations are sized for"),
    seed: int = typer.Option(1, help="the same seed (and --today) gives the same country"),
    today: datetime | None = typer.Option(None, formats=["%Y-%m-%d"],
                                          help="YYYY-MM-DD the calendar counts from "
                                               "(default: today)"),
) -> None:
    """Build a deterministic country shaped like Kyrgyzstan in an empty database."""
    day = today.date() if today else date.today()
    with cli_session() as session, err_console.status("generating the demo country..."):
        ctx = generator.generate(session, voters, seed, day,
                                 log=lambda m: err_console.print(m, highlight=False))
    username, password = ctx.produced["admin"]
    typer.echo(f"Demo country ready. Sign in at /login as {username!r} with password "
               f"{password!r}.")


@app.command("polls-close")
@handle_errors
def polls_close(
    minutes: float = typer.Option(3.0, min=0, help="how long the protocols take to arrive"),
    seed: int = typer.Option(1, help="the seed the demo country was generated with"),
    url: str | None = typer.Option(None, help="send through this server's API, e.g. "
                                              "http://127.0.0.1:8000 (else in-process)"),
    token: str | None = typer.Option(None, help="with --url: a commission member's API token "
                                                "for the manual protocols (else in-process)"),
) -> None:
    """Close the polls of the demo election: every scanner's signed count, then the manual
    protocols (a few differ, a few fail the checks); open /results/<id> to watch."""
    from shailoo.config import get_settings
    from shailoo.results.closing import close_polls
    from shailoo.runtime import engine_for, ensure_schema_current, session_factory_for

    database_url = get_settings().database_url
    ensure_schema_current(engine_for(database_url))
    summary = close_polls(session_factory_for(database_url), seed, minutes, url,
                          log=lambda m: err_console.print(m, highlight=False), token=token)
    typer.echo(f"scanner {summary.scanner}, manual {summary.manual}, differing "
               f"{summary.differing}, quarantined {summary.quarantined}")
