"""Polling-day law as pure functions: what a device is told about an identified voter."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Answer(StrEnum):
    """What the identification device is told to do."""

    ISSUE = "issue_ballot"
    ALREADY_VOTED = "already_voted"
    NOT_ON_THIS_LIST = "not_on_this_list"
    NOT_ON_ANY_LIST = "not_on_any_list"
    NOT_ELIGIBLE = "not_eligible"


METHODS = ("fingerprint", "face", "document")


@dataclass(frozen=True)
class Placement:
    """Where the register places a voter in the election: the list (or additional list)
    station, or the reason they are excluded."""

    station: str | None
    exclusion: str | None


def answer_before_ballot(station: str, placement: Placement) -> tuple[Answer, str | None]:
    """The answer for a voter identified at ``station``, before looking at ballots issued:
    (answer, detail), the detail naming where the voter is listed or why they may not vote.
    ISSUE here means "may have a ballot if none was issued yet"."""
    if placement.exclusion is not None:
        return Answer.NOT_ELIGIBLE, placement.exclusion
    if placement.station is None:
        return Answer.NOT_ON_ANY_LIST, None
    if placement.station != station:
        return Answer.NOT_ON_THIS_LIST, placement.station
    return Answer.ISSUE, None


def method_problem(method: str, fallback_reason: str | None) -> str | None:
    """Why an identification's method is not acceptable, or None: a document check (the
    fallback when matching fails) must say why."""
    if method not in METHODS:
        return f"method must be one of {', '.join(METHODS)}"
    if method == "document" and not (fallback_reason or "").strip():
        return "a document check needs the reason the biometric check was not used"
    return None
