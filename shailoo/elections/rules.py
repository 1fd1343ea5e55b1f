"""Pure election rules: kinds, statuses and the table of allowed status transitions."""

from __future__ import annotations

from enum import StrEnum


class ElectionKind(StrEnum):
    """What is being elected or decided."""

    PARLIAMENTARY = "parliamentary"
    PRESIDENTIAL = "presidential"
    LOCAL = "local"
    REFERENDUM = "referendum"


class ElectionStatus(StrEnum):
    """Where an election stands in its calendar."""

    SCHEDULED = "scheduled"
    NOMINATION = "nomination"
    CAMPAIGN = "campaign"
    POLLING = "polling"
    COUNTING = "counting"
    CERTIFIED = "certified"
    ANNULLED = "annulled"


class ContestKind(StrEnum):
    """A race inside an election."""

    NATIONAL_LIST = "national_list"
    SINGLE_MEMBER_DISTRICT = "single_member_district"
    PRESIDENTIAL = "presidential"
    REFERENDUM = "referendum"


S = ElectionStatus
ALLOWED_TRANSITIONS: dict[ElectionStatus, frozenset[ElectionStatus]] = {
    S.SCHEDULED: frozenset({S.NOMINATION, S.ANNULLED}),
    S.NOMINATION: frozenset({S.CAMPAIGN, S.ANNULLED}),
    S.CAMPAIGN: frozenset({S.POLLING, S.ANNULLED}),
    S.POLLING: frozenset({S.COUNTING, S.ANNULLED}),
    S.COUNTING: frozenset({S.CERTIFIED, S.ANNULLED}),
    S.CERTIFIED: frozenset(),
    S.ANNULLED: frozenset(),
}


def transition_error(current: ElectionStatus, target: ElectionStatus) -> str | None:
    """Why ``current -> target`` is not allowed, or None when it is."""
    allowed = ALLOWED_TRANSITIONS[current]
    if target in allowed:
        return None
    if not allowed:
        return f"an election that is {current.value} is final and cannot change status"
    names = ", ".join(sorted(s.value for s in allowed))
    return f"from {current.value} an election may move only to: {names}"
