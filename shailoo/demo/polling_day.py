"""`shailoo demo polling-day`: play a whole polling day across the demo's stations through
the real signed API, from this process against a server it starts (or one given).

Each station's identification device uploads the voters it identified, in signed batches as
the simulated day goes (08:00-20:00 local, compressed into a few minutes); the commission's
opening, turnout and closing reports go the same way. A few devices are offline for hours
and catch up later; a few voters try to vote twice at another station; at a few stations the
paper list and the ballot box hold more ballots than the device identified. Then every
reporting station's scanner sends its count (agreeing with what happened) and the manual
protocols follow, and reconciliation cases are opened.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import httpx
from sqlalchemy.orm import Session

from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionStatus
from shailoo.geography import service as geography
from shailoo.geography.rules import StationKind
from shailoo.polling import reconciliation
from shailoo.polling import service as polling
from shailoo.polling.demo import demo_identifier_id, demo_identifier_key
from shailoo.polling.rules import PollingConfig, local_instant
from shailoo.polling.schemas import IdentificationBatchIn, StationReportIn
from shailoo.polling.signing import sign
from shailoo.register import lists
from shailoo.results.closing import advance_demo_election, close_polls

STEP = timedelta(minutes=30)
ACTOR = "demo:polling-day"
FALLBACK_REASONS = ("worn fingerprints", "bandaged hand", "reader did not match twice")


@dataclass
class DaySummary:
    """What the simulated day sent and how the server answered."""

    stations: int = 0
    batches: int = 0
    events: int = 0
    answers: dict[str, int] = field(default_factory=dict)
    repeated: int = 0
    retries: int = 0
    offline: list[str] = field(default_factory=list)
    double_votes: int = 0
    mismatched: list[str] = field(default_factory=list)
    reports: int = 0
    cases: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DayShape:
    """How often things go wrong: a device offline for hours, a station whose paper list and
    box hold extra ballots, a voter who tries again (here or at another station)."""

    offline: float = 0.05
    extra_ballots: float = 0.03
    second_attempt: float = 0.003


@dataclass
class StationDay:
    """One station's plan: identifications (event id, pin, method, reason, when), the hours
    its device is offline, and extra ballots beyond the identified voters."""

    code: str
    zone: str
    events: list[tuple[str, str, str, str | None, datetime]]
    offline: tuple[datetime, datetime] | None = None
    extra_ballots: int = 0
    issued: int = 0
    sent_upto: int = 0


def _arrival(rng: random.Random, opens: datetime, closes: datetime) -> datetime:
    """A voter's time of arrival: a morning and an evening peak over a steady stream."""
    span = (closes - opens).total_seconds()
    peak = rng.random()
    share = rng.betavariate(2, 5) if peak < 0.4 else (
        rng.betavariate(5, 2) if peak < 0.75 else rng.random())
    return opens + timedelta(seconds=int(share * (span - 1)))


def plan_day(rng: random.Random, seed: int, pins: dict[str, list[str]],
             zones: dict[str, str], day: date, config: PollingConfig,
             shape: DayShape = DayShape()) -> list[StationDay]:
    """Who comes to vote at each station and when, which devices go offline, which stations
    hold extra ballots, and a few voters who try again at another station. Pure."""
    plans = []
    for code in sorted(pins):
        opens = local_instant(day, config.opens, zones[code])
        closes = local_instant(day, config.closes, zones[code])
        turnout = min(0.85, max(0.2, rng.gauss(0.55, 0.1)))
        voters = rng.sample(pins[code], round(len(pins[code]) * turnout))
        events = []
        for n, pin in enumerate(voters):
            roll = rng.random()
            method, reason = ("fingerprint", None) if roll < 0.96 else (
                ("face", None) if roll < 0.99 else ("document", rng.choice(FALLBACK_REASONS)))
            events.append((f"{code}-{seed}-{n:06d}", pin, method, reason,
                           _arrival(rng, opens, closes)))
        plan = StationDay(code, zones[code], sorted(events, key=lambda e: e[4]))
        if rng.random() < shape.offline:
            start = opens + timedelta(hours=rng.randint(1, 5))
            plan.offline = (start, start + timedelta(hours=rng.randint(2, 4)))
        if rng.random() < shape.extra_ballots:
            plan.extra_ballots = rng.randint(8, 40)
        plans.append(plan)
    by_code = {p.code: p for p in plans}
    for plan in plans:
        for event_id, pin, _m, _r, at in list(plan.events):
            if rng.random() < shape.second_attempt:  # the same voter again
                others = [c for c in by_code if c != plan.code]
                target = by_code[rng.choice(others)] if others and rng.random() < 0.5 \
                    else plan
                last = local_instant(day, config.closes, target.zone) - timedelta(seconds=1)
                target.events.append((f"{event_id}-again", pin, "fingerprint", None,
                                      min(at + timedelta(minutes=rng.randint(20, 120)), last)))
    for plan in plans:
        plan.events.sort(key=lambda e: e[4])
    return plans


class Sender:
    """Signed uploads over HTTP with retries (a device retries until answered)."""

    def __init__(self, base: str, seed: int, election_id: int, summary: DaySummary) -> None:
        self.client = httpx.Client(base_url=base, timeout=60,
                                   limits=httpx.Limits(max_connections=16))
        self.seed, self.election_id, self.summary = seed, election_id, summary
        self.lock = threading.Lock()

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with up to 8 tries on connection errors and server errors."""
        for attempt in range(8):
            try:
                response = self.client.post(path, json=body)
                if response.status_code < 500:
                    response.raise_for_status()
                    answer: dict[str, Any] = response.json()
                    return answer
            except httpx.TransportError:
                pass
            with self.lock:
                self.summary.retries += 1
            time.sleep(min(5.0, 0.2 * 2 ** attempt))
        raise RuntimeError(f"{path}: no answer after 8 tries")

    def identifications(self, station: str, events: list[tuple[str, str, str, str | None,
                                                                datetime]]) -> int:
        """Upload one signed batch; return how many ballots it issued."""
        body: dict[str, Any] = {
            "device_id": demo_identifier_id(station), "station": station,
            "election_id": self.election_id, "signature": "0" * 128,
            "events": [{"event_id": e, "pin": p, "method": m, "at": at.isoformat(),
                        **({"fallback_reason": r} if r else {})} for e, p, m, r, at in events]}
        body["signature"] = sign(demo_identifier_key(self.seed, station),
                                 IdentificationBatchIn.model_validate(body).document())
        answers = self.post("/api/polling/identifications", body)["answers"]
        with self.lock:
            self._count(len(events), answers)
        return sum(a["answer"] == "issue_ballot" for a in answers)

    def _count(self, events: int, answers: list[dict[str, Any]]) -> None:
        self.summary.batches += 1
        self.summary.events += events
        for a in answers:
            self.summary.answers[a["answer"]] = self.summary.answers.get(a["answer"], 0) + 1
            self.summary.repeated += a["repeated"]

    def report(self, station: str, kind: str, at: datetime, voters: int | None = None,
               reason: str | None = None) -> None:
        """Send a station report signed by its identification device."""
        body: dict[str, Any] = {
            "report_id": f"{station}-{self.seed}-{kind}-{at:%H%M}", "kind": kind,
            "election_id": self.election_id, "station": station, "at": at.isoformat(),
            "device_id": demo_identifier_id(station), "voters": voters, "reason": reason}
        body = {k: v for k, v in body.items() if v is not None}
        body["signature"] = sign(demo_identifier_key(self.seed, station),
                                 StationReportIn.model_validate(body).document())
        self.post("/api/polling/station-reports", body)
        with self.lock:
            self.summary.reports += 1


def _step(sender: Sender, plan: StationDay, *, now: datetime, config: PollingConfig,
          day: date, first: bool, last: bool) -> None:
    """What one station sends at simulated time ``now``."""
    if first:
        sender.report(plan.code, "opened", local_instant(day, config.opens, plan.zone))
    online = plan.offline is None or not plan.offline[0] <= now < plan.offline[1]
    due = [e for e in plan.events[plan.sent_upto:] if e[4] < now]
    if online and due:
        for start in range(0, len(due), 500):
            plan.issued += sender.identifications(plan.code, due[start:start + 500])
        plan.sent_upto += len(due)
    for hour in config.turnout_hours:
        at = local_instant(day, hour, plan.zone)
        if now - STEP < at <= now and online:
            sender.report(plan.code, "turnout", at, plan.issued)
    if last:
        sender.report(plan.code, "closed", local_instant(day, config.closes, plan.zone),
                      plan.issued + plan.extra_ballots)


def play_polling_day(session_factory: Callable[[], Session], base: str, seed: int,
                     stations: int | None, minutes: float,
                     log: Callable[[str], None] = print,
                     shape: DayShape = DayShape()) -> DaySummary:
    """Play the day against the server at ``base``; return what happened."""
    with session_factory() as session:
        election_id = advance_demo_election(session, ACTOR, ElectionStatus.POLLING)
        election = elections.public_get_election(session, election_id)
        config = polling.polling_config(session, election_id)
        listed = lists.listed_pins(session, election_id)
        zones = {s.code: config.zone_of(s.country, s.kind is StationKind.ABROAD)
                 for s in geography.public_list_stations(session)}
    chosen = sorted(listed)[:stations] if stations else sorted(listed)
    rng = random.Random(f"{seed}:polling-day")
    plans = plan_day(rng, seed, {c: listed[c] for c in chosen}, zones,
                     election.polling_date, config, shape)
    summary = DaySummary(stations=len(plans), offline=[p.code for p in plans if p.offline],
                         mismatched=[p.code for p in plans if p.extra_ballots],
                         double_votes=sum(e[0].endswith("-again") for p in plans
                                          for e in p.events))
    start = min(local_instant(election.polling_date, config.opens, z) for z in zones.values())
    end = max(local_instant(election.polling_date, config.closes, z) for z in zones.values())
    steps = int((end - start) / STEP) + 2
    log(f"polling day of election #{election_id}: {len(plans)} stations, "
        f"{sum(len(p.events) for p in plans)} identifications over {minutes:g} min; "
        f"{len(summary.offline)} devices go offline, {summary.double_votes} double-vote "
        f"attempts, {len(summary.mismatched)} stations with extra ballots")
    sender = Sender(base, seed, election_id, summary)
    with ThreadPoolExecutor(max_workers=8) as pool:
        for n in range(steps):
            began = time.monotonic()
            now = start + STEP * (n + 1)
            list(pool.map(partial(_step, sender, now=now, config=config,
                                  day=election.polling_date, first=n == 0,
                                  last=n == steps - 1), plans))
            log(f"{now.astimezone(UTC):%H:%M} UTC: {summary.events} identifications sent, "
                f"{summary.answers.get('issue_ballot', 0)} ballots issued")
            time.sleep(max(0.0, minutes * 60 / steps - (time.monotonic() - began)))
    found = {p.code: p.issued + p.extra_ballots for p in plans}
    close_polls(session_factory, seed, 0, base, log=log, found=found)
    with session_factory() as session:
        summary.cases = reconciliation.open_cases(session, ACTOR, election_id)
    return summary
