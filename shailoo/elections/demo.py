"""Demo step: an upcoming parliamentary election on the 2021 preset, with its 36 districts."""

from __future__ import annotations

from datetime import date, timedelta

from shailoo.demo.registry import DemoContext, demo_step
from shailoo.elections import service
from shailoo.elections.rules import ElectionKind
from shailoo.elections.schemas import ElectionCreate
from shailoo.elections.systems import PRESETS
from shailoo.geography import service as geography
from shailoo.kit.shares import split_total

DEMO_PRESET = "kg-2021-mixed"
DAYS_AHEAD = 90


def next_polling_sunday(today: date, days_ahead: int = DAYS_AHEAD) -> date:
    """The first Sunday at least ``days_ahead`` days after ``today``."""
    day = today + timedelta(days=days_ahead)
    return day + timedelta(days=(6 - day.weekday()) % 7)


def districts_per_region(count: int, weights: list[float], capacity: list[int]) -> list[int]:
    """``count`` districts shared by weight, at least one per region while there are enough,
    never more in a region than it has stations; what a small region cannot take goes, one at
    a time, to the region with room whose weight per district is highest."""
    minimum = 1 if count >= len(weights) else 0
    shares = [min(n, cap) for n, cap in zip(split_total(count, weights, minimum), capacity,
                                            strict=True)]
    while sum(shares) < count:
        room = [i for i in range(len(shares)) if shares[i] < capacity[i]]
        if not room:
            break
        best = max(room, key=lambda i: weights[i] / (shares[i] + 1))
        shares[best] += 1
    return shares


@demo_step("election", order=30)
def generate_election(ctx: DemoContext) -> None:
    """Schedule the election and cut the country into its single-member districts."""
    polling = next_polling_sunday(ctx.today)
    election = service.create_election(ctx.session, ctx.actor, ElectionCreate(
        code=f"parliament-{polling.isoformat()}", kind=ElectionKind.PARLIAMENTARY,
        name_ky="Жогорку Кеңештин депутаттарын шайлоо",
        name_ru="Выборы депутатов Жогорку Кенеша",
        name_en="Election of deputies of the Jogorku Kenesh",
        polling_date=polling, preset=DEMO_PRESET))
    tier = PRESETS[DEMO_PRESET].district_tier
    assert tier is not None
    stations = [s for s in geography.public_list_stations(ctx.session) if s.region is not None]
    regions = sorted({s.region for s in stations if s.region})
    voters = {r: sum(s.planned_voters or 0 for s in stations if s.region == r) for r in regions}
    count = min(tier.districts, len(stations))
    per_region = districts_per_region(count, [voters[r] + 1 for r in regions],
                                      [sum(1 for s in stations if s.region == r)
                                       for r in regions])
    commissions = {c.code: c for c in geography.public_list_commissions(ctx.session)}
    districts = []
    number = 1
    for region, n in zip(regions, per_region, strict=True):
        members = [s for s in stations if s.region == region]
        sizes = split_total(len(members), [1.0] * n) if n else []
        start = 0
        for size in sizes:
            group = members[start:start + size]
            start += size
            tec = commissions[group[0].tec]
            districts.append((number, tec.name_ky, tec.name_ru, tec.name_en, region,
                              [s.code for s in group]))
            number += 1
    service.add_districts(ctx.session, ctx.actor, election.id, districts)
    ctx.produced["election_id"] = election.id
    ctx.log(f"election: #{election.id} {election.code} on {polling} with {len(districts)} "
            "districts")
