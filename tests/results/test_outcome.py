"""Contest outcomes (shailoo.results.outcome): plurality, presidential majority and runoff,
and the "against all" failure rule."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shailoo.results.outcome import (
    DecisionKind,
    TieNeedsSeed,
    against_all_fails,
    list_contest_against_all,
    lot_order,
    plurality,
    presidential,
    runoff_round,
)

# 2021 early presidential election (domain file, section c): only these totals are given, so
# the candidates' figures below are constructed to fit them.
P2021 = 1_395_513
VALID_2021 = 1_384_466
AGAINST_2021 = 18_673


def test_2021_totals_are_consistent():
    assert VALID_2021 + 11_047 == P2021


def test_presidential_majority_is_of_participants_not_valid_votes():
    half = P2021 // 2  # 697,756; more than half of participants needs 697,757
    rest = VALID_2021 - AGAINST_2021 - (half + 1)
    elected = presidential({"Winner": half + 1, "Other": rest}, participants=P2021,
                           against_all=AGAINST_2021)
    assert elected.kind is DecisionKind.ELECTED and elected.winners == ("Winner",)
    assert "1395513 voters who took part" in elected.reason
    # Exactly half of participants is not "more than half": a runoff, although the same figure
    # is well above half of the valid votes.
    votes = {"Leader": half, "Second": rest + 1 - 100, "Third": 100}
    assert half * 2 > sum(votes.values()) + AGAINST_2021
    decision = presidential(votes, participants=P2021, against_all=AGAINST_2021)
    assert decision.kind is DecisionKind.RUNOFF
    assert decision.runoff == ("Leader", "Second") and decision.winners == ()


def test_presidential_runoff_between_top_two_with_figures():
    decision = presidential({"A": 400, "B": 350, "C": 200}, participants=1000)
    assert decision.kind is DecisionKind.RUNOFF and decision.runoff == ("A", "B")
    assert "A 400 (40.00 %)" in decision.reason and "B 350 (35.00 %)" in decision.reason


def test_presidential_configurable_majority_and_runoff_size():
    votes = {"A": 450, "B": 300, "C": 200}
    assert presidential(votes, participants=1000, majority_percent=40).winners == ("A",)
    three = presidential(votes, participants=1000, runoff_candidates=3)
    assert three.runoff == ("A", "B", "C")


def test_presidential_tie_for_second_place_uses_the_tie_rule():
    votes = {"A": 400, "B": 250, "C": 250}
    with pytest.raises(TieNeedsSeed, match="B, C"):
        presidential(votes, participants=1000)
    by_ballot = presidential(votes, participants=1000, tie_break="ballot_order")
    assert by_ballot.runoff == ("A", "B")
    drawn = presidential(votes, participants=1000, seed="s1")
    expected = min(["B", "C"], key=lambda c: hashlib.sha256(f"s1:{c}".encode()).hexdigest())
    assert drawn.runoff == ("A", expected)
    assert drawn.data["tie"]["seed"] == "s1" and drawn.data["tie"]["chosen"] == [expected]


def test_presidential_tie_at_the_top_enters_both():
    decision = presidential({"A": 300, "B": 300, "C": 100}, participants=1000)
    assert decision.runoff == ("A", "B")  # no lot needed: both go through


def test_presidential_against_all_failure():
    failed = presidential({"A": 100, "B": 90}, participants=1000, against_all=101)
    assert failed.kind is DecisionKind.FAILED and "fewer than the 101" in failed.reason
    equal = presidential({"A": 100, "B": 90}, participants=1000, against_all=100)
    assert equal.kind is DecisionKind.RUNOFF


def test_presidential_single_candidate_without_majority_fails():
    decision = presidential({"A": 400}, participants=1000)
    assert decision.kind is DecisionKind.FAILED and "no second candidate" in decision.reason
    assert presidential({"A": 501}, participants=1000).winners == ("A",)


def test_plurality_winner_and_against_all():
    assert plurality({"A": 10, "B": 7}).winners == ("A",)
    assert plurality({"A": 10, "B": 7}, against_all=10).kind is DecisionKind.ELECTED
    failed = plurality({"A": 10, "B": 7}, against_all=11)
    assert failed.kind is DecisionKind.FAILED and failed.winners == ()
    assert plurality({"A": 0, "B": 0}).kind is DecisionKind.FAILED


def test_plurality_tie():
    with pytest.raises(TieNeedsSeed):
        plurality({"A": 5, "B": 5, "C": 1})
    assert plurality({"A": 5, "B": 5}, tie_break="ballot_order").winners == ("A",)
    assert plurality({"B": 5, "A": 5}, tie_break="ballot_order").winners == ("B",)
    drawn = plurality({"Асан": 5, "Үсөн": 5}, seed=42)
    assert drawn.winners == (lot_order(["Асан", "Үсөн"], 42)[0],)
    assert "tied" in drawn.reason


def test_runoff_round_is_plurality_with_against_all():
    assert runoff_round({"A": 500, "B": 480}, against_all=20).winners == ("A",)
    assert runoff_round({"A": 500, "B": 480}, against_all=501).kind is DecisionKind.FAILED


def test_list_contest_against_all():
    stands = list_contest_against_all({"A": 100, "B": 50}, against_all=100)
    assert stands.kind is DecisionKind.ELECTED
    fails = list_contest_against_all({"A": 100, "B": 50}, against_all=101)
    assert fails.kind is DecisionKind.FAILED and "more than every list" in fails.reason
    assert list_contest_against_all({"A": 1}, against_all=None).kind is DecisionKind.ELECTED


@settings(max_examples=300, deadline=None)
@given(votes=st.dictionaries(st.sampled_from("ABCDE"), st.integers(0, 1000), min_size=1),
       against=st.none() | st.integers(0, 1000), extra=st.integers(0, 500))
def test_presidential_oracle(votes, against, extra):
    participants = sum(votes.values()) + (against or 0) + extra
    if participants == 0:
        return
    decision = presidential(votes, participants=participants, against_all=against,
                            tie_break="ballot_order")
    top = max(votes.values())
    if top == 0 or (against is not None and top < against):
        assert decision.kind is DecisionKind.FAILED
        assert against_all_fails(top, against) or top == 0
    elif 2 * top > participants:
        assert decision.kind is DecisionKind.ELECTED
        assert votes[decision.winners[0]] == top
    elif len(votes) < 2:
        assert decision.kind is DecisionKind.FAILED
    else:
        assert decision.kind is DecisionKind.RUNOFF and len(decision.runoff) == 2
        ranked = sorted(votes.values(), reverse=True)
        assert sorted((votes[c] for c in decision.runoff), reverse=True) == ranked[:2]


@pytest.mark.parametrize(("call", "field"), [
    (lambda: plurality({}), "votes"),
    (lambda: plurality({"A": -1}), "votes"),
    (lambda: plurality([("A", 1), ("A", 2)]), "duplicate"),
    (lambda: plurality({"A": 1}, against_all=-1), "against_all"),
    (lambda: plurality({"A": 1}, tie_break="coin"), "tie_break"),
    (lambda: presidential({"A": 1}, participants=0), "participants"),
    (lambda: presidential({"A": 10}, participants=5), "participants"),
    (lambda: presidential({"A": 1}, participants=5, majority_percent=100), "majority_percent"),
    (lambda: presidential({"A": 1}, participants=5, majority_percent=50.0), "majority_percent"),
    (lambda: presidential({"A": 1}, participants=5, runoff_candidates=1), "runoff_candidates"),
])
def test_bad_input(call, field):
    with pytest.raises(ValueError, match=field):
        call()
