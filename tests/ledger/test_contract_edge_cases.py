"""Contract cases the ledger state machine found, as minimal examples on every adapter.

Each test is the smallest input on which one adapter parted from the documented
semantics (or from the other adapters) in tests/ledger/test_state_machine.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reelmint.ledger import (
    Account,
    AccountFlags,
    AccountResult,
    PendingState,
    Transfer,
    TransferKind,
    TransferResult,
)
from reelmint.ledger.port import Ledger
from reelmint.money import MAX_AMOUNT, Asset

R = TransferResult
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TREASURY = "platform:treasury:main"
WALLET = "user:1:wallet"
CREATOR = "creator:7:earnings"


def coins(id: str, debit: str, credit: str, amount: int, **kw: object) -> Transfer:
    return Transfer(id, debit, credit, amount, Asset.COIN, "test.move", **kw)  # type: ignore[arg-type]


def test_reopening_an_account_twice_in_one_call_is_judged_in_order(ledger: Ledger) -> None:
    results = ledger.open_accounts(
        [Account(WALLET, Asset.USD), Account(WALLET, Asset.USD, AccountFlags.NO_OVERDRAFT)]
    )
    assert results == [AccountResult.OK, AccountResult.EXISTS_WITH_DIFFERENT_FIELDS]
    assert ledger.account(WALLET) == Account(WALLET, Asset.USD)


def test_posting_an_empty_batch_returns_no_results(ledger: Ledger) -> None:
    assert ledger.post([], START) == []


def test_a_post_with_an_empty_batch_still_expires_due_pendings(ledger: Ledger) -> None:
    ledger.open_accounts([Account(WALLET, Asset.COIN), Account(CREATOR, Asset.COIN)])
    hold = coins("h", WALLET, CREATOR, 5, kind=TransferKind.PENDING, timeout=60)
    assert ledger.post([hold], START) == [R.OK]
    ledger.post([], START + timedelta(seconds=60))
    assert ledger.pending_states() == {"h": PendingState.EXPIRED}
    assert ledger.balance(WALLET).debits_pending == 0


def test_rows_are_written_in_the_order_the_batch_applied_them(ledger: Ledger) -> None:
    ledger.open_accounts(
        [
            Account(TREASURY, Asset.COIN),
            Account(WALLET, Asset.COIN, AccountFlags.NO_OVERDRAFT),
            Account(CREATOR, Asset.COIN),
        ]
    )
    fund, spend = coins("b-fund", TREASURY, WALLET, 10), coins("a-spend", WALLET, CREATOR, 10)
    assert ledger.post([fund, spend], START) == [R.OK, R.OK]
    assert [t.id for t in ledger.transfers()] == ["b-fund", "a-spend"]
    # A no-overdraft wallet's statement must never show it below zero.
    assert [line.balance for line in ledger.statement(WALLET)] == [10, 0]


def test_a_transfer_that_would_overflow_a_balance_column_is_refused(ledger: Ledger) -> None:
    # Two funders each hold a debit of 2**62; the wallet's credits would reach 2**63.
    ledger.open_accounts(
        [
            Account("platform:treasury:a", Asset.COIN),
            Account("platform:treasury:b", Asset.COIN),
            Account(WALLET, Asset.COIN, AccountFlags.NO_OVERDRAFT),
        ]
    )
    first = coins("big-1", "platform:treasury:a", WALLET, MAX_AMOUNT)
    second = coins("big-2", "platform:treasury:b", WALLET, MAX_AMOUNT)
    assert ledger.post([first], START) == [R.OK]
    assert ledger.post([second], START) == [R.OVERFLOWS_CREDITS]
    assert ledger.balance(WALLET).credits_posted == MAX_AMOUNT
    assert ledger.verify() == []
