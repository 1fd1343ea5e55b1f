"""Reading results for publication: contest reports with the law's percentages, progress,
drill-down by level, and scanner-versus-manual comparison per station."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from shailoo.candidates import service as candidates
from shailoo.candidates.schemas import ChoiceKind, ChoiceOut
from shailoo.elections import service as elections
from shailoo.elections.rules import ContestKind
from shailoo.elections.schemas import ContestOut, ElectionOut
from shailoo.elections.systems import AgainstAllRule, Denominator, ListTier
from shailoo.geography import service as geography
from shailoo.results import outcome as outcome_rules
from shailoo.results import seats, service
from shailoo.results.rules import LINES, Source, protocol_differences
from shailoo.results.schemas import ProtocolOut


@dataclass(frozen=True)
class ChoiceResult:
    """One ballot line's votes and shares (shares are for display, never stored)."""

    choice: ChoiceOut
    votes: int
    share_of_participants: Fraction | None
    share_of_valid: Fraction | None


@dataclass
class ContestReport:
    """A contest's figures from one source at one unit (the whole contest, a region, a TEC)."""

    contest: ContestOut
    source: Source
    level: str
    unit: str
    choices: list[ChoiceResult]
    lines: dict[str, int]
    participants: int
    valid: int
    voters: int
    stations_reporting: int
    stations_expected: int
    outcome: dict[str, Any] | None = None
    breakdown: list[dict[str, Any]] = field(default_factory=list)
    # What the report was built from, kept for ``outcome`` (not part of the JSON form): the
    # contest's election, and the running totals read per level ({level: {unit: figures}}).
    election: ElectionOut | None = field(default=None, repr=False, compare=False)
    totals: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict, repr=False,
                                                         compare=False)

    @property
    def turnout(self) -> Fraction | None:
        """Voters who took part over voters on the lists of the reporting stations."""
        return Fraction(self.participants, self.voters) if self.voters else None

    def as_dict(self) -> dict[str, Any]:
        """JSON form: counts as integers, shares as decimal strings with 4 places."""
        return {
            "contest": self.contest.model_dump(mode="json"), "source": self.source.value,
            "level": self.level, "unit": self.unit,
            "stations_reporting": self.stations_reporting,
            "stations_expected": self.stations_expected, "voters": self.voters,
            "participants": self.participants, "valid": self.valid,
            "turnout": _decimal(self.turnout), "lines": self.lines,
            "choices": [{"code": c.choice.code, "kind": c.choice.kind.value,
                         "name_ky": c.choice.name_ky, "name_ru": c.choice.name_ru,
                         "name_en": c.choice.name_en, "votes": c.votes,
                         "share_of_participants": _decimal(c.share_of_participants),
                         "share_of_valid": _decimal(c.share_of_valid)} for c in self.choices],
            "outcome": self.outcome, "breakdown": self.breakdown}


FACTS_TTL_SECONDS = 1.0  # how stale a cached contest or election (its status) may be
# How stale the number of stations expected per unit may be: counting them is the dearest
# read of a results answer (a GROUP BY over every station), and stations are not added or
# moved on election night; a change shows in the progress figures within this.
STATIONS_TTL_SECONDS = 30.0


@dataclass
class _Facts:
    contest: ContestOut
    election: ElectionOut
    expected: Counter[tuple[str, str]]
    read_at: float
    counted_at: float  # when ``expected`` was counted


class ReportCache:
    """What the public results API reads for every answer but rarely changes, kept per
    process. Ballots: a ballot can be set only once, so a contest's ballot, once it has
    lines, is what every later read would return (a contest without a ballot yet is not
    kept). A contest with its election: kept for ``FACTS_TTL_SECONDS`` (a status change shows
    within that); the number of stations expected per unit for ``STATIONS_TTL_SECONDS``, or
    until the contest's district or abroad rule changes. The running totals are never
    cached: they are read for every answer."""

    def __init__(self) -> None:
        self.ballots: dict[int, list[ChoiceOut]] = {}
        self.facts: dict[int, _Facts] = {}

    def ballot(self, session: Session, contest_id: int) -> list[ChoiceOut]:
        """The contest's ballot lines in ballot order (as ``candidates.public_ballot``)."""
        ballot = self.ballots.get(contest_id)
        if ballot is None:
            ballot = candidates.public_ballot(session, contest_id)
            if ballot:
                self.ballots[contest_id] = ballot
        return ballot

    def contest(self, session: Session, contest_id: int
                ) -> tuple[ContestOut, ElectionOut, Counter[tuple[str, str]]]:
        """The contest, its election and the stations expected per (level, unit), read at
        most once per ``FACTS_TTL_SECONDS``."""
        hit = self.facts.get(contest_id)
        now = time.monotonic()
        if hit is None or now - hit.read_at >= FACTS_TTL_SECONDS:
            contest, election = elections.public_get_contest(session, contest_id)
            if hit is None or now - hit.counted_at >= STATIONS_TTL_SECONDS or \
                    _station_rule(contest, election) != _station_rule(hit.contest, hit.election):
                hit = _Facts(contest, election, expected_stations(session, contest, election),
                             now, now)
            else:
                hit = _Facts(contest, election, hit.expected, now, hit.counted_at)
            self.facts[contest_id] = hit
        return hit.contest, hit.election, hit.expected


def _decimal(value: Fraction | None) -> str | None:
    return None if value is None else f"{float(value):.4f}"


def _station_rule(contest: ContestOut, election: ElectionOut
                  ) -> tuple[ContestKind, int | None, bool]:
    """What decides which stations vote in a contest (besides the stations themselves): its
    kind, its district, and whether the list counts abroad stations."""
    abroad_votes = election.system.list_tier.abroad_votes if election.system.list_tier else True
    return contest.kind, contest.district_id, abroad_votes


def expected_stations(session: Session, contest: ContestOut, election: ElectionOut
                      ) -> Counter[tuple[str, str]]:
    """How many stations vote in the contest, per (level, unit)."""
    kind, district_id, abroad_votes = _station_rule(contest, election)
    if kind is ContestKind.SINGLE_MEMBER_DISTRICT:
        rows = geography.station_counts(session, district_id=district_id)
    else:
        rows = geography.station_counts(
            session, include_abroad=abroad_votes or kind is not ContestKind.NATIONAL_LIST)
    counts: Counter[tuple[str, str]] = Counter()
    for region, tec, n in rows:
        counts[("contest", "*")] += n
        counts[("region", region or service.ABROAD_UNIT)] += n
        counts[("tec", tec)] += n
    return counts


def _report(contest: ContestOut, ballot: list[ChoiceOut], source: Source, level: str,
            unit: str, figures: dict[str, int], expected: int) -> ContestReport:
    votes = {c.code: figures.get(f"choice:{c.code}", 0) for c in ballot}
    lines = {name: figures[f"line:{name}"] for name in LINES if f"line:{name}" in figures}
    votes_total = sum(votes.values())  # valid ballots, "against all" included
    found = lines.get("ballots_found_stationary", 0) + lines.get("ballots_found_mobile", 0)
    invalid = lines.get("ballots_invalid", 0)
    # The law's denominator; never smaller than what was counted, so shares never pass 100 %.
    participants = max(found, votes_total + invalid)
    choices = [ChoiceResult(c, votes[c.code],
                            Fraction(votes[c.code], participants) if participants else None,
                            Fraction(votes[c.code], votes_total) if votes_total else None)
               for c in ballot]
    return ContestReport(contest=contest, source=source, level=level, unit=unit,
                         choices=choices, lines=lines, participants=participants,
                         valid=votes_total,
                         voters=lines.get("voters_list", 0) + lines.get("voters_additional", 0),
                         stations_reporting=figures.get(service.STATIONS_KEY, 0),
                         stations_expected=expected)


def read_without_transaction(session: Session) -> None:
    """On PostgreSQL, let a fresh session that only reads run each statement on its own
    (autocommit), sparing the BEGIN and ROLLBACK round trips. Under READ COMMITTED each
    statement already sees its own snapshot inside a transaction, so the answers are the
    same. Elsewhere, or for a session already in a transaction or bound to a connection,
    nothing changes."""
    bind = session.bind
    if (isinstance(bind, Engine) and bind.dialect.name == "postgresql"
            and getattr(bind.dialect, "default_isolation_level", None) == "READ COMMITTED"
            and not session.in_transaction()):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def public_contest_report(session: Session, contest_id: int, source: Source,
                          level: str = "contest", unit: str = "*",
                          breakdown_level: str | None = None,
                          cache: ReportCache | None = None) -> ContestReport:
    """A contest's results from one source at one unit, optionally with the next level down
    (e.g. the regions of the whole contest, or the TECs of a region). ``cache``: ballots,
    contests and station counts already read (see :class:`ReportCache`)."""
    if cache is not None:
        contest, election, expected = cache.contest(session, contest_id)
        ballot = cache.ballot(session, contest_id)
    else:
        contest, election = elections.public_get_contest(session, contest_id)
        ballot = candidates.public_ballot(session, contest_id)
        expected = expected_stations(session, contest, election)
    levels = [level] + ([breakdown_level] if breakdown_level else [])
    totals = service.public_totals_at(session, contest_id, source, levels)
    report = _report(contest, ballot, source, level, unit, totals[level].get(unit, {}),
                     expected[(level, unit)])
    report.election = election
    report.totals = totals
    if breakdown_level:
        below = totals[breakdown_level]
        units = sorted(u for (lvl, u) in expected if lvl == breakdown_level)
        if level == "region" and breakdown_level == "tec":
            units = [u for u in units if u in _tecs_of_region(session, unit)]
        for u in units:
            sub = _report(contest, ballot, source, breakdown_level, u, below.get(u, {}),
                          expected[(breakdown_level, u)])
            report.breakdown.append(sub.as_dict() | {"contest": None})
    return report


def _tecs_of_region(session: Session, region: str) -> set[str]:
    if region == service.ABROAD_UNIT:
        return {c.code for c in geography.public_list_commissions(session, abroad=True)}
    return {c.code for c in geography.public_list_commissions(session, region=region)}


def public_station_comparison(session: Session, election_id: int,
                              station: str) -> list[dict[str, Any]]:
    """Per contest of the station: the scanner and the manual protocol side by side, with
    every differing line and ballot line."""
    protocols = service.public_station_protocols(session, election_id, station)
    by_contest: dict[int, dict[str, ProtocolOut]] = {}
    for p in protocols:
        by_contest.setdefault(p.contest_id, {})[p.source.value] = p
    comparison = []
    for contest in elections.public_contests(session, election_id):
        found = by_contest.get(contest.id)
        if not found:
            continue
        scanner, manual = found.get("scanner"), found.get("manual")
        ballot = candidates.public_ballot(session, contest.id)

        def flat(p: ProtocolOut | None) -> dict[str, int | None]:
            if p is None:
                return {}
            values: dict[str, int | None] = {f"line:{k}": v for k, v in p.lines.items()}
            values.update({f"choice:{k}": v for k, v in p.votes.items()})
            return values

        differences = protocol_differences(flat(scanner), flat(manual)) if (
            scanner and manual) else {}
        comparison.append({"contest": contest, "ballot": ballot, "scanner": scanner,
                           "manual": manual, "differences": differences})
    return comparison


def main_contest(session: Session, election_id: int) -> ContestOut:
    """The election's nationwide contest (list, presidency or referendum)."""
    contests = elections.public_contests(session, election_id)
    return next((c for c in contests if c.kind is not ContestKind.SINGLE_MEMBER_DISTRICT),
                contests[0])



def outcome(session: Session, report: ContestReport) -> dict[str, Any] | None:
    """The contest's outcome on the counted figures: seats with their transcript for a list
    contest, the winner of a district, the president or a runoff; None before any count.
    While stations are missing the outcome is marked provisional."""
    if report.stations_reporting == 0:
        return None
    contest = report.contest
    election = report.election
    if election is None:
        _, election = elections.public_get_contest(session, contest.id)
    system = election.system
    votes = {c.choice.code: c.votes for c in report.choices
             if c.choice.kind is not ChoiceKind.AGAINST_ALL}
    against = sum(c.votes for c in report.choices if c.choice.kind is ChoiceKind.AGAINST_ALL)
    against_rule = against if system.against_all is AgainstAllRule.FAILS_IF_LEADER_BELOW else None
    names = {c.choice.code: c.choice.name_en for c in report.choices}
    seed = f"shailoo:contest:{contest.id}"
    provisional = report.stations_reporting < report.stations_expected
    result: dict[str, Any] = {"provisional": provisional, "seats": {}, "transcript": []}
    if contest.kind is ContestKind.NATIONAL_LIST and system.list_tier is not None:
        standing = outcome_rules.list_contest_against_all(votes, against_all=against_rule)
        if standing.kind is outcome_rules.DecisionKind.FAILED:
            return result | {"kind": "failed", "summary": standing.reason}
        allocation = _allocate_list(session, report, system.list_tier, votes, seed)
        won = ", ".join(f"{names[p]} {n}" for p, n in sorted(
            allocation.seats.items(), key=lambda x: -x[1]) if n)
        return result | {"kind": "seats", "seats": allocation.seats,
                         "summary": f"Seats: {won}.",
                         "transcript": [step.text for step in allocation.transcript]}
    if contest.kind is ContestKind.PRESIDENTIAL and system.presidential is not None:
        decision = outcome_rules.presidential(
            votes, participants=_denominator(system.presidential.denominator, report),
            against_all=against_rule,
            majority_percent=system.presidential.majority_percent,
            runoff_candidates=system.presidential.runoff_candidates, seed=seed)
    else:
        tie = system.district_tier.tie_break.value if system.district_tier else "lot"
        decision = outcome_rules.plurality(votes, against_all=against_rule, seed=seed,
                                           tie_break=outcome_rules.TieBreak(tie))
    winners = {p: 1 for p in decision.winners}
    return result | {"kind": decision.kind.value, "seats": winners, "summary": decision.reason,
                     "winners": list(decision.winners), "runoff": list(decision.runoff)}


def _allocate_list(session: Session, report: ContestReport, tier: ListTier,
                   votes: dict[str, int], seed: str) -> seats.Allocation:
    threshold = denominator = None
    if tier.national_threshold is not None:
        threshold = tier.national_threshold.percent
        denominator = _denominator(tier.national_threshold.denominator, report)
    regional = None
    if tier.regional_threshold is not None:
        rule = tier.regional_threshold
        by_region = report.totals.get("region")
        if by_region is None:
            by_region = service.public_totals(session, report.contest.id, report.source,
                                              "region")
        ballot = [c.choice for c in report.choices]
        regional_votes: dict[str, dict[str, int]] = {}
        denominators: dict[str, int] = {}
        for unit in rule.units:
            figures = by_region.get(unit)
            if not figures:
                continue  # no station of this unit counted yet: the test waits for it
            sub = _report(report.contest, ballot, report.source, "region", unit, figures, 0)
            regional_votes[unit] = {c.choice.code: c.votes for c in sub.choices
                                    if c.choice.code in votes}
            denominators[unit] = _denominator(rule.denominator, sub)
        if regional_votes:
            regional = seats.RegionalThreshold(percent=rule.percent, votes=regional_votes,
                                               denominators=denominators)
    return seats.allocate(
        votes, tier.seats, seats.Method(tier.method.value), threshold=threshold,
        denominator=denominator, regional=regional,
        cap=tier.cap.max_seats if tier.cap else None,
        cap_overflow=seats.CapOverflow(tier.cap.overflow.value) if tier.cap else
        seats.CapOverflow.REDISTRIBUTE,
        first_divisor=tier.first_divisor, tie_break=seats.TieBreak(tier.tie_break.value),
        seed=seed)


def _denominator(kind: Denominator, report: ContestReport) -> int:
    if kind is Denominator.VALID_VOTES:
        return report.valid
    if kind is Denominator.REGISTERED:
        return report.voters
    return report.participants
