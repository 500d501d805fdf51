"""The videos table, as SQLAlchemy Core metadata (migration 0004 creates the same)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

videos = sa.Table(
    "videos",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("creator", sa.BigInteger, nullable=False),
    sa.Column("duration_ms", sa.BigInteger, nullable=False),
    sa.Column("topic", sa.Integer, nullable=False),
    sa.Column("origin", sa.SmallInteger, nullable=False),
    sa.Column("posted_at_ms", sa.BigInteger, nullable=False),
    sa.Index("ix_videos_creator", "creator"),
)
