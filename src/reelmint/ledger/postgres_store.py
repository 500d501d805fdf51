"""The books on PostgreSQL: row locks in a stable order, few round trips per batch.

Each phase of `store.SqlLedger.post` is one or two statements. Id lists are bound as
arrays and expanded with `unnest`, so every statement is set-based whatever the batch
size, and all the writes of a batch go in one statement of chained CTEs.

- Balance rows are locked with `ORDER BY account_id, shard FOR UPDATE`: every writer
  takes its locks in the same order, so writers queue but never deadlock.
- Ids are looked up in a statement of their own, after the locks: under READ COMMITTED a
  new statement sees what the writers we waited for have committed.
- psycopg's pipeline mode was measured and lost here: at two to four small statements
  per transaction its bookkeeping costs more than the round trips it saves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors

from reelmint.ledger.model import PendingState, TransferResult
from reelmint.ledger.rules import Known, Outcome, PendingRecord
from reelmint.ledger.schema import REFUSED
from reelmint.ledger.store import NEVER, Delta, LookUp, Meta, SqlLedger, refusal_rows

LOOK_UP = """
SELECT 'a', id, asset, '', flags, shards FROM ledger_accounts WHERE id = ANY(%(accounts)s::text[])
UNION ALL
SELECT 'p', id, debit, credit, 0, 0 FROM ledger_pendings WHERE id = ANY(%(pendings)s::text[])
UNION ALL
(SELECT 'd', id, debit, credit, 0, 0 FROM ledger_pendings
 WHERE state = 0 AND expires_at <= %(now)s ORDER BY expires_at LIMIT 500)
UNION ALL
SELECT 'n', '', '', '', 0, min(expires_at) FROM ledger_pendings
WHERE state = 0 AND expires_at > %(now)s
"""

# Phase 2 in one round trip: lock the balance rows, in order, and read what the books
# hold for the batch's ids. The id look-up shares the statement's snapshot, taken before
# any lock wait, so it can miss an id that the writer we waited for has just committed;
# then our insert meets that id in the unique index and the batch is retried, and the
# retry sees it. Balance rows come back as their newest versions (FOR UPDATE re-reads).
# Both kinds of row share one shape: balances carry their totals in n1..n4; transfers
# their amount in n1 and timeout in n2.
LOCK_AND_KNOWN = """
WITH locked AS (
  SELECT b.account_id, b.dp, b.cp, b.dpend, b.cpend FROM ledger_balances b
  JOIN unnest(%(keys_a)s::text[], %(keys_s)s::int[]) AS k(a, s)
    ON b.account_id = k.a AND b.shard = k.s
  ORDER BY b.account_id, b.shard FOR UPDATE OF b
)
SELECT true, account_id, '', '', '', '', '', 0::smallint, ''::text, false, dp, cp, dpend, cpend
FROM locked
UNION ALL
SELECT false, id, debit, credit, asset, code, ref, kind, pending_id, linked, amount, timeout,
       0, 0
FROM ledger_transfers WHERE id = ANY(%(ids)s::text[])
"""

LOCK_PENDINGS = """
SELECT id, debit, credit, amount, asset, expires_at, state FROM ledger_pendings
WHERE id = ANY(%s::text[]) ORDER BY id FOR UPDATE
"""

# Accepted and refused ids go into one table (see schema.py) in one statement. Two rules
# shape it:
# - `seq` follows the batch (a statement's running balance depends on it), so sequence
#   numbers are drawn in input order: PostgreSQL evaluates volatile output expressions
#   after the ORDER BY sort;
# - rows are inserted sorted by id, so two batches holding the same new ids wait on each
#   other's unique-index entries in one order, never in a cycle; the loser gets a unique
#   violation and the ledger retries.
WRITE = """
WITH o AS MATERIALIZED (
  SELECT nextval('ledger_transfers_seq_seq') AS seq, u.*
  FROM unnest(%(t_id)s::text[], %(t_debit)s::text[], %(t_credit)s::text[],
    %(t_amount)s::bigint[], %(t_asset)s::text[], %(t_code)s::text[], %(t_ref)s::text[],
    %(t_kind)s::smallint[], %(t_pending)s::text[], %(t_timeout)s::bigint[],
    %(t_linked)s::bool[], %(t_ts)s::bigint[]) WITH ORDINALITY
    AS u(id, debit, credit, amount, asset, code, ref, kind, pending_id, timeout, linked, ts, n)
  ORDER BY u.n
), t AS (
  INSERT INTO ledger_transfers (seq, id, debit, credit, amount, asset, code, ref, kind,
                                pending_id, timeout, linked, ts)
  SELECT seq, id, debit, credit, amount, asset, code, ref, kind, pending_id, timeout,
         linked, ts
  FROM o ORDER BY id
), p AS (
  INSERT INTO ledger_pendings (id, debit, credit, amount, asset, expires_at, state)
  SELECT * FROM unnest(%(p_id)s::text[], %(p_debit)s::text[], %(p_credit)s::text[],
    %(p_amount)s::bigint[], %(p_asset)s::text[], %(p_expires)s::bigint[],
    %(p_state)s::smallint[])
  ON CONFLICT (id) DO UPDATE SET state = excluded.state
)
UPDATE ledger_balances b SET dp = b.dp + v.dp, cp = b.cp + v.cp,
  dpend = b.dpend + v.dpend, cpend = b.cpend + v.cpend
FROM unnest(%(b_account)s::text[], %(b_shard)s::int[], %(b_dp)s::bigint[],
  %(b_cp)s::bigint[], %(b_dpend)s::bigint[], %(b_cpend)s::bigint[])
  AS v(a, s, dp, cp, dpend, cpend)
WHERE b.account_id = v.a AND b.shard = v.s
"""

_T_COLS = ("id", "debit", "credit", "amount", "asset", "code", "ref", "kind", "pending",
           "timeout", "linked", "ts")  # fmt: skip
_P_COLS = ("id", "debit", "credit", "amount", "asset", "expires", "state")
_B_COLS = ("account", "shard", "dp", "cp", "dpend", "cpend")


def _columns(prefix: str, names: tuple[str, ...], rows: list[Any]) -> dict[str, list[Any]]:
    """Bind rows column-wise: one array parameter per column."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return {f"{prefix}_{name}": list(col) for name, col in zip(names, columns, strict=True)}


class PostgresTx:
    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def look_up(self, account_ids: list[str], pending_ids: list[str], now: int) -> LookUp:
        meta: dict[str, Meta] = {}
        accounts: dict[str, tuple[str, str]] = {}
        due: list[tuple[str, str, str]] = []
        next_due = NEVER
        params = {"accounts": account_ids, "pendings": pending_ids, "now": now}
        for tag, rid, a, b, flags, shards in self.conn.execute(LOOK_UP, params).fetchall():
            if tag == "a":
                meta[rid] = (a, flags, shards)
            elif tag == "p":
                accounts[rid] = (a, b)
            elif tag == "d":
                due.append((rid, a, b))
            else:
                next_due = NEVER if shards is None else shards
        return meta, accounts, due, next_due

    def lock_and_load(
        self, keys: list[tuple[str, int]], ids: list[str], pending_ids: list[str]
    ) -> tuple[dict[str, tuple[int, int, int, int]], dict[str, Known], dict[str, PendingRecord]]:
        conn = self.conn
        params = {"keys_a": [k[0] for k in keys], "keys_s": [k[1] for k in keys], "ids": ids}
        totals: dict[str, tuple[int, int, int, int]] = {}
        known: dict[str, Known] = {}
        for (
            balance,
            rid,
            dr,
            cr,
            asset,
            code,
            ref,
            kind,
            pid,
            linked,
            n1,
            n2,
            n3,
            n4,
        ) in conn.execute(LOCK_AND_KNOWN, params).fetchall():
            if balance:
                totals[rid] = (n1, n2, n3, n4)
            elif kind == REFUSED:
                known[rid] = TransferResult(code)
            else:
                known[rid] = (dr, cr, n1, asset, code, ref, kind, pid or "", n2, linked)
        pendings: dict[str, PendingRecord] = {}
        if pending_ids:
            for r in conn.execute(LOCK_PENDINGS, (pending_ids,)).fetchall():
                pendings[r[0]] = PendingRecord(
                    r[0], r[1], r[2], r[3], r[4], r[5], PendingState(r[6])
                )
        return totals, known, pendings

    def write(self, outcome: Outcome, deltas: list[Delta]) -> None:
        changed = sorted(outcome.changed_pendings(), key=lambda p: p.id)
        params = {
            **_columns("t", _T_COLS, [*outcome.rows, *refusal_rows(outcome)]),
            **_columns("p", _P_COLS, [(p.id, p.debit, p.credit, p.amount, p.asset,
                                       p.expires_at, int(p.state)) for p in changed]),
            **_columns("b", _B_COLS, deltas),
        }  # fmt: skip
        self.conn.execute(WRITE, params)
        self.conn.commit()


class PostgresLedger(SqlLedger):
    """The books at scale."""

    # A duplicate id inserted by a concurrent writer, a lock given up by the server, or a
    # connection lost: every case is safe to retry, because transfer ids are idempotent.
    retryable = (
        errors.UniqueViolation,
        errors.SerializationFailure,
        errors.DeadlockDetected,
        psycopg.OperationalError,
    )

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
