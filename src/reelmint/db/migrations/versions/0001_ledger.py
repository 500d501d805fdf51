"""The double-entry books: accounts, sharded balances, transfers, refusals, pendings.

Revision ID: 0001_ledger
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = None
branch_labels = None
depends_on = None

SEQ_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
STATE_PENDING = sa.text("state = 0")


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("asset", sa.Text, nullable=False),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("shards", sa.Integer, nullable=False),
    )
    op.create_table(
        "ledger_balances",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("shard", sa.Integer, primary_key=True),
        sa.Column("dp", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cp", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("dpend", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cpend", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "ledger_transfers",
        sa.Column("seq", SEQ_TYPE, primary_key=True, autoincrement=True),
        sa.Column("id", sa.Text, nullable=False, unique=True),
        sa.Column("debit", sa.Text, nullable=False),
        sa.Column("credit", sa.Text, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("asset", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("kind", sa.SmallInteger, nullable=False),
        sa.Column("pending_id", sa.Text, nullable=True),
        sa.Column("timeout", sa.BigInteger, nullable=False),
        sa.Column("linked", sa.Boolean, nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ledger_transfers_debit", "ledger_transfers", ["debit", "seq"])
    op.create_index("ix_ledger_transfers_credit", "ledger_transfers", ["credit", "seq"])
    op.create_table(
        "ledger_rejections",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ledger_pendings",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("debit", sa.Text, nullable=False),
        sa.Column("credit", sa.Text, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("asset", sa.Text, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=True),
        sa.Column("state", sa.SmallInteger, nullable=False),
    )
    op.create_index(
        "ix_ledger_pendings_due",
        "ledger_pendings",
        ["expires_at"],
        sqlite_where=STATE_PENDING,
        postgresql_where=STATE_PENDING,
    )


def downgrade() -> None:
    for table in (
        "ledger_pendings",
        "ledger_rejections",
        "ledger_transfers",
        "ledger_balances",
        "ledger_accounts",
    ):
        op.drop_table(table)
