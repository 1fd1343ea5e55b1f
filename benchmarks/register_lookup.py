"""Where-do-I-vote lookups under load from a second process: requests per second and p99
latency of POST /api/register/lookup (half known PINs, half unknown), with wrk on loopback
against uvicorn (1 and 2 workers). Baseline in the same run: GET /healthz of the same app.

    python benchmarks/register_lookup.py [--voters 300000] [--backends sqlite,postgresql]
        [--workers 1,2] [--seconds 10]
    python benchmarks/register_lookup.py --smoke

Without wrk (or with --smoke) a small Python client checks that the route answers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
from datetime import date

import httpx
from _common import drop_database, fresh_database, machine, serve, session_for
from sqlalchemy import select

from shailoo.demo.generator import generate
from shailoo.register.models import ListEntry

PATH = "/api/register/lookup"
TODAY = date(2026, 11, 26)


def _bodies(url: str, count: int) -> str:
    """A file of JSON bodies: known PINs and unknown ones, shuffled."""
    with session_for(url) as session:
        pins = list(session.execute(select(ListEntry.pin).where(ListEntry.excluded.is_(None))
                                    .limit(count)).scalars())
    rng = random.Random(3)
    unknown = [f"{rng.randrange(10**13, 10**14)}" for _ in pins]
    lines = [json.dumps({"pin": p}) for p in pins + unknown]
    rng.shuffle(lines)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        handle.write("\n".join(lines) + "\n")
    return handle.name


def _wrk(args: list[str]) -> tuple[float, str]:
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed requests:\n{out}")
    return (float(rate.group(1)) if rate else 0.0), (p99.group(1) if p99 else "?")


def run(backend: str, voters: int, workers: list[int], seconds: int, smoke: bool,
        connections: list[int]) -> None:
    url = fresh_database(backend)
    try:
        with session_for(url) as session:
            generate(session, voters, 1, TODAY, log=lambda _m: None)
        bodies = _bodies(url, 20_000)
        wrk = shutil.which("wrk")
        for n in workers:
            server, base = serve(url, n, SHAILOO_LOOKUP_RATE_PER_MINUTE="1000000000")
            try:
                if smoke or wrk is None:
                    with open(bodies) as handle:
                        sample = [json.loads(line) for line in handle][:50]
                    found = sum(httpx.post(base + PATH, json=b).json()["found"] for b in sample)
                    print(f"{backend}, {n} worker(s): {len(sample)} lookups answered "
                          f"({found} found) with the Python client"
                          + ("" if smoke else "; install wrk for the figures"))
                    continue
                script = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "lookup_bodies.lua")
                _wrk([wrk, "-t", "1", "-c", "32", "-d", "2s", "-s", script, base, "--", bodies,
                      PATH])  # warm up: the directory is loaded, connections opened
                for c in connections:
                    healthz, healthz_p99 = _wrk([wrk, "-t", "1", "-c", str(c), "-d",
                                                 f"{seconds}s", "--latency", base + "/healthz"])
                    rate, p99 = _wrk([wrk, "-t", "1", "-c", str(c), "-d", f"{seconds}s",
                                      "--latency", "-s", script, base, "--", bodies, PATH])
                    print(f"{backend}, {n} worker(s), {c} connections: {rate:,.0f} lookups/s, "
                          f"p99 {p99} (wrk, half unknown PINs); baseline GET /healthz "
                          f"{healthz:,.0f}/s, p99 {healthz_p99}; lookups run at "
                          f"{rate / healthz:.2f}x the baseline", flush=True)
            finally:
                server.terminate()
                server.wait()
    finally:
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=300_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", default="8,32", help="wrk connections, each a run")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    args = parser.parse_args()
    voters = 3000 if args.smoke else args.voters
    workers = [1] if args.smoke else [int(w) for w in args.workers.split(",")]
    print(f"where-do-I-vote lookup benchmark on {machine()}")
    for backend in args.backends.split(","):
        run(backend, voters, workers, args.seconds, args.smoke,
            [int(c) for c in args.connections.split(",")])


if __name__ == "__main__":
    main()
