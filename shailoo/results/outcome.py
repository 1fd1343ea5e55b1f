"""Contest outcomes: plurality districts, the presidential majority and runoff, "against all".

Pure like :mod:`shailoo.results.seats`, whose lot it shares so that a tie is drawn the same
way for seats and for candidates (standard library and seats.py only; no I/O, no clock, no
randomness except that lot, drawn deterministically from a given seed). Every decision
is taken on integers; percentages appear only in the reason sentences.

Rules, as implemented (Kyrgyz law; see ../shared/domain, b.6 and c):

* **"Against all"** (Law-2019+ Art. 37(3)): the contest *fails and is repeated* when the leading
  candidate or list gets **fewer** votes than "against all". Equality does **not** fail it: a
  leader with exactly as many votes as "against all" stands. ``against_all=None`` means the
  ballot has no such line and the rule does not apply.
* **Plurality** (single-member district): the candidate with the most votes is elected. If no
  candidate received a vote, the contest fails.
* **Presidential round one** (Law-2015 Art. 55(4)): elected when the leader has **more than**
  ``majority_percent`` (default 50) **of the voters who took part** (``participants``, not valid
  votes): ``votes * 100 > majority_percent * participants``. Otherwise a runoff between the top
  ``runoff_candidates`` (default 2). With fewer than two candidates there can be no runoff and
  the contest fails.
* **Runoff round**: decided by plurality, subject to the "against all" rule (the second-round
  winning rule is unverified in the sources; this is the presumed rule).
* **List contest**: fails when "against all" has more votes than every list (i.e. than the
  leading list); otherwise it stands and its seats go to :func:`shailoo.results.seats.allocate`.

Tie rule, when a tie decides who is elected or who enters the runoff:

* ``TieBreak.LOT``: the tied candidates are sorted by the hexadecimal SHA-256 digest of
  ``f"{seed}:{candidate}"`` (UTF-8), smallest first (the same draw as in ``seats``). A seed is
  required (:class:`TieNeedsSeed`, a ``ValueError``, otherwise) and is recorded in ``data``.
* ``TieBreak.MORE_VOTES``: candidates tied on votes cannot be told apart by votes, so this is
  the lot (kept so that one configuration value serves lists and candidates).
* ``TieBreak.BALLOT_ORDER``: the candidate given earlier in ``votes`` goes first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from shailoo.results.seats import lot_digest, lot_order

Number = int | str | Decimal | Fraction


class DecisionKind(StrEnum):
    """What a contest came to."""

    ELECTED = "elected"  # for a list contest: the contest stands, seats are allocated
    RUNOFF = "runoff"
    FAILED = "failed"  # repeated election


class TieBreak(StrEnum):
    """How a tie is settled (same values as ``seats.TieBreak`` and the election config)."""

    LOT = "lot"
    MORE_VOTES = "more_votes"
    BALLOT_ORDER = "ballot_order"


class TieNeedsSeed(ValueError):
    """A tie decides the outcome, the tie rule is a lot, and no seed was given."""


@dataclass(frozen=True)
class Decision:
    """The outcome of a contest, with the reason in a sentence and the figures in ``data``."""

    kind: DecisionKind
    reason: str
    winners: tuple[str, ...] = ()
    runoff: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- public functions


def against_all_fails(leader_votes: int, against_all: int | None) -> bool:
    """True when the leader has fewer votes than "against all" (equality does not fail)."""
    return against_all is not None and leader_votes < against_all


def plurality(
    votes: Mapping[str, int] | Iterable[tuple[str, int]],
    *,
    against_all: int | None = None,
    tie_break: TieBreak | str = TieBreak.LOT,
    seed: str | int | None = None,
) -> Decision:
    """A single-member contest: the most votes wins, unless "against all" beats the leader."""
    items = _normalise(votes, "votes")
    against = _optional_count(against_all, "against_all")
    tie = _tie_rule(tie_break)
    return _plurality(items, against, tie, seed, "plurality")


def runoff_round(
    votes: Mapping[str, int] | Iterable[tuple[str, int]],
    *,
    against_all: int | None = None,
    tie_break: TieBreak | str = TieBreak.LOT,
    seed: str | int | None = None,
) -> Decision:
    """The presidential second round: plurality between the runoff candidates (presumed rule)."""
    items = _normalise(votes, "votes")
    against = _optional_count(against_all, "against_all")
    return _plurality(items, against, _tie_rule(tie_break), seed, "runoff round")


def presidential(
    votes: Mapping[str, int] | Iterable[tuple[str, int]],
    *,
    participants: int,
    against_all: int | None = None,
    majority_percent: Number = 50,
    runoff_candidates: int = 2,
    tie_break: TieBreak | str = TieBreak.LOT,
    seed: str | int | None = None,
) -> Decision:
    """Round one: elected with more than ``majority_percent`` of participants, else a runoff."""
    items = _normalise(votes, "votes")
    against = _optional_count(against_all, "against_all")
    tie = _tie_rule(tie_break)
    pct = _percent(majority_percent)
    if isinstance(runoff_candidates, bool) or not isinstance(runoff_candidates, int) or (
            runoff_candidates < 2):
        raise ValueError(f"runoff_candidates must be a whole number of at least 2, got "
                         f"{runoff_candidates!r}")
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 1:
        raise ValueError(f"participants must be a whole number of at least 1, got "
                         f"{participants!r}")
    counted = sum(v for _, v in items) + (against or 0)
    if counted > participants:
        raise ValueError(f"participants ({participants}) is smaller than the votes counted "
                         f"({counted}, candidates plus against all)")
    ranked = sorted(items, key=lambda e: -e[1])
    leader, top = ranked[0]
    data: dict[str, Any] = {
        "votes": dict(items), "against_all": against, "participants": participants,
        "majority_percent": str(pct), "votes_needed_more_than": str(pct * participants / 100),
        "leader_share_percent": _share(top, participants)}
    if top == 0:
        return Decision(DecisionKind.FAILED, "No candidate received a vote; the election is "
                        "repeated.", data=data)
    if against_all_fails(top, against):
        return Decision(DecisionKind.FAILED, (
            f"The leader {leader} has {top} votes, fewer than the {against} votes against all; "
            f"the election fails and is repeated."), data=data)
    if top * 100 > pct * participants:
        # more than half of the participants cannot be tied with anyone when pct >= 50
        level = [c for c, v in items if v == top]
        winner = leader
        if len(level) > 1:
            order, data["tie"] = _settle(level, 1, tie, seed, dict(items), "the first place")
            winner = order[0]
        return Decision(DecisionKind.ELECTED, (
            f"{winner} has {top} votes, {_share(top, participants)} % of the {participants} "
            f"voters who took part, more than {_decimal(pct)} %: elected in round one."),
            winners=(winner,), data=data)
    if len(items) < 2:
        return Decision(DecisionKind.FAILED, (
            f"{leader} has {top} votes, {_share(top, participants)} % of the {participants} "
            f"voters who took part, not more than {_decimal(pct)} %, and there is no second "
            f"candidate for a runoff; the election is repeated."), data=data)
    n = min(runoff_candidates, len(items))
    cut = ranked[n - 1][1]
    sure = [c for c, v in ranked if v > cut]
    level = [c for c, v in ranked if v == cut]
    chosen = sure + level
    if len(chosen) > n:
        order, data["tie"] = _settle(level, n - len(sure), tie, seed, dict(items),
                                     f"place {len(sure) + 1} for the runoff")
        chosen = sure + order[: n - len(sure)]
    figures = ", ".join(f"{c} {dict(items)[c]} ({_share(dict(items)[c], participants)} %)"
                        for c in chosen)
    return Decision(DecisionKind.RUNOFF, (
        f"No candidate has more than {_decimal(pct)} % of the {participants} voters who took "
        f"part (the leader {leader} has {_share(top, participants)} %); runoff between "
        f"{figures}."), runoff=tuple(chosen), data=data)


def list_contest_against_all(
    votes: Mapping[str, int] | Iterable[tuple[str, int]], *, against_all: int | None,
) -> Decision:
    """A list contest fails when "against all" has more votes than every list.

    ``ELECTED`` here means the contest stands (its seats are then allocated); ``FAILED`` means
    it is repeated.
    """
    items = _normalise(votes, "votes")
    against = _optional_count(against_all, "against_all")
    top = max(v for _, v in items)
    leaders = [p for p, v in items if v == top]
    data: dict[str, Any] = {"votes": dict(items), "against_all": against, "leading": leaders,
                            "leading_votes": top}
    if against_all_fails(top, against):
        return Decision(DecisionKind.FAILED, (
            f"Against all has {against} votes, more than every list (the leading list "
            f"{', '.join(leaders)} has {top}); the election fails and is repeated."), data=data)
    if against is None:
        reason = "The ballot has no 'against all' line; the contest stands."
    else:
        reason = (f"The leading list {', '.join(leaders)} has {top} votes, not fewer than the "
                  f"{against} votes against all; the contest stands.")
    return Decision(DecisionKind.ELECTED, reason, data=data)


# ----------------------------------------------------------------------------- helpers


def _plurality(items: list[tuple[str, int]], against: int | None, tie: TieBreak,
               seed: str | int | None, what: str) -> Decision:
    top = max(v for _, v in items)
    level = [c for c, v in items if v == top]
    total = sum(v for _, v in items) + (against or 0)
    data: dict[str, Any] = {"votes": dict(items), "against_all": against, "leading_votes": top}
    if top == 0:
        return Decision(DecisionKind.FAILED, f"No candidate received a vote in the {what}; the "
                        f"election is repeated.", data=data)
    if against_all_fails(top, against):
        return Decision(DecisionKind.FAILED, (
            f"The leader ({', '.join(level)}) has {top} votes, fewer than the {against} votes "
            f"against all; the election fails and is repeated."), data=data)
    winner = level[0]
    tie_note = ""
    if len(level) > 1:
        order, data["tie"] = _settle(level, 1, tie, seed, dict(items), "the first place")
        winner = order[0]
        tie_note = (f" {', '.join(level)} are tied; by rule '{tie.value}' the seat goes to "
                    f"{winner}.")
    against_note = "" if against is None else f", against all {against}"
    return Decision(DecisionKind.ELECTED, (
        f"{winner} has the most votes in the {what}: {top} of {total}{against_note}; "
        f"elected.{tie_note}"), winners=(winner,), data=data)


def _settle(tied: list[str], places: int, tie: TieBreak, seed: str | int | None,
            votes: dict[str, int], where: str) -> tuple[list[str], dict[str, Any]]:
    record: dict[str, Any] = {"where": where, "tied": list(tied), "places": places,
                              "rule": tie.value, "seed": None if seed is None else str(seed)}
    if tie is TieBreak.BALLOT_ORDER:
        order = list(tied)  # already in input (ballot) order
    else:
        if seed is None:
            raise TieNeedsSeed(
                f"tie_break: {', '.join(tied)} are tied for {where} ({places} place(s)) and the "
                f"tie rule needs a lot, but no seed was given; give a seed (it is recorded) or "
                f"another tie_break")
        record["digests"] = {c: lot_digest(seed, c) for c in tied}
        order = lot_order(tied, seed)
    record["order"] = order
    record["chosen"] = order[:places]
    return order, record


def _normalise(votes: Mapping[str, int] | Iterable[tuple[str, int]], name: str) -> list[
        tuple[str, int]]:
    raw = list(votes.items()) if isinstance(votes, Mapping) else list(votes)
    if not raw:
        raise ValueError(f"{name}: no candidate given (empty votes)")
    seen: set[str] = set()
    items: list[tuple[str, int]] = []
    for entry in raw:
        if not isinstance(entry, tuple) or len(entry) != 2:
            raise ValueError(f"{name}: each entry must be a (candidate, votes) pair, got "
                             f"{entry!r}")
        who, count = entry
        if not isinstance(who, str) or not who.strip():
            raise ValueError(f"{name}: names must be non-empty strings, got {who!r}")
        if who in seen:
            raise ValueError(f"{name}: duplicate candidate {who!r}")
        seen.add(who)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"{name}: votes for {who!r} must be a non-negative whole number, "
                             f"got {count!r}")
        items.append((who, count))
    return items


def _optional_count(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative whole number, got {value!r}")
    return value


def _tie_rule(value: TieBreak | str) -> TieBreak:
    try:
        return TieBreak(value)
    except ValueError:
        allowed = ", ".join(t.value for t in TieBreak)
        raise ValueError(f"tie_break: unknown value {value!r}; use one of {allowed}") from None


def _percent(value: object) -> Fraction:
    if isinstance(value, bool | float):
        raise ValueError(f"majority_percent must be exact (int, decimal string, Decimal or "
                         f"Fraction), not {value!r}")
    try:
        if isinstance(value, str):
            pct = Fraction(value.strip())
        elif isinstance(value, int | Fraction | Decimal):
            pct = Fraction(value)
        else:
            raise TypeError
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        raise ValueError(f"majority_percent is not a number: {value!r}") from None
    if not 0 < pct < 100:
        raise ValueError(f"majority_percent must be above 0 and below 100, got {value!r}")
    return pct


def _decimal(value: Fraction, places: int = 2) -> str:
    scaled = round(value * 10**places)
    whole, frac = divmod(abs(scaled), 10**places)
    return f"{'-' if scaled < 0 else ''}{whole}.{frac:0{places}d}"


def _share(votes: int, participants: int) -> str:
    return _decimal(Fraction(votes * 100, participants))

