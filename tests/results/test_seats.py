"""Seat allocation (shailoo.results.seats): Hypothesis properties against naive oracles written
here, the Kyrgyz 2015 worked example, and every case of the shared apportionment test vectors."""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from shailoo.results.seats import (
    Allocation,
    CapOverflow,
    Method,
    RegionalThreshold,
    TieBreak,
    TieNeedsSeed,
    allocate,
    divisor,
    lot_order,
)
from tests.conftest import SHARED_DIR, shared_data

# ----------------------------------------------------------------------------- naive oracles


def divisor_of(method: str, first: Fraction = Fraction(7, 5)):
    if method == "dhondt":
        return lambda k: Fraction(k + 1)
    if method == "sainte-lague":
        return lambda k: Fraction(2 * k + 1)
    return lambda k: first if k == 0 else Fraction(2 * k + 1)


def oracle_divisor(votes: list[tuple[str, int]], seats: int, method: str,
                   first: Fraction = Fraction(7, 5), cap: int | None = None) -> dict[str, int]:
    """Give seats one at a time to the highest quotient; ties to the earlier list; skip capped
    lists and lists without votes."""
    d = divisor_of(method, first)
    won = {p: 0 for p, _ in votes}
    for _ in range(seats):
        best: tuple[Fraction, str] | None = None
        for p, v in votes:  # input order: the first of equal quotients stays best
            if v == 0 or (cap is not None and won[p] >= cap):
                continue
            q = Fraction(v) / d(won[p])
            if best is None or q > best[0]:
                best = (q, p)
        if best is None:
            break
        won[best[1]] += 1
    return won


def compositions(n: int, k: int):
    """All k-tuples of non-negative integers summing to n."""
    for bars in itertools.combinations(range(n + k - 1), k - 1):
        prev, parts = -1, []
        for b in (*bars, n + k - 1):
            parts.append(b - prev - 1)
            prev = b
        yield tuple(parts)


def oracle_largest_remainder(votes: list[tuple[str, int]], seats: int,
                             method: str) -> list[dict[str, int]]:
    """Every allocation (over lists with votes) closest to the exact quota shares in the sum of
    squares, found by brute force: the set largest remainder must pick from."""
    active = [(p, v) for p, v in votes if v > 0]
    total = sum(v for _, v in active)
    quota = Fraction(total, seats) if method == "hare" else Fraction(total // (seats + 1) + 1)
    shares = [Fraction(v) / quota for _, v in active]
    best: list[tuple[int, ...]] = []
    best_cost: Fraction | None = None
    for parts in compositions(seats, len(active)):
        cost = sum(((s - x) ** 2 for s, x in zip(parts, shares, strict=True)), Fraction(0))
        if best_cost is None or cost < best_cost:
            best, best_cost = [parts], cost
        elif cost == best_cost:
            best.append(parts)
    out = []
    for parts in best:
        alloc = {p: 0 for p, _ in votes}
        alloc.update({p: s for (p, _), s in zip(active, parts, strict=True)})
        out.append(alloc)
    return out


def huntington_hill(populations: list[int], seats: int) -> list[int]:
    """US House: one seat each, then priority value v / sqrt(s (s + 1)), compared squared."""
    won = [1] * len(populations)
    for _ in range(seats - len(populations)):
        i = max(range(len(populations)),
                key=lambda j: Fraction(populations[j] ** 2, won[j] * (won[j] + 1)))
        won[i] += 1
    return won


# ----------------------------------------------------------------------------- strategies

NAMES = ["A", "B", "C", "D", "E", "F", "Ж", "Ы"]
ALL_METHODS = [m.value for m in Method]
DIVISOR_METHODS = ["dhondt", "sainte-lague", "modified-sainte-lague"]


@st.composite
def vote_lists(draw, min_size: int = 1, max_size: int = 6, max_votes: int = 1000):
    names = draw(st.lists(st.sampled_from(NAMES), min_size=min_size, max_size=max_size,
                          unique=True))
    return [(n, draw(st.integers(0, max_votes))) for n in names]


def seats_of(result: Allocation) -> int:
    return sum(result.seats.values())


# ----------------------------------------------------------------------------- properties


@settings(max_examples=300, deadline=None)
@given(votes=vote_lists(), seats=st.integers(1, 30), method=st.sampled_from(DIVISOR_METHODS),
       first=st.sampled_from(["1", "1.2", "1.4", "7/5", "2", "0.5"]),
       cap=st.none() | st.integers(1, 12))
def test_divisor_methods_equal_the_one_seat_at_a_time_oracle(votes, seats, method, first, cap):
    kwargs = {"first_divisor": first} if method == "modified-sainte-lague" else {}
    result = allocate(votes, seats, method, cap=cap, tie_break="ballot_order", **kwargs)
    expected = oracle_divisor(votes, seats, method, Fraction(first), cap)
    assert result.seats == expected
    assert result.vacant == seats - sum(expected.values())


@settings(max_examples=300, deadline=None)
@given(votes=vote_lists(max_size=5, max_votes=300), seats=st.integers(1, 10),
       method=st.sampled_from(["hare", "droop"]))
def test_largest_remainder_is_a_closest_allocation_by_brute_force(votes, seats, method):
    assume(any(v > 0 for _, v in votes))
    result = allocate(votes, seats, method, tie_break="ballot_order")
    assert result.seats in oracle_largest_remainder(votes, seats, method)


@settings(max_examples=300, deadline=None)
@given(votes=vote_lists(), seats=st.integers(1, 40), method=st.sampled_from(ALL_METHODS),
       pct=st.sampled_from(["0", "0.7", "5", "7", "12.5", "33", "100"]),
       extra=st.integers(0, 500), use_den=st.booleans(), seed=st.text(min_size=1, max_size=5))
def test_seats_fill_the_house_and_thresholds_hold(votes, seats, method, pct, extra, use_den,
                                                  seed):
    total = sum(v for _, v in votes)
    den = total + extra if use_den else None
    if not use_den and total == 0:
        with pytest.raises(ValueError, match="threshold"):
            allocate(votes, seats, method, threshold=pct, seed=seed)
        return
    if den == 0:
        return
    result = allocate(votes, seats, method, threshold=pct, denominator=den, seed=seed)
    measured = den if den is not None else total
    for party, v in votes:
        fails = v * 100 < Fraction(pct) * measured
        assert (party in result.excluded) == fails
        if fails:
            assert result.seats[party] == 0
    assert list(result.seats) == [p for p, _ in votes]  # every list, in order, zeros included
    if any(v > 0 for p, v in votes if p in result.qualified):
        assert seats_of(result) == seats and result.vacant == 0
    else:
        assert seats_of(result) == 0 and result.vacant == seats
    assert all(result.seats[p] == 0 for p, v in votes if v == 0)


@settings(max_examples=300, deadline=None)
@given(votes=vote_lists(max_votes=10**6), seats=st.integers(1, 200))
def test_hare_satisfies_the_quota_rule(votes, seats):
    total = sum(v for _, v in votes)
    assume(total > 0)
    result = allocate(votes, seats, "hare", tie_break="ballot_order")
    for party, v in votes:
        exact = Fraction(v * seats, total)
        floor = exact.numerator // exact.denominator
        assert floor <= result.seats[party] <= floor + (exact.denominator != 1)


@settings(max_examples=200, deadline=None)
@given(votes=vote_lists(max_votes=10**6), seats=st.integers(1, 60))
def test_droop_gives_each_list_its_whole_quotas_or_one_more(votes, seats):
    total = sum(v for _, v in votes)
    active = [v for _, v in votes if v > 0]
    quota = total // (seats + 1) + 1
    assume(active and seats - sum(v // quota for v in active) <= len(active))
    result = allocate(votes, seats, "droop", tie_break="ballot_order")
    for party, v in votes:
        assert v // quota <= result.seats[party] <= v // quota + (v > 0)


@settings(max_examples=300, deadline=None)
@given(votes=vote_lists(min_size=2), seats=st.integers(1, 40),
       method=st.sampled_from(ALL_METHODS), cap=st.integers(1, 20),
       overflow=st.sampled_from(["redistribute", "vacant"]))
def test_cap_is_respected(votes, seats, method, cap, overflow):
    result = allocate(votes, seats, method, cap=cap, cap_overflow=overflow,
                      tie_break="ballot_order")
    assert max(result.seats.values()) <= cap
    assert seats_of(result) + result.vacant == seats
    with_votes = sum(1 for _, v in votes if v > 0)
    uncapped = allocate(votes, seats, method, tie_break="ballot_order")
    if overflow == "vacant":
        assert result.seats == {p: min(n, cap) for p, n in uncapped.seats.items()}
    elif with_votes * cap >= seats:
        assert result.vacant == 0
    else:
        assert result.vacant == seats - with_votes * cap


@settings(max_examples=200, deadline=None)
@given(votes=vote_lists(min_size=2), seats=st.integers(1, 30),
       method=st.sampled_from(ALL_METHODS), data=st.data(), seed=st.text(min_size=1))
def test_order_of_the_input_does_not_matter_with_the_lot(votes, seats, method, data, seed):
    assume(sum(v for _, v in votes) > 0)
    shuffled = data.draw(st.permutations(votes))
    a = allocate(votes, seats, method, threshold="5", tie_break="lot", seed=seed)
    b = allocate(shuffled, seats, method, threshold="5", tie_break="lot", seed=seed)
    assert a.seats == b.seats


@settings(max_examples=200, deadline=None)
@given(votes=vote_lists(), seats=st.integers(1, 30), method=st.sampled_from(DIVISOR_METHODS),
       data=st.data())
def test_divisor_methods_are_vote_and_house_monotone(votes, seats, method, data):
    before = allocate(votes, seats, method, tie_break="ballot_order")
    more_house = allocate(votes, seats + 1, method, tie_break="ballot_order")
    assert all(more_house.seats[p] >= n for p, n in before.seats.items())
    i = data.draw(st.integers(0, len(votes) - 1))
    boosted = list(votes)
    boosted[i] = (votes[i][0], votes[i][1] + data.draw(st.integers(1, 500)))
    after = allocate(boosted, seats, method, tie_break="ballot_order")
    assert after.seats[votes[i][0]] >= before.seats[votes[i][0]]


@settings(max_examples=150, deadline=None)
@given(votes=vote_lists(min_size=2, max_votes=500), seats=st.integers(1, 20), data=st.data())
def test_regional_threshold_excludes_a_list_failing_any_unit(votes, seats, data):
    units = {f"U{u}": {p: data.draw(st.integers(0, 200)) for p, _ in votes} for u in range(3)}
    dens = {u: sum(c.values()) + data.draw(st.integers(1, 50)) for u, c in units.items()}
    result = allocate(votes, seats, "hare", tie_break="ballot_order",
                      regional=RegionalThreshold("10", units, dens))
    for party, _ in votes:
        fails = any(units[u][party] * 100 < 10 * dens[u] for u in units)
        assert (party in result.excluded) == fails


# ----------------------------------------------------------------------------- worked examples

KG_2015 = [("SDPK", 435968), ("Respublika–Ata Zhurt", 320115), ("Kyrgyzstan", 206094),
           ("Onuguu–Progress", 148279), ("Bir Bol", 135875), ("Ata Meken", 123055)]
KG_2015_PARTICIPANTS = 1626255
KG_2015_SEATS = [38, 28, 18, 13, 12, 11]
# Constructed lists (the domain file does not give the eight failing lists one by one): one a
# single vote below 7 % of participants (113,837.85), one well below.
BELOW = [("Just below (constructed)", 113837), ("Small (constructed)", 50000)]


def test_kyrgyz_2015_hare_with_7_percent_of_participants():
    result = allocate(KG_2015 + BELOW, 120, "hare", threshold=7,
                      denominator=KG_2015_PARTICIPANTS, cap=65)
    assert [result.seats[p] for p, _ in KG_2015] == KG_2015_SEATS
    assert result.excluded == [p for p, _ in BELOW]
    assert all(result.seats[p] == 0 for p, _ in BELOW)
    steps = {s.kind: s for s in result.transcript}
    national = steps["threshold.national"].data
    assert national["denominator"] == KG_2015_PARTICIPANTS
    assert national["votes_needed_decimal"] == "113837.8500"
    assert national["parties"]["Ata Meken"]["share_percent"] == "7.5668"
    quota = steps["quota"].data
    assert quota["votes"] == 1369386  # the six qualifying lists only
    assert Fraction(quota["quota"]) == Fraction(1369386, 120)
    assert quota["quota_decimal"] == "11411.550000"
    whole = steps["whole_seats"].data
    assert [whole["parties"][p]["whole_seats"] for p, _ in KG_2015] == [38, 28, 18, 12, 11, 10]
    assert whole["left"] == 3
    assert whole["parties"]["Onuguu–Progress"]["remainder_decimal"] == "0.993765"
    assert steps["remainders"].data["awarded"] == ["Onuguu–Progress", "Bir Bol", "Ata Meken"]
    assert "cap" not in steps  # no list reaches 65
    assert "Just below (constructed)" in steps["qualification"].text


def test_kyrgyz_2015_dhondt_agrees_as_the_domain_file_notes():
    result = allocate(KG_2015, 120, "dhondt", threshold=7, denominator=KG_2015_PARTICIPANTS)
    assert [result.seats[p] for p, _ in KG_2015] == KG_2015_SEATS


def test_kyrgyz_2015_regional_threshold_in_nine_units():
    units = [f"KG-{i}" for i in range(9)]
    regional_votes = {u: {p: v // 9 for p, v in KG_2015} for u in units}
    regional_votes["KG-8"]["Ata Meken"] = 1000  # 0.7 % of 180,695 is 1264.865: fails here
    dens = {u: KG_2015_PARTICIPANTS // 9 for u in units}
    result = allocate(KG_2015, 120, "hare", threshold=7, denominator=KG_2015_PARTICIPANTS,
                      regional=RegionalThreshold("0.7", regional_votes, dens))
    assert result.excluded == ["Ata Meken"]
    assert sum(result.seats.values()) == 120 and result.seats["Ata Meken"] == 0
    regional = next(s for s in result.transcript if s.kind == "threshold.regional")
    assert regional.data["units"]["KG-8"]["failing"] == ["Ata Meken"]
    assert regional.data["units"]["KG-8"]["votes_needed"] == str(Fraction(7 * 180695, 1000))


def test_threshold_reached_exactly_passes():
    result = allocate([("A", 70000), ("B", 69999), ("C", 860001)], 10, "hare", threshold="7",
                      denominator=1_000_000)
    assert result.qualified == ["A", "C"] and result.excluded == ["B"]


def test_quota_is_on_qualifying_votes_only():
    result = allocate([("A", 600), ("B", 300), ("C", 100)], 9, "hare", threshold=20)
    quota = next(s for s in result.transcript if s.kind == "quota").data
    assert quota["votes"] == 900 and quota["quota"] == "100"
    assert result.seats == {"A": 6, "B": 3, "C": 0}


def test_droop_quota_is_stated_in_the_transcript():
    result = allocate([("A", 600), ("B", 300), ("C", 100)], 5, "droop")
    step = next(s for s in result.transcript if s.kind == "quota")
    assert step.data["formula"] == "floor(V / (S + 1)) + 1"
    assert step.data["quota"] == "167"  # floor(1000 / 6) + 1
    assert "Droop quota = floor(1000" in step.text
    assert result.seats == {"A": 3, "B": 2, "C": 0}


def test_modified_sainte_lague_uses_first_divisor():
    votes = [("A", 100), ("B", 36)]
    # Sainte-Laguë: B's first quotient 36 beats A's third 100/5 = 20 -> B gets seat 2.
    assert allocate(votes, 2, "sainte-lague").seats == {"A": 1, "B": 1}
    # 1.4: B 36 / 1.4 = 25.7 < A 100 / 3 = 33.3 -> A gets seat 2.
    assert allocate(votes, 2, "modified-sainte-lague").seats == {"A": 2, "B": 0}
    # 1.0 is plain Sainte-Laguë.
    assert allocate(votes, 2, "modified-sainte-lague", first_divisor="1").seats == {
        "A": 1, "B": 1}
    assert divisor("modified-sainte-lague", 0) == Fraction(7, 5)
    assert divisor("modified-sainte-lague", 0, Decimal("1.2")) == Fraction(6, 5)
    assert divisor("dhondt", 4) == 5 and divisor("sainte-lague", 2) == 5


def test_cap_redistributes_until_stable_and_records_it():
    votes = [("A", 700), ("B", 260), ("C", 40)]
    result = allocate(votes, 10, "hare", cap=4)
    assert result.seats == {"A": 4, "B": 4, "C": 2}
    caps = [s for s in result.transcript if s.kind == "cap"]
    assert [list(s.data["capped"]) for s in caps] == [["A"], ["B"]]
    vacant = allocate(votes, 10, "hare", cap=4, cap_overflow=CapOverflow.VACANT)
    assert vacant.seats == {"A": 4, "B": 3, "C": 0} and vacant.vacant == 3
    short = allocate(votes, 10, "dhondt", cap=3)
    assert short.seats == {"A": 3, "B": 3, "C": 3} and short.vacant == 1


def test_no_qualifying_list_leaves_every_seat_vacant():
    result = allocate([("A", 10), ("B", 10)], 5, "dhondt", threshold=60)
    assert result.seats == {"A": 0, "B": 0} and result.vacant == 5
    assert result.transcript[-1].data == {"seats": {"A": 0, "B": 0}, "allocated": 0,
                                          "vacant": 5}


# ----------------------------------------------------------------------------- ties


def test_lot_without_seed_is_an_error_naming_the_tie():
    with pytest.raises(TieNeedsSeed, match="A, B are tied") as exc:
        allocate([("A", 50), ("B", 50)], 1, "hare")
    assert isinstance(exc.value, ValueError) and "seed" in str(exc.value)


def test_a_tie_that_decides_nothing_needs_no_seed():
    assert allocate([("A", 50), ("B", 50)], 2, "dhondt").seats == {"A": 1, "B": 1}


@pytest.mark.parametrize("method", ALL_METHODS)
def test_lot_is_sha256_of_seed_and_party(method):
    seed = "CEC-2026-session-7"
    result = allocate([("Alpha", 50), ("Beta", 50), ("Gamma", 50)], 1, method, seed=seed)
    digests = {p: hashlib.sha256(f"{seed}:{p}".encode()).hexdigest()
               for p in ["Alpha", "Beta", "Gamma"]}
    winner = min(digests, key=digests.__getitem__)
    assert result.seats[winner] == 1 and sum(result.seats.values()) == 1
    tie = next(s for s in result.transcript if s.kind == "tie")
    assert tie.data["seed"] == seed and tie.data["digests"] == digests
    assert tie.data["winners"] == [winner]
    assert lot_order(["Alpha", "Beta", "Gamma"], seed)[0] == winner
    other = allocate([("Alpha", 50), ("Beta", 50), ("Gamma", 50)], 1, method, seed=seed)
    assert other.seats == result.seats  # reproducible


def test_more_votes_then_lot():
    # D'Hondt: A 200/2 = 100 ties B 100/1 for the second seat; A has more votes.
    votes = [("B", 100), ("A", 200), ("C", 10)]
    assert allocate(votes, 2, "dhondt", tie_break="more_votes").seats == {
        "B": 0, "A": 2, "C": 0}
    assert allocate(votes, 2, "dhondt", tie_break="ballot_order").seats == {
        "B": 1, "A": 1, "C": 0}
    with pytest.raises(TieNeedsSeed):
        allocate([("A", 5), ("B", 5)], 1, "dhondt", tie_break=TieBreak.MORE_VOTES)
    result = allocate([("A", 5), ("B", 5)], 1, "dhondt", tie_break="more_votes", seed=1)
    assert result.seats[lot_order(["A", "B"], 1)[0]] == 1


def test_equal_remainders_with_more_votes_prefers_the_bigger_list():
    # Hare, 4 seats, 1000 votes, quota 250: A 375 -> 1.5, B 125 -> 0.5, C 500 -> 2.0.
    result = allocate([("B", 125), ("A", 375), ("C", 500)], 4, "hare", tie_break="more_votes")
    assert result.seats == {"B": 0, "A": 2, "C": 2}
    result = allocate([("B", 125), ("A", 375), ("C", 500)], 4, "hare",
                      tie_break="ballot_order")
    assert result.seats == {"B": 1, "A": 1, "C": 2}


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"votes": [("A", -1)]}, "votes"),
    ({"votes": []}, "votes"),
    ({"votes": [("A", 1), ("A", 2)]}, "votes: duplicate"),
    ({"votes": [("A", 1.5)]}, "votes"),
    ({"votes": [("", 1)]}, "votes"),
    ({"seats": 0}, "seats"),
    ({"seats": True}, "seats"),
    ({"method": "imperiali"}, "method"),
    ({"threshold": 101}, "threshold"),
    ({"threshold": -1}, "threshold"),
    ({"threshold": 5.0}, "threshold"),
    ({"threshold": "five"}, "threshold"),
    ({"threshold": 5, "denominator": 0}, "denominator"),
    ({"threshold": 5, "denominator": 10}, "denominator"),
    ({"denominator": 1000}, "denominator"),
    ({"cap": 0}, "cap"),
    ({"cap_overflow": "burn"}, "cap_overflow"),
    ({"tie_break": "coin"}, "tie_break"),
    ({"first_divisor": "1.4"}, "first_divisor"),
    ({"method": "modified-sainte-lague", "first_divisor": "3"}, "first_divisor"),
    ({"regional": RegionalThreshold("0.7", {"U": {"Z": 1}})}, "regional.votes"),
    ({"regional": RegionalThreshold("200", {"U": {"A": 1}})}, "regional.percent"),
])
def test_bad_input_names_the_field(kwargs, field):
    args = {"votes": [("A", 100), ("B", 50)], "seats": 5, "method": "dhondt"} | kwargs
    with pytest.raises(ValueError, match=field):
        allocate(args.pop("votes"), args.pop("seats"), args.pop("method"), **args)


def test_transcript_is_json_ready():
    result = allocate([("A", 100), ("B", 50), ("C", 50)], 4, "hare", threshold=1, cap=2,
                      seed="s")
    text = json.dumps(result.transcript_dicts(), ensure_ascii=False)
    assert json.loads(text)[0]["kind"] == "input"


# ----------------------------------------------------------------------------- test vectors

VECTORS_DIR = SHARED_DIR / "data" / "apportionment-test-vectors"
VECTORS_FILE = VECTORS_DIR / "apportionment_test_vectors.json"


def load_cases() -> dict[str, dict]:
    path = shared_data("apportionment-test-vectors/apportionment_test_vectors.json")
    return {c["id"]: c for c in json.loads(path.read_text("utf-8"))["cases"]}


def _inline_ids() -> list[str]:
    if not VECTORS_FILE.exists():
        return ["(vectors missing)"]
    cases = json.loads(VECTORS_FILE.read_text("utf-8"))["cases"]
    return [c["id"] for c in cases if c["method"] == "dhondt" and c.get("votes")]


COMPOSED = {"US-HOUSE-2020", "CZ-PSP-2017", "CZ-PSP-2021", "NZ-2014", "NZ-2008", "DE-BT-2017",
            "CZ-NMNMET-CC-2018"}
PLAIN_NAMES = {"hare_largest_remainder": "hare", "dhondt": "dhondt",
               "sainte_lague": "sainte-lague"}


def _threshold_kwargs(case: dict) -> dict:
    th = case["threshold"]
    if th is None or th["type"] == "already_applied":
        return {}
    assert th["type"] == "relative_of_total_votes_listed", th
    assert th.get("accept_equal", True)  # reaching the threshold exactly passes here too
    return {"threshold": Decimal(str(th["value"])) * 100}


def _party_names(case: dict) -> list[str]:
    if case["parties"] is None:  # positional vectors: names are not given upstream
        return [f"#{i + 1}" for i in range(len(case["votes"]))]
    names = case["parties"]
    if len(set(names)) == len(names):
        return names
    # AT-NR-2008 lists two different parties both called "LINKE": allocate() refuses
    # duplicates, so they are told apart by ballot position.
    with pytest.raises(ValueError, match="duplicate party 'LINKE'"):
        allocate(list(zip(names, case["votes"], strict=True)), case["seats"], case["method"])
    return [f"{n} ({i + 1})" if names.count(n) > 1 else n for i, n in enumerate(names)]


def test_every_vector_case_is_covered():
    assert set(load_cases()) == set(_inline_ids()) | COMPOSED


@pytest.mark.parametrize("case_id", _inline_ids())
def test_vector_inline_cases(case_id):
    case = load_cases()[case_id]
    names = _party_names(case)
    votes = list(zip(names, case["votes"], strict=True))
    kwargs = _threshold_kwargs(case)
    result = allocate(votes, case["seats"], case["method"], tie_break="ballot_order", **kwargs)
    assert [result.seats[n] for n in names] == case["expected_seats"]
    # The file also says which plain methods reproduce the result: check both ways.
    matching = set(case["computed_here_plain_methods_matching_expected"])
    for label, method in PLAIN_NAMES.items():
        other = allocate(votes, case["seats"], method, tie_break="ballot_order", **kwargs)
        assert ([other.seats[n] for n in names] == case["expected_seats"]) == (
            label in matching), (label, method)


def test_vector_us_house_2020_is_huntington_hill_which_we_do_not_offer():
    case = load_cases()["US-HOUSE-2020"]
    assert case["method"] == "huntington_hill"
    names = _party_names(case)
    votes = list(zip(names, case["votes"], strict=True))
    # Documented deviation: none of our five methods gives the official apportionment...
    for method in ALL_METHODS:
        result = allocate(votes, 435, method, tie_break="ballot_order")
        assert [result.seats[n] for n in names] != case["expected_seats"], method
    # ...while the naive Huntington-Hill oracle here does, so the vector itself is sound.
    assert huntington_hill(case["votes"], 435) == case["expected_seats"]


def _read_semicolon(name: str) -> list[list[str]]:
    with (VECTORS_DIR / "votelib" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter=";"))


def test_vector_cz_psp_2017_two_tier_composed_from_allocate():
    """Regions get seats by Hare LR on their vote totals; the 5 % national threshold picks the
    lists; each region then runs D'Hondt among them."""
    case = load_cases()["CZ-PSP-2017"]
    rows = _read_semicolon("cz_psp_2017.csv")
    regions = rows[0][1:]
    by_party = {r[0]: [int(x) for x in r[1:]] for r in rows[1:]}
    national = {p: sum(v) for p, v in by_party.items()}
    qualified = allocate(national, 200, "dhondt", threshold=5,
                         tie_break="ballot_order").qualified
    region_seats = allocate({r: sum(v[i] for v in by_party.values())
                             for i, r in enumerate(regions)}, 200, "hare",
                            tie_break="ballot_order").seats
    totals = dict.fromkeys(qualified, 0)
    for i, region in enumerate(regions):
        result = allocate({p: by_party[p][i] for p in qualified}, region_seats[region],
                          "dhondt", tie_break="ballot_order")
        for p, n in result.seats.items():
            totals[p] += n
        if region in case["expected_region_seats"]:
            assert {p: n for p, n in result.seats.items() if n} == (
                case["expected_region_seats"][region])
    assert {p: n for p, n in totals.items() if n} == case["expected_seats"]


def test_vector_cz_psp_2021_imperiali_two_tier_is_not_reproduced():
    """Documented deviation: the 2021 Czech rule (regional Imperiali quota, unused votes to a
    national Droop stage, an over-award correction) is not one of our methods. We check what we
    can: the 5 % threshold picks exactly the seat-winning lists, and every plain nationwide
    method misses the official split."""
    case = load_cases()["CZ-PSP-2021"]
    rows = _read_semicolon("cz_psp_2021.csv")
    national = {r[0]: sum(int(x) for x in r[1:]) for r in rows[1:]}
    for method in ALL_METHODS:
        result = allocate(national, 200, method, threshold=5, tie_break="ballot_order")
        assert set(result.qualified) == set(case["expected_seats"])
        assert {p: n for p, n in result.seats.items() if n} != case["expected_seats"], method


@pytest.mark.parametrize("case_id", ["NZ-2014", "NZ-2008"])
def test_vector_new_zealand_mmp_composed_from_allocate(case_id):
    """Sainte-Laguë over lists with >= 5 % of party votes or an electorate seat; a list keeps
    its electorate seats when they exceed its entitlement (overhang)."""
    case = load_cases()[case_id]
    electorates = case["electorate_seats_won"]
    total = sum(case["votes"])
    votes = [(p, v) for p, v in zip(case["parties"], case["votes"], strict=True)
             if v * 100 >= 5 * total or electorates.get(p, 0) >= 1]
    result = allocate(votes, case["seats"], "sainte-lague", tie_break="ballot_order")
    seats = [max(result.seats.get(p, 0), electorates.get(p, 0)) for p in case["parties"]]
    assert seats == case["expected_seats"]
    assert sum(seats) > case["seats"]  # the overhang grows the house


def test_vector_de_bt_2017_final_national_sainte_lague():
    """Documented partial reproduction: the final national stage is Sainte-Laguë over the
    qualifying lists' second votes at the levelled house size (709). Deriving 709 (Land seat
    contingents by population, overhang and levelling) needs figures the file does not hold."""
    case = load_cases()["DE-BT-2017"]
    rows = _read_semicolon("de_bdt_2017.csv")
    header = rows[0]
    parties = [header[i] for i in range(2, len(header), 2)]
    second = dict.fromkeys(parties, 0)
    for row in rows[2:]:
        for j, p in enumerate(parties):
            cell = row[3 + 2 * j] if 3 + 2 * j < len(row) else ""
            second[p] += int(cell) if cell.strip() else 0
    result = allocate(second, 709, "sainte-lague", threshold=5, tie_break="ballot_order")
    assert {p: n for p, n in result.seats.items() if n} == case["expected_seats"]
    plain = allocate(second, case["seats"], "sainte-lague", threshold=5,
                     tie_break="ballot_order")
    assert sum(plain.seats.values()) == 598 != sum(case["expected_seats"].values())


def test_vector_cz_municipal_open_list_composed_from_allocate():
    """D'Hondt among lists with >= 5 % of the votes; inside a list, candidates with at least
    5 % of the list's votes jump ahead (by votes), the rest keep list order."""
    case = load_cases()["CZ-NMNMET-CC-2018"]
    rows = _read_semicolon("nmnmet_cc_2018.csv")
    lists: dict[str, list[tuple[str, int]]] = {}
    for party, candidate, votes in rows:
        lists.setdefault(party, []).append((candidate, int(votes)))
    totals = {p: sum(v for _, v in c) for p, c in lists.items()}
    result = allocate(totals, case["seats"], "dhondt", threshold=5, tie_break="ballot_order")
    assert {p: n for p, n in result.seats.items() if n} == {
        p: len(e) for p, e in case["expected_elected"].items()}
    for party, n in result.seats.items():
        if not n:
            continue
        jumpers = sorted((c for c in lists[party] if c[1] * 100 >= 5 * totals[party]),
                         key=lambda c: -c[1])
        order = [c for c, _ in jumpers] + [c for c, v in lists[party]
                                           if (c, v) not in jumpers]
        assert sorted(order[:n]) == sorted(case["expected_elected"][party]), party
