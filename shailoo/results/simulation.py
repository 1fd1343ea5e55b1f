"""Synthetic station counts for the demo: plausible turnout, a national party profile with
regional tilt, "against all", invalid and mobile-box ballots; manual counts that mostly agree
with the scanner, a few that differ and a few that break the arithmetic. Pure and seeded."""

from __future__ import annotations

import random
from collections.abc import Sequence

from shailoo.kit.shares import split_total
from shailoo.results.schemas import ProtocolIn


def party_profile(rng: random.Random, codes: Sequence[str]) -> dict[str, float]:
    """National support per ballot line (a few strong, a long tail)."""
    weights = sorted((rng.gammavariate(0.9, 1.0) for _ in codes), reverse=True)
    return dict(zip(codes, weights, strict=True))


def station_counts(rng: random.Random, voters: int, profile: dict[str, float],
                   against_all: str | None, tilt: float = 0.25,
                   found: int | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """The lines and votes of one station, arithmetically consistent (a scanner's count);
    ``found`` fixes the ballots found (else a plausible turnout is drawn)."""
    voters = max(voters, 50)
    additional = rng.randint(0, max(1, voters // 100))
    turnout = min(0.9, max(0.12, rng.gauss(0.38, 0.08)))
    if found is None:
        found = round((voters + additional) * turnout)
    voters = max(voters, found - additional)
    mobile = min(found, round(found * rng.uniform(0.0, 0.04)))
    invalid = min(found, round(found * rng.uniform(0.002, 0.015)))
    valid = found - invalid
    weights = {c: w * rng.lognormvariate(0, tilt) for c, w in profile.items()}
    if against_all is not None:
        weights[against_all] = sum(weights.values()) * rng.uniform(0.005, 0.025)
    votes = dict(zip(weights, split_total(valid, list(weights.values())), strict=True))
    received = voters + additional + max(1, voters // 1000)
    lines = {"voters_list": voters, "voters_additional": additional,
             "ballots_received": received, "ballots_issued_early": 0,
             "ballots_issued_station": found - mobile, "ballots_issued_mobile": mobile,
             "ballots_cancelled": received - found, "ballots_found_stationary": found - mobile,
             "ballots_found_mobile": mobile, "ballots_invalid": invalid}
    return lines, votes


def manual_count(rng: random.Random, scanner: ProtocolIn, mode: str) -> ProtocolIn:
    """The commission's count: ``same``, ``differs`` (a few ballots read differently, still
    consistent) or ``broken`` (an arithmetic slip that the control checks catch)."""
    lines = {k: v for k, v in scanner.lines.items() if v is not None}
    votes = dict(scanner.votes)
    if mode == "differs":
        codes = [c for c, v in votes.items() if v > 3]
        if len(codes) >= 2:
            give, take = rng.sample(codes, 2)
            moved = rng.randint(1, 3)
            votes[give] += moved
            votes[take] -= moved
    elif mode == "broken":
        lines["ballots_invalid"] = lines.get("ballots_invalid", 0) + rng.randint(3, 9)
    return ProtocolIn(contest_id=scanner.contest_id, station=scanner.station, source="manual",
                      lines=lines, votes=votes)
