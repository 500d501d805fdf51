"""People (age and standing) and LIVE gifts: catalog, LIVEs, viewers, purchases, gifts,
cash-outs, applied payment notifications, and the embedded gateway's and payout
provider's own records.

Revision ID: 0006_gifts
Revises: 0005_ads
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_gifts"
down_revision = "0005_ads"
branch_labels = None
depends_on = None

ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
BIG = sa.BigInteger


def _ms(name: str, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, BIG, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", BIG, primary_key=True, autoincrement=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("standing", sa.Text, nullable=False),
    )
    op.create_table(
        "gift_catalog",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("coins", BIG, nullable=False),
        sa.Column("retired", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "gift_lives",
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("creator", BIG, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        _ms("started_ms"),
        _ms("ended_ms", nullable=True),
    )
    op.create_index("ix_gift_lives_creator", "gift_lives", ["creator", "started_ms"])
    op.create_table(
        "gift_viewers",
        sa.Column("live", BIG, primary_key=True),
        sa.Column("viewer", BIG, primary_key=True),
        _ms("joined_ms"),
    )
    op.create_table(
        "gift_purchases",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("buyer", BIG, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("coins", BIG, nullable=False),
        sa.Column("paid_micros", BIG, nullable=False),
        sa.Column("fee_micros", BIG, nullable=False),
        sa.Column("margin_micros", BIG, nullable=False),
        sa.Column("debt_repaid", BIG, nullable=False),
        sa.Column("payment_id", sa.Text, nullable=False, unique=True),
        _ms("at_ms"),
        sa.Column("status", sa.Text, nullable=False),
        _ms("reversed_ms", nullable=True),
        sa.Column("clawed_back", BIG, nullable=True),
        sa.Column("debt", BIG, nullable=True),
        sa.Column("clawbacks", sa.Text, nullable=True),
        sa.Column("attempt", sa.Integer, nullable=False),
    )
    op.create_index("ix_gift_purchases_buyer", "gift_purchases", ["buyer", "at_ms"])
    op.create_table(
        "gift_sends",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("sender", BIG, nullable=False),
        sa.Column("creator", BIG, nullable=False),
        sa.Column("live", BIG, nullable=False),
        sa.Column("gift", sa.Text, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("coins", BIG, nullable=False),
        sa.Column("diamonds", BIG, nullable=False),
        _ms("at_ms"),
    )
    op.create_index("ix_gift_sends_live", "gift_sends", ["live"])
    op.create_index("ix_gift_sends_sender", "gift_sends", ["sender", "at_ms"])
    op.create_index("ix_gift_sends_creator", "gift_sends", ["creator", "at_ms"])
    op.create_table(
        "gift_cashouts",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("creator", BIG, nullable=False),
        sa.Column("diamonds", BIG, nullable=False),
        sa.Column("amount_micros", BIG, nullable=False),
        _ms("at_ms"),
        _ms("release_ms"),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("batch", sa.Text, nullable=True),
        _ms("settled_ms", nullable=True),
    )
    op.create_index("ix_gift_cashouts_creator", "gift_cashouts", ["creator", "at_ms"])
    op.create_index("ix_gift_cashouts_status", "gift_cashouts", ["status", "release_ms"])
    op.create_table(
        "gift_notifications",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("payment_id", sa.Text, nullable=False),
        _ms("at_ms"),
    )
    op.create_table(
        "gateway_payments",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("customer", sa.Text, nullable=False),
        sa.Column("amount_micros", BIG, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        _ms("at_ms"),
    )
    op.create_table(
        "payout_transfers",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("batch", sa.Text, nullable=False),
        sa.Column("payee", sa.Text, nullable=False),
        sa.Column("amount_micros", BIG, nullable=False),
        _ms("at_ms"),
    )


def downgrade() -> None:
    for table in ("payout_transfers", "gateway_payments", "gift_notifications",
                  "gift_cashouts", "gift_sends", "gift_purchases", "gift_viewers",
                  "gift_lives", "gift_catalog", "people"):  # fmt: skip
        op.drop_table(table)
