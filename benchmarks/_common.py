"""Shared set-up for the benchmarks: machine description, fresh databases, a synthetic
election of N stations x K ballot lines built through the real services."""

from __future__ import annotations

import asyncio
import io
import os
import platform
import random
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from shailoo.candidates import service as candidates
from shailoo.candidates.schemas import ChoiceIn, ChoiceKind
from shailoo.db import (
    create_postgres_database,
    drop_postgres_databases,
    make_engine,
    make_session_factory,
    upgrade,
)
from shailoo.elections import service as elections
from shailoo.elections.rules import ElectionKind, ElectionStatus
from shailoo.elections.schemas import ElectionCreate
from shailoo.elections.systems import AllocationMethod, ElectoralSystem, ListTier, Threshold
from shailoo.geography import service as geography
from shailoo.kit.importing import write_csv
from shailoo.kit.server import start_app_server
from shailoo.polling.signing import public_key_hex, sign
from shailoo.results.schemas import ProtocolIn
from shailoo.results.simulation import party_profile, station_counts

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def machine() -> str:
    """One line describing this machine."""
    return (f"{platform.machine()} {os.cpu_count()} CPUs, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, {platform.processor()}")


def fresh_database(backend: str) -> str:
    """URL of a new, migrated database on ``sqlite`` or ``postgresql``."""
    if backend == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='shailoo-bench-')}/bench.db"
    else:
        base = os.environ.get("SHAILOO_BENCH_PG_URL", PG_DEFAULT)
        url = create_postgres_database(base, f"shailoo_bench_{uuid.uuid4().hex[:10]}")
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    """Drop a PostgreSQL benchmark database (SQLite files are left in the temp folder)."""
    if not url.startswith("postgresql"):
        return
    base = os.environ.get("SHAILOO_BENCH_PG_URL", PG_DEFAULT)
    drop_postgres_databases(base, [str(make_url(url).database)])


@dataclass
class BenchElection:
    """A synthetic election ready to take protocols."""

    url: str
    election_id: int
    contest_id: int
    stations: list[str]
    keys: dict[str, Ed25519PrivateKey]


def build_election(url: str, stations: int, choices: int, with_devices: bool = True,
                   seed: int = 7) -> BenchElection:
    """N stations in 9 regions x 6 commissions, a list contest of ``choices`` ballot lines
    ("against all" last), the election in counting, a scanner per station."""
    from shailoo.polling import service as polling

    rng = random.Random(seed)
    factory = make_session_factory(make_engine(url))
    regions = [[f"KG-{c}", "oblast", f"Область {c}", f"Область {c}", f"Region {c}", "", "",
                ""] for c in "ABCDEFGHI"]
    tecs = [[f"{r[0][3:]}{i}", r[0], f"ТИК {r[0]}{i}", f"ТИК {r[0]}{i}", f"TEC {i}", "false"]
            for r in regions for i in range(6)]
    codes = [f"{100000 + i}" for i in range(stations)]
    station_rows = [[code, "ordinary", tecs[i % len(tecs)][0], "", f"Школа № {i}",
                     f"ул. Манаса, {i}", "с. Ак-Жол", "KG", "", "", "", 1500]
                    for i, code in enumerate(codes)]
    with factory() as session:
        for importer, header, rows in (
                (geography.import_regions, ["code", "kind", "name_ky", "name_ru", "name_en",
                                            "center_lat", "center_lon", "radius_km"], regions),
                (geography.import_commissions, ["code", "region", "name_ky", "name_ru",
                                                "name_en", "abroad"], tecs),
                (geography.import_stations, ["code", "kind", "tec", "region", "name",
                                             "address", "locality", "country", "city",
                                             "latitude", "longitude", "planned_voters"],
                 station_rows)):
            buffer = io.StringIO()
            write_csv(buffer, header, rows)
            buffer.seek(0)
            importer(session, buffer, "bench.csv", "bench")  # type: ignore[operator]
        system = ElectoralSystem(name="bench", seats=100, list_tier=ListTier(
            seats=100, method=AllocationMethod.HARE,
            national_threshold=Threshold(percent=5)))
        election = elections.create_election(session, "bench", ElectionCreate(
            code=f"bench-{uuid.uuid4().hex[:6]}", kind=ElectionKind.PARLIAMENTARY,
            name_ky="b", name_ru="b", name_en="b", polling_date=date(2027, 1, 1),
            system=system))
        contest = elections.public_contests(session, election.id)[0]
        ballot = [ChoiceIn(code=f"p{i:02d}", kind=ChoiceKind.PARTY, name_ky=f"П{i}",
                           name_ru=f"П{i}", name_en=f"P{i}") for i in range(choices - 1)]
        ballot.append(ChoiceIn(code="against", kind=ChoiceKind.AGAINST_ALL, name_ky="x",
                               name_ru="x", name_en="x"))
        candidates.set_ballot(session, "bench", contest.id, ballot)
        for status in ("nomination", "campaign", "polling", "counting"):
            elections.transition(session, "bench", election.id, ElectionStatus(status), "b")
        keys: dict[str, Ed25519PrivateKey] = {}
        if with_devices:
            for code in codes:
                keys[code] = Ed25519PrivateKey.from_private_bytes(
                    rng.getrandbits(256).to_bytes(32, "big"))
                polling.register_device(session, "bench", f"abb-{code}", "scanner", code,
                                        public_key_hex(keys[code]))
    return BenchElection(url, election.id, contest.id, codes, keys)


def scanner_protocols(bench: BenchElection, choices: int, signed: bool,
                      seed: int = 11) -> list[ProtocolIn]:
    """One consistent scanner protocol per station (signed when asked)."""
    rng = random.Random(seed)
    profile = party_profile(rng, [f"p{i:02d}" for i in range(choices - 1)])
    out = []
    for code in bench.stations:
        lines, votes = station_counts(rng, 1500, profile, "against")
        p = ProtocolIn(contest_id=bench.contest_id, station=code, source="scanner",
                       lines=lines, votes=votes, device_id=f"abb-{code}" if signed else None)
        if signed:
            p = p.model_copy(update={"signature": sign(bench.keys[code], p.document())})
        out.append(p)
    return out


def session_for(url: str) -> Session:
    """A session on ``url``."""
    return make_session_factory(make_engine(url))()


class PeakRss:
    """Samples this process's resident memory every 50 ms; ``peak`` in MiB."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def now() -> float:
        """Resident memory now, MiB."""
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def pct_ms(values: list[float], q: float) -> float:
    """The ``q`` quantile of durations in seconds, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def serve(url: str, workers: int = 1, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start the app with uvicorn in a child process on ``url`` (extra SHAILOO_* settings in
    ``env``); return the process and its base URL once /healthz answers."""
    return start_app_server(url, workers, **env)


def healthz_rate(base: str, n: int, concurrency: int) -> float:
    """GET /healthz per second with a Python client (the baseline when wrk is missing)."""

    async def run() -> float:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            async def worker(k: int) -> None:
                for _ in range(k):
                    await client.get("/healthz")

            started = time.perf_counter()
            await asyncio.gather(*(worker(n // concurrency) for _ in range(concurrency)))
            return (n // concurrency * concurrency) / (time.perf_counter() - started)

    return asyncio.run(run())
