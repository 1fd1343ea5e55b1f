"""The table of allowed election status transitions."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shailoo.elections.rules import ALLOWED_TRANSITIONS, ElectionStatus, transition_error

S = ElectionStatus
PATH = [S.SCHEDULED, S.NOMINATION, S.CAMPAIGN, S.POLLING, S.COUNTING, S.CERTIFIED]
FINAL = {S.CERTIFIED, S.ANNULLED}


def test_the_table_covers_every_status():
    assert set(ALLOWED_TRANSITIONS) == set(S)


def test_the_calendar_path_is_allowed_step_by_step():
    for current, target in itertools.pairwise(PATH):
        assert transition_error(current, target) is None


@pytest.mark.parametrize("current", [s for s in S if s not in FINAL])
def test_annulled_from_any_non_final_status(current):
    assert transition_error(current, S.ANNULLED) is None


@given(st.sampled_from(sorted(FINAL)), st.sampled_from(S))
def test_nothing_leaves_a_final_status(current, target):
    assert transition_error(current, target) == (
        f"an election that is {current.value} is final and cannot change status")


@given(st.sampled_from(S), st.sampled_from(S))
def test_only_the_next_step_or_annulment_is_allowed(current, target):
    next_step = (current in PATH and target in PATH
                 and PATH.index(target) == PATH.index(current) + 1)
    allowed = current not in FINAL and (target is S.ANNULLED or next_step)
    assert (transition_error(current, target) is None) is allowed


def test_forbidden_messages_name_the_allowed_targets():
    assert transition_error(S.SCHEDULED, S.CERTIFIED) == (
        "from scheduled an election may move only to: annulled, nomination")
    assert transition_error(S.POLLING, S.POLLING) == (
        "from polling an election may move only to: annulled, counting")
    assert transition_error(S.COUNTING, S.CAMPAIGN) == (
        "from counting an election may move only to: annulled, certified")
