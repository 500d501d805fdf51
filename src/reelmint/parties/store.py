"""Parties and API keys on SQL (SQLite or PostgreSQL), through SQLAlchemy Core."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine

from reelmint.db.engine import insert_new
from reelmint.ledger.model import from_micros, to_micros
from reelmint.parties import schema as s
from reelmint.parties.model import ApiKey, Party, Role


class PartyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_key(self, key: ApiKey) -> None:
        """Store `key`, registering its party on first sight; one transaction."""
        party = {"role": key.party.role.value, "id": key.party.id,
                 "created_at": to_micros(key.created_at)}  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(insert_new(self.engine, s.parties), party)
            conn.execute(
                s.api_keys.insert(),
                {"key_id": key.key_id, "role": key.party.role.value,
                 "party_id": key.party.id, "secret_hash": key.secret_hash, "label": key.label,
                 "created_at": to_micros(key.created_at), "revoked_at": None},
            )  # fmt: skip

    def key(self, key_id: str) -> ApiKey | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(s.api_keys).where(s.api_keys.c.key_id == key_id)).first()
        return None if row is None else _key(row)

    def list_keys(self, party: Party | None = None) -> list[ApiKey]:
        query = sa.select(s.api_keys).order_by(s.api_keys.c.created_at, s.api_keys.c.key_id)
        if party is not None:
            query = query.where(
                s.api_keys.c.role == party.role.value, s.api_keys.c.party_id == party.id
            )
        with self.engine.connect() as conn:
            return [_key(row) for row in conn.execute(query)]

    def revoke(self, key_id: str, now: datetime) -> bool:
        """Revoke a key; False if there is no such key or it was already revoked."""
        k = s.api_keys.c
        with self.engine.begin() as conn:
            done = conn.execute(
                sa.update(s.api_keys)
                .where(k.key_id == key_id, k.revoked_at.is_(None))
                .values(revoked_at=to_micros(now))
            )
        return bool(done.rowcount)


def _key(row: Any) -> ApiKey:
    revoked = None if row.revoked_at is None else from_micros(row.revoked_at)
    return ApiKey(
        row.key_id, Party(Role(row.role), row.party_id), row.secret_hash, row.label,
        from_micros(row.created_at), revoked,
    )  # fmt: skip
