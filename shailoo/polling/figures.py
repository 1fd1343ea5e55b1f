"""Polling-day figures as pure functions: turnout series and their jumps, reconciliation of
a station's five counts, and the points of a turnout curve."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shailoo.polling.rules import PollingConfig, Tolerance


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` rounded to 4 places, or None when there is no whole."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Jump:
    """Turnout rising between two consecutive reports by more than the election allows."""

    after: str
    before: str
    rise: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"from": self.before, "to": self.after, "rise": self.rise}


def jumps(series: Sequence[tuple[str, float | None]], limit: float) -> list[Jump]:
    """The rises of a turnout series (hour, share) between consecutive reports above
    ``limit`` (a share of the list, e.g. 0.25 = 25 points)."""
    out: list[Jump] = []
    previous: tuple[str, float] | None = ("opening", 0.0)
    for hour, value in series:
        if value is None:
            continue
        if previous is not None and value - previous[1] > limit + 1e-9:
            out.append(Jump(hour, previous[0], round(value - previous[1], 4)))
        previous = (hour, value)
    return out


@dataclass(frozen=True)
class Difference:
    """Two of a station's counts compared: how far apart and how far they may be."""

    first: str
    second: str
    first_count: int
    second_count: int
    allowed: int

    @property
    def difference(self) -> int:
        """first minus second."""
        return self.first_count - self.second_count

    @property
    def flagged(self) -> bool:
        """True when the counts differ by more than allowed."""
        return abs(self.difference) > self.allowed

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"first": self.first, "second": self.second, "first_count": self.first_count,
                "second_count": self.second_count, "difference": self.difference,
                "allowed": self.allowed, "flagged": self.flagged}


def allowed_difference(tolerance: Tolerance, first: int, second: int) -> int:
    """The largest difference tolerated between two counts."""
    return max(tolerance.absolute, math.ceil(tolerance.share * max(first, second)))


def reconcile(counts: dict[str, int | None], config: PollingConfig) -> list[Difference]:
    """Compare a station's counts pairwise as the election configures; a pair with a count
    not known yet is left out."""
    out: list[Difference] = []
    for first, second in config.comparisons:
        a, b = counts.get(first), counts.get(second)
        if a is None or b is None:
            continue
        out.append(Difference(first, second, a, b,
                              allowed_difference(config.tolerance, a, b)))
    return out


def largest_flagged(differences: Sequence[Difference]) -> int:
    """The size of the largest difference beyond tolerance (0 when none is)."""
    return max((abs(d.difference) for d in differences if d.flagged), default=0)


def curve_points(values: Sequence[float | None], width: int, height: int,
                 top: float = 1.0) -> str:
    """SVG polyline points of a turnout curve: one x step per report, y the share of
    ``top`` (reports not made yet are left out)."""
    step = width / max(1, len(values) - 1)
    points = [f"{round(i * step, 1)},{round(height - height * min(v, top) / top, 1)}"
              for i, v in enumerate(values) if v is not None]
    return " ".join(points)
