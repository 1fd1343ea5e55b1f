"""Station identification through `POST /api/biometrics/identify`: a polling-station device
sends a signed fingerprint template (float32, extracted on the device) and is told which
listed voter it is, in a few milliseconds. The demo country (its voters enrolled with
synthetic fingerprints) runs in a uvicorn child process; probes are fresh station-quality
captures of listed voters (mated) and of persons never enrolled (non-mated). Baselines in
the same run: GET /healthz, and the same identification in-process (no HTTP).

    python benchmarks/biometrics_station_api.py [--voters 20000] [--searches 1000]
    python benchmarks/biometrics_station_api.py --smoke
"""

from __future__ import annotations

import argparse
import base64
import random
import time
from datetime import datetime
from typing import Any

import httpx
import numpy as np
from _common import drop_database, fresh_database, healthz_rate, machine, pct_ms, serve, session_for
from sqlalchemy import select

from shailoo.biometrics import synthetic
from shailoo.biometrics.enrolment_demo import MODALITY, planted_pairs
from shailoo.biometrics.extractors import Sample, SyntheticExtractor, synthetic_sample
from shailoo.biometrics.identify import Galleries, identify_at_station
from shailoo.biometrics.schemas import IdentifyIn
from shailoo.demo.generator import generate
from shailoo.polling.demo import demo_identifier_id, demo_identifier_key
from shailoo.polling.signing import sign
from shailoo.register import lists
from shailoo.register.models import ListEntry

SEED = 1


def _searches(url: str, n: int) -> tuple[int, list[tuple[str, str | None, bytes, float]]]:
    """(election, [(station, expected pin or None, float32 bytes, quality)])."""
    with session_for(url) as session:
        election = session.execute(select(ListEntry.election_id).limit(1)).scalar_one()
        listed = lists.listed_pins(session, election)
        planted = dict((b, a) for a, b in planted_pairs(lists.pins_with_biometrics(session),
                                                         SEED))
    rng = random.Random(7)
    quality = synthetic.capture_quality(n, np.random.default_rng(7), enrolment=False)
    extractor = SyntheticExtractor()
    stations = sorted(listed)
    out = []
    for k in range(n):
        station = rng.choice(stations)
        mated = k % 2 == 0
        pin = rng.choice(listed[station]) if mated else None
        identity = planted.get(pin, pin) if pin else f"never-enrolled-{k}"
        vector = extractor.extract(synthetic_sample(MODALITY, identity, f"station:{k}",
                                                    float(quality[k]))).vector
        out.append((station, pin, vector.astype("<f4").tobytes(), float(quality[k])))
    return election, out


def _body(election: int, station: str, data: bytes, quality: float) -> dict[str, Any]:
    body: dict[str, Any] = {"device_id": demo_identifier_id(station), "station": station,
                            "election_id": election, "modality": MODALITY,
                            "extractor": "float32", "quality": round(quality, 4),
                            "sample": base64.b64encode(data).decode(), "signature": "0" * 128}
    body["signature"] = sign(demo_identifier_key(SEED, station),
                             IdentifyIn.model_validate(body).document())
    return body


def run(backend: str, voters: int, n: int) -> None:
    url = fresh_database(backend)
    server = None
    try:
        with session_for(url) as session:
            generate(session, voters, SEED, datetime(2026, 11, 26).date(), log=lambda _m: None)
        election, searches = _searches(url, n)
        bodies = [_body(election, s, d, q) for s, _p, d, q in searches]
        with session_for(url) as session:  # in-process baseline (galleries warmed first)
            galleries = Galleries()
            for station, _pin, data, q in searches:
                identify_at_station(session, election, station, Sample(MODALITY, data, q),
                                    "float32", galleries)
            local: list[float] = []
            for station, _pin, data, q in searches:
                started = time.perf_counter()
                identify_at_station(session, election, station, Sample(MODALITY, data, q),
                                    "float32", galleries)
                local.append(time.perf_counter() - started)
        server, base = serve(url)
        healthz = healthz_rate(base, 2000, 1)
        latencies: list[float] = []
        inside: list[float] = []  # the server's own figure: extract and match
        right = wrong = fallback = elsewhere = 0
        with httpx.Client(base_url=base, timeout=60) as client:
            first = {body["station"]: body for body in bodies}  # one search per station
            for body in first.values():  # loads the server's galleries, as warm() would
                client.post("/api/biometrics/identify", json=body).raise_for_status()
            for body, (_s, pin, _d, _q) in zip(bodies, searches, strict=True):
                started = time.perf_counter()
                response = client.post("/api/biometrics/identify", json=body)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                answer = response.json()
                inside.append(answer["milliseconds"] / 1000)
                if answer["match"] is not None:
                    right += answer["match"] == pin
                    wrong += answer["match"] != pin
                elif answer["listed_at"] is not None:
                    elsewhere += 1
                else:
                    fallback += pin is not None
        mated = sum(1 for s in searches if s[1])
        print(f"{backend}: {n:,} station searches over {voters:,} demo voters via HTTP: "
              f"p50 {pct_ms(latencies, 0.5):.2f} ms, p99 {pct_ms(latencies, 0.99):.2f} ms "
              f"(sequential, 1 worker; of which matching in the server p50 "
              f"{pct_ms(inside, 0.5):.2f} ms, p99 {pct_ms(inside, 0.99):.2f} ms); "
              f"in-process p50 {pct_ms(local, 0.5):.2f} ms, p99 "
              f"{pct_ms(local, 0.99):.2f} ms; mated {mated}: {right} right, "
              f"{fallback} to document check; non-mated {n - mated}: {wrong} wrongly matched,"
              f" {elsewhere} said listed elsewhere; baseline GET /healthz {healthz:,.0f} "
              f"req/s sequential", flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--searches", type=int, default=1_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    args = parser.parse_args()
    print(f"station identification API benchmark on {machine()}")
    for backend in args.backends.split(","):
        run(backend, 1000 if args.smoke else args.voters, 40 if args.smoke else args.searches)


if __name__ == "__main__":
    main()
