"""The ledger contract: the same cases on every adapter (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from reelmint.ledger import (
    Account,
    AccountFlags,
    AccountResult,
    LedgerError,
    PendingState,
    Transfer,
    TransferKind,
    TransferResult,
)
from reelmint.ledger.port import Ledger
from reelmint.money import Asset

R = TransferResult
WALLET = "user:1:coins"
CASH = "platform:treasury:coins"
CREATOR = "creator:7:coins"


def coins(id: str, debit: str, credit: str, amount: int | None, **kw: object) -> Transfer:
    return Transfer(id, debit, credit, amount, Asset.COIN, "test.move", **kw)  # type: ignore[arg-type]


@pytest.fixture
def books(ledger: Ledger, now: datetime) -> Ledger:
    ledger.open_accounts(
        [
            Account(CASH, Asset.COIN),
            Account(WALLET, Asset.COIN, AccountFlags.NO_OVERDRAFT),
            Account(CREATOR, Asset.COIN),
            Account("platform:cash:usd", Asset.USD),
        ]
    )
    assert ledger.post([coins("fund", CASH, WALLET, 10)], now) == [R.OK]
    return ledger


def test_reopening_an_account_reports_exists_or_a_conflict(ledger: Ledger) -> None:
    first = ledger.open_accounts([Account("user:9:coins", Asset.COIN)])
    again = ledger.open_accounts(
        [Account("user:9:coins", Asset.COIN), Account("user:9:coins", Asset.DIAMOND)]
    )
    assert first == [AccountResult.OK]
    assert again == [AccountResult.EXISTS, AccountResult.EXISTS_WITH_DIFFERENT_FIELDS]


def test_transfer_moves_money_and_keeps_the_trial_balance(books: Ledger, now: datetime) -> None:
    assert books.post([coins("t1", WALLET, CREATOR, 4)], now) == [R.OK]
    assert books.balance(WALLET).posted == 6
    assert books.balance(CREATOR).posted == 4
    assert books.balance(CASH).posted == -10
    assert all(row.balanced for row in books.trial_balance())
    assert books.verify() == []


def test_overdraft_is_refused_and_changes_nothing(books: Ledger, now: datetime) -> None:
    assert books.post([coins("t1", WALLET, CREATOR, 11)], now) == [R.EXCEEDS_CREDITS]
    assert books.balance(WALLET).posted == 10
    assert books.transfers()[-1].id == "fund"


def test_refused_id_stays_refused_even_when_funds_arrive(books: Ledger, now: datetime) -> None:
    assert books.post([coins("t1", WALLET, CREATOR, 15)], now) == [R.EXCEEDS_CREDITS]
    books.post([coins("fund2", CASH, WALLET, 10)], now)
    assert books.post([coins("t1", WALLET, CREATOR, 15)], now) == [R.EXCEEDS_CREDITS]
    assert books.balance(WALLET).posted == 20


def test_retry_is_exists_and_changed_retry_is_refused(books: Ledger, now: datetime) -> None:
    later = now + timedelta(seconds=5)
    results = books.post([coins("t1", WALLET, CREATOR, 3), coins("t1", WALLET, CREATOR, 3)], now)
    assert results == [R.OK, R.EXISTS]
    assert books.post([coins("t1", WALLET, CREATOR, 3)], later) == [R.EXISTS]
    assert books.post([coins("t1", WALLET, CREATOR, 4)], later) == [R.EXISTS_WITH_DIFFERENT_FIELDS]
    assert books.balance(WALLET).posted == 7


def test_linked_chain_fails_as_a_whole(books: Ledger, now: datetime) -> None:
    results = books.post(
        [
            coins("a", WALLET, CREATOR, 6, linked=True),
            coins("b", WALLET, CREATOR, 6, linked=True),
            coins("c", WALLET, CREATOR, 1),
            coins("d", WALLET, CREATOR, 1),
        ],
        now,
    )
    assert results == [R.LINKED_EVENT_FAILED, R.EXCEEDS_CREDITS, R.LINKED_EVENT_FAILED, R.OK]
    assert books.balance(WALLET).posted == 9


def test_a_long_chain_takes_the_batch_path_and_still_fails_as_a_whole(
    books: Ledger, now: datetime
) -> None:
    """Chains of 16 or more go through the column fast path when every transfer would
    succeed; the links are kept, and one refusal still refuses the chain."""
    chain = [coins(f"l{i}", CREATOR, WALLET, 1, linked=i < 19) for i in range(20)]
    assert books.post(chain, now) == [R.OK] * 20
    assert [t.linked for t in books.transfers()[-20:]] == [True] * 19 + [False]
    assert books.balance(WALLET).posted == 30
    short = [coins(f"m{i}", WALLET, CREATOR, 2, linked=i < 19) for i in range(20)]
    results = books.post(short, now)  # 40 out of a wallet of 30: the 16th refuses
    assert results[15] == R.EXCEEDS_CREDITS
    assert set(results[:15] + results[16:]) == {R.LINKED_EVENT_FAILED}
    assert books.balance(WALLET).posted == 30
    open_chain = [coins(f"n{i}", CREATOR, WALLET, 1, linked=True) for i in range(20)]
    assert books.post(open_chain, now) == [R.LINKED_EVENT_FAILED] * 19 + [R.LINKED_EVENT_CHAIN_OPEN]
    assert books.balance(WALLET).posted == 30


def test_open_chain_at_end_of_batch_is_refused(books: Ledger, now: datetime) -> None:
    results = books.post(
        [coins("a", WALLET, CREATOR, 1), coins("b", WALLET, CREATOR, 1, linked=True)], now
    )
    assert results == [R.OK, R.LINKED_EVENT_CHAIN_OPEN]
    assert books.balance(WALLET).posted == 9


def test_bad_input_is_refused_with_a_reason(books: Ledger, now: datetime) -> None:
    results = books.post(
        [
            coins("z", WALLET, CREATOR, 0),
            coins("s", WALLET, WALLET, 1),
            coins("u", "user:404:coins", CREATOR, 1),
            coins("v", WALLET, "creator:404:coins", 1),
            Transfer("m", WALLET, "platform:cash:usd", 1, Asset.COIN, "test.move"),
            Transfer("e", WALLET, CREATOR, 1, Asset.COIN, ""),
            coins("", WALLET, CREATOR, 1),
        ],
        now,
    )
    assert results == [
        R.AMOUNT_MUST_BE_POSITIVE,
        R.ACCOUNTS_MUST_BE_DIFFERENT,
        R.DEBIT_ACCOUNT_NOT_FOUND,
        R.CREDIT_ACCOUNT_NOT_FOUND,
        R.ASSET_MISMATCH,
        R.CODE_INVALID,
        R.ID_INVALID,
    ]
    assert books.balance(WALLET).posted == 10


def test_pending_reserves_then_posts_in_part(books: Ledger, now: datetime) -> None:
    hold = coins("h", WALLET, CREATOR, 8, kind=TransferKind.PENDING, timeout=60)
    assert books.post([hold], now) == [R.OK]
    held = books.balance(WALLET)
    assert (held.posted, held.available, held.debits_pending) == (10, 2, 8)
    assert books.post([coins("x", WALLET, CREATOR, 3)], now) == [R.EXCEEDS_CREDITS]
    assert books.post([Transfer.settle("p", hold, 5)], now) == [R.OK]
    after = books.balance(WALLET)
    assert (after.posted, after.debits_pending) == (5, 0)
    assert books.balance(CREATOR).posted == 5
    assert books.post([Transfer.void("v", hold)], now) == [R.PENDING_TRANSFER_ALREADY_POSTED]
    assert books.pending_states()["h"] is PendingState.POSTED
    assert books.verify() == []


def test_pending_void_releases_the_reservation(books: Ledger, now: datetime) -> None:
    hold = coins("h", WALLET, CREATOR, 8, kind=TransferKind.PENDING)
    books.post([hold], now)
    assert books.post([Transfer.void("v", hold)], now) == [R.OK]
    assert books.balance(WALLET).available == 10
    assert books.pending_states()["h"] is PendingState.VOIDED


def test_pending_expires_by_the_given_now(books: Ledger, now: datetime) -> None:
    hold = coins("h", WALLET, CREATOR, 8, kind=TransferKind.PENDING, timeout=60)
    books.post([hold], now)
    almost = now + timedelta(seconds=59)
    assert books.post([coins("x", WALLET, CREATOR, 3)], almost) == [R.EXCEEDS_CREDITS]
    late = now + timedelta(seconds=60)
    assert books.post([Transfer.settle("p", hold)], late) == [R.PENDING_TRANSFER_EXPIRED]
    assert books.balance(WALLET).available == 10
    assert books.pending_states()["h"] is PendingState.EXPIRED
    assert books.verify() == []


def test_statement_has_running_balance_and_cursor(books: Ledger, now: datetime) -> None:
    books.post([coins(f"t{i}", WALLET, CREATOR, 1) for i in range(5)], now)
    page1 = books.statement(WALLET, limit=3)
    page2 = books.statement(WALLET, after=page1[-1].seq, limit=3)
    assert [line.balance for line in page1 + page2] == [10, 9, 8, 7, 6, 5]
    assert page2[0].counterparty == CREATOR and page2[0].amount == -1


def test_balance_at_a_point_in_time(books: Ledger, now: datetime) -> None:
    later = now + timedelta(hours=1)
    books.post([coins("t1", WALLET, CREATOR, 4)], later)
    assert books.balance(WALLET, at=now).posted == 10
    assert books.balance(WALLET, at=later).posted == 6
    with pytest.raises(LedgerError):
        books.balance("user:404:coins")


def test_account_id_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(LedgerError):
        Account("user:1:coins\n", Asset.COIN)
