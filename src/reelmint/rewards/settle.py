"""What happens to a creator's money at a close: clawbacks, debts, the minimum. Pure.

In order: the creator has what was carried over plus what this period earned. A clawback
comes out of that; what it cannot cover becomes a debt (recorded owed, never a negative
balance). Whatever the creator then has goes first to repay what they owe, and the rest
is paid to their payable account if it reaches the minimum, or carried over.

Worked example (minimum $50): $30 carried, $35 earned, a $5 clawback, nothing owed: $60
is left, which is paid. With a $70 clawback instead: the $65 covers $65 of it and the
creator owes $5, repaid from the next period's earnings before anything is paid.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Settlement:
    earned: int
    clawback: int
    from_balance: int  # the part of the clawback the creator's balance covered
    new_debt: int  # the rest, now owed
    repaid: int
    paid: int
    carried_out: int
    owed_out: int


def settle(carried: int, owed: int, earned: int, clawback: int, minimum: int) -> Settlement:
    if min(carried, owed, earned, clawback, minimum) < 0:
        raise ValueError("settle takes amounts of zero or more")
    have = carried + earned
    from_balance = min(clawback, have)
    new_debt = clawback - from_balance
    have -= from_balance
    owing = owed + new_debt
    repaid = min(have, owing)
    have -= repaid
    paid = have if have > 0 and have >= minimum else 0
    return Settlement(earned, clawback, from_balance, new_debt, repaid, paid, have - paid,
                      owing - repaid)  # fmt: skip
