"""Pure protocol rules: the law's lines, derived figures and control checks as data.

A control check says ``sum(left) <op> factor * sum(right)`` over line names and derived
figures. Checks are configured per election; DEFAULT_CHECKS holds the arithmetic of the
Kyrgyz precinct protocol (../shared/domain e.3, derived, to confirm against the current form)
and two plausibility limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

LINES: tuple[str, ...] = (
    "voters_list",               # voters on the main list
    "voters_additional",         # voters on the additional list
    "ballots_received",
    "ballots_issued_early",
    "ballots_issued_station",
    "ballots_issued_mobile",     # issued for mobile (out-of-station) boxes
    "ballots_cancelled",         # unused and cancelled
    "ballots_found_stationary",
    "ballots_found_mobile",
    "ballots_invalid",
)

DERIVED: dict[str, tuple[str, ...]] = {
    "voters_total": ("voters_list", "voters_additional"),
    "ballots_issued": ("ballots_issued_early", "ballots_issued_station", "ballots_issued_mobile"),
    "ballots_found": ("ballots_found_stationary", "ballots_found_mobile"),
}
VOTES_TOTAL = "votes_total"  # all ballot lines, "against all" included


class Source(StrEnum):
    """Where a protocol comes from."""

    SCANNER = "scanner"  # the automatic ballot box: preliminary
    MANUAL = "manual"    # the precinct commission's hand count: official


class ProtocolStatus(StrEnum):
    """A protocol version's state."""

    ACCEPTED = "accepted"
    QUARANTINED = "quarantined"
    SUPERSEDED = "superseded"


class CheckKind(StrEnum):
    """Arithmetic relations of the form, or plausibility limits."""

    ARITHMETIC = "arithmetic"
    PLAUSIBILITY = "plausibility"


class ControlCheck(BaseModel):
    """``sum(left) op factor * sum(right)``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]{1,60}$")
    kind: CheckKind
    description: str
    left: list[str] = Field(min_length=1)
    op: Literal["eq", "le"]
    right: list[str] = Field(min_length=1)
    factor: Decimal = Field(default=Decimal(1), gt=0)

    @field_validator("left", "right")
    @classmethod
    def _known_terms(cls, terms: list[str]) -> list[str]:
        known = set(LINES) | set(DERIVED) | {VOTES_TOTAL}
        unknown = [t for t in terms if t not in known]
        if unknown:
            raise ValueError(f"unknown line(s) {unknown}; known: {sorted(known)}")
        return terms


DEFAULT_CHECKS: tuple[ControlCheck, ...] = (
    ControlCheck(id="votes_plus_invalid_equal_found", kind=CheckKind.ARITHMETIC,
                 description="votes for every ballot line plus invalid ballots equal the "
                             "ballots found in the boxes",
                 left=[VOTES_TOTAL, "ballots_invalid"], op="eq", right=["ballots_found"]),
    ControlCheck(id="found_not_above_issued", kind=CheckKind.ARITHMETIC,
                 description="ballots found in the boxes are not more than ballots issued",
                 left=["ballots_found"], op="le", right=["ballots_issued"]),
    ControlCheck(id="issued_and_cancelled_not_above_received", kind=CheckKind.ARITHMETIC,
                 description="ballots issued plus unused/cancelled are not more than ballots "
                             "received",
                 left=["ballots_issued", "ballots_cancelled"], op="le",
                 right=["ballots_received"]),
    ControlCheck(id="found_not_above_voters", kind=CheckKind.PLAUSIBILITY,
                 description="ballots found are not more than voters on the lists",
                 left=["ballots_found"], op="le", right=["voters_total"]),
    ControlCheck(id="turnout_not_above_limit", kind=CheckKind.PLAUSIBILITY,
                 description="turnout is not above 95% of voters on the lists",
                 left=["ballots_found"], op="le", right=["voters_total"],
                 factor=Decimal("0.95")),
)


@dataclass(frozen=True)
class CheckResult:
    """One check on one protocol: passed, failed, or not applicable (a line is missing)."""

    id: str
    kind: CheckKind
    passed: bool | None
    left: int | None
    right: int | None
    description: str

    def as_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"id": self.id, "kind": self.kind.value, "passed": self.passed,
                "left": self.left, "right": self.right, "description": self.description}


def figure(name: str, lines: Mapping[str, int | None], votes: Mapping[str, int]) -> int | None:
    """A line, a derived figure, or the votes total; None when a needed line is missing."""
    if name == VOTES_TOTAL:
        return sum(votes.values())
    if name in DERIVED:
        parts = [lines.get(p) for p in DERIVED[name]]
        return None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
    return lines.get(name)


def _total(terms: list[str], lines: Mapping[str, int | None], votes_total: int) -> int | None:
    total = 0
    for term in terms:
        if term == VOTES_TOTAL:
            total += votes_total
            continue
        for part in DERIVED.get(term, (term,)):
            value = lines.get(part)
            if value is None:
                return None
            total += value
    return total


@lru_cache(maxsize=256)
def _ratio(factor: Decimal) -> tuple[int, int]:
    exact = Fraction(factor)
    return exact.numerator, exact.denominator


def run_checks(checks: tuple[ControlCheck, ...] | list[ControlCheck],
               lines: Mapping[str, int | None], votes: Mapping[str, int]) -> list[CheckResult]:
    """Evaluate every check exactly (integers only: left x den op right x num)."""
    results = []
    votes_total = sum(votes.values())
    for check in checks:
        left = _total(check.left, lines, votes_total)
        right = _total(check.right, lines, votes_total)
        if left is None or right is None:
            passed: bool | None = None
        else:
            numerator, denominator = _ratio(check.factor)
            scaled_left, limit = left * denominator, right * numerator
            passed = scaled_left == limit if check.op == "eq" else scaled_left <= limit
        results.append(CheckResult(check.id, check.kind, passed, left, right, check.description))
    return results


def failed(results: list[CheckResult]) -> list[CheckResult]:
    """The checks that failed."""
    return [r for r in results if r.passed is False]


def participants(lines: Mapping[str, int | None], votes: Mapping[str, int]) -> int:
    """Voters who took part: ballots found in the boxes (the law's denominator); when the
    source has no such lines, valid plus invalid ballots."""
    found = figure("ballots_found", lines, votes)
    if found is not None:
        return found
    return sum(votes.values()) + (lines.get("ballots_invalid") or 0)


def protocol_differences(first: Mapping[str, int | None], second: Mapping[str, int | None]
                         ) -> dict[str, tuple[int | None, int | None]]:
    """Keys whose values differ between two protocols' figures (scanner vs manual)."""
    keys = sorted(set(first) | set(second))
    return {k: (first.get(k), second.get(k)) for k in keys if first.get(k) != second.get(k)}
