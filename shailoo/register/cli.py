"""`shailoo register ...`: import the population register, build and freeze voter lists,
look up a voter's station, check likely duplicates."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.orm import Session

from shailoo.config import get_settings
from shailoo.register import changes, duplicates, exports, lists, lookup, service
from shailoo.register.scope import NATIONWIDE
from shailoo.runtime import cli_actor, cli_session, handle_errors

app = typer.Typer(help="Voter register: persons, lists, changes of address, lookup.",
                  no_args_is_help=True)
console = Console(stderr=True)


def _today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


def _election(session: Session, election: int | None) -> int:
    return election if election is not None else lists.next_election(session, _today())


def _print(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@app.command("import")
@handle_errors
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                        help="UTF-8 CSV extract of the population register")
            ) -> None:
    """Import an extract (columns: pin, surname, given_name, patronymic, birth_date, sex,
    citizenship, region, locality, street, house, flat, biometrics, deceased, incapable),
    all or nothing, and apply its difference to the register."""
    with cli_session() as session, file.open(encoding="utf-8-sig", newline="") as stream, \
            Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                     DownloadColumn(), TimeRemainingColumn(), console=console,
                     transient=True) as bar:
        task = bar.add_task(f"importing {file.name}", total=file.stat().st_size)
        outcome = service.import_extract(session, stream, file.name, cli_actor(), _today(),
                                         progress=lambda n: bar.advance(task, n))
    report = outcome.report
    _print(f"{file.name}: {report.rows_accepted} persons; added {outcome.added}, changed "
           f"{outcome.changed}, moved {outcome.moved}, removed {outcome.removed} "
           f"(import #{outcome.import_id})")
    if outcome.warnings:
        _print("data-quality report: " + ", ".join(
            f"{n} {kind}" for kind, n in sorted(outcome.warnings.items())))
        for issue in report.quality[:20]:
            _print(f"  {issue}")


@app.command("addresses")
@handle_errors
def addresses(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                          help="CSV: region, locality, street, house, station")
              ) -> None:
    """Replace the address-to-station table and re-assign every person's station."""
    with cli_session() as session, file.open(encoding="utf-8-sig", newline="") as stream:
        report = service.import_address_table(session, stream, file.name, cli_actor(),
                                              _today())
    _print(f"{file.name}: {report.rows_accepted} address lines")
    for issue in report.quality[:50]:
        _print(f"  {issue}")


@app.command("abroad")
@handle_errors
def abroad(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                       help="CSV: pin, station, office, registered_on")) -> None:
    """Import consular registrations of voters abroad (all or nothing)."""
    with cli_session() as session, file.open(encoding="utf-8-sig", newline="") as stream:
        report = service.import_consular(session, stream, file.name, cli_actor(), _today())
    _print(f"{file.name}: {report.rows_accepted} consular registrations")


@app.command("rules")
@handle_errors
def rules_(election: int | None = typer.Option(None, help="election id (default: the next)"),
           set_: list[str] = typer.Option([], "--set", help="NAME=VALUE, repeatable")) -> None:
    """Show (or change) an election's register rules as JSON."""
    with cli_session() as session:
        election_id = _election(session, election)
        if set_:
            values: dict[str, object] = {}
            for item in set_:
                name, _, raw = item.partition("=")
                try:
                    values[name] = json.loads(raw)
                except json.JSONDecodeError:
                    values[name] = raw
            result = lists.set_rules(session, cli_actor(), election_id, values)
        else:
            result = lists.election_rules(session, election_id)
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


@app.command("build-lists")
@handle_errors
def build_lists(election: int | None = typer.Option(None, help="election id (default: the next)")
                ) -> None:
    """Apply the eligibility rules to every person: the election's voter lists."""
    with cli_session() as session:
        election_id = _election(session, election)
        counts = lists.build_lists(session, cli_actor(), election_id)
    _print(f"election #{election_id}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@app.command("freeze")
@handle_errors
def freeze(election: int | None = typer.Option(None, help="election id (default: the next)"),
           station: list[str] = typer.Option([], help="station code (default: every station)")
           ) -> None:
    """Freeze station lists and print each one's SHA-256 (to publish)."""
    with cli_session() as session:
        election_id = _election(session, election)
        frozen = lists.freeze(session, cli_actor(), election_id, station or None)
    for f in frozen:
        typer.echo(f"{f['station']},{f['voters']},{f['sha256']}")


class ListFormat(StrEnum):
    """Formats of a voter list."""

    CSV = "csv"
    PDF = "pdf"
    JSON = "json"


@app.command("list")
@handle_errors
def list_(station: str = typer.Option(..., help="station code"),
          election: int | None = typer.Option(None, help="election id (default: the next)"),
          format_: ListFormat = typer.Option(ListFormat.CSV, "--format", help="csv, pdf, json"),
          out: Path | None = typer.Option(None, help="file to write (default: stdout)"),
          language: str = typer.Option("ky", help="language of the PDF: ky, ru or en")) -> None:
    """A station's current voter list (PIN in the first column), in alphabetical order."""
    from shailoo.web.i18n import translations

    with cli_session() as session:
        election_id = _election(session, election)
        if format_ is ListFormat.PDF:
            data = exports.station_list_pdf(session, NATIONWIDE, election_id, station,
                                            translations(language).gettext, language)
            if out is None:
                sys.stdout.buffer.write(data)
            else:
                out.write_bytes(data)
            return
        voters = lists.station_list(session, NATIONWIDE, election_id, station)
    stream = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if format_ is ListFormat.JSON:
            json.dump([{**v, "birth_date": v["birth_date"].isoformat()} for v in voters],
                      stream, ensure_ascii=False, indent=1)
        else:
            exports.write_list_csv(voters, stream)
    finally:
        if out:
            stream.close()


@app.command("lookup")
@handle_errors
def lookup_(pin: str = typer.Argument(..., help="the voter's 14-digit PIN")) -> None:
    """Where a voter votes: the station code first, then its address. Exit 4 if unknown."""
    with cli_session() as session:
        answer = lookup.public_where_to_vote(session, lookup.Directory(), pin, _today())
    if not answer.found or answer.station is None:
        _print("error [register.not_found] this PIN is on no voter list of the next election")
        raise typer.Exit(4)
    typer.echo(answer.station.code)
    typer.echo(answer.station.address)


@app.command("check-duplicates")
@handle_errors
def check_duplicates() -> None:
    """Find likely duplicates (same birth date, same name in any spelling) as review cases."""
    with cli_session() as session:
        counts = duplicates.find_duplicates(session, cli_actor())
    typer.echo(f"{counts['pairs']} likely duplicate pair(s); {counts['new_cases']} new review "
               f"case(s)")
    if counts["large_groups_skipped"]:
        _print(f"{counts['large_groups_skipped']} group(s) of more than "
               f"{duplicates.MAX_GROUP} persons were not paired (common names)")


@app.command("cases")
@handle_errors
def cases(status: str = typer.Option("open", help="open, same_person, different_people or "
                                                  "all"),
          limit: int = typer.Option(50, min=1, help="at most this many")) -> None:
    """Likely-duplicate review cases (by name and birth date, or by fingerprints), oldest
    first, as CSV (id first)."""
    with cli_session() as session:
        rows = duplicates.cases(session, None if status == "all" else status, limit)
    from shailoo.kit.importing import write_csv

    header = ["id", "status", "kind", "score", "birth_date", "pin_a", "name_a", "pin_b",
              "name_b", "blocked_pin"]
    write_csv(sys.stdout, header, ([c[h] for h in header] for c in rows))


@app.command("decide")
@handle_errors
def decide(case: int = typer.Argument(..., help="review case id"),
           same: bool = typer.Option(..., "--same/--different", help="the reviewer's finding"),
           reason: str = typer.Option(..., help="written reason"),
           block: str | None = typer.Option(None, help="PIN to keep off lists (default: "
                                                       "the second)")) -> None:
    """Decide a likely-duplicate case (audited)."""
    with cli_session() as session:
        result = duplicates.decide(session, cli_actor(), case, same, reason, _today(), block)
    typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("change")
@handle_errors
def change(pin: str = typer.Argument(...), to: str = typer.Option(..., help="station code"),
           election: int | None = typer.Option(None, help="election id (default: the next)")
           ) -> None:
    """Change a voter's voting address for an election (Form No. 2, at a commission)."""
    with cli_session() as session:
        election_id = _election(session, election)
        result = changes.request_change(session, cli_actor(), NATIONWIDE, election_id, pin, to,
                                        "commission", _today())
    typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("withdraw")
@handle_errors
def withdraw(change_id: int = typer.Argument(...), reason: str = typer.Option(...)) -> None:
    """Withdraw a change of voting address before the deadline."""
    with cli_session() as session:
        result = changes.withdraw_change(session, cli_actor(), NATIONWIDE, change_id, reason,
                                         _today())
    typer.echo(json.dumps(result, ensure_ascii=False))


@app.command("report")
@handle_errors
def report(election: int | None = typer.Option(None, help="election id (default: the next)")
           ) -> None:
    """The CEC's register report as JSON: exclusions by reason, address matching, stations
    over capacity, incoming changes of address, repeat changers."""
    with cli_session() as session:
        election_id = _election(session, election)
        reg = lists.election_rules(session, election_id)
        body = {"election_id": election_id,
                "eligibility": lists.eligibility_counts(session, election_id),
                "assignment": service.assignment_report(session, reg.station_capacity),
                "over_capacity": lists.over_capacity(session, election_id),
                "incoming_changes": changes.incoming_report(session, NATIONWIDE, election_id),
                "repeat_changers": changes.repeat_changers(session, election_id)}
    typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
