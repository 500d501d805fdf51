"""The books as a port: what every ledger adapter offers, in-memory or SQL.

Engines take a `Ledger` and never know which adapter is behind it. The contract tests in
`tests/ledger/test_contract.py` run the same cases against each one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from reelmint.ledger.model import (
    Account,
    AccountResult,
    Balance,
    PendingState,
    StatementLine,
    StoredTransfer,
    Transfer,
    TransferResult,
    TrialBalanceRow,
)


class Ledger(Protocol):
    def open_accounts(self, accounts: Sequence[Account]) -> list[AccountResult]:
        """Create accounts; re-opening one with the same asset and flags is `exists`."""
        ...

    def post(self, transfers: Sequence[Transfer], now: datetime) -> list[TransferResult]:
        """Apply a batch in order, atomically, one result per transfer (see `rules`)."""
        ...

    def account(self, account_id: str) -> Account | None: ...

    def accounts(self) -> list[Account]:
        """Every account, ordered by id."""
        ...

    def balance(self, account_id: str, at: datetime | None = None) -> Balance:
        """Current balance, or the posted balance as of `at` (pending totals are then 0).

        Raises LedgerError when the account does not exist.
        """
        ...

    def balances(self, account_ids: Iterable[str] | None = None) -> dict[str, Balance]:
        """Current balances of the given accounts (all when None); unknown ids are left out."""
        ...

    def statement(self, account_id: str, after: int = 0, limit: int = 100) -> list[StatementLine]:
        """Posted entries with `seq > after`, oldest first, each with the running balance."""
        ...

    def transfers(self, after: int = 0, limit: int | None = None) -> list[StoredTransfer]:
        """Stored transfers with `seq > after`, in the order they were written."""
        ...

    def pending_states(self) -> dict[str, PendingState]:
        """The state of every pending transfer ever made, by its id."""
        ...

    def trial_balance(self) -> list[TrialBalanceRow]:
        """Totals per asset; every row must be balanced."""
        ...

    def verify(self) -> list[str]:
        """Problems found by recomputing every balance from the entries ([] when sound)."""
        ...
