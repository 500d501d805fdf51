"""The NumPy largest-remainder splits agree with `money.allocate`, to the unit."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reelmint.allocation import allocate_array, allocate_within, apportion
from reelmint.money import MoneyError, allocate

weights = st.lists(st.integers(0, 10**6), min_size=1, max_size=30).filter(any)


@given(st.integers(0, 10**15), weights)
def test_allocate_array_is_money_allocate(total: int, w: list[int]) -> None:
    assert allocate_array(total, w).tolist() == allocate(total, w)


@given(st.integers(0, 10**15), st.lists(st.integers(0, 2**40), min_size=1, max_size=8).filter(any))
def test_sums_past_int64_reach_take_the_exact_path_and_agree(total: int, w: list[int]) -> None:
    big = np.array([x * 2**20 for x in w], dtype=object)
    assert allocate_array(total, big).tolist() == allocate(total, [x * 2**20 for x in w])


@given(st.lists(st.tuples(st.integers(0, 10**9), weights), min_size=1, max_size=6))
def test_allocate_within_splits_each_group_on_its_own(groups: list[tuple[int, list[int]]]) -> None:
    totals = [t for t, _ in groups]
    index = [g for g, (_, w) in enumerate(groups) for _ in w]
    flat = [x for _, w in groups for x in w]
    parts = allocate_within(totals, index, flat).tolist()
    expected = [p for t, w in groups for p in allocate(t, w)]
    assert parts == expected


def test_a_total_with_no_weight_to_carry_it_is_refused() -> None:
    with pytest.raises(MoneyError, match="weight above zero"):
        allocate_within([5, 3], [0, 1], [1, 0])


def test_apportion_worked_example() -> None:
    parts, total = apportion([10, 10, 5], 4)  # 2.5 + 2.5 + 1.25
    assert (parts.tolist(), total) == ([3, 2, 1], 6)


@given(st.lists(st.integers(0, 10**12), min_size=1, max_size=40), st.integers(1, 10**6))
def test_apportion_parts_are_within_one_unit_and_sum_to_the_floor(num: list[int], den: int) -> None:
    parts, total = apportion(num, den)
    assert int(parts.sum()) == total == sum(num) // den
    for part, n in zip(parts.tolist(), num, strict=True):
        assert abs(part - Fraction(n, den)) < 1
