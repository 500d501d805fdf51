"""Creator rewards: enrollments, period closes, statements, video lines, corrections and
the qualified views of every video through the closed periods.

Revision ID: 0007_rewards
Revises: 0006_gifts
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_rewards"
down_revision = "0006_gifts"
branch_labels = None
depends_on = None

BIG = sa.BigInteger


def _big(name: str, nullable: bool = False, primary: bool = False) -> sa.Column[int]:
    return sa.Column(name, BIG, nullable=nullable, primary_key=primary, autoincrement=False)


def upgrade() -> None:
    op.create_table(
        "rewards_enrollments", _big("creator", primary=True), _big("joined_ms"),
        sa.Column("status", sa.Text, nullable=False), _big("left_ms", nullable=True),
    )  # fmt: skip
    op.create_table(
        "rewards_periods", sa.Column("label", sa.Text, primary_key=True),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("mode", sa.Text, nullable=False), _big("rate_micros"), _big("pool_micros"),
        _big("distributed"), _big("views"), _big("viewers"), _big("creators"), _big("clawed"),
        sa.Column("status", sa.Text, nullable=False), _big("closed_ms"),
    )  # fmt: skip
    op.create_table(
        "rewards_statements", sa.Column("period", sa.Text, primary_key=True),
        _big("creator", primary=True), sa.Column("eligible", sa.Boolean, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        *(_big(n) for n in ("views", "videos", "earned", "clawback", "carried_in", "owed_in",
                            "repaid", "paid", "carried_out", "owed_out")),
    )  # fmt: skip
    op.create_index("ix_rewards_statements_creator", "rewards_statements", ["creator", "period"])
    op.create_table(
        "rewards_video_lines", sa.Column("period", sa.Text, primary_key=True),
        _big("video", primary=True), _big("creator"), _big("views"), _big("micros"),
        _big("views_lost"), _big("micros_clawed"),
    )  # fmt: skip
    op.create_index("ix_rewards_video_lines_creator", "rewards_video_lines",
                    ["creator", "period"])  # fmt: skip
    op.create_table(
        "rewards_corrections", sa.Column("period", sa.Text, primary_key=True),
        sa.Column("source", sa.Text, primary_key=True), _big("video", primary=True),
        _big("creator"), _big("views_lost"), _big("micros"),
    )  # fmt: skip
    op.create_table("rewards_video_totals", _big("video", primary=True), _big("creator"),
                    _big("views"))  # fmt: skip


def downgrade() -> None:
    for name in ("rewards_video_totals", "rewards_corrections", "rewards_video_lines",
                 "rewards_statements", "rewards_periods", "rewards_enrollments"):  # fmt: skip
        op.drop_table(name)
