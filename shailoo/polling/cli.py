"""`shailoo polling ...`: polling-day figures (turnout, reconciliation, station status) and
the operators who work the devices."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from sqlalchemy.orm import Session

from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionStatus
from shailoo.kit.clock import utcnow
from shailoo.kit.importing import write_csv
from shailoo.polling import reconciliation, reports, service, turnout
from shailoo.polling.rules import COUNTS
from shailoo.register import lists
from shailoo.runtime import cli_session, handle_errors

app = typer.Typer(help="Polling day: turnout, reconciliation, station status, operators.",
                  no_args_is_help=True)
ACTOR = "cli"


class Format(StrEnum):
    """Output formats."""

    CSV = "csv"
    JSON = "json"


def _election(session: Session, election: int | None) -> int:
    """The named election, else the one in polling or counting, else the next one."""
    if election is not None:
        return election
    current = [e for e in elections.public_calendar(session)
               if e.status in (ElectionStatus.POLLING, ElectionStatus.COUNTING)]
    if current:
        return max(current, key=lambda e: (e.polling_date, e.id)).id
    return lists.next_election(session, utcnow().date())


def _emit(format_: Format, payload: Any, header: list[str], rows: list[dict[str, Any]]) -> None:
    if format_ is Format.JSON:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        return
    write_csv(sys.stdout, header, ([r.get(h) for h in header] for r in rows))


ELECTION = typer.Option(None, help="election id (default: the one in polling or counting, "
                                   "else the next)")
FORMAT = typer.Option(Format.CSV, "--format", help="csv or json")


@app.command("turnout")
@handle_errors
def turnout_command(election: int | None = ELECTION, format_: Format = FORMAT,
                    level: str = typer.Option("region", help="station, tec, region or nation")
                    ) -> None:
    """Turnout per region (or other level): registered, identified, turnout (a share), and
    the share at each published hour."""
    with cli_session() as session:
        figures = turnout.turnout(session, _election(session, election), level)
    hours = figures["published_hours"]
    rows = [{"region" if level == "region" else level: r["unit"], **r,
             **{f"at {h}": r["published"].get(h) for h in hours}} for r in figures["rows"]]
    _emit(format_, figures, ["region" if level == "region" else level, "registered",
                             "identified", "turnout", *(f"at {h}" for h in hours)], rows)


@app.command("reconcile")
@handle_errors
def reconcile_command(election: int | None = ELECTION, format_: Format = FORMAT,
                      open_cases: bool = typer.Option(True, help="also open, update or clear "
                                                                 "the commissions' cases")
                      ) -> None:
    """Per station: voters identified, signed the paper list, ballots issued, found by the
    scanner, found in the manual count; each configured difference; flagged rows marked."""
    with cli_session() as session:
        election_id = _election(session, election)
        if open_cases:
            done = reconciliation.open_cases(session, ACTOR, election_id)
            typer.echo(", ".join(f"cases {k} {v}" for k, v in done.items()), err=True)
        rows = reconciliation.reconciliation(session, election_id)
        pairs = [f"{a}-{b}" for a, b in service.polling_config(session, election_id).comparisons]
    flat = [{**row, **{f"{d['first']}-{d['second']}": d["difference"]
                       for d in row["differences"]},
             "flagged": "FLAGGED" if row["flagged"] else ""} for row in rows]
    _emit(format_, rows, ["station", "tec", "region", *COUNTS, *pairs, "largest", "flagged"],
          flat)


@app.command("status")
@handle_errors
def status_command(election: int | None = ELECTION, format_: Format = FORMAT) -> None:
    """Per region: stations, and how many have not opened, not reported turnout, not sent a
    protocol, or are suspended."""
    with cli_session() as session:
        rows = reports.dashboard(session, _election(session, election))
    flat = [{**r, **{k: len(r[k]) for k in ("not_opened", "no_turnout", "no_protocol",
                                              "suspended")}} for r in rows]
    _emit(format_, rows, ["region", "stations", "not_opened", "no_turnout", "no_protocol",
                          "suspended"], flat)


@app.command("operator")
@handle_errors
def operator_command(operator_id: str, full_name: str = typer.Option(..., "--name"),
                     certified: bool = typer.Option(..., help="holds a valid certification"),
                     until: datetime | None = typer.Option(None, formats=["%Y-%m-%d"],
                                                           help="certified until YYYY-MM-DD"),
                     pin: str | None = typer.Option(None, help="the operator's own PIN (checked "
                                                               "at enrolment devices)")
                     ) -> None:
    """Add an operator of station devices or set their certification."""
    valid_until: date | None = until.date() if until else None
    with cli_session() as session:
        service.save_operator(session, ACTOR, operator_id, full_name, certified, valid_until,
                              pin)
    typer.echo(f"operator {operator_id}: {'certified' if certified else 'not certified'}")


@app.command("duty")
@handle_errors
def duty_command(device_id: str, operator_id: str | None = typer.Argument(
        None, help="the operator (omit to take the one on duty off)")) -> None:
    """Put a certified operator on duty at a device."""
    with cli_session() as session:
        service.put_on_duty(session, ACTOR, device_id, operator_id)
    typer.echo(f"device {device_id}: on duty {operator_id or 'nobody'}")


@app.command("configure")
@handle_errors
def configure_command(settings_file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                                           help="JSON polling-day settings"),
                      election: int | None = ELECTION) -> None:
    """Set an election's polling-day settings from a JSON file (hours, time zones,
    publication hours, jump limit, reconciliation comparisons and tolerance)."""
    data = json.loads(settings_file.read_text(encoding="utf-8"))
    with cli_session() as session:
        config = service.set_polling_config(session, ACTOR, _election(session, election),
                                            data)
    typer.echo(json.dumps(config.to_dict(), ensure_ascii=False, indent=1))
