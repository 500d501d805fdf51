"""The rewards accounts and the legs of a close (USD micros).

- `platform:expense:rewards`: what the program costs. It funds each period's pool and
  takes clawbacks back, so its balance is the net cost of the program.
- `platform:rewards:pool`: funded with what a close distributes and emptied by it.
- `creator:<id>:rewards`: earned and not yet paid (below the payout minimum).
- `creator:<id>:rewards_owed`: what a creator owes after a clawback larger than their
  balance: a receivable, which only ever holds a debit balance.
- `creator:<id>:payable`: what the platform owes the creator (shared with LIVE gifts'
  cash-outs, and opened with the same flags).

A close posts the fund leg (expense -> pool) and, per creator, one linked chain:
accrue (pool -> rewards), clawback (rewards -> expense, and owed -> expense for the part
the balance did not cover), repay (rewards -> owed) and pay (rewards -> payable). Legs
of zero are left out. Ids are `rewards.<leg>:<period>:<creator>`, so posting a close
again changes nothing.
"""

from __future__ import annotations

from reelmint.ledger import Account, AccountFlags, Transfer
from reelmint.money import Asset
from reelmint.rewards.settle import Settlement

EXPENSE = "platform:expense:rewards"
POOL = "platform:rewards:pool"
PLATFORM_ACCOUNTS = [Account(EXPENSE, Asset.USD),
                     Account(POOL, Asset.USD, AccountFlags.NO_OVERDRAFT)]  # fmt: skip


def balance(creator: int) -> str:
    return f"creator:{creator}:rewards"


def owed(creator: int) -> str:
    return f"creator:{creator}:rewards_owed"


def payable(creator: int) -> str:
    return f"creator:{creator}:payable"


def creator_accounts(creator: int) -> list[Account]:
    return [Account(balance(creator), Asset.USD, AccountFlags.NO_OVERDRAFT),
            Account(owed(creator), Asset.USD, AccountFlags.NO_CREDIT_BALANCE),
            Account(payable(creator), Asset.USD, AccountFlags.NO_OVERDRAFT)]  # fmt: skip


def fund(period: str, amount: int) -> Transfer | None:
    if amount <= 0:
        return None
    return Transfer(f"rewards.fund:{period}", EXPENSE, POOL, amount, Asset.USD,
                    "rewards.fund", period)  # fmt: skip


def creator_chain(period: str, creator: int, s: Settlement) -> list[Transfer]:
    """The creator's legs, linked so that they post together or not at all."""
    legs = [
        ("accrue", POOL, balance(creator), s.earned),
        ("clawback", balance(creator), EXPENSE, s.from_balance),
        ("debt", owed(creator), EXPENSE, s.new_debt),
        ("repay", balance(creator), owed(creator), s.repaid),
        ("pay", balance(creator), payable(creator), s.paid),
    ]
    chain = [Transfer(f"rewards.{leg}:{period}:{creator}", debit, credit, amount, Asset.USD,
                      f"rewards.{leg}", period)
             for leg, debit, credit, amount in legs if amount > 0]  # fmt: skip
    return [_linked(t) if i < len(chain) - 1 else t for i, t in enumerate(chain)]


def _linked(t: Transfer) -> Transfer:
    return Transfer(t.id, t.debit, t.credit, t.amount, t.asset, t.code, t.ref, linked=True)
