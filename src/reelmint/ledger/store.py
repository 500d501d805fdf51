"""The books on SQL: SQLite by default, PostgreSQL at scale. One class, two write paths.

A batch is posted in three phases, whatever its size:

1. **Look up** (unlocked): metadata of accounts not yet cached, the accounts of the
   pending transfers the batch settles, and pending transfers due to expire.
2. **Lock and load**: balance rows in (account, shard) order (a stable order, so two
   writers can never deadlock), what the books already hold for the batch's ids, and the
   pending transfers involved, also locked in id order.
3. **Evaluate and write**: `rules.evaluate` runs in memory; its outcome is written with
   one set-based statement per table, and the transaction commits.

On PostgreSQL each phase is one network round trip (psycopg pipeline mode). On SQLite
the database lock is taken by BEGIN IMMEDIATE, so phase 2 only reads.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Engine

from reelmint.db.engine import insert_new, one_of
from reelmint.ledger import schema as s
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
    Outcome,
    PendingRecord,
    TransferRow,
    evaluate,
    referenced_accounts,
    referenced_pendings,
)
from reelmint.ledger.views import statement_lines, trial_balance_rows, verify_entries
from reelmint.money import Asset

# Account metadata: (asset, flags, shards). Immutable once an account exists.
Meta = tuple[str, int, int]
# Phase 1's answer: account metadata, the accounts of pending transfers, the pendings due
# by `now` as (id, debit, credit), and the next expiry after `now` (NEVER if none).
LookUp = tuple[dict[str, Meta], dict[str, tuple[str, str]], list[tuple[str, str, str]], int]
# A balance delta for one shard row: (account, shard, dp, cp, dpend, cpend).
Delta = tuple[str, int, int, int, int, int]
DUE_LIMIT = 500  # pending expiries handled per batch; the rest wait for the next one
# Phase 1 is skipped while nothing can be due. Pendings made by another process are not
# in this process's hint, so the look-up still runs every this many posts.
LOOK_UP_EVERY = 64
NEVER = 2**63 - 1
POSTED_KINDS = (int(TransferKind.POSTED), int(TransferKind.POST_PENDING))


class WriteTx(Protocol):
    """One write transaction of a dialect, in the three phases of the module docstring."""

    def look_up(self, account_ids: list[str], pending_ids: list[str], now: int) -> LookUp: ...

    def lock_and_load(
        self, keys: list[tuple[str, int]], ids: list[str], pending_ids: list[str]
    ) -> tuple[
        dict[str, tuple[int, int, int, int]], dict[str, Known], dict[str, PendingRecord]
    ]: ...

    def write(self, outcome: Outcome, deltas: list[Delta]) -> None: ...


class SqlLedger:
    """A `Ledger` on a SQLAlchemy engine. Subclasses supply `_transaction`."""

    retryable: tuple[type[BaseException], ...] = ()

    def __init__(self, engine: Engine, *, shards: int = 8) -> None:
        self.engine = engine
        self.shards = shards
        self._meta: dict[str, Meta] = {}
        self._turn = itertools.count(os.getpid())
        self._next_due = 0  # no expiry can fall before this (microseconds)
        self._since_look_up = 0

    # -- writing ---------------------------------------------------------------------

    def open_accounts(self, accounts: Sequence[Account]) -> list[AccountResult]:
        if not accounts:
            return []
        ids = sorted({a.id for a in accounts})
        with self.engine.begin() as conn:
            before = self._load_meta(conn, ids)
            fresh: dict[str, Account] = {}
            for a in accounts:  # the first of one id's openings is the one that counts
                if a.id not in before:
                    fresh.setdefault(a.id, a)
            if fresh:
                rows = [
                    {"id": a.id, "asset": a.asset.value, "flags": int(a.flags),
                     "shards": 1 if a.flags.constrained else self.shards}
                    for a in fresh.values()
                ]  # fmt: skip
                shards = [{"account_id": r["id"], "shard": k}
                          for r in rows for k in range(int(r["shards"]))]  # fmt: skip
                conn.execute(insert_new(self.engine, s.accounts), rows)
                conn.execute(insert_new(self.engine, s.balances), shards)
            stored = self._load_meta(conn, ids)
        results = []
        for account in accounts:
            asset, flags, _ = stored[account.id]
            if asset != account.asset.value or flags != int(account.flags):
                results.append(AccountResult.EXISTS_WITH_DIFFERENT_FIELDS)
            elif fresh.pop(account.id, None) is not None:
                results.append(AccountResult.OK)
            else:
                results.append(AccountResult.EXISTS)
        return results

    def _load_meta(self, conn: sa.Connection, ids: list[str]) -> dict[str, Meta]:
        a = s.accounts
        query = sa.select(a.c.id, a.c.asset, a.c.flags, a.c.shards).where(a.c.id.in_(ids))
        found = {row.id: (row.asset, row.flags, row.shards) for row in conn.execute(query)}
        self._meta.update(found)
        return found

    def post(self, transfers: Sequence[Transfer], now: datetime) -> list[TransferResult]:
        # An empty batch still runs: it expires the pending transfers due by `now`.
        now_us = to_micros(now)
        attempts = 8
        for attempt in range(attempts):
            try:
                with self._transaction() as tx:
                    return self._post_in(tx, transfers, now_us)
            except self.retryable:
                # A concurrent writer inserted one of our ids first; the retry sees it.
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _post_in(
        self, tx: WriteTx, transfers: Sequence[Transfer], now: int
    ) -> list[TransferResult]:
        names = referenced_accounts(transfers)
        pending_ids = sorted(referenced_pendings(transfers))
        missing = sorted(n for n in names if n not in self._meta)
        meta, pending_accounts, due = self._look_up(tx, transfers, missing, pending_ids, now)
        self._meta.update(meta)
        for debit, credit in pending_accounts.values():
            names.update((debit, credit))
        for _, debit, credit in due:
            names.update((debit, credit))
        known_meta = {n: self._meta[n] for n in names if n in self._meta}
        shard_of = self._choose_shards(known_meta)
        keys = sorted(shard_of.items())
        all_pendings = sorted(set(pending_ids) | {pid for pid, _, _ in due})
        totals, known, pendings = tx.lock_and_load(keys, [t.id for t in transfers], all_pendings)
        states = {
            name: AccountState(asset, flags, *totals.get(name, (0, 0, 0, 0)))
            for name, (asset, flags, _) in known_meta.items()
        }
        outcome = evaluate(transfers, states, known, pendings, now)
        deltas = [
            (name, shard_of[name], *state.delta())
            for name, state in sorted(states.items())
            if any(state.delta())
        ]
        tx.write(outcome, deltas)
        for p in outcome.pendings.values():
            if p.created and p.expires_at is not None:
                self._next_due = min(self._next_due, p.expires_at)
        return outcome.results

    def _look_up(
        self,
        tx: WriteTx,
        transfers: Sequence[Transfer],
        missing: list[str],
        pending_ids: list[str],
        now: int,
    ) -> Any:
        self._since_look_up += 1
        idle = now < self._next_due and self._since_look_up < LOOK_UP_EVERY
        if idle and not missing and not pending_ids and transfers:
            return {}, {}, []
        meta, accounts, due, next_due = tx.look_up(missing, pending_ids, now)
        # With more due than one batch expires, the next batch must look again.
        self._next_due = now if len(due) >= DUE_LIMIT else next_due
        self._since_look_up = 0
        return meta, accounts, due

    def _choose_shards(self, meta: dict[str, Meta]) -> dict[str, int]:
        turn = next(self._turn)
        return {name: turn % shards for name, (_, _, shards) in meta.items()}

    def _transaction(self) -> Any:
        raise NotImplementedError

    # -- reading ---------------------------------------------------------------------

    def account(self, account_id: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(s.accounts).where(s.accounts.c.id == account_id)).first()
        return None if row is None else Account(row.id, Asset(row.asset), AccountFlags(row.flags))

    def accounts(self) -> list[Account]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(s.accounts).order_by(s.accounts.c.id))
            return [Account(r.id, Asset(r.asset), AccountFlags(r.flags)) for r in rows]

    def balances(self, account_ids: Iterable[str] | None = None) -> dict[str, Balance]:
        b, a = s.balances, s.accounts
        query = (
            sa.select(a.c.id, a.c.asset, sa.func.sum(b.c.dp), sa.func.sum(b.c.cp),
                      sa.func.sum(b.c.dpend), sa.func.sum(b.c.cpend))
            .join(b, b.c.account_id == a.c.id)
            .group_by(a.c.id, a.c.asset)
            .order_by(a.c.id)
        )  # fmt: skip
        if account_ids is not None:
            query = query.where(one_of(self.engine, a.c.id, list(account_ids)))
        with self.engine.connect() as conn:
            return {
                r[0]: Balance(r[0], Asset(r[1]), int(r[2]), int(r[3]), int(r[4]), int(r[5]))
                for r in conn.execute(query)
            }

    def balance(self, account_id: str, at: datetime | None = None) -> Balance:
        if at is None:
            found = self.balances([account_id]).get(account_id)
            if found is None:
                raise LedgerError(f"no account {account_id!r}")
            return found
        account = self.account(account_id)
        if account is None:
            raise LedgerError(f"no account {account_id!r}")
        t = s.transfers
        posted = t.c.kind.in_(POSTED_KINDS) & (t.c.ts <= to_micros(at))
        with self.engine.connect() as conn:
            debits = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(t.c.amount), 0))
                .where(t.c.debit == account_id).where(posted)
            ).scalar_one()  # fmt: skip
            credits = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(t.c.amount), 0))
                .where(t.c.credit == account_id).where(posted)
            ).scalar_one()  # fmt: skip
        return Balance(account_id, account.asset, int(debits), int(credits))

    def _posted_rows(self, account_id: str, upto: int | None = None) -> list[StoredTransfer]:
        t = s.transfers
        query = (
            sa.select(t)
            .where((t.c.debit == account_id) | (t.c.credit == account_id))
            .where(t.c.kind.in_(POSTED_KINDS))
            .order_by(t.c.seq)
        )
        if upto is not None:
            query = query.limit(upto)
        with self.engine.connect() as conn:
            return [_stored(r) for r in conn.execute(query)]

    def statement(self, account_id: str, after: int = 0, limit: int = 100) -> list[StatementLine]:
        if self.account(account_id) is None:
            raise LedgerError(f"no account {account_id!r}")
        # The running balance needs every entry before the page; an opening-balance query
        # would save the transfer of those rows, at the cost of a second code path.
        return statement_lines(account_id, self._posted_rows(account_id), after, limit)

    def transfers(self, after: int = 0, limit: int | None = None) -> list[StoredTransfer]:
        t = s.transfers
        query = sa.select(t).where(t.c.seq > after, t.c.kind != s.REFUSED).order_by(t.c.seq)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_stored(r) for r in conn.execute(query)]

    def pending_states(self) -> dict[str, PendingState]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(s.pendings.c.id, s.pendings.c.state))
            return {r.id: PendingState(r.state) for r in rows}

    def trial_balance(self) -> list[TrialBalanceRow]:
        b, a = s.balances, s.accounts
        query = (
            sa.select(a.c.asset, sa.func.sum(b.c.dp), sa.func.sum(b.c.cp),
                      sa.func.sum(b.c.dpend), sa.func.sum(b.c.cpend))
            .join(b, b.c.account_id == a.c.id)
            .group_by(a.c.id, a.c.asset)
        )  # fmt: skip
        with self.engine.connect() as conn:
            return trial_balance_rows(
                (Asset(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]))
                for r in conn.execute(query)
            )

    def verify(self) -> list[str]:
        return verify_entries(
            self.accounts(), self.balances(), self.transfers(), self.pending_states()
        )


def refusal_rows(outcome: Outcome) -> list[TransferRow]:
    """The batch's refusals as `ledger_transfers` rows (see schema.py): blank but for the id,
    the refusal code and the time."""
    return [
        (rid, "", "", 0, "", code, "", s.REFUSED, None, 0, False, ts)
        for rid, code, ts in outcome.rejections
    ]


def _stored(row: Any) -> StoredTransfer:
    return StoredTransfer(
        row.seq, row.id, row.debit, row.credit, row.amount, Asset(row.asset), row.code, row.ref,
        TransferKind(row.kind), row.pending_id, row.timeout, bool(row.linked), from_micros(row.ts),
    )  # fmt: skip
