"""Scale: full re-aggregation of N stations x 20 ballot lines (India-size: 1,000,000) from
the stations' counted protocols into the running totals of every level, with
`service.recompute_totals`, on PostgreSQL (default) or SQLite. The protocols are generated in
the database (INSERT ... SELECT), not through ingestion: this measures re-aggregation only.
Baselines in the same run: a plain GROUP BY over the same figures in long format
(N x 20 rows), and NumPy summing an in-memory N x 20 array.

    python benchmarks/results_reaggregate.py [--sizes 10000,100000,1000000] [--backend postgresql]
    python benchmarks/results_reaggregate.py --smoke
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import build_election, drop_database, fresh_database, machine, session_for
from sqlalchemy import text

from shailoo.results import service

CHOICES = 20


def _fill(url: str, election: int, contest: int, stations: int, backend: str) -> None:
    """N accepted manual protocols over the benchmark election's 54 commissions."""
    votes = ", ".join(f"'p{i:02d}', (g * {i + 7}) % 97" for i in range(CHOICES - 1))
    votes += ", 'against', g % 5"
    lines = ("'voters_list', 1500, 'ballots_found_stationary', 700, 'ballots_found_mobile', 10, "
             "'ballots_invalid', 9")
    if backend == "postgresql":
        build = "jsonb_build_object"
        sql = f"""
        WITH tecs AS (SELECT code, region_code, row_number() OVER (ORDER BY code) - 1 AS k
                      FROM territorial_commissions),
             st AS (SELECT min(code) AS code FROM polling_stations)
        INSERT INTO protocols (election_id, contest_id, station_code, source, version, status,
            content_hash, lines, votes, checks, submitted_by, received_at, region_code, tec_code)
        SELECT :e, :c, st.code, 'manual', g, 'accepted', md5(g::text), {build}({lines}),
               {build}({votes}), '[]'::json, 'bench', now(), t.region_code, t.code
        FROM generate_series(1, :n) AS g JOIN tecs t ON t.k = g % 54 CROSS JOIN st"""
    else:
        build = "json_object"
        sql = f"""
        WITH RECURSIVE gen(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM gen WHERE g < :n),
             tecs AS (SELECT code, region_code, row_number() OVER (ORDER BY code) - 1 AS k
                      FROM territorial_commissions)
        INSERT INTO protocols (election_id, contest_id, station_code, source, version, status,
            content_hash, lines, votes, checks, submitted_by, received_at, region_code, tec_code)
        SELECT :e, :c, (SELECT min(code) FROM polling_stations), 'manual', g, 'accepted',
               g, {build}({lines}), {build}({votes}), '[]', 'bench',
               '2026-01-01 00:00:00', t.region_code, t.code
        FROM gen JOIN tecs t ON t.k = g % 54"""
    with session_for(url) as session:
        session.execute(text(sql), {"e": election, "c": contest, "n": stations})
        session.commit()
        if backend == "postgresql":
            session.execute(text("ANALYZE protocols"))
            session.commit()


def _long_format_baseline(url: str, stations: int, backend: str) -> float:
    with session_for(url) as session:
        session.execute(text("CREATE TABLE bench_long (station int, choice int, votes bigint)"))
        if backend == "postgresql":
            session.execute(text("INSERT INTO bench_long SELECT g, c, (g * c) % 97 FROM "
                                 "generate_series(1, :n) g, generate_series(1, :k) c"),
                            {"n": stations, "k": CHOICES})
            session.commit()
            session.execute(text("ANALYZE bench_long"))
        else:
            session.execute(text(
                "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < :n),"
                " c(y) AS (SELECT 1 UNION ALL SELECT y + 1 FROM c WHERE y < :k) "
                "INSERT INTO bench_long SELECT x, y, (x * y) % 97 FROM g, c"),
                {"n": stations, "k": CHOICES})
        session.commit()
        started = time.perf_counter()
        session.execute(text("SELECT choice, sum(votes) FROM bench_long GROUP BY choice")).all()
        elapsed = time.perf_counter() - started
        session.execute(text("DROP TABLE bench_long"))
        session.commit()
        return elapsed


def run(backend: str, stations: int) -> None:
    url = fresh_database(backend)
    try:
        bench = build_election(url, 54, CHOICES, with_devices=False)
        _fill(url, bench.election_id, bench.contest_id, stations, backend)
        with session_for(url) as session:
            started = time.perf_counter()
            counted = service.recompute_totals(session, "bench", bench.contest_id)
            elapsed = time.perf_counter() - started
        assert counted == stations, counted
        long_format = _long_format_baseline(url, stations, backend)
        array = np.random.default_rng(1).integers(0, 97, size=(stations, CHOICES))
        started = time.perf_counter()
        array.sum(axis=0)
        in_memory = time.perf_counter() - started
        print(f"{backend}: {stations:>9,} stations x {CHOICES}: full re-aggregation "
              f"{elapsed:.3f} s (contest, 9 regions, 54 commissions; audited); plain GROUP BY "
              f"over {stations * CHOICES:,} long-format rows {long_format:.3f} s (ratio "
              f"{elapsed / long_format:.2f}); NumPy in memory {in_memory * 1000:.1f} ms")
    finally:
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--backend", default="postgresql")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    args = parser.parse_args()
    sizes = [2000] if args.smoke else [int(s) for s in args.sizes.split(",")]
    print(f"machine: {machine()}")
    for size in sizes:
        run(args.backend, size)


if __name__ == "__main__":
    main()
