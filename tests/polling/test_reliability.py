"""Nothing is lost on polling day: identification devices upload signed batches to the real
server (uvicorn in a child process, two workers, on a file database or PostgreSQL), many at
once, with batches sent twice, events repeated inside a batch, re-sent events grouped
differently, second attempts at the other device of a station and voters at the wrong
station; the stored counts are exactly what was sent. Then the server is killed with SIGKILL
while batches are in flight, twice, and restarted on the same database; the devices retry
every batch whose answer they did not receive, and still every event is stored once, every
voter has at most one ballot, and every answer a device was given is the one stored."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from shailoo.db import make_engine, make_session_factory
from shailoo.polling import service
from shailoo.polling.models import BallotIssue, IdentificationEvent, PollingIncident
from shailoo.polling.schemas import IdentificationBatchIn
from shailoo.polling.signing import public_key_hex, sign
from shailoo.register import lists
from tests.polling.factories import open_polling
from tests.register.factories import ACTOR, import_rows, make_register_country, voter

PATH = "/api/polling/identifications"
VOTERS = 3000
DECEASED_EVERY = 97  # every 97th voter is dead: not on the list, answered not_eligible
# Where voters live, so that the address table puts them on each station's list.
HOMES: dict[str, dict[str, str]] = {
    "1001": {"street": "Токтогула"}, "1002": {"street": "Өмүрбекова"},
    "1003": {"street": "Ахунбаева"},
    "2001": {"region": "KG-C", "locality": "Ёлкино", "street": ""}}
DEVICES = {f"rel-{code}-{side}": code for code in HOMES for side in "ab"}
KEYS = {d: Ed25519PrivateKey.from_private_bytes(hashlib.sha256(d.encode()).digest())
        for d in DEVICES}
AT = datetime(2027, 2, 28, 8, 0, tzinfo=UTC)
WORKERS = 2  # two server processes: uploads really run at the same time
CONCURRENCY = 8  # uploads in flight from the devices
DEADLINE_S = 90  # a batch not answered by then fails the test


# --- the country --------------------------------------------------------------------------

@dataclass
class Country:
    url: str
    election: int
    listed: dict[str, str]  # pin -> station of the voter's list
    deceased: list[str]


def prepare(url: str) -> Country:
    """Four stations, VOTERS persons on their lists (some dead), two identification devices
    per station, each with a certified operator on duty."""
    rows: list[dict[str, str]] = []
    listed: dict[str, str] = {}
    deceased: list[str] = []
    codes = list(HOMES)
    for i in range(VOTERS):
        code = codes[i % len(codes)]
        dead = i % DECEASED_EVERY == 5
        row = voter(i + 1, born=date(1940 + i % 60, 1 + i % 12, 1 + i % 28),
                    sex="F" if i % 2 else "M", deceased="1" if dead else "0", **HOMES[code])
        rows.append(row)
        if dead:
            deceased.append(row["pin"])
        else:
            listed[row["pin"]] = code
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            election = make_register_country(session)
            import_rows(session, rows)
            lists.build_lists(session, ACTOR, election)
            open_polling(session, election)
            assert sum(lists.station_sizes(session, election).values()) == len(listed)
            for device, code in DEVICES.items():
                service.register_device(session, ACTOR, device, "identification", code,
                                        public_key_hex(KEYS[device]))
                service.save_operator(session, ACTOR, f"op-{device}", f"Оператор {device}",
                                      certified=True)
                service.put_on_duty(session, ACTOR, device, f"op-{device}")
    finally:
        engine.dispose()
    return Country(url, election, listed, deceased)


# --- what the devices send ----------------------------------------------------------------

@dataclass
class Plan:
    """The batches to send (re-sends included) and what must be stored in the end."""

    bodies: list[dict[str, Any]]
    events: dict[str, tuple[str, str]]  # event id -> (pin, station)
    expected: Counter[str]  # answers stored, by kind
    ballots: int
    duplicates: dict[str, int] = field(default_factory=dict)  # how each kind of repeat was made


def signed(election: int, device: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"device_id": device, "station": DEVICES[device],
                            "election_id": election, "events": events,
                            "signature": "0" * 128}
    body["signature"] = sign(KEYS[device], IdentificationBatchIn.model_validate(body).document())
    return body


def plan(country: Country, seed: int) -> Plan:
    """Every listed voter identified at their station; one in ten a second time at the other
    device of the station (a second-vote attempt, racing the first); one in twenty also at
    another station; the dead and unknown PINs too. Each device's events are cut into signed
    batches; then some batches are sent twice, some carry an event twice, and some events are
    re-sent in new batches grouped differently (as a device does that lost its answers)."""
    rng = random.Random(seed)
    attempts: list[tuple[str, str]] = []  # (device, pin)
    for pin, code in country.listed.items():
        first, other = rng.sample([f"rel-{code}-a", f"rel-{code}-b"], 2)
        attempts.append((first, pin))
        if rng.random() < 0.1:
            attempts.append((other, pin))
        if rng.random() < 0.05:
            elsewhere = rng.choice([c for c in HOMES if c != code])
            attempts.append((f"rel-{elsewhere}-{rng.choice('ab')}", pin))
    for pin in country.deceased:
        attempts.append((rng.choice(list(DEVICES)), pin))
    for n in range(40):
        attempts.append((rng.choice(list(DEVICES)), f"3{n:013d}"))  # on no list at all
    rng.shuffle(attempts)

    events: dict[str, tuple[str, str]] = {}
    per_device: dict[str, list[dict[str, Any]]] = {d: [] for d in DEVICES}
    for device, pin in attempts:
        queue = per_device[device]
        event_id = f"{device}-{len(queue):06d}"
        queue.append({"event_id": event_id, "pin": pin, "method": "fingerprint",
                      "at": (AT + timedelta(seconds=len(queue))).isoformat()})
        events[event_id] = (pin, DEVICES[device])

    bodies: list[dict[str, Any]] = []
    made = Counter[str]()
    for device, queue in per_device.items():
        cuts = [0]
        while cuts[-1] < len(queue):
            cuts.append(min(len(queue), cuts[-1] + rng.randint(15, 60)))
        chunks = [queue[a:b] for a, b in itertools.pairwise(cuts)]
        for k, chunk in enumerate(chunks):
            chunk = list(chunk)
            if rng.random() < 0.2:  # the same event twice in one batch
                chunk.insert(rng.randrange(len(chunk) + 1), rng.choice(chunk))
                made["event twice in a batch"] += 1
            body = signed(country.election, device, chunk)
            bodies.append(body)
            if rng.random() < 0.15:  # the whole batch sent again
                bodies.append(body)
                made["batch sent twice"] += 1
            if k + 1 < len(chunks) and rng.random() < 0.15:  # re-sent, grouped differently
                regroup = chunk[len(chunk) // 2:] + chunks[k + 1][:10]
                bodies.append(signed(country.election, device, regroup))
                made["events re-sent in another batch"] += 1
    rng.shuffle(bodies)

    expected = Counter[str]()
    voters_here: set[str] = set()
    for pin, station in events.values():
        if pin in country.deceased:
            expected["not_eligible"] += 1
        elif pin not in country.listed:
            expected["not_on_any_list"] += 1
        elif country.listed[pin] != station:  # not_on_this_list, or already_voted once the
            expected["elsewhere"] += 1         # voter has a ballot at their own station
        elif pin in voters_here:
            expected["already_voted"] += 1
        else:
            voters_here.add(pin)
            expected["issue_ballot"] += 1
    print(f"{len(events)} events in {len(bodies)} uploads ({dict(made)}); to be stored: "
          f"{dict(expected)}")
    return Plan(bodies, events, expected, len(voters_here), dict(made))


# --- the server ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`uvicorn shailoo.web.app:create_app` in its own process group on a fixed port, so that
    it can be killed outright (supervisor and workers) and started again on the same port."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "shailoo.web.app:create_server_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(WORKERS),
                 "--log-level", "warning", "--no-access-log"],
                env=dict(os.environ, SHAILOO_DATABASE_URL=self.url), stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.starts += 1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited at start:\n{self.log_tail()}")
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"the server did not answer in 60 s:\n{self.log_tail()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Kill the whole process group (no clean shutdown with SIGKILL) and reap it."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if sig == signal.SIGKILL:
            return
        with contextlib.suppress(ProcessLookupError):  # after a clean stop, no orphans
            os.killpg(process.pid, signal.SIGKILL)

    def log_tail(self) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(line[:300] for line in lines[-80:])


@pytest.fixture
def country(databases: Any) -> Country:
    return prepare(databases.create())


@pytest.fixture
def server(country: Country, tmp_path: Path) -> Iterator[Server]:
    running = Server(country.url, tmp_path / "server.log")
    try:
        running.start()
        yield running
    finally:
        running.kill(signal.SIGTERM)


# --- the devices --------------------------------------------------------------------------

@dataclass
class Delivery:
    """What the devices saw: every answer received, and the attempts that got none."""

    answers: list[list[dict[str, Any]]] = field(default_factory=list)
    unanswered: int = 0  # attempts that ended in a connection error (no answer)
    server_errors: list[str] = field(default_factory=list)  # 5xx answers (sent again)
    retried_and_found_done: int = 0  # batches whose lost answer came back all `repeated`
    in_flight: int = 0
    in_flight_at_kills: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{len(self.answers)} batches answered; {self.unanswered} attempts cut off, "
                f"{len(self.server_errors)} answered 5xx, all sent again; "
                f"{self.retried_and_found_done} batches had been stored before their answer "
                f"was lost; uploads in flight at each kill: {self.in_flight_at_kills}")


async def send_all(server: Server, bodies: list[dict[str, Any]],
                   kill_after: tuple[int, ...] = ()) -> Delivery:
    """Send every batch, CONCURRENCY at a time, each until it is answered, as a device does:
    a batch whose answer did not come (connection refused, reset, cut mid-answer) or came as
    a server error is sent again; any other refusal fails the test. After the numbers of
    answered batches in ``kill_after``, kill the server with SIGKILL and start it again on
    the same database and port."""
    seen = Delivery()
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    kills = list(kill_after)
    restarting: list[asyncio.Task[None]] = []
    deadline = time.monotonic() + DEADLINE_S
    jitter = random.Random(len(bodies))

    async def crash() -> None:
        """A moment later (wherever the server is in its work), SIGKILL, then restart."""
        await asyncio.sleep(jitter.uniform(0, 0.15))
        seen.in_flight_at_kills.append(seen.in_flight)
        server.kill()
        await asyncio.to_thread(server.start)

    async def deliver(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        lost = False
        while True:
            assert time.monotonic() < deadline, f"no answer in {DEADLINE_S} s"
            seen.in_flight += 1
            try:
                response = await client.post(server.base + PATH, json=body)
            except httpx.TransportError:
                seen.unanswered += 1
                lost = True
                await asyncio.sleep(0.2)
                continue
            finally:
                seen.in_flight -= 1
            if response.status_code >= 500:
                # Not acknowledged, so sent again. On PostgreSQL, two uploads carrying the
                # same new event at the same moment (a batch sent twice) can still end in a
                # unique-key error, a 500, for one of them; the retry is answered `repeated`.
                seen.server_errors.append(response.text[:200])
                await asyncio.sleep(0.2)
                continue
            if response.status_code != 200:
                await asyncio.sleep(1)  # the server logs after answering
                raise AssertionError(f"{response.status_code} {response.text}\n"
                                     f"{server.log_tail()}")
            answers = response.json()["answers"]
            seen.answers.append(answers)
            seen.retried_and_found_done += lost and all(a["repeated"] for a in answers)
            if kills and len(seen.answers) >= kills[0] and all(t.done() for t in restarting):
                kills.pop(0)
                restarting.append(asyncio.create_task(crash()))
            return

    async def device(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            await deliver(client, queue.get_nowait())

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    try:
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            await asyncio.gather(*(device(client) for _ in range(CONCURRENCY)))
    finally:
        for task in restarting:  # never leave a server starting behind the fixture's back
            await asyncio.wait([task])
    for task in restarting:
        task.result()
    print(seen.summary())
    return seen


# --- what was stored ----------------------------------------------------------------------

def check_stored(country: Country, work: Plan, seen: Delivery) -> None:
    """Every event stored once with the answer its device was given, one ballot per voter
    identified at their station, a second-vote incident for every other attempt there."""
    engine = make_engine(country.url)
    try:
        with make_session_factory(engine)() as session:
            stored = {r.event_id: r for r in session.execute(select(
                IdentificationEvent)).scalars()}
            ballots = session.execute(select(BallotIssue)).scalars().all()
            incidents = session.execute(select(func.count()).select_from(
                PollingIncident)).scalar_one()
    finally:
        engine.dispose()

    assert len(stored) == len(work.events)
    assert set(stored) == set(work.events)
    assert all((e.pin, e.station_code) == work.events[e.event_id] for e in stored.values())
    elsewhere = {k for k, e in stored.items() if country.listed.get(e.pin, e.station_code)
                 != e.station_code and e.pin not in country.deceased}
    assert {stored[k].outcome for k in elsewhere} <= {"not_on_this_list", "already_voted"}
    assert Counter("elsewhere" if k in elsewhere else e.outcome
                   for k, e in stored.items()) == work.expected
    assert len(ballots) == work.ballots == len({b.pin for b in ballots})
    issued = {e.event_id: e for e in stored.values() if e.outcome == "issue_ballot"}
    assert {b.event_id for b in ballots} == set(issued)
    for ballot in ballots:
        event = issued[ballot.event_id]
        assert (ballot.pin, ballot.station_code) == (event.pin, event.station_code)
        assert country.listed[ballot.pin] == ballot.station_code
    assert incidents == sum(e.outcome == "already_voted" for e in stored.values())

    fresh = Counter[str]()
    for answers in seen.answers:
        for a in answers:
            event = stored[a["event_id"]]
            assert (a["answer"], a["detail"]) == (event.outcome, event.detail), a
            fresh[a["event_id"]] += not a["repeated"]
    assert all(n <= 1 for n in fresh.values())  # no event was ever taken as new twice


def test_a_load_of_uploads_with_repeats_is_stored_exactly(country, server):
    work = plan(country, seed=1)
    seen = asyncio.run(send_all(server, work.bodies))
    assert len(seen.answers) == len(work.bodies)
    check_stored(country, work, seen)
    # nothing was lost in the answers either: each event answered as new exactly once
    fresh = Counter(a["event_id"] for answers in seen.answers for a in answers
                    if not a["repeated"])
    assert set(fresh) == set(work.events) and set(fresh.values()) == {1}
    assert min(work.duplicates.values()) > 0, work.duplicates


def test_killing_the_server_mid_batch_loses_and_doubles_nothing(country, server):
    work = plan(country, seed=2)
    n = len(work.bodies)
    seen = asyncio.run(send_all(server, work.bodies, kill_after=(n // 4, n // 2)))
    assert server.starts == 3  # killed twice, started again each time
    assert len(seen.answers) == n  # every batch answered in the end
    assert all(k > 0 for k in seen.in_flight_at_kills), seen.in_flight_at_kills
    assert seen.unanswered > 0  # some answers were really cut off and retried
    check_stored(country, work, seen)
