"""Ingest through the HTTP API and freshness, on SQLite and PostgreSQL.

A server (uvicorn, 2 workers unless --workers) runs in a child process; this process sends
2,500 signed scanner protocols (20 ballot lines) with --concurrency requests in flight, in
--rounds rounds of new stations (the median is printed: this machine's speed varies), then
measures freshness: for --fresh further protocols, the time from sending one until the
national total *and the seat table* of GET /api/results/contests/{id} include it, and until
the results page's server-sent event stream announces it. Baseline in the same run: GET
/healthz (the web stack alone).

    python benchmarks/results_api_ingest.py [--stations 2500] [--backends sqlite,postgresql]
    python benchmarks/results_api_ingest.py --smoke
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import time
from typing import Any

import httpx
from _common import (
    build_election,
    drop_database,
    fresh_database,
    healthz_rate,
    machine,
    pct_ms,
    scanner_protocols,
    serve,
)


async def _blast(base: str, bodies: list[dict[str, Any]], concurrency: int) -> tuple[float,
                                                                                   list[float]]:
    latencies: list[float] = []
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post("/api/results/protocols", json=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(response.text)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


async def _freshness(base: str, election: int, contest: int, bodies: list[dict[str, Any]]
                     ) -> tuple[list[float], list[float], list[float], list[float]]:
    """Per protocol: send -> API shows it, send -> pushed, and of the first: the POST's own
    time and the time of the GET that showed it."""
    api: list[float] = []
    push: list[float] = []
    posts: list[float] = []
    gets: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client, \
            client.stream("GET", f"/results/{election}/events") as events:
            lines = events.aiter_lines()
            async for line in lines:
                if line.startswith("event: ready"):
                    break
            for body in bodies:
                station_votes = body["votes"]["p00"]
                before = (await client.get(f"/api/results/contests/{contest}",
                                           params={"source": "scanner"})).json()
                started = time.perf_counter()
                response = await client.post("/api/results/protocols", json=body)
                assert response.status_code == 200, response.text
                posts.append(time.perf_counter() - started)
                while True:
                    asked = time.perf_counter()
                    after = (await client.get(f"/api/results/contests/{contest}",
                                              params={"source": "scanner"})).json()
                    answered = time.perf_counter()
                    votes = {c["code"]: c["votes"] for c in after["choices"]}
                    before_votes = {c["code"]: c["votes"] for c in before["choices"]}
                    if votes["p00"] == before_votes["p00"] + station_votes and after["outcome"]:
                        api.append(answered - started)
                        gets.append(answered - asked)
                        break
                async for line in lines:
                    if line.startswith("event: results"):
                        push.append(time.perf_counter() - started)
                        break
    return api, push, posts, gets


def _wrk(base: str, bodies: list[dict[str, Any]], connections: int,
         per_request: int = 1) -> tuple[float, str]:
    """POST every body once with wrk (2 threads), ``per_request`` protocols a request;
    return wall seconds and its latency lines."""
    import json
    import shutil
    import tempfile

    wrk = shutil.which("wrk")
    if wrk is None:
        raise FileNotFoundError("wrk")
    threads = 2
    path = "/api/results/protocols" if per_request == 1 else "/api/results/protocol-batches"
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for start in range(0, len(bodies), per_request):
            group = bodies[start:start + per_request]
            payload = group[0] if per_request == 1 else {"protocols": group}
            handle.write(json.dumps(payload, separators=(",", ":")) + "\n")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "post_bodies.lua")
    started = time.perf_counter()
    # wrk runs for its whole duration even once every body is sent (its threads then idle);
    # the rate is taken from the stored protocols' timestamps, so the duration only needs to
    # be long enough: about 150 protocols/s would still finish.
    seconds = max(5, len(bodies) // 150)
    out = subprocess.run([wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                          "--latency", "-s", script, base, "--", handle.name, str(threads),
                          path],
                         capture_output=True, text=True, check=True).stdout
    elapsed = time.perf_counter() - started
    latency = " ".join(line.strip() for line in out.splitlines()
                       if line.strip().startswith(("50%", "99%")))
    refused = [line.strip() for line in out.splitlines() if "Non-2xx" in line]
    if refused:
        latency += f"; {refused[0]}"
    return elapsed, latency


def _wrk_healthz(base: str, connections: int) -> tuple[float | None, str]:
    """Requests per second of GET /healthz under wrk for 5 s (None without wrk)."""
    import re
    import shutil

    wrk = shutil.which("wrk")
    if wrk is None:
        return None, ""
    out = subprocess.run([wrk, "-t", "2", "-c", str(connections), "-d", "5s",
                          base + "/healthz"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return (float(found.group(1)) if found else None), "wrk"


def _accepted(url: str, election: int, after_id: int = 0) -> tuple[int, float, int]:
    """Protocols stored for the election with an id above ``after_id``, the seconds between
    the first and the last of them, and the largest id."""
    from _common import session_for
    from sqlalchemy import func, select

    from shailoo.results.models import Protocol

    with session_for(url) as session:
        count, first, last, top = session.execute(select(
            func.count(), func.min(Protocol.received_at), func.max(Protocol.received_at),
            func.max(Protocol.id))
            .where(Protocol.election_id == election, Protocol.id > after_id)).one()
    return int(count), (last - first).total_seconds() if count > 1 else 0.0, int(top or 0)


def run(backend: str, stations: int, choices: int, workers: int, concurrency: int,
        fresh: int, smoke: bool = False, per_request: int = 1, rounds: int = 1) -> None:
    url = fresh_database(backend)
    server = None
    try:
        bench = build_election(url, stations * rounds + fresh, choices)
        protocols = scanner_protocols(bench, choices, signed=True)
        bodies = [p.model_dump(mode="json", exclude_none=True) for p in protocols]
        server, base = serve(url, workers)
        healthz, client = (None, "") if smoke else _wrk_healthz(base, concurrency)
        if healthz is None:
            healthz, client = healthz_rate(base, 2000, concurrency), "Python client"
        rates: list[float] = []
        last_id = 0
        for round_ in range(rounds):  # each round sends other stations' first protocols
            sent = bodies[round_ * stations:(round_ + 1) * stations]
            try:
                if smoke:
                    raise FileNotFoundError("the smoke run uses the Python client")
                elapsed, latency = _wrk(base, sent, concurrency, per_request)
                stored, span, last_id = _accepted(url, bench.election_id, last_id)
                rate = stored / span if span else stored / elapsed
                tool = f"wrk, {concurrency} connections, {per_request} a request; {latency}"
            except FileNotFoundError:
                elapsed, latencies = asyncio.run(_blast(base, sent, concurrency))
                stored, rate = stations, stations / elapsed
                tool = (f"httpx client, {concurrency} in flight; p50 "
                        f"{pct_ms(latencies, 0.5):.1f} ms, p99 {pct_ms(latencies, 0.99):.1f} ms "
                        "(install wrk for a faster client)")
            rates.append(rate)
            print(f"{backend}: API ingest {rate:,.0f} protocols/s ({stored} signed scanner "
                  f"protocols x {choices} lines stored, {workers} worker(s); {tool}); "
                  f"baseline GET /healthz ({client}) {healthz:,.0f} req/s; ratio "
                  f"{rate / healthz:.2f}")
        if rounds > 1:
            print(f"{backend}: API ingest, median of {rounds} rounds "
                  f"{statistics.median(rates):,.0f} protocols/s (rounds: "
                  f"{', '.join(f'{r:,.0f}' for r in rates)})")
        fresh_bodies = bodies[stations * rounds:stations * rounds + fresh]
        api, push, posts, gets = asyncio.run(_freshness(
            base, bench.election_id, bench.contest_id, fresh_bodies))
        print(f"{backend}: freshness, send -> national total and seat table in the API: "
              f"p50 {pct_ms(api, 0.5):.1f} ms, p99 {pct_ms(api, 0.99):.1f} ms; send -> "
              f"pushed to open pages (SSE): p50 {pct_ms(push, 0.5):.0f} ms, "
              f"p99 {pct_ms(push, 0.99):.0f} ms"
              f" (n={len(api)}; mean {statistics.mean(api) * 1000:.1f} ms; of which the POST "
              f"p50 {pct_ms(posts, 0.5):.1f} ms, p99 {pct_ms(posts, 0.99):.1f} ms, the GET that "
              f"showed it p50 {pct_ms(gets, 0.5):.1f} ms, p99 {pct_ms(gets, 0.99):.1f} ms)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stations", type=int, default=2500)
    parser.add_argument("--choices", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2,
                        help="server processes (default: one per core of this machine)")
    parser.add_argument("--concurrency", type=int, default=64,
                        help="uploads in flight (2,000/s at 25-30 ms each is about 50-60)")
    parser.add_argument("--fresh", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--per-request", type=int, default=1,
                        help="protocols a request (>1: POST /api/results/protocol-batches)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="ingest rounds of --stations new protocols each (the median is "
                             "printed too: this machine's speed varies from run to run)")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    args = parser.parse_args()
    stations, fresh = (40, 5) if args.smoke else (args.stations, args.fresh)
    print(f"machine: {machine()}")
    for backend in args.backends.split(","):
        run(backend, stations, args.choices, args.workers, args.concurrency, fresh, args.smoke,
            args.per_request, 1 if args.smoke else args.rounds)


if __name__ == "__main__":
    main()
