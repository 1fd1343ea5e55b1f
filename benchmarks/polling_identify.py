"""Identification events per second through `POST /api/polling/identifications`: every
station's identification device uploads signed batches (as devices do after being offline)
from this process to a server in a child process (uvicorn, 1 worker unless --workers); each
event is answered and stored, one ballot per voter. Then every batch is sent again and must
change nothing. Baseline in the same run: GET /healthz of the same app.

    python benchmarks/polling_identify.py [--voters 200000] [--batch 500] [--concurrency 8]
        [--backends sqlite,postgresql] [--workers 1]
    python benchmarks/polling_identify.py --smoke
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from _common import (
    drop_database,
    fresh_database,
    healthz_rate,
    machine,
    pct_ms,
    serve,
    session_for,
)
from sqlalchemy import func, select

from shailoo.demo.generator import generate
from shailoo.elections.rules import ElectionStatus
from shailoo.polling.demo import demo_identifier_id, demo_identifier_key
from shailoo.polling.models import BallotIssue, IdentificationEvent
from shailoo.polling.schemas import IdentificationBatchIn
from shailoo.polling.signing import sign
from shailoo.register.models import ListEntry
from shailoo.results.closing import advance_demo_election

SEED = 1
PATH = "/api/polling/identifications"


def _batches(url: str, batch_size: int) -> tuple[int, list[dict[str, Any]]]:
    """Every listed voter identified once at their station, in signed batches per device."""
    with session_for(url) as session:
        election = session.execute(select(ListEntry.election_id).limit(1)).scalar_one()
        rows = session.execute(select(ListEntry.station_code, ListEntry.pin).where(
            ListEntry.election_id == election, ListEntry.excluded.is_(None))
            .order_by(ListEntry.station_code)).all()
    by_station: dict[str, list[str]] = {}
    for station, pin in rows:
        by_station.setdefault(station, []).append(pin)
    start = datetime(2027, 2, 28, 8, 0, tzinfo=UTC)
    bodies = []
    for station, pins in by_station.items():
        key = demo_identifier_key(SEED, station)
        for b in range(0, len(pins), batch_size):
            events = [{"event_id": f"{station}-{b + i:07d}", "pin": pin, "method": "fingerprint",
                       "at": (start + timedelta(seconds=b + i)).isoformat()}
                      for i, pin in enumerate(pins[b:b + batch_size])]
            body: dict[str, Any] = {"device_id": demo_identifier_id(station),
                                    "station": station, "election_id": election,
                                    "events": events, "signature": "0" * 128}
            body["signature"] = sign(key, IdentificationBatchIn.model_validate(body).document())
            bodies.append(body)
    return election, bodies


async def _send(base: str, bodies: list[dict[str, Any]], concurrency: int
                ) -> tuple[float, list[float], int]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    repeated = 0
    async with httpx.AsyncClient(base_url=base, timeout=120,
                                 limits=httpx.Limits(max_connections=concurrency)) as client:
        async def worker() -> None:
            nonlocal repeated
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(PATH, json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(response.text)
                repeated += sum(a["repeated"] for a in response.json()["answers"])

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies, repeated


def run(backend: str, voters: int, batch: int, concurrency: int, workers: int) -> None:
    url = fresh_database(backend)
    server = None
    try:
        with session_for(url) as session:
            generate(session, voters, SEED, datetime(2026, 11, 26).date(), log=lambda _m: None)
            advance_demo_election(session, "benchmark", ElectionStatus.POLLING)
        election, bodies = _batches(url, batch)
        events = sum(len(b["events"]) for b in bodies)
        server, base = serve(url, workers)
        healthz = healthz_rate(base, 2000, concurrency)
        elapsed, latencies, _ = asyncio.run(_send(base, bodies, concurrency))
        again, _latencies, repeated = asyncio.run(_send(base, bodies, concurrency))
        with session_for(url) as session:
            stored = session.execute(select(func.count()).select_from(
                IdentificationEvent)).scalar_one()
            ballots = session.execute(select(func.count()).select_from(BallotIssue).where(
                BallotIssue.election_id == election)).scalar_one()
        assert stored == events == ballots and repeated == events, (stored, events, ballots)
        print(f"{backend}: {events:,} identifications in {len(bodies):,} signed batches of up "
              f"to {batch}: {events / elapsed:,.0f} events/s ({workers} worker(s), "
              f"{concurrency} concurrent uploads; per batch p50 {pct_ms(latencies, 0.5):.0f} ms, "
              f"p99 {pct_ms(latencies, 0.99):.0f} ms); sent again: {events / again:,.0f} events/s,"
              f" all {repeated:,} answered as repeated, stored {stored:,} = ballots {ballots:,};"
              f" baseline GET /healthz {healthz:,.0f} req/s (Python client)", flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    args = parser.parse_args()
    voters = 3000 if args.smoke else args.voters
    print(f"identification benchmark on {machine()}")
    for backend in args.backends.split(","):
        run(backend, voters, args.batch, args.concurrency, args.workers)


if __name__ == "__main__":
    main()
