"""The video catalog: who made each video, how long it is, its topic and origin.

Revision ID: 0004_videos
Revises: 0003_parties_and_http
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_videos"
down_revision = "0003_parties_and_http"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "videos",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("creator", sa.BigInteger, nullable=False),
        sa.Column("duration_ms", sa.BigInteger, nullable=False),
        sa.Column("topic", sa.Integer, nullable=False),
        sa.Column("origin", sa.SmallInteger, nullable=False),
        sa.Column("posted_at_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_videos_creator", "videos", ["creator"])


def downgrade() -> None:
    op.drop_table("videos")
