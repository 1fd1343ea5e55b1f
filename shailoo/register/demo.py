"""The demo's population register: an address table per station, a synthetic extract of
persons living at those addresses (with the people a real register holds who may not vote:
minors, the deceased, foreigners, persons without biometrics), consular registrations of
voters abroad, a few planted likely duplicates, and the upcoming election's lists."""

from __future__ import annotations

import csv
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from shailoo.demo.country import STREETS
from shailoo.demo.names import person
from shailoo.demo.registry import DemoContext, demo_step
from shailoo.geography import service as geography
from shailoo.register import lists, rules, service
from shailoo.register.importers import EXTRACT_COLUMNS

NOT_LISTED_SHARE = 0.11  # minors, no biometrics, deceased, foreigners, incapable
PLANTED_DUPLICATES = 20


@dataclass(frozen=True)
class Home:
    """A station's catchment: where its voters live."""

    station: str
    region: str
    locality: str
    voters: int
    abroad: bool = False


def _pin(rng: random.Random, sex: str, born: date, used: set[str]) -> str:
    digit = "1" if sex == "F" else "2"
    while True:
        pin = f"{digit}{born:%d%m%Y}{rng.randrange(100000):05d}"
        if pin not in used:
            used.add(pin)
            return pin


def _birth_date(rng: random.Random, polling: date, minor: bool) -> date:
    if minor:
        age_days = rng.randint(16 * 365, 18 * 365 - 30)
    else:
        age = 18.1 + rng.expovariate(1 / 22)
        age_days = int((age if age < 95 else rng.uniform(18.1, 95)) * 365.25)
    return polling - timedelta(days=age_days)


def synthetic_rows(rng: random.Random, homes: list[Home], polling: date, used: set[str]
                   ) -> Iterator[tuple[list[Any], list[Any] | None, list[Any] | None]]:
    """Yield (extract row, address-table line or None, consular row or None) per person:
    each station's ``voters`` eligible persons plus NOT_LISTED_SHARE more who may not vote.
    ``used`` holds the PINs given so far (each is unique)."""
    taken: set[tuple[str, str, str]] = set()  # (locality, street, house): one station each
    domestic = [h for h in homes if not h.abroad]
    for home in homes:
        houses: list[tuple[str, str]] = []
        lives = home if not home.abroad else rng.choice(domestic)
        count = home.voters + round(home.voters * NOT_LISTED_SHARE)
        for i in range(count):
            if i % 40 == 0 or not houses:
                street, number = rng.choice(STREETS), rng.randint(1, 300)
                while (lives.locality, street, str(number)) in taken:
                    number += 1
                house = str(number)
                taken.add((lives.locality, street, house))
                houses.append((street, house))
                address_line = [lives.region, lives.locality, street, house, lives.station]
            else:
                address_line = None
            street, house = rng.choice(houses)
            listed = i < home.voters
            roll = rng.random()
            kind = "ok" if listed else ("minor" if roll < 0.25 else "no_bio" if roll < 0.85
                                        else "dead" if roll < 0.93 else "foreign"
                                        if roll < 0.98 else "incapable")
            who = person(rng)
            sex = "F" if who.sex == "female" else "M"
            born = _birth_date(rng, polling, kind == "minor")
            pin = _pin(rng, sex, born, used)
            row = [pin, who.surname, who.given_name, who.patronymic, born.isoformat(), sex,
                   "KZ" if kind == "foreign" else "KG", lives.region, lives.locality, street,
                   house, str(rng.randint(1, 120)) if rng.random() < 0.6 else "",
                   "0" if kind == "no_bio" else "1", "1" if kind == "dead" else "0",
                   "1" if kind == "incapable" else "0"]
            consular = ([pin, home.station, f"Consulate, {home.locality}",
                         (polling - timedelta(days=90)).isoformat()]
                        if home.abroad and listed else None)
            yield row, address_line, consular


def latin_twin(row: list[Any], rng: random.Random, used: set[str]) -> list[Any]:
    """The same person under another PIN, names spelled in Latin letters (a planted
    duplicate for the review queue)."""
    twin = list(row)
    twin[0] = _pin(rng, row[5], date.fromisoformat(row[4]), used)
    twin[1] = rules.transliterate(row[1]).capitalize()
    twin[2] = rules.transliterate(row[2]).capitalize()
    return twin


def homes_of_country(ctx: DemoContext) -> list[Home]:
    """Every station of the generated country with its planned number of voters."""
    return [Home(s.code, s.region or "KG-GB", s.city or s.locality, s.planned_voters or 0,
                 s.kind.value == "abroad")
            for s in geography.public_list_stations(ctx.session)]


def write_files(rng: random.Random, homes: list[Home], polling: date, folder: Path
                ) -> tuple[Path, Path, Path, int]:
    """Write extract.csv, addresses.csv and consular.csv into ``folder``; return their paths
    and the number of planted duplicates."""
    paths = folder / "extract.csv", folder / "addresses.csv", folder / "consular.csv"
    with paths[0].open("w", encoding="utf-8", newline="") as ext, \
            paths[1].open("w", encoding="utf-8", newline="") as adr, \
            paths[2].open("w", encoding="utf-8", newline="") as con:
        planted = _write(rng, homes, polling, ext, adr, con)
    return paths[0], paths[1], paths[2], planted


def _write(rng: random.Random, homes: list[Home], polling: date, ext: IO[str], adr: IO[str],
           con: IO[str]) -> int:
    extract_w, address_w, consular_w = csv.writer(ext), csv.writer(adr), csv.writer(con)
    extract_w.writerow(EXTRACT_COLUMNS)
    address_w.writerow(["region", "locality", "street", "house", "station"])
    consular_w.writerow(["pin", "station", "office", "registered_on"])
    twins_rng = random.Random(rng.random())
    used: set[str] = set()
    planted = 0
    for row, address_line, consular in synthetic_rows(rng, homes, polling, used):
        extract_w.writerow(row)
        if address_line:
            address_w.writerow(address_line)
        if consular:
            consular_w.writerow(consular)
        if planted < PLANTED_DUPLICATES and twins_rng.random() < 0.001:
            extract_w.writerow(latin_twin(row, twins_rng, used))
            planted += 1
    return planted


@demo_step("register", order=60)
def generate_register(ctx: DemoContext) -> None:
    """Address table, extract, consular registrations and the next election's lists."""
    rng = ctx.rng("register")
    homes = homes_of_country(ctx)
    election_id = ctx.produced["election_id"]
    polling = lists.election_rules(ctx.session, election_id).polling_date
    with tempfile.TemporaryDirectory(prefix="shailoo-demo-") as tmp:
        extract_path, addresses, consular, planted = write_files(rng, homes, polling,
                                                                 Path(tmp))
        with addresses.open(encoding="utf-8") as stream:
            service.import_address_table(ctx.session, stream, "demo-addresses.csv", ctx.actor)
        with extract_path.open(encoding="utf-8") as stream:
            outcome = service.import_extract(ctx.session, stream, "demo-extract.csv",
                                             ctx.actor, ctx.today)
        with consular.open(encoding="utf-8") as stream:
            service.import_consular(ctx.session, stream, "demo-consular.csv", ctx.actor,
                                    ctx.today)
    counts = lists.build_lists(ctx.session, ctx.actor, election_id)
    ctx.log(f"register: {outcome.added} persons ({planted} planted likely duplicates), "
            f"{counts['listed']} on the lists of election #{election_id}")
    ctx.produced["register_persons"] = outcome.added
