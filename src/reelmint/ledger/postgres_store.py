"""The books on PostgreSQL: row locks in a stable order, three round trips per batch.

Each phase of `store.SqlLedger.post` is sent as one psycopg pipeline, so a batch costs
three network round trips whatever its size, and a single transfer per commit stays
cheap. Id lists are bound as arrays and expanded with `unnest`, so every statement is
set-based. Balance rows are locked with `ORDER BY account_id, shard FOR UPDATE`: every
writer takes its locks in the same order, so writers queue but never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors

from reelmint.ledger.model import PendingState, TransferResult
from reelmint.ledger.rules import Known, Outcome, PendingRecord
from reelmint.ledger.store import Delta, Meta, SqlLedger


class PostgresTx:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def look_up(
        self, account_ids: list[str], pending_ids: list[str], now: int
    ) -> tuple[dict[str, Meta], dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
        conn = self.conn
        with conn.pipeline():
            meta_cur = conn.execute(
                "SELECT id, asset, flags, shards FROM ledger_accounts WHERE id = ANY(%s::text[])",
                (account_ids,),
            ) if account_ids else None  # fmt: skip
            pend_cur = conn.execute(
                "SELECT id, debit, credit FROM ledger_pendings WHERE id = ANY(%s::text[])",
                (pending_ids,),
            ) if pending_ids else None  # fmt: skip
            due_cur = conn.execute(
                "SELECT id, debit, credit FROM ledger_pendings WHERE state = 0 "
                "AND expires_at <= %s ORDER BY expires_at LIMIT 500",
                (now,),
            )
            meta = {r[0]: (r[1], r[2], r[3]) for r in meta_cur.fetchall()} if meta_cur else {}
            accounts = {r[0]: (r[1], r[2]) for r in pend_cur.fetchall()} if pend_cur else {}
            due = [(r[0], r[1], r[2]) for r in due_cur.fetchall()]
        return meta, accounts, due

    def lock_and_load(
        self, keys: list[tuple[str, int]], ids: list[str], pending_ids: list[str]
    ) -> tuple[dict[str, tuple[int, int, int, int]], dict[str, Known], dict[str, PendingRecord]]:
        conn = self.conn
        with conn.pipeline():
            bal_cur = conn.execute(
                "SELECT b.account_id, b.dp, b.cp, b.dpend, b.cpend FROM ledger_balances b "
                "JOIN unnest(%s::text[], %s::int[]) AS k(a, s) ON b.account_id = k.a "
                "AND b.shard = k.s ORDER BY b.account_id, b.shard FOR UPDATE OF b",
                ([k[0] for k in keys], [k[1] for k in keys]),
            )
            known_cur = conn.execute(
                "SELECT id, debit, credit, amount, asset, code, ref, kind, pending_id, timeout, "
                "linked FROM ledger_transfers WHERE id = ANY(%s::text[])",
                (ids,),
            )
            rej_cur = conn.execute(
                "SELECT id, code FROM ledger_rejections WHERE id = ANY(%s::text[])", (ids,)
            )
            pend_cur = conn.execute(
                "SELECT id, debit, credit, amount, asset, expires_at, state FROM ledger_pendings "
                "WHERE id = ANY(%s::text[]) ORDER BY id FOR UPDATE",
                (pending_ids,),
            ) if pending_ids else None  # fmt: skip
            totals = {r[0]: (r[1], r[2], r[3], r[4]) for r in bal_cur.fetchall()}
            known: dict[str, Known] = {
                r[0]: (r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] or "", r[9], r[10])
                for r in known_cur.fetchall()
            }
            for rid, code in rej_cur.fetchall():
                known[rid] = TransferResult(code)
            pendings = {
                r[0]: PendingRecord(*r[:6], state=PendingState(r[6]))
                for r in (pend_cur.fetchall() if pend_cur else [])
            }
        return totals, known, pendings

    def write(self, outcome: Outcome, deltas: list[Delta]) -> None:
        conn = self.conn
        with conn.pipeline():
            if outcome.rows:
                # Sorted by id: two batches holding the same new ids then wait on each
                # other's unique-index entries in one order, never in a cycle.
                cols = list(zip(*sorted(outcome.rows), strict=True))
                conn.execute(
                    "INSERT INTO ledger_transfers (id, debit, credit, amount, asset, code, ref, "
                    "kind, pending_id, timeout, linked, ts) SELECT * FROM unnest(%s::text[], "
                    "%s::text[], %s::text[], %s::bigint[], %s::text[], %s::text[], %s::text[], "
                    "%s::smallint[], %s::text[], %s::bigint[], %s::bool[], %s::bigint[])",
                    [list(c) for c in cols],
                )
            if outcome.rejections:
                ids, codes, stamps = zip(*sorted(outcome.rejections), strict=True)
                conn.execute(
                    "INSERT INTO ledger_rejections (id, code, ts) SELECT * FROM "
                    "unnest(%s::text[], %s::text[], %s::bigint[]) ON CONFLICT (id) DO NOTHING",
                    (list(ids), list(codes), list(stamps)),
                )
            changed = sorted(outcome.changed_pendings(), key=lambda p: p.id)
            if changed:
                conn.execute(
                    "INSERT INTO ledger_pendings (id, debit, credit, amount, asset, expires_at, "
                    "state) SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], "
                    "%s::bigint[], %s::text[], %s::bigint[], %s::smallint[]) "
                    "ON CONFLICT (id) DO UPDATE SET state = excluded.state",
                    [[p.id for p in changed], [p.debit for p in changed],
                     [p.credit for p in changed], [p.amount for p in changed],
                     [p.asset for p in changed], [p.expires_at for p in changed],
                     [int(p.state) for p in changed]],
                )  # fmt: skip
            if deltas:
                cols = list(zip(*deltas, strict=True))
                conn.execute(
                    "UPDATE ledger_balances b SET dp = b.dp + v.dp, cp = b.cp + v.cp, "
                    "dpend = b.dpend + v.dpend, cpend = b.cpend + v.cpend FROM unnest("
                    "%s::text[], %s::int[], %s::bigint[], %s::bigint[], %s::bigint[], "
                    "%s::bigint[]) AS v(a, s, dp, cp, dpend, cpend) "
                    "WHERE b.account_id = v.a AND b.shard = v.s",
                    [list(c) for c in cols],
                )
            conn.commit()


class PostgresLedger(SqlLedger):
    """The books at scale."""

    # A duplicate id inserted by a concurrent writer, or a lock given up by the server.
    retryable = (errors.UniqueViolation, errors.SerializationFailure, errors.DeadlockDetected)

    @contextmanager
    def _transaction(self) -> Iterator[PostgresTx]:
        raw = self.engine.raw_connection()
        try:
            conn = raw.driver_connection
            try:
                yield PostgresTx(conn)  # type: ignore[arg-type]
            except BaseException:
                conn.rollback()  # type: ignore[union-attr]
                raise
        finally:
            raw.close()
