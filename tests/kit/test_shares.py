"""split_total: exact integer shares by largest remainders."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shailoo.kit.shares import split_total

weights_st = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1,
                      max_size=40).filter(lambda ws: sum(ws) > 0)


@given(weights=weights_st, total=st.integers(0, 10**7), minimum=st.integers(0, 50))
def test_split_total_sums_respects_minimum_and_is_proportional(weights, total, minimum):
    total += minimum * len(weights)
    parts = split_total(total, weights, minimum)
    assert len(parts) == len(weights)
    assert sum(parts) == total
    assert all(p >= minimum for p in parts)
    rest = total - minimum * len(weights)
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = rest * weight / weight_sum
        assert abs((part - minimum) - exact) < 1 + 1e-6


@given(weights=weights_st, total=st.integers(0, 10**6))
def test_split_total_is_deterministic_and_monotone_in_weight(weights, total):
    parts = split_total(total, weights)
    assert parts == split_total(total, weights)
    # a strictly heavier weight never gets fewer units than a lighter one
    for i, wi in enumerate(weights):
        for j, wj in enumerate(weights):
            if wi > wj:
                assert parts[i] >= parts[j]


def test_split_total_examples():
    assert split_total(10, [1, 1, 1]) == [4, 3, 3]  # ties go to the earlier part
    assert split_total(7, [0.5, 0.25, 0.25]) == [3, 2, 2]  # remainders .5 < .75
    assert split_total(5, [1, 0]) == [5, 0]
    assert split_total(6, [1, 0], minimum=2) == [4, 2]
    assert split_total(0, [3, 2]) == [0, 0]
    assert split_total(9, []) == []


def test_split_total_refuses_impossible_minimum():
    with pytest.raises(ValueError, match="cannot give 3 parts at least 4 from 11"):
        split_total(11, [1, 1, 1], minimum=4)


def test_split_total_refuses_zero_weights():
    with pytest.raises(ValueError, match="positive sum"):
        split_total(10, [0, 0])
