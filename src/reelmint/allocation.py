"""Largest-remainder splits over NumPy columns: `money.allocate` for 100,000 parts at once.

The rule is `money.allocate`'s, to the unit and the tie-break: each part is the floor of
its exact share, and the units left over go to the largest remainders, ties to the larger
weight, then to the earlier position. So the parts sum exactly to the total, each is
within one unit of its exact share, and a zero weight gets zero.

The arithmetic stays exact in int64 by splitting the total first: with
`total = q * W + r` (`W` the sum of the weights), a part is `q * w + (r * w) // W` and
its remainder `(r * w) % W`, and `r * w < W * W`. So int64 holds it while the weights
sum below 3.03e9 (the square root of 2**63); past that, the parts are computed with
Python's integers (`money.allocate`), which is slower and as exact.

Worked example: $10.00 split 2:1:1 by `allocate_array(10_000_000, [2, 1, 1])` is
5,000,000 + 2,500,000 + 2,500,000; `allocate_within([10, 7], [0, 0, 1, 1], [1, 1, 1, 2])`
splits 10 into 5 + 5 and 7 into 2 + 5 (7 * 1/3 = 2.33 and 7 * 2/3 = 4.67: the 4 gets the
unit left over, having the larger remainder).

Pure: NumPy only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from reelmint.money import MoneyError, allocate

I64 = NDArray[np.int64]
# Weights (per group) summing below this keep every product inside int64.
_SAFE_SUM = 3_037_000_499


Weights = Sequence[int] | NDArray[np.int64] | NDArray[np.object_]


def allocate_array(total: int, weights: Weights) -> I64:
    """`money.allocate(total, weights)` as an int64 array."""
    w = np.asarray(weights)
    return allocate_within(np.array([total], np.int64), np.zeros(len(w), np.int64), w)


def allocate_within(totals: Sequence[int] | I64, groups: Sequence[int] | I64,
                    weights: Weights) -> I64:  # fmt: skip
    """Split each `totals[g]` among the items of group `g` in proportion to their weights.

    `groups[i]` is item i's group (0 .. len(totals) - 1) and `weights[i]` its weight
    (non-negative). A group whose total is not zero needs a weight above zero. Totals are
    non-negative. Returns one part per item, in the items' order.
    """
    t = np.asarray(totals, np.int64)
    g = np.asarray(groups, np.int64)
    w = np.asarray(weights)
    if w.dtype == object:
        return _exact_within(t, g, [int(x) for x in w])
    w = w.astype(np.int64, copy=False)
    _check(t, g, w)
    if not len(w):
        return np.zeros(0, np.int64)
    sums = np.zeros(len(t), np.int64)
    np.add.at(sums, g, w)
    if int(sums.max(initial=0)) >= _SAFE_SUM:
        return _exact_within(t, g, w.tolist())
    total_of, sum_of = t[g], sums[g]
    safe = np.maximum(sum_of, 1)  # zero-weight groups have total 0 (checked): parts are 0
    q, r = np.divmod(total_of, safe)
    scaled = r * w
    parts: I64 = q * w + scaled // safe
    rem = scaled % safe
    given = np.zeros(len(t), np.int64)
    np.add.at(given, g, parts)
    left = t - given  # per group: fewer units than it has items
    # Within each group: largest remainder, then larger weight, then earlier position.
    order = np.lexsort((np.arange(len(w)), -w, -rem, g))
    starts = np.searchsorted(g[order], np.arange(len(t)))
    rank = np.arange(len(w)) - starts[g[order]]
    parts[order[rank < left[g[order]]]] += 1
    return parts


def _check(t: I64, g: I64, w: I64) -> None:
    if len(g) != len(w):
        raise MoneyError("allocate_within needs one group and one weight per item")
    if len(w) and (w.min() < 0):
        raise MoneyError("weights must be non-negative integers")
    if len(t) and t.min() < 0:
        raise MoneyError("totals to split must not be negative")
    if len(g) and (g.min() < 0 or g.max() >= len(t)):
        raise MoneyError("an item's group must be one of the totals")
    sums = np.zeros(len(t), np.int64)
    np.add.at(sums, g, np.minimum(w, 1))
    if ((t > 0) & (sums == 0)).any():
        raise MoneyError("a total above zero needs at least one weight above zero")


def _exact_within(t: I64, g: I64, w: list[int]) -> I64:
    """The same split in Python integers, one group at a time (sums past int64's reach)."""
    if any(x < 0 for x in w):
        raise MoneyError("weights must be non-negative integers")
    parts = np.zeros(len(w), np.int64)
    for group in np.unique(g).tolist():
        items = np.flatnonzero(g == group)
        mine = [w[i] for i in items.tolist()]
        if int(t[group]) == 0:
            continue
        parts[items] = allocate(int(t[group]), mine)
    return parts


def apportion(numerators: Sequence[int] | I64, denominator: int) -> tuple[I64, int]:
    """Round exact shares `numerators[i] / denominator` to whole units that sum to the
    floor of their total: (the parts, that total). Each part is the floor of its share,
    or one more for the largest remainders (ties: larger share, then earlier position).

    So each part is within one unit of its exact share, and what cannot be paid in whole
    units (under one unit in all) is left out. Example: shares 2.5, 2.5 and 1.25 (numerators
    10, 10, 5 over 4) sum to 6.25: the parts are 3, 2 and 1, and 6 is paid.
    """
    if denominator <= 0:
        raise MoneyError("apportion needs a positive denominator")
    num = np.asarray(numerators)
    if num.dtype == object or (len(num) and int(num.max()) > 2**62):
        return _apportion_exact([int(x) for x in num], denominator)
    num = num.astype(np.int64, copy=False)
    if len(num) and num.min() < 0:
        raise MoneyError("shares must not be negative")
    parts, rem = np.divmod(num, denominator)
    total = int(num.sum(dtype=object)) // denominator
    left = total - int(parts.sum())
    order = np.lexsort((np.arange(len(num)), -num, -rem))
    parts[order[:left]] += 1
    return parts, total


def _apportion_exact(num: list[int], denominator: int) -> tuple[I64, int]:
    if any(x < 0 for x in num):
        raise MoneyError("shares must not be negative")
    floors = [x // denominator for x in num]
    total = sum(num) // denominator
    ranked = sorted(range(len(num)), key=lambda i: (-(num[i] % denominator), -num[i], i))
    for i in ranked[: total - sum(floors)]:
        floors[i] += 1
    return np.array(floors, np.int64), total
