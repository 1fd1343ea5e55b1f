"""Population-register import: rows per second and peak memory of `import_extract` (every
row validated, staged, diffed and applied) for a synthetic extract of N persons, on SQLite and
PostgreSQL; then the re-import of the same extract with 1% of persons changed (added, removed,
moved, renamed). Baseline in the same run: reading the same CSV and inserting its rows bare
(executemany on SQLite, COPY on PostgreSQL) into an unindexed table, with no validation.

    python benchmarks/register_import.py [--persons 3700000] [--backends sqlite,postgresql]
    python benchmarks/register_import.py --smoke

The extract is generated once per size and seed and kept in the temp folder.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import PeakRss, drop_database, fresh_database, machine, session_for
from sqlalchemy import text

from shailoo.demo.generator import load_steps
from shailoo.demo.registry import STEPS, DemoContext
from shailoo.register import service
from shailoo.register.demo import NOT_LISTED_SHARE, Home, homes_of_country, write_files

TODAY = date(2026, 11, 26)
POLLING = date(2027, 2, 28)


def country(url: str, persons: int) -> list[Home]:
    """The demo country's geography sized so that its extract holds about ``persons`` rows
    (voters plus the NOT_LISTED_SHARE who may not vote)."""
    load_steps()
    voters = round(persons / (1 + NOT_LISTED_SHARE))
    with session_for(url) as session:
        ctx = DemoContext(session=session, seed=1, voters=voters, today=TODAY,
                          log=lambda _m: None)
        STEPS["geography"].run(ctx)
        session.commit()
        return homes_of_country(ctx)


def extract_files(homes: list[Home], persons: int) -> tuple[Path, Path, Path]:
    """The extract, the address table, and the extract with 1% changed (cached)."""
    folder = Path(tempfile.gettempdir()) / f"shailoo-bench-register-{persons}"
    done = folder / "done"
    if not done.exists():
        folder.mkdir(exist_ok=True)
        print(f"generating a synthetic extract of about {persons:,} persons in {folder} ...")
        extract, _addresses, _consular, _planted = write_files(random.Random(5), homes,
                                                               POLLING, folder)
        _changed_copy(extract, folder / "extract-1pct.csv")
        done.touch()
    return folder / "extract.csv", folder / "addresses.csv", folder / "extract-1pct.csv"


def _changed_copy(source: Path, target: Path) -> None:
    """1% of persons changed: 0.25% removed, 0.25% added, 0.25% moved, 0.25% renamed."""
    rng = random.Random(9)
    with source.open(encoding="utf-8", newline="") as src, \
            target.open("w", encoding="utf-8", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        writer.writerow(next(reader))
        houses: list[list[str]] = []
        added: set[str] = set()
        for row in reader:
            roll = rng.random()
            if len(houses) < 5000:
                houses.append(row[7:11])
            if roll < 0.0025:
                continue
            if roll < 0.005:
                new = list(row)
                new[0] = "3" + row[0][1:]  # a PIN no generated person has
                if new[0] not in added:
                    added.add(new[0])
                    writer.writerow(new)
            elif roll < 0.0075:
                row[7:11] = rng.choice(houses)
            elif roll < 0.01:
                row[1] = row[1] + "-" + rng.choice(("Асанова", "Иванова"))
            writer.writerow(row)


def bare_load(url: str, extract: Path) -> float:
    """Seconds to read the CSV and insert its rows with no validation, unindexed."""
    with session_for(url) as session:
        session.execute(text("CREATE TABLE bench_bare (pin TEXT, surname TEXT, given_name TEXT, "
                             "patronymic TEXT, birth_date TEXT, sex TEXT, citizenship TEXT, "
                             "region TEXT, locality TEXT, street TEXT, house TEXT, flat TEXT, "
                             "biometrics TEXT, deceased TEXT, incapable TEXT)"))
        raw = session.connection().connection.driver_connection
        started = time.perf_counter()
        with extract.open(encoding="utf-8", newline="") as stream:
            reader = csv.reader(stream)
            next(reader)
            if url.startswith("postgresql"):
                with raw.cursor() as cur, cur.copy("COPY bench_bare FROM STDIN") as copy:  # type: ignore[union-attr]
                    for row in reader:
                        copy.write_row(row)
            else:
                batch: list[list[str]] = []
                for row in reader:
                    batch.append(row)
                    if len(batch) >= 20_000:
                        raw.executemany(  # type: ignore[union-attr]
                            f"INSERT INTO bench_bare VALUES ({','.join('?' * 15)})", batch)
                        batch = []
                if batch:
                    raw.executemany(  # type: ignore[union-attr]
                        f"INSERT INTO bench_bare VALUES ({','.join('?' * 15)})", batch)
        session.commit()
        return time.perf_counter() - started


def run(backend: str, persons: int) -> None:
    url = fresh_database(backend)
    try:
        homes = country(url, persons)
        extract, addresses, changed = extract_files(homes, persons)
        with session_for(url) as session, addresses.open(encoding="utf-8") as stream:
            service.import_address_table(session, stream, "addresses.csv", "bench")
        with session_for(url) as session, extract.open(encoding="utf-8", newline="") as stream, \
                PeakRss() as rss:
            base = PeakRss.now()
            started = time.perf_counter()
            first = service.import_extract(session, stream, "extract.csv", "bench", TODAY)
            elapsed = time.perf_counter() - started
        rows = first.report.rows_accepted
        print(f"{backend}: imported {rows:,} persons in {elapsed:.1f} s = "
              f"{rows / elapsed:,.0f} rows/s; peak memory +{rss.peak - base:.0f} MiB over "
              f"{base:.0f} MiB before", flush=True)
        with session_for(url) as session, changed.open(encoding="utf-8", newline="") as stream:
            started = time.perf_counter()
            again = service.import_extract(session, stream, "extract-1pct.csv", "bench", TODAY)
            diff_elapsed = time.perf_counter() - started
        bare = bare_load(url, extract)
        print(f"{backend}: bare load without validation {bare:.1f} s = {rows / bare:,.0f} "
              f"rows/s (the import takes {elapsed / bare:.1f}x the bare load)")
        print(f"{backend}: re-import with 1% changed: {diff_elapsed:.1f} s (added "
              f"{again.added:,}, changed {again.changed:,}, moved {again.moved:,}, removed "
              f"{again.removed:,})")
    finally:
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=3_700_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--smoke", action="store_true", help="a tiny run for CI")
    args = parser.parse_args()
    persons = 5000 if args.smoke else args.persons
    print(f"register import benchmark on {machine()}")
    for backend in args.backends.split(","):
        run(backend, persons)


if __name__ == "__main__":
    main()
