"""Open the SQL books for an engine, picking the adapter by dialect."""

from __future__ import annotations

from sqlalchemy import Engine

from reelmint.ledger.store import SqlLedger


def open_sql_ledger(engine: Engine, *, shards: int = 8) -> SqlLedger:
    if engine.dialect.name == "postgresql":
        from reelmint.ledger.postgres_store import PostgresLedger

        return PostgresLedger(engine, shards=shards)
    if engine.dialect.name == "sqlite":
        from reelmint.ledger.sqlite_store import SqliteLedger

        return SqliteLedger(engine, shards=shards)
    raise ValueError(f"no ledger adapter for {engine.dialect.name!r}; use SQLite or PostgreSQL")
