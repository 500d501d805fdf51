"""The migrations carry a book forward: what 0001 stored reads the same after head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from reelmint.db.engine import make_engine
from reelmint.db.migrate import alembic_config, current_revision, head_revision, upgrade
from reelmint.ledger import Transfer, TransferResult
from reelmint.ledger.sql import open_sql_ledger
from reelmint.money import Asset
from tests.pg import fresh_schema, require_server

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@contextmanager
def empty_database(kind: str, tmp_path: Path) -> Iterator[sa.Engine]:
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'books.db'}")
        yield engine
        engine.dispose()
        return
    with fresh_schema(require_server()) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_refusals_stored_by_0001_stay_refusals_after_upgrading(kind: str, tmp_path: Path) -> None:
    with empty_database(kind, tmp_path) as engine:
        upgrade(engine, "0001_ledger")
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO ledger_accounts (id, asset, flags, shards) VALUES "
                    "('user:1:wallet', 'COIN', 1, 1), ('creator:7:earnings', 'COIN', 0, 1)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO ledger_balances (account_id, shard) VALUES "
                    "('user:1:wallet', 0), ('creator:7:earnings', 0)"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO ledger_rejections (id, code, ts) "
                    "VALUES ('gift-1', 'exceeds_credits', 1)"
                )
            )
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        ledger = open_sql_ledger(engine)
        gift = Transfer("gift-1", "user:1:wallet", "creator:7:earnings", 5, Asset.COIN, "gift")
        # The id is still refused for its first reason, and it is not listed as a transfer.
        assert ledger.post([gift], NOW) == [TransferResult.EXCEEDS_CREDITS]
        assert ledger.transfers() == []
        # And back: downgrading returns the refusal to its own table.
        command.downgrade(alembic_config(engine), "0001_ledger")
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, code FROM ledger_rejections")).all()
            held = conn.execute(sa.text("SELECT count(*) FROM ledger_transfers")).scalar_one()
        assert [tuple(r) for r in rows] == [("gift-1", "exceeds_credits")]
        assert held == 0
