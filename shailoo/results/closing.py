"""The demo's polls closing: every station's scanner sends its signed count, then the
commissions send their manual protocols, paced over a few minutes so that the pages fill in
live. Protocols go through the real service (signatures verified) or the HTTP API."""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from shailoo.candidates import service as candidates
from shailoo.candidates.schemas import ChoiceKind
from shailoo.elections import service as elections
from shailoo.elections.rules import ContestKind, ElectionStatus
from shailoo.errors import NotFound, RuleViolation
from shailoo.geography import service as geography
from shailoo.geography.rules import StationKind
from shailoo.polling.demo import demo_device_id, demo_device_key
from shailoo.polling.signing import sign
from shailoo.results import service
from shailoo.results.schemas import ProtocolIn
from shailoo.results.simulation import manual_count, party_profile, station_counts

PATH_TO_COUNTING = (ElectionStatus.NOMINATION, ElectionStatus.CAMPAIGN, ElectionStatus.POLLING,
                    ElectionStatus.COUNTING)


@dataclass
class ClosingSummary:
    """What the simulation sent and how it was taken."""

    scanner: int = 0
    manual: int = 0
    differing: int = 0
    quarantined: int = 0


def advance_demo_election(session: Session, actor: str,
                          until: ElectionStatus = ElectionStatus.COUNTING) -> int:
    """Move the demo's open election along its path up to ``until``; return its id."""
    calendar = [e for e in elections.public_calendar(session)
                if e.status in (ElectionStatus.SCHEDULED, ElectionStatus.NOMINATION,
                                ElectionStatus.CAMPAIGN, ElectionStatus.POLLING,
                                ElectionStatus.COUNTING)]
    if not calendar:
        raise NotFound("demo.no_open_election", "no election to close the polls of; run "
                                                "`shailoo demo generate` first")
    election = calendar[0]
    done = (PATH_TO_COUNTING.index(election.status) + 1
            if election.status in PATH_TO_COUNTING else 0)
    for status in PATH_TO_COUNTING[done:PATH_TO_COUNTING.index(until) + 1]:
        elections.transition(session, actor, election.id, status, f"demo: {until.value}")
    return election.id


def close_polls(session_factory: Callable[[], Session], seed: int, minutes: float,
                url: str | None = None, log: Callable[[str], None] = print,
                actor: str = "demo:polls-close", token: str | None = None,
                found: dict[str, int] | None = None) -> ClosingSummary:
    """Play the close of polls: scanner counts, then manual protocols (about 5 % differing
    from the scanner by a few ballots, about 1 % breaking the arithmetic). ``found`` gives
    the ballots found at some stations (a played polling day); only they report then."""
    rng = random.Random(f"{seed}:polls-close")
    with session_factory() as session:
        election_id = advance_demo_election(session, actor)
        contests = elections.public_contests(session, election_id)
        ballots = {c.id: candidates.public_ballot(session, c.id) for c in contests}
        stations = geography.public_list_stations(session)
        paths = geography.station_paths(session)
    if any(not b for b in ballots.values()):
        raise RuleViolation("demo.no_ballot", "a contest has no ballot; regenerate the demo")
    profiles = {c.id: party_profile(rng, [b.code for b in ballots[c.id]
                                          if b.kind is not ChoiceKind.AGAINST_ALL])
                for c in contests}
    against = {c.id: next((b.code for b in ballots[c.id]
                           if b.kind is ChoiceKind.AGAINST_ALL), None) for c in contests}
    scanner_counts: list[ProtocolIn] = []
    for station in stations:
        if found is not None and station.code not in found:
            continue
        path, kind = paths[station.code]
        for contest in contests:
            if contest.kind is ContestKind.SINGLE_MEMBER_DISTRICT and (
                    contest.district_id not in path.district_ids):
                continue
            lines, votes = station_counts(rng, station.planned_voters or 1000,
                                          profiles[contest.id], against[contest.id],
                                          tilt=0.5 if kind is StationKind.ABROAD else 0.25,
                                          found=None if found is None else found[station.code])
            unsigned = ProtocolIn(contest_id=contest.id, station=station.code,
                                  source="scanner", lines=lines, votes=votes,
                                  device_id=demo_device_id(station.code))
            scanner_counts.append(unsigned.model_copy(update={"signature": sign(
                demo_device_key(seed, station.code), unsigned.document())}))
    summary = ClosingSummary()
    reporting = len(stations) if found is None else len(found)
    pause = minutes * 60 / max(1, reporting)
    log(f"polls closed in election #{election_id}: {len(scanner_counts)} scanner counts "
        f"from {reporting} stations over {minutes:g} min")
    _send_all(session_factory, scanner_counts, pause, url, summary, "scanner", log, "", None)
    manual = []
    for p in scanner_counts:
        roll = rng.random()
        mode = "broken" if roll < 0.01 else "differs" if roll < 0.06 else "same"
        summary.differing += mode == "differs"
        manual.append(manual_count(rng, p, mode))
    log(f"manual protocols: {len(manual)}")
    # manual protocols go over the API only with a commission member's token
    _send_all(session_factory, manual, pause, url if token else None, summary, "manual", log,
              actor, token)
    return summary


def _send_all(session_factory: Callable[[], Session], protocols: list[ProtocolIn],
              pause: float, url: str | None, summary: ClosingSummary, source: str,
              log: Callable[[str], None], actor: str, token: str | None) -> None:
    last_station = None
    for protocol in protocols:
        if pause and protocol.station != last_station:
            time.sleep(pause)
        last_station = protocol.station
        if url is not None:
            status = _post(url, protocol, token)
        else:
            with session_factory() as session:
                outcome = (service.submit_from_device(session, protocol) if source == "scanner"
                           else service.submit(session, actor, protocol))
                status = outcome.status.value
        setattr(summary, source, getattr(summary, source) + 1)
        summary.quarantined += status == "quarantined"
    log(f"{source}: {getattr(summary, source)} sent, {summary.quarantined} quarantined so far")


def _post(url: str, protocol: ProtocolIn, token: str | None) -> str:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url.rstrip("/") + "/api/results/protocols",
        data=json.dumps(protocol.model_dump(mode="json", exclude_none=True)).encode(),
        headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.loads(response.read())["status"])
    except urllib.error.HTTPError as exc:
        raise RuleViolation("demo.upload_refused",
                            f"the server refused a protocol: {exc.read().decode()}") from None
