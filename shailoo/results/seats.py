"""Seat allocation for list contests: pure functions, exact arithmetic, a step-by-step transcript.

This module is self-contained (standard library only, nothing else of shailoo) so that it can be
lifted out as a library. It does no I/O, reads no clock and draws no random numbers: the only
"lot" it knows is a deterministic draw from a seed that the caller gives and the transcript
records. Every decision is taken on integers and :class:`fractions.Fraction`; decimals appear
only in the human sentences and as display strings next to the exact figures.

Procedure of :func:`allocate` (the order is the law's order, Kyrgyz Law-2015 Art. 64(3)):

1. **Thresholds.** A list qualifies only if it reaches the national threshold (``percent`` of
   ``denominator``; the default denominator is the total of the votes given) **and**, when a
   regional threshold is given, the regional percentage in **each** regional unit, each unit
   measured against its own denominator (e.g. the voters who took part there). Reaching the
   threshold exactly counts as passing (``votes * 100 >= percent * denominator``). Lists that
   fail get no seat; the figures are in the transcript.
2. **Allocation** among the qualifying lists only (the quota methods compute their quota on the
   qualifying lists' votes only):

   * ``hare``: quota ``Q = V / S`` (exact fraction), whole seats ``floor(v / Q)``, the seats
     left go one each to the largest remainders;
   * ``droop``: quota ``Q = floor(V / (S + 1)) + 1`` (an integer), then as for Hare. With very
     few votes the seats left can outnumber the lists; they are then handed out in full rounds
     (one to every list with votes) before the rest go by largest remainder;
   * ``dhondt`` (divisors 1, 2, 3, ...), ``sainte-lague`` (1, 3, 5, ...) and
     ``modified-sainte-lague`` (first divisor 1.4 unless ``first_divisor`` says otherwise, then
     3, 5, 7, ...): each seat goes to the highest quotient ``votes / divisor``.

   A list with zero votes never receives a seat.
3. **Cap.** With ``cap`` a list keeps at most ``cap`` seats. ``CapOverflow.REDISTRIBUTE``: the
   capped lists keep the cap and the remaining seats are allocated among the other lists by the
   same method (quota recomputed on their votes), repeated until no list exceeds the cap.
   ``CapOverflow.VACANT``: the seats above the cap stay empty. Seats also stay vacant when no
   qualifying list can take them (no list qualifies, or every list is capped).

Tie rule (a tie matters only when the tied lists compete for fewer seats than there are tied
lists: equal remainders at the cut of the largest-remainder stage, or equal quotients at the
last seat of a divisor method):

* ``TieBreak.LOT``: a deterministic draw. The tied lists are sorted by the hexadecimal SHA-256
  digest of ``f"{seed}:{party}"`` (UTF-8), smallest first; the first ones take the seats. The
  seed is required (:class:`TieNeedsSeed`, a ``ValueError``, is raised when a tie matters and no
  seed was given) and the transcript records the seed and every digest, so anyone can re-check.
* ``TieBreak.MORE_VOTES``: the list with more votes in total goes first; lists still level are
  settled by lot as above.
* ``TieBreak.BALLOT_ORDER``: the list given earlier in ``votes`` goes first.

Bad input raises ``ValueError`` with a message that starts with the name of the field.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)

Number = int | str | Decimal | Fraction
"""An exact number: an int, a decimal string ("0.7", "7/5"), a Decimal or a Fraction."""


class Method(StrEnum):
    """How the seats are shared out among the qualifying lists."""

    HARE = "hare"
    DROOP = "droop"
    DHONDT = "dhondt"
    SAINTE_LAGUE = "sainte-lague"
    MODIFIED_SAINTE_LAGUE = "modified-sainte-lague"


class TieBreak(StrEnum):
    """How a tie that decides a seat is settled (see the module docstring)."""

    LOT = "lot"
    MORE_VOTES = "more_votes"
    BALLOT_ORDER = "ballot_order"


class CapOverflow(StrEnum):
    """What happens to the seats a list would win above the cap."""

    REDISTRIBUTE = "redistribute"
    VACANT = "vacant"


QUOTA_METHODS = frozenset({Method.HARE, Method.DROOP})
DEFAULT_FIRST_DIVISOR = Fraction(7, 5)

_METHOD_NAMES = {
    Method.HARE: "largest remainder with the Hare quota",
    Method.DROOP: "largest remainder with the Droop quota",
    Method.DHONDT: "D'Hondt",
    Method.SAINTE_LAGUE: "Sainte-Laguë",
    Method.MODIFIED_SAINTE_LAGUE: "modified Sainte-Laguë",
}


class TieNeedsSeed(ValueError):
    """A tie decides a seat, the tie rule is a lot, and no seed was given."""


@dataclass(frozen=True)
class Step:
    """One step of the transcript: what kind, a sentence, and the exact figures."""

    kind: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: ``{"kind", "text", "data"}``."""
        return {"kind": self.kind, "text": self.text, "data": self.data}


@dataclass(frozen=True)
class RegionalThreshold:
    """``percent`` to reach in **each** regional unit.

    ``votes`` maps each unit to the lists' votes there (a list missing from a unit has 0
    there); ``denominators`` maps each unit to what the percentage is measured against (e.g. the
    voters who took part in it); a unit missing from it is measured against the total of its
    listed votes.
    """

    percent: Number
    votes: Mapping[str, Mapping[str, int]]
    denominators: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Allocation:
    """The outcome of :func:`allocate`."""

    seats: dict[str, int]
    """Seats of every list given, in input order, zeros included."""
    transcript: list[Step]
    qualified: list[str]
    """Lists that passed every threshold, in input order."""
    excluded: list[str]
    """Lists that failed a threshold, in input order."""
    method: Method
    house_size: int
    vacant: int = 0
    """Seats left empty (cap with VACANT overflow, or no list able to take them)."""

    def transcript_dicts(self) -> list[dict[str, Any]]:
        """The transcript as a list of JSON-ready dicts."""
        return [step.to_dict() for step in self.transcript]


# ----------------------------------------------------------------------------- public function


def allocate(
    votes: Mapping[str, int] | Iterable[tuple[str, int]],
    seats: int,
    method: Method | str,
    *,
    threshold: Number | None = None,
    denominator: int | None = None,
    regional: RegionalThreshold | None = None,
    cap: int | None = None,
    cap_overflow: CapOverflow | str = CapOverflow.REDISTRIBUTE,
    first_divisor: Number | None = None,
    tie_break: TieBreak | str = TieBreak.LOT,
    seed: str | int | None = None,
) -> Allocation:
    """Allocate ``seats`` among the lists in ``votes`` (see the module docstring for the rules).

    ``votes``: list -> votes, in ballot order (a mapping, or pairs so that duplicates can be
    caught). ``threshold``: national threshold in percent (0-100) of ``denominator`` (default:
    the total of ``votes``). ``regional``: the per-unit threshold. ``cap``: most seats per list.
    ``first_divisor``: for ``modified-sainte-lague`` only (default 1.4).
    """
    items = _normalise_votes(votes)
    method = _enum(Method, method, "method")
    tie = _enum(TieBreak, tie_break, "tie_break")
    overflow = _enum(CapOverflow, cap_overflow, "cap_overflow")
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise ValueError(f"seats must be a whole number of at least 1, got {seats!r}")
    divisor_one = _first_divisor(method, first_divisor)
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        raise ValueError(f"cap must be a whole number of at least 1, got {cap!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, str | int)):
        raise ValueError(f"seed must be a string or a whole number, got {seed!r}")

    party_votes = dict(items)
    position = {party: i for i, (party, _) in enumerate(items)}
    total = sum(party_votes.values())
    ctx = _Context(party_votes, position, tie, None if seed is None else str(seed))

    transcript: list[Step] = [Step("input", (
        f"{seats} seat(s) to allocate among {len(items)} list(s) with {total} votes in total, "
        f"by {_METHOD_NAMES[method]}; ties are settled by rule '{tie.value}'"
        + (f" with seed {seed!r}" if seed is not None else "") + "."), {
        "seats": seats, "method": method.value, "total_votes": total,
        "votes": {p: v for p, v in items}, "tie_break": tie.value,
        "seed": None if seed is None else str(seed),
        "first_divisor": str(divisor_one) if method is Method.MODIFIED_SAINTE_LAGUE else None,
        "cap": cap, "cap_overflow": overflow.value if cap is not None else None})]

    failed: dict[str, list[str]] = {}
    if threshold is not None:
        transcript.append(_national_threshold(items, threshold, denominator, total, failed))
    elif denominator is not None:
        raise ValueError("denominator applies only with a threshold; none was given")
    if regional is not None:
        transcript.append(_regional_threshold(items, regional, failed))
    qualified = [p for p, _ in items if p not in failed]
    excluded = [p for p, _ in items if p in failed]
    if threshold is not None or regional is not None:
        transcript.append(_qualification_step(qualified, excluded, failed, party_votes))

    result = {p: 0 for p, _ in items}
    vacant = _allocate_with_cap(qualified, seats, method, divisor_one, cap, overflow, ctx,
                                result, transcript)
    given = sum(result.values())
    text = "Result: " + ", ".join(f"{p} {n}" for p, n in result.items() if n) if given else \
        "Result: no seat was allocated"
    if vacant:
        text += f"; {vacant} seat(s) vacant"
    transcript.append(Step("result", text + ".", {
        "seats": dict(result), "allocated": given, "vacant": vacant}))
    return Allocation(seats=result, transcript=transcript, qualified=qualified,
                      excluded=excluded, method=method, house_size=seats, vacant=vacant)


def lot_order(parties: Iterable[str], seed: str | int) -> list[str]:
    """The parties sorted by the lot: by SHA-256 hex digest of ``f"{seed}:{party}"``."""
    return sorted(parties, key=lambda p: (lot_digest(seed, p), p))


def divisor(method: Method | str, k: int, first_divisor: Number | None = None) -> Fraction:
    """Divisor for a list that already holds ``k`` seats (divisor methods only)."""
    method = _enum(Method, method, "method")
    if method in QUOTA_METHODS:
        raise ValueError(f"method {method.value!r} is not a divisor method")
    return _divisor_fn(method, _first_divisor(method, first_divisor))(k)


# ----------------------------------------------------------------------------- validation


def _enum(kind: type[E], value: E | str, name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ValueError(f"{name}: unknown value {value!r}; use one of {allowed}") from None


def _to_fraction(value: object, name: str) -> Fraction:
    if isinstance(value, bool | float):
        raise ValueError(f"{name} must be exact (an int, a decimal string, a Decimal or a "
                         f"Fraction), not {type(value).__name__} {value!r}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{name} is not a finite number: {value!r}")
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{name} is not a number: {value!r}") from None
    raise ValueError(f"{name} is not a number: {value!r}")


def _percent(value: object, name: str) -> Fraction:
    pct = _to_fraction(value, name)
    if not 0 <= pct <= 100:
        raise ValueError(f"{name} must be a percentage between 0 and 100, got {value!r}")
    return pct


def _first_divisor(method: Method, value: Number | None) -> Fraction:
    if value is None:
        return DEFAULT_FIRST_DIVISOR
    if method is not Method.MODIFIED_SAINTE_LAGUE:
        raise ValueError(f"first_divisor applies to modified-sainte-lague only, not to "
                         f"{method.value!r}")
    first = _to_fraction(value, "first_divisor")
    if not 0 < first < 3:
        raise ValueError(f"first_divisor must be above 0 and below 3 (the second divisor), "
                         f"got {value!r}")
    return first


def _check_votes(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"votes: {what} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"votes: {what} are negative ({value})")
    return value


def _normalise_votes(votes: Mapping[str, int] | Iterable[tuple[str, int]]) -> list[
        tuple[str, int]]:
    raw = list(votes.items()) if isinstance(votes, Mapping) else list(votes)
    if not raw:
        raise ValueError("votes: no list given (empty votes)")
    items: list[tuple[str, int]] = []
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, tuple) or len(entry) != 2:
            raise ValueError(f"votes: each entry must be a (party, votes) pair, got {entry!r}")
        party, count = entry
        if not isinstance(party, str) or not party.strip():
            raise ValueError(f"votes: party names must be non-empty strings, got {party!r}")
        if party in seen:
            raise ValueError(f"votes: duplicate party {party!r}")
        seen.add(party)
        items.append((party, _check_votes(count, f"votes for {party!r}")))
    return items


# ----------------------------------------------------------------------------- formatting


def _decimal(value: Fraction, places: int = 6) -> str:
    """Round half to even to ``places`` decimals, for display only."""
    scaled = round(value * 10**places)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def _exact(value: Fraction) -> str:
    return str(value)


def lot_digest(seed: str | int, party: str) -> str:
    """The lot's key for one party or candidate: SHA-256 hex of ``f"{seed}:{name}"``."""
    return hashlib.sha256(f"{seed}:{party}".encode()).hexdigest()


# ----------------------------------------------------------------------------- thresholds


def _national_threshold(items: list[tuple[str, int]], threshold: Number, denominator: int | None,
                        total: int, failed: dict[str, list[str]]) -> Step:
    pct = _percent(threshold, "threshold")
    if denominator is None:
        den, den_from = total, "the total of the votes given"
    else:
        if isinstance(denominator, bool) or not isinstance(denominator, int) or denominator < 1:
            raise ValueError(f"denominator must be a whole number of at least 1, got "
                             f"{denominator!r}")
        over = [p for p, v in items if v > denominator]
        if over:
            raise ValueError(f"denominator ({denominator}) is smaller than the votes of "
                             f"{', '.join(over)}")
        den, den_from = denominator, "the given denominator"
    if den == 0:
        raise ValueError("threshold: cannot measure a percentage of zero votes; give a "
                         "denominator")
    needed = pct * den / 100
    parties: dict[str, Any] = {}
    for party, v in items:
        passes = v * 100 >= pct * den
        if not passes:
            failed.setdefault(party, []).append(
                f"{v} votes ({_decimal(Fraction(v * 100, den), 4)} %) < national "
                f"{_decimal(pct, 4)} % of {den} = {_decimal(needed, 4)}")
        parties[party] = {"votes": v, "share_percent": _decimal(Fraction(v * 100, den), 4),
                          "passes": passes}
    return Step("threshold.national", (
        f"National threshold: {_decimal(pct, 4)} % of {den} ({den_from}) = "
        f"{_decimal(needed, 4)} votes; a list must have at least that many. "
        f"Failing: {', '.join(p for p, d in parties.items() if not d['passes']) or 'none'}."), {
        "percent": _exact(pct), "denominator": den, "votes_needed": _exact(needed),
        "votes_needed_decimal": _decimal(needed, 4), "parties": parties})


def _regional_threshold(items: list[tuple[str, int]], regional: RegionalThreshold,
                        failed: dict[str, list[str]]) -> Step:
    pct = _percent(regional.percent, "regional.percent")
    if not regional.votes:
        raise ValueError("regional.votes: no regional unit given")
    known = {p for p, _ in items}
    dens = dict(regional.denominators or {})
    unknown_units = set(dens) - set(regional.votes)
    if unknown_units:
        raise ValueError(f"regional.denominators: unit(s) without votes: "
                         f"{', '.join(sorted(unknown_units))}")
    units: dict[str, Any] = {}
    for unit, unit_votes in regional.votes.items():
        strangers = set(unit_votes) - known
        if strangers:
            raise ValueError(f"regional.votes: unit {unit!r} names unknown list(s) "
                             f"{', '.join(sorted(strangers))}")
        counts = {p: _check_votes(unit_votes.get(p, 0), f"votes for {p!r} in unit {unit!r}")
                  for p, _ in items}
        if unit in dens:
            den = dens[unit]
            if isinstance(den, bool) or not isinstance(den, int) or den < 1:
                raise ValueError(f"regional.denominators: unit {unit!r} needs a whole number of "
                                 f"at least 1, got {den!r}")
            if any(v > den for v in counts.values()):
                raise ValueError(f"regional.denominators: unit {unit!r} ({den}) is smaller "
                                 f"than a list's votes there")
        else:
            den = sum(counts.values())
            if den == 0:
                raise ValueError(f"regional.votes: unit {unit!r} has no votes and no "
                                 f"denominator")
        needed = pct * den / 100
        unit_failed = []
        for party, v in counts.items():
            if v * 100 < pct * den:
                unit_failed.append(party)
                failed.setdefault(party, []).append(
                    f"{v} votes in {unit} ({_decimal(Fraction(v * 100, den), 4)} %) < "
                    f"{_decimal(pct, 4)} % of {den} = {_decimal(needed, 4)}")
        units[unit] = {"denominator": den, "votes_needed": _exact(needed),
                       "votes_needed_decimal": _decimal(needed, 4), "votes": counts,
                       "failing": unit_failed}
    failing = sorted({p for u in units.values() for p in u["failing"]}, key=[
        p for p, _ in items].index)
    return Step("threshold.regional", (
        f"Regional threshold: {_decimal(pct, 4)} % in each of {len(units)} unit(s), each "
        f"measured against its own denominator. Failing in at least one unit: "
        f"{', '.join(failing) or 'none'}."), {
        "percent": _exact(pct), "units": units, "failing": failing})


def _qualification_step(qualified: list[str], excluded: list[str], failed: dict[str, list[str]],
                        votes: dict[str, int]) -> Step:
    text = f"{len(qualified)} list(s) qualify: {', '.join(qualified) or 'none'}."
    if excluded:
        text += " Excluded: " + "; ".join(
            f"{p} ({'; '.join(failed[p])})" for p in excluded) + "."
    return Step("qualification", text, {
        "qualified": list(qualified), "excluded": {p: list(failed[p]) for p in excluded},
        "qualifying_votes": sum(votes[p] for p in qualified)})


# ----------------------------------------------------------------------------- ties


@dataclass(frozen=True)
class _Context:
    votes: dict[str, int]
    position: dict[str, int]
    tie: TieBreak
    seed: str | None


def _settle_tie(tied: list[str], places: int, ctx: _Context, where: str) -> tuple[list[str], Step]:
    """Order ``tied`` (all level) by the tie rule; the first ``places`` take the seats."""
    data: dict[str, Any] = {"where": where, "tied": list(tied), "seats_at_stake": places,
                            "rule": ctx.tie.value, "seed": ctx.seed}
    if ctx.tie is TieBreak.BALLOT_ORDER:
        order = sorted(tied, key=ctx.position.__getitem__)
        data["positions"] = {p: ctx.position[p] + 1 for p in tied}
        why = "the earlier on the ballot go first"
    else:
        if ctx.tie is TieBreak.MORE_VOTES:
            by_votes = sorted(tied, key=lambda p: -ctx.votes[p])
            data["votes"] = {p: ctx.votes[p] for p in tied}
            cut = ctx.votes[by_votes[places - 1]]
            needs_lot = [p for p in by_votes if ctx.votes[p] == cut]
            sure = sum(1 for p in by_votes if ctx.votes[p] > cut)
            lot_matters = len(needs_lot) > places - sure
            why = "more votes in total go first"
        else:
            needs_lot, lot_matters, why = list(tied), True, ""
        if lot_matters and ctx.seed is None:
            raise TieNeedsSeed(
                f"tie_break: {', '.join(needs_lot)} are tied ({where}) for "
                f"{places} seat(s) and the tie rule needs a lot, but no seed was given; give a "
                f"seed (it is recorded in the transcript) or another tie_break")
        if lot_matters:
            assert ctx.seed is not None
            seed = ctx.seed
            data["digests"] = {p: lot_digest(seed, p) for p in needs_lot}
            why = (why + ", then " if why else "") + (
                f"by lot: sorted by SHA-256 of '{seed}:<party>', smallest first")
        order = sorted(tied, key=lambda p: (
            -ctx.votes[p] if ctx.tie is TieBreak.MORE_VOTES else 0,
            lot_digest(ctx.seed, p) if ctx.seed is not None else "", ctx.position[p]))
    winners = order[:places]
    data["order"] = order
    data["winners"] = winners
    return order, Step("tie", (
        f"Tie ({where}): {', '.join(tied)} are level for {places} seat(s); rule "
        f"'{ctx.tie.value}' ({why}) gives the seat(s) to {', '.join(winners)}."), data)


# ----------------------------------------------------------------------------- methods


def _allocate_with_cap(qualified: list[str], seats: int, method: Method, first: Fraction,
                       cap: int | None, overflow: CapOverflow, ctx: _Context,
                       result: dict[str, int], transcript: list[Step]) -> int:
    active = [p for p in qualified if ctx.votes[p] > 0]
    zero = [p for p in qualified if ctx.votes[p] == 0]
    if zero:
        transcript.append(Step("zero_votes", (
            f"{', '.join(zero)} qualified with zero votes and can win no seat."),
            {"parties": zero}))
    remaining = seats
    round_no = 0
    while True:
        round_no += 1
        if not active:
            if remaining:
                transcript.append(Step("vacant", (
                    f"No qualifying list with votes is left to take the remaining {remaining} "
                    f"seat(s); they stay vacant."), {"vacant": remaining}))
            return remaining
        won = _run_method(active, remaining, method, first, ctx, transcript, round_no)
        over = [p for p in active if cap is not None and won[p] > cap]
        if not over:
            for p in active:
                result[p] = won[p]
            return 0
        assert cap is not None
        if overflow is CapOverflow.VACANT:
            vacant = sum(won[p] - cap for p in over)
            for p in active:
                result[p] = min(won[p], cap)
            transcript.append(Step("cap", (
                f"Cap of {cap} seats: {', '.join(f'{p} ({won[p]})' for p in over)} keep(s) "
                f"{cap}; the {vacant} seat(s) above the cap stay vacant."), {
                "cap": cap, "overflow": overflow.value,
                "capped": {p: won[p] for p in over}, "vacant": vacant}))
            return vacant
        for p in over:
            result[p] = cap
        remaining -= cap * len(over)
        active = [p for p in active if p not in over]
        transcript.append(Step("cap", (
            f"Cap of {cap} seats: {', '.join(f'{p} ({won[p]})' for p in over)} keep(s) "
            f"{cap}; the other {remaining} seat(s) are allocated again among "
            f"{', '.join(active) or 'no list'} by the same method."), {
            "cap": cap, "overflow": overflow.value, "capped": {p: won[p] for p in over},
            "seats_left": remaining, "among": list(active)}))
        if remaining == 0:
            return 0


def _run_method(active: list[str], seats: int, method: Method, first: Fraction, ctx: _Context,
                transcript: list[Step], round_no: int) -> dict[str, int]:
    if method in QUOTA_METHODS:
        return _largest_remainder(active, seats, method, ctx, transcript, round_no)
    return _highest_averages(active, seats, method, first, ctx, transcript, round_no)


def _largest_remainder(active: list[str], seats: int, method: Method, ctx: _Context,
                       transcript: list[Step], round_no: int) -> dict[str, int]:
    votes = ctx.votes
    total = sum(votes[p] for p in active)
    if method is Method.HARE:
        quota = Fraction(total, seats)
        text = (f"Hare quota = {total} votes of the qualifying lists / {seats} seats = "
                f"{_exact(quota)} (≈ {_decimal(quota)}).")
        formula = "V / S"
    else:
        quota = Fraction(total // (seats + 1) + 1)
        text = (f"Droop quota = floor({total} votes of the qualifying lists / ({seats} seats + "
                f"1)) + 1 = {quota}.")
        formula = "floor(V / (S + 1)) + 1"
    transcript.append(Step("quota", text, {
        "round": round_no, "method": method.value, "formula": formula, "votes": total,
        "seats": seats, "quota": _exact(quota), "quota_decimal": _decimal(quota)}))

    won: dict[str, int] = {}
    remainders: dict[str, Fraction] = {}
    rows: dict[str, Any] = {}
    for p in active:
        share = Fraction(votes[p]) / quota
        whole = share.numerator // share.denominator
        won[p] = whole
        remainders[p] = share - whole
        rows[p] = {"votes": votes[p], "votes_per_quota": _exact(share),
                   "votes_per_quota_decimal": _decimal(share), "whole_seats": whole,
                   "remainder": _exact(share - whole),
                   "remainder_decimal": _decimal(share - whole)}
    left = seats - sum(won.values())
    transcript.append(Step("whole_seats", (
        "Whole seats (floor of votes / quota): "
        + ", ".join(f"{p} {rows[p]['votes_per_quota_decimal']} -> {won[p]}" for p in active)
        + f"; {sum(won.values())} seat(s) given, {left} left."), {
        "round": round_no, "parties": rows, "given": sum(won.values()), "left": left}))
    if left == 0:
        return won

    if left >= len(active):
        rounds, left = divmod(left, len(active))
        for p in active:
            won[p] += rounds
        transcript.append(Step("remainder_rounds", (
            f"More seats are left than there are lists: every list gets {rounds} more seat(s) "
            f"before the rest ({left}) go by largest remainder."),
            {"round": round_no, "each": rounds, "left": left}))
        if left == 0:
            return won

    ranking = sorted(active, key=lambda p: -remainders[p])
    awarded: list[str] = []
    i = 0
    while len(awarded) < left:
        level = remainders[ranking[i]]
        group = [p for p in ranking if remainders[p] == level]
        places = left - len(awarded)
        if len(group) <= places:
            awarded.extend(group)
        else:
            order, step = _settle_tie(group, places, ctx,
                                      f"equal remainders {_decimal(level)}")
            transcript.append(step)
            awarded.extend(order[:places])
        i += len(group)
    for p in awarded:
        won[p] += 1
    transcript.append(Step("remainders", (
        f"{left} seat(s) left go one each to the largest remainders: "
        + ", ".join(f"{p} ({_decimal(remainders[p])})" for p in awarded) + "."), {
        "round": round_no, "left": left,
        "ranking": [{"party": p, "remainder": _exact(remainders[p]),
                     "remainder_decimal": _decimal(remainders[p])} for p in ranking],
        "awarded": awarded}))
    return won


def _divisor_fn(method: Method, first: Fraction) -> Callable[[int], Fraction]:
    if method is Method.DHONDT:
        return lambda k: Fraction(k + 1)
    if method is Method.SAINTE_LAGUE:
        return lambda k: Fraction(2 * k + 1)
    return lambda k: first if k == 0 else Fraction(2 * k + 1)


def _highest_averages(active: list[str], seats: int, method: Method, first: Fraction,
                      ctx: _Context, transcript: list[Step], round_no: int) -> dict[str, int]:
    votes = ctx.votes
    d = _divisor_fn(method, first)
    quotients = sorted(((Fraction(votes[p]) / d(k), p) for p in active for k in range(seats)),
                       key=lambda e: -e[0])
    cutoff = quotients[seats - 1][0]
    won = {p: 0 for p in active}
    above = [p for q, p in quotients if q > cutoff]
    level = [p for q, p in quotients if q == cutoff]  # one entry per list: divisors increase
    for p in above:
        won[p] += 1
    places = seats - len(above)
    if len(level) > places:
        order, step = _settle_tie(level, places, ctx, f"equal quotients {_decimal(cutoff)} for "
                                  f"the last seat(s)")
        transcript.append(step)
        level = order[:places]
    for p in level:
        won[p] += 1
    beaten = [q for q, _ in quotients if q < cutoff]
    next_q = beaten[0] if beaten else None
    rows = {p: {"votes": votes[p], "seats": won[p],
                "last_quotient": _exact(Fraction(votes[p]) / d(won[p] - 1)) if won[p] else None,
                "next_quotient": _exact(Fraction(votes[p]) / d(won[p]))} for p in active}
    divisors = ", ".join(_decimal(d(k), 1 if d(k).denominator != 1 else 0)
                         for k in range(min(seats, 4)))
    transcript.append(Step("divisors", (
        f"{_METHOD_NAMES[method]}: divisors {divisors}, ...; each seat goes to the highest "
        f"quotient votes / divisor. The last of the {seats} seat(s) went at quotient "
        f"{_decimal(cutoff)}" + (f"; the best quotient left out was {_decimal(next_q)}"
                                 if next_q is not None else "") + ". Seats: "
        + ", ".join(f"{p} {won[p]}" for p in active) + "."), {
        "round": round_no, "method": method.value,
        "divisors": [_exact(d(k)) for k in range(min(seats, 4))],
        "seats": seats, "last_quotient": _exact(cutoff),
        "best_quotient_left_out": _exact(next_q) if next_q is not None else None,
        "parties": rows}))
    return won
