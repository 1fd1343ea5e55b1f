"""Voter lists in open formats: CSV (UTF-8, PIN first) and PDF, from one service call."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from sqlalchemy.orm import Session

from shailoo.elections import service as elections
from shailoo.geography import service as geography
from shailoo.kit.importing import write_csv
from shailoo.register import lists
from shailoo.register.scope import VoterScope

LIST_CSV_HEADER = ["pin", "number", "surname", "given_name", "patronymic", "birth_date",
                   "address"]


def write_list_csv(voters: list[dict[str, Any]], out: IO[str]) -> None:
    """A list as CSV: PIN in the first column, in list order."""
    write_csv(out, LIST_CSV_HEADER, ([v["pin"], v["number"], v["surname"], v["given_name"],
                                      v["patronymic"], v["birth_date"].isoformat(),
                                      v["address"]] for v in voters))


def station_list_pdf(session: Session, scope: VoterScope, election_id: int, station: str,
                     gettext: Callable[[str], str], language: str) -> bytes:
    """A station's list as a PDF in ``language``, with the frozen list's hash when frozen."""
    from shailoo.register.pdf import list_pdf

    voters = lists.station_list(session, scope, election_id, station)
    election = elections.public_get_election(session, election_id)
    place = geography.public_get_station(session, station)
    name = getattr(election, f"name_{language}", election.name_en)
    freeze = next((f for f in lists.public_freezes(session, election_id)
                   if f["station"] == station), None)
    footer = (gettext("Frozen list, SHA-256: %(sha)s") % {"sha": freeze["sha256"]}
              if freeze else gettext("Not frozen yet: this list may still change."))
    footer = f"{footer}\n" + gettext("%(n)s voters") % {"n": len(voters)}
    headers = (gettext("No."), gettext("PIN"), gettext("Surname"), gettext("Given name"),
               gettext("Patronymic"), gettext("Born"), gettext("Address"))
    title = gettext("Voter list of polling station %(code)s") % {"code": station}
    subtitle = f"{name} — {election.polling_date.isoformat()} — {place.name}, {place.address}"
    return list_pdf(title, subtitle, headers, voters, footer)
