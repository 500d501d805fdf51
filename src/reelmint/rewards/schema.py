"""The creator rewards tables, as SQLAlchemy Core metadata (migration 0007 creates the same).

Money lives in the books; these rows say why it moved: who is enrolled since when, how
each period was closed, each creator's statement and each video's line, the corrections
applied for views found invalid later, and every video's qualified views through the
periods closed so far (for the earning threshold).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
BIG = sa.BigInteger


def _big(name: str, nullable: bool = False, primary: bool = False) -> sa.Column[int]:
    return sa.Column(name, BIG, nullable=nullable, primary_key=primary, autoincrement=False)


enrollments = sa.Table(
    "rewards_enrollments", metadata,
    _big("creator", primary=True), _big("joined_ms"),
    sa.Column("status", sa.Text, nullable=False), _big("left_ms", nullable=True),
)  # fmt: skip

periods = sa.Table(
    "rewards_periods", metadata,
    sa.Column("label", sa.Text, primary_key=True),
    sa.Column("first_day", sa.Date, nullable=False), sa.Column("last_day", sa.Date, nullable=False),
    sa.Column("mode", sa.Text, nullable=False), _big("rate_micros"), _big("pool_micros"),
    _big("distributed"), _big("views"), _big("viewers"), _big("creators"), _big("clawed"),
    sa.Column("status", sa.Text, nullable=False), _big("closed_ms"),
)  # fmt: skip

statements = sa.Table(
    "rewards_statements", metadata,
    sa.Column("period", sa.Text, primary_key=True), _big("creator", primary=True),
    sa.Column("eligible", sa.Boolean, nullable=False),
    sa.Column("reasons", sa.Text, nullable=False),  # one per line
    *(_big(n) for n in ("views", "videos", "earned", "clawback", "carried_in", "owed_in",
                        "repaid", "paid", "carried_out", "owed_out")),
    sa.Index("ix_rewards_statements_creator", "creator", "period"),
)  # fmt: skip

video_lines = sa.Table(
    "rewards_video_lines", metadata,
    sa.Column("period", sa.Text, primary_key=True), _big("video", primary=True),
    _big("creator"), _big("views"), _big("micros"), _big("views_lost"), _big("micros_clawed"),
    sa.Index("ix_rewards_video_lines_creator", "creator", "period"),
)  # fmt: skip

corrections = sa.Table(
    "rewards_corrections", metadata,
    sa.Column("period", sa.Text, primary_key=True), sa.Column("source", sa.Text, primary_key=True),
    _big("video", primary=True), _big("creator"), _big("views_lost"), _big("micros"),
)  # fmt: skip

video_totals = sa.Table(
    "rewards_video_totals", metadata,
    _big("video", primary=True), _big("creator"), _big("views"),
)  # fmt: skip
