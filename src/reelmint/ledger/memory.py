"""An in-memory ledger: the fake for unit tests and the reference for the SQL adapters.

It runs the very same `rules.evaluate` as the SQL adapters, so the contract tests compare
storage, not two readings of the rules.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from reelmint.ledger.model import (
    Account,
    AccountFlags,
    AccountResult,
    Balance,
    LedgerError,
    PendingState,
    StatementLine,
    StoredTransfer,
    Transfer,
    TransferKind,
    TransferResult,
    TrialBalanceRow,
    from_micros,
    to_micros,
)
from reelmint.ledger.rules import (
    AccountState,
    Known,
    PendingRecord,
    TransferRow,
    evaluate,
    referenced_accounts,
    referenced_pendings,
    stored_fields,
)
from reelmint.ledger.views import statement_lines, trial_balance_rows, verify_entries
from reelmint.money import Asset

POSTED_KINDS = (TransferKind.POSTED, TransferKind.POST_PENDING)


class InMemoryLedger:
    """A `Ledger` held in dicts. Not thread-safe; one batch at a time."""

    def __init__(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._totals: dict[str, tuple[int, int, int, int]] = {}
        self._rows: list[StoredTransfer] = []
        self._by_id: dict[str, StoredTransfer] = {}
        self._rejected: dict[str, TransferResult] = {}
        self._pendings: dict[str, PendingRecord] = {}

    def open_accounts(self, accounts: Sequence[Account]) -> list[AccountResult]:
        results = []
        for account in accounts:
            found = self._accounts.get(account.id)
            if found is None:
                self._accounts[account.id] = account
                self._totals[account.id] = (0, 0, 0, 0)
                results.append(AccountResult.OK)
            elif found == account:
                results.append(AccountResult.EXISTS)
            else:
                results.append(AccountResult.EXISTS_WITH_DIFFERENT_FIELDS)
        return results

    def post(self, transfers: Sequence[Transfer], now: datetime) -> list[TransferResult]:
        now_us = to_micros(now)
        pendings = {
            pid: copy.copy(self._pendings[pid])
            for pid in referenced_pendings(transfers)
            if pid in self._pendings
        }
        for p in self._pendings.values():
            due = p.state is PendingState.PENDING and p.expires_at is not None
            if due and p.expires_at is not None and p.expires_at <= now_us:
                pendings.setdefault(p.id, copy.copy(p))
        names = referenced_accounts(transfers)
        for p in pendings.values():
            names.update((p.debit, p.credit))
        states = {
            name: AccountState(self._accounts[name].asset.value, int(self._accounts[name].flags),
                               *self._totals[name])
            for name in names
            if name in self._accounts
        }  # fmt: skip
        known: dict[str, Known] = {}
        for t in transfers:
            if t.id in self._by_id:
                known[t.id] = stored_fields(_as_row(self._by_id[t.id]))
            elif t.id in self._rejected:
                known[t.id] = self._rejected[t.id]
        outcome = evaluate(transfers, states, known, pendings, now_us)
        for name, state in states.items():
            self._totals[name] = (state.dp, state.cp, state.dpend, state.cpend)
        for row in outcome.rows:
            self._append(row)
        for rid, code, _ in outcome.rejections:
            self._rejected[rid] = TransferResult(code)
        for p in outcome.changed_pendings():
            self._pendings[p.id] = replace(p, created=False)
        return outcome.results

    def _append(self, row: TransferRow) -> None:
        tid, debit, credit, amount, asset, code, ref, kind, pid, timeout, linked, ts = row
        stored = StoredTransfer(
            len(self._rows) + 1, tid, debit, credit, amount, Asset(asset), code, ref,
            TransferKind(kind), pid, timeout, linked, from_micros(ts),
        )  # fmt: skip
        self._rows.append(stored)
        self._by_id[tid] = stored

    def account(self, account_id: str) -> Account | None:
        return self._accounts.get(account_id)

    def accounts(self) -> list[Account]:
        return [self._accounts[k] for k in sorted(self._accounts)]

    def balance(self, account_id: str, at: datetime | None = None) -> Balance:
        account = self._accounts.get(account_id)
        if account is None:
            raise LedgerError(f"no account {account_id!r}")
        if at is None:
            return Balance(account_id, account.asset, *self._totals[account_id])
        cutoff = to_micros(at)
        debits = credits = 0
        for row in self._posted(account_id):
            if to_micros(row.timestamp) <= cutoff:
                if row.debit == account_id:
                    debits += row.amount
                else:
                    credits += row.amount
        return Balance(account_id, account.asset, debits, credits)

    def balances(self, account_ids: Iterable[str] | None = None) -> dict[str, Balance]:
        wanted = sorted(self._accounts) if account_ids is None else account_ids
        return {a: self.balance(a) for a in wanted if a in self._accounts}

    def _posted(self, account_id: str) -> list[StoredTransfer]:
        return [
            r for r in self._rows if r.kind in POSTED_KINDS and account_id in (r.debit, r.credit)
        ]

    def statement(self, account_id: str, after: int = 0, limit: int = 100) -> list[StatementLine]:
        if account_id not in self._accounts:
            raise LedgerError(f"no account {account_id!r}")
        return statement_lines(account_id, self._posted(account_id), after, limit)

    def transfers(self, after: int = 0, limit: int | None = None) -> list[StoredTransfer]:
        rows = self._rows[after:]
        return rows if limit is None else rows[:limit]

    def pending_states(self) -> dict[str, PendingState]:
        return {pid: p.state for pid, p in self._pendings.items()}

    def trial_balance(self) -> list[TrialBalanceRow]:
        return trial_balance_rows(
            (self._accounts[a].asset, *totals) for a, totals in self._totals.items()
        )

    def verify(self) -> list[str]:
        return verify_entries(self.accounts(), self.balances(), self._rows, self.pending_states())


def _as_row(t: StoredTransfer) -> TransferRow:
    return (
        t.id, t.debit, t.credit, t.amount, t.asset.value, t.code, t.ref, int(t.kind),
        t.pending_id, t.timeout, t.linked, to_micros(t.timestamp),
    )  # fmt: skip


__all__ = ["AccountFlags", "InMemoryLedger"]
