"""The books on SQLite: one writer at a time (BEGIN IMMEDIATE), set-based statements.

Id lists travel as one JSON array bound to `json_each`, so a lookup is one statement
whatever the batch size; writes are `executemany`, which runs its loop in C.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reelmint.ledger.model import PendingState, TransferResult
from reelmint.ledger.rules import Known, Outcome, PendingRecord
from reelmint.ledger.schema import REFUSED
from reelmint.ledger.store import NEVER, Delta, LookUp, Meta, SqlLedger, refusal_rows

IN_LIST = "IN (SELECT value FROM json_each(?))"


class SqliteTx:
    def __init__(self, cursor: Any) -> None:
        self.cur = cursor

    def _rows(self, sql: str, *params: Any) -> list[Any]:
        return list(self.cur.execute(sql, params).fetchall())

    def look_up(self, account_ids: list[str], pending_ids: list[str], now: int) -> LookUp:
        meta: dict[str, Meta] = {}
        if account_ids:
            sql = f"SELECT id, asset, flags, shards FROM ledger_accounts WHERE id {IN_LIST}"
            meta = {r[0]: (r[1], r[2], r[3]) for r in self._rows(sql, json.dumps(account_ids))}
        accounts: dict[str, tuple[str, str]] = {}
        if pending_ids:
            sql = f"SELECT id, debit, credit FROM ledger_pendings WHERE id {IN_LIST}"
            accounts = {r[0]: (r[1], r[2]) for r in self._rows(sql, json.dumps(pending_ids))}
        due = self._rows(
            "SELECT id, debit, credit FROM ledger_pendings WHERE state = 0 AND expires_at <= ? "
            "ORDER BY expires_at LIMIT 500",
            now,
        )
        (next_due,) = self.cur.execute(
            "SELECT min(expires_at) FROM ledger_pendings WHERE state = 0 AND expires_at > ?",
            (now,),
        ).fetchone()
        return meta, accounts, [tuple(r) for r in due], NEVER if next_due is None else next_due

    def lock_and_load(
        self, keys: list[tuple[str, int]], ids: list[str], pending_ids: list[str]
    ) -> tuple[dict[str, tuple[int, int, int, int]], dict[str, Known], dict[str, PendingRecord]]:
        totals = {}
        if keys:
            rows = self._rows(
                "SELECT b.account_id, b.dp, b.cp, b.dpend, b.cpend FROM ledger_balances b "
                "JOIN json_each(?) k ON b.account_id = json_extract(k.value, '$[0]') "
                "AND b.shard = json_extract(k.value, '$[1]')",
                json.dumps(keys),
            )
            totals = {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}
        known: dict[str, Known] = {
            r[0]: TransferResult(r[5])
            if r[7] == REFUSED
            else (r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] or "", r[9], bool(r[10]))
            for r in self._rows(
                "SELECT id, debit, credit, amount, asset, code, ref, kind, pending_id, timeout, "
                f"linked FROM ledger_transfers WHERE id {IN_LIST}",
                json.dumps(ids),
            )
        }
        pendings = {}
        if pending_ids:
            for r in self._rows(
                "SELECT id, debit, credit, amount, asset, expires_at, state FROM ledger_pendings "
                f"WHERE id {IN_LIST}",
                json.dumps(pending_ids),
            ):
                pendings[r[0]] = PendingRecord(
                    r[0], r[1], r[2], r[3], r[4], r[5], PendingState(r[6])
                )
        return totals, known, pendings

    def write(self, outcome: Outcome, deltas: list[Delta]) -> None:
        cur = self.cur
        rows = [*outcome.rows, *refusal_rows(outcome)]
        if rows:
            cur.executemany(
                "INSERT INTO ledger_transfers (id, debit, credit, amount, asset, code, ref, kind, "
                "pending_id, timeout, linked, ts) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
        changed = outcome.changed_pendings()
        if changed:
            cur.executemany(
                "INSERT INTO ledger_pendings (id, debit, credit, amount, asset, expires_at, state) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET state = excluded.state",
                [(p.id, p.debit, p.credit, p.amount, p.asset, p.expires_at, int(p.state))
                 for p in changed],
            )  # fmt: skip
        if deltas:
            cur.executemany(
                "UPDATE ledger_balances SET dp = dp + ?, cp = cp + ?, dpend = dpend + ?, "
                "cpend = cpend + ? WHERE account_id = ? AND shard = ?",
                [
                    (dp, cp, dpend, cpend, name, shard)
                    for name, shard, dp, cp, dpend, cpend in deltas
                ],
            )


class SqliteLedger(SqlLedger):
    """The default, embedded books."""

    @contextmanager
    def _transaction(self) -> Iterator[SqliteTx]:
        with self.engine.connect() as conn, conn.begin():
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            try:
                yield SqliteTx(cursor)
            finally:
                cursor.close()
