"""Largest remainder: shares add up exactly, none is a whole minor unit off its exact share, ties go to
the earlier part, and a line's units taken in any number of steps give back its whole amount."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from overture.domain.money.allocation import AllocationError, largest_remainder, share_of_units


def test_a_discount_shared_by_goods_to_the_cent() -> None:
    # 10.00 off goods of 33.33, 33.33 and 33.34: the exact shares are 3.333.., 3.333.., 3.334..
    assert largest_remainder(-1000, [3333, 3333, 3334]) == [-333, -333, -334]


def test_ties_go_to_the_earlier_part() -> None:
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(2, [1, 1, 1]) == [1, 1, 0]


def test_all_zero_weights_share_equally() -> None:
    assert largest_remainder(5, [0, 0]) == [3, 2]


def test_nothing_to_share_among_or_a_negative_weight_is_refused() -> None:
    with pytest.raises(AllocationError, match="nothing to share"):
        largest_remainder(1, [])
    with pytest.raises(AllocationError, match="negative"):
        largest_remainder(1, [1, -1])


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_shares_add_up_and_stay_within_a_unit_of_their_exact_share(amount: int, weights: list[int]) -> None:
    shares = largest_remainder(amount, weights)
    assert sum(shares) == amount
    effective = weights if any(weights) else [1] * len(weights)
    for share, weight in zip(shares, effective, strict=True):
        exact = Fraction(amount * weight, sum(effective))
        assert abs(share - exact) < 1


@given(st.integers(0, 10**7), st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_units_taken_in_steps_give_back_the_whole_line_once_the_last_goes(amount: int, steps: list[int]) -> None:
    units = sum(steps)
    left, given_back = amount, 0
    for step in steps:
        share = share_of_units(left, units=step, of=units)
        given_back, left, units = given_back + share, left - share, units - step
    assert given_back == amount and left == 0


def test_taking_more_units_than_the_line_has_is_refused() -> None:
    with pytest.raises(AllocationError, match="cannot take 3 of 2"):
        share_of_units(100, units=3, of=2)
