"""Parties, their API keys, and the HTTP idempotency keys.

Revision ID: 0003_parties_and_http
Revises: 0002_one_id_space
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_parties_and_http"
down_revision = "0002_one_id_space"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("role", sa.Text, primary_key=True),
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.Text, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("party_id", sa.Text, nullable=False),
        sa.Column("secret_hash", sa.Text, nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_api_keys_party", "api_keys", ["role", "party_id"])
    op.create_table(
        "http_idempotency",
        sa.Column("owner", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=True),
        sa.Column("media_type", sa.Text, nullable=True),
        sa.Column("locked_until", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_http_idempotency_expires", "http_idempotency", ["expires_at"])


def downgrade() -> None:
    op.drop_table("http_idempotency")
    op.drop_table("api_keys")
    op.drop_table("parties")
