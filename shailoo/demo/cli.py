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


@app.command("polling-day")
@handle_errors
def polling_day(
    stations: int | None = typer.Option(None, min=1, help="play only the first N stations "
                                                          "(default: all)"),
    seed: int = typer.Option(1, help="the seed the demo country was generated with"),
    minutes: float = typer.Option(2.0, min=0, help="how long the day takes on the clock"),
    url: str | None = typer.Option(None, help="send to this server, e.g. "
                                              "http://127.0.0.1:8000 (else one is started on "
                                              "the same database)"),
) -> None:
    """Play a polling day through the signed API: identifications at every station over
    the day, opening, turnout and closing reports, offline devices catching up, double-vote
    attempts, stations with extra ballots; then the protocols and reconciliation cases.
    Open /polling/<id> to watch."""
    from shailoo.config import get_settings
    from shailoo.demo.polling_day import play_polling_day
    from shailoo.kit.server import start_app_server
    from shailoo.runtime import engine_for, ensure_schema_current, session_factory_for

    database_url = get_settings().database_url
    ensure_schema_current(engine_for(database_url))
    server = None
    if url is None:
        server, url = start_app_server(database_url)
        err_console.print(f"server started at {url}", highlight=False)
    try:
        summary = play_polling_day(session_factory_for(database_url), url, seed, stations,
                                   minutes, log=lambda m: err_console.print(m, highlight=False))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    answers = ", ".join(f"{k} {v}" for k, v in sorted(summary.answers.items()))
    typer.echo(f"stations {summary.stations}, identifications {summary.events} in "
               f"{summary.batches} batches ({answers}), station reports {summary.reports}, "
               f"offline devices {len(summary.offline)}, double-vote attempts "
               f"{summary.double_votes}, stations with extra ballots "
               f"{len(summary.mismatched)}, retries {summary.retries}, reconciliation cases "
               f"opened {summary.cases.get('opened', 0)}")
