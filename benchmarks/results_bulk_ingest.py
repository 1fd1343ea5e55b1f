"""Bulk import throughput: protocols accepted per second through `submit_many` (validate,
check, store, aggregate, audit), 2,500 stations x 20 ballot lines, on SQLite and PostgreSQL;
baseline in the same run: a bare executemany INSERT of the same protocol rows.

    python benchmarks/results_bulk_ingest.py [--stations 2500] [--choices 20]
        [--backends sqlite,postgresql]
    python benchmarks/results_bulk_ingest.py --smoke
"""

from __future__ import annotations

import argparse
import time

from _common import (
    build_election,
    drop_database,
    fresh_database,
    machine,
    scanner_protocols,
    session_for,
)
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, insert

from shailoo.results import service


def run(backend: str, stations: int, choices: int) -> tuple[float, float]:
    url = fresh_database(backend)
    try:
        bench = build_election(url, stations, choices, with_devices=False)
        protocols = scanner_protocols(bench, choices, signed=False)
        items = [(i + 2, p) for i, p in enumerate(protocols)]
        with session_for(url) as session:
            started = time.perf_counter()
            summary = service.submit_many(session, "bench", items, "bench")
            elapsed = time.perf_counter() - started
        assert summary.accepted + summary.quarantined == stations, summary
        baseline = _bare_insert(url, protocols)
        return stations / elapsed, stations / baseline
    finally:
        drop_database(url)


def _bare_insert(url: str, protocols: list) -> float:  # type: ignore[type-arg]
    metadata = MetaData()
    table = Table("bench_bare", metadata, Column("id", Integer, primary_key=True),
                  Column("station", String(20)), Column("lines", JSON), Column("votes", JSON))
    with session_for(url) as session:
        metadata.create_all(session.get_bind())
        rows = [{"station": p.station, "lines": dict(p.lines), "votes": dict(p.votes)}
                for p in protocols]
        started = time.perf_counter()
        session.execute(insert(table), rows)
        session.commit()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stations", type=int, default=2500)
    parser.add_argument("--choices", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    args = parser.parse_args()
    stations = 60 if args.smoke else args.stations
    print(f"machine: {machine()}")
    for backend in args.backends.split(","):
        rate, bare = run(backend, stations, args.choices)
        print(f"{backend}: bulk import {rate:,.0f} protocols/s ({stations} stations x "
              f"{args.choices} lines); bare INSERT baseline {bare:,.0f} rows/s; "
              f"ratio {rate / bare:.2f}")


if __name__ == "__main__":
    main()
