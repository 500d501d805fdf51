"""The parties' tables, as SQLAlchemy Core metadata (migration 0003 creates the same)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

parties = sa.Table(
    "parties",
    metadata,
    sa.Column("role", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("party_id", sa.Text, nullable=False),
    sa.Column("secret_hash", sa.Text, nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
    sa.Index("ix_api_keys_party", "role", "party_id"),
)

people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("birth_date", sa.Date, nullable=False),
    sa.Column("standing", sa.Text, nullable=False),
)
