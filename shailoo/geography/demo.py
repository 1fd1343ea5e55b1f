"""Demo step: a country shaped like Kyrgyzstan, imported through the real CSV pipeline."""

from __future__ import annotations

import io
import math
import random
from typing import Any

from shailoo.demo.country import (
    ABROAD_CITIES,
    ABROAD_STATIONS_2020,
    ABROAD_VOTER_SHARE,
    REGIONS,
    STREETS,
    VENUES,
    VILLAGES,
    VOTERS_PER_STATION,
)
from shailoo.demo.registry import DemoContext, demo_step
from shailoo.geography import service
from shailoo.geography.importers import (
    COMMISSION_EXPORT_HEADER,
    REGION_EXPORT_HEADER,
    STATION_EXPORT_HEADER,
)
from shailoo.kit.importing import write_csv
from shailoo.kit.shares import split_total

ABROAD_TEC = "ABROAD"


def _csv(header: list[str], rows: list[list[Any]]) -> io.StringIO:
    buffer = io.StringIO()
    write_csv(buffer, header, rows)
    buffer.seek(0)
    return buffer


def _offset(rng: random.Random, lat: float, lon: float, radius_km: float) -> tuple[float, float]:
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111.0
    dlon = distance * math.sin(bearing) / (111.0 * math.cos(math.radians(lat)))
    return round(lat + dlat, 5), round(lon + dlon, 5)


def plan_stations(voters: int) -> tuple[list[int], int]:
    """Stations per region (in REGIONS order) and abroad, about one per 1,500 voters."""
    total = max(len(REGIONS) + 1, round(voters / VOTERS_PER_STATION))
    domestic_2020 = sum(r.stations_2020 for r in REGIONS)
    abroad = max(1, round(total * ABROAD_STATIONS_2020 / (domestic_2020 + ABROAD_STATIONS_2020)))
    per_region = split_total(total - abroad, [r.stations_2020 for r in REGIONS], minimum=1)
    return per_region, abroad


@demo_step("geography", order=10)
def generate_geography(ctx: DemoContext) -> None:
    """Regions, commissions and stations sized for ``ctx.voters`` voters."""
    rng = ctx.rng("geography")
    per_region, abroad_count = plan_stations(ctx.voters)
    regions = [[r.code, r.kind, r.name_ky, r.name_ru, r.name_en, r.lat, r.lon, r.radius_km]
               for r in REGIONS]
    commissions: list[list[Any]] = []
    stations: list[list[Any]] = []
    code_number = 1001
    abroad_start = 9001 if 1000 + sum(per_region) < 9000 else 90001
    voters_abroad = round(ctx.voters * ABROAD_VOTER_SHARE)
    domestic_sizes = split_total(ctx.voters - voters_abroad,
                                 [rng.lognormvariate(0, 0.35) for _ in range(sum(per_region))])
    size_iter = iter(domestic_sizes)
    for region, n_stations in zip(REGIONS, per_region, strict=True):
        tec_codes = [f"{region.code[3:]}{i + 1:02d}" for i in range(len(region.tecs))]
        for code, (ky, ru, en) in zip(tec_codes, region.tecs, strict=True):
            commissions.append([code, region.code, ky, ru, en, "false"])
        per_tec = split_total(n_stations, [rng.uniform(0.6, 1.4) for _ in tec_codes])
        for tec_code, (_ky, tec_ru, _en), count in zip(tec_codes, region.tecs, per_tec,
                                                       strict=True):
            if region.kind == "city":
                city: str | None = region.name_ru.removeprefix("город ")
            else:
                city = tec_ru.removeprefix("город ") if tec_ru.startswith("город") else None
            for _ in range(count):
                stations.append(_domestic_station(rng, str(code_number), tec_code, region,
                                                  tec_ru, city, next(size_iter)))
                code_number += 1
    commissions.append([ABROAD_TEC, "", "Чет өлкөлөрдөгү участкалар",
                        "Участки за рубежом (МИД КР)", "Stations abroad", "true"])
    abroad_sizes = split_total(voters_abroad, [1.0] * abroad_count)
    weights = [c[5] for c in ABROAD_CITIES]
    for j in range(abroad_count):
        # every city once, then more stations where more citizens live
        place = ABROAD_CITIES[j] if j < len(ABROAD_CITIES) else rng.choices(
            ABROAD_CITIES, weights)[0]
        country, city_ru, _city_en, lat, lon, _weight = place
        lat2, lon2 = _offset(rng, lat, lon, 8)
        street = rng.choice(("ул. Пушкина", "ул. Гагарина", "пр. Мира", "ул. Ленина"))
        stations.append([str(abroad_start + j), "abroad", ABROAD_TEC, "",
                         f"Участок при представительстве КР, {city_ru}",
                         f"{city_ru}, {street}, {rng.randint(1, 120)}", city_ru, country,
                         city_ru, lat2, lon2, abroad_sizes[j]])
    ctx.log(f"geography: {len(regions)} regions, {len(commissions)} commissions, "
            f"{len(stations)} stations ({abroad_count} abroad)")
    service.import_regions(ctx.session, _csv(REGION_EXPORT_HEADER, regions), "demo-regions.csv",
                           ctx.actor)
    service.import_commissions(ctx.session, _csv(COMMISSION_EXPORT_HEADER, commissions),
                               "demo-commissions.csv", ctx.actor)
    service.import_stations(ctx.session, _csv(STATION_EXPORT_HEADER, stations),
                            "demo-stations.csv", ctx.actor)
    ctx.produced["stations"] = len(stations)


def _domestic_station(rng: random.Random, code: str, tec_code: str, region: Any, tec_ru: str,
                      city: str | None, planned: int) -> list[Any]:
    roll = rng.random()
    kind = "hospital" if roll < 0.01 else "detention" if roll < 0.013 else "ordinary"
    street = f"{rng.choice(STREETS)}, {rng.randint(1, 250)}"
    if city:
        locality = city
        address = f"г. {city}, {street}"
    else:
        locality = f"с. {rng.choice(VILLAGES)}"
        address = f"{tec_ru}, {locality}, {street}"
    if kind == "hospital":
        name = "Больница"
    elif kind == "detention":
        name = "Учреждение исполнения наказаний"
    else:
        name = rng.choice(VENUES).format(n=rng.randint(1, 90))
    lat, lon = _offset(rng, region.lat, region.lon, region.radius_km * 0.7)
    return [code, kind, tec_code, region.code, name, address, locality, "KG", "", lat, lon,
            planned]
