"""The LIVE gifts tables, as SQLAlchemy Core metadata (migration 0006 creates the same).

Money lives in the books; these rows are the facts around it (who sent what in which
LIVE, which payment bought which coins, where a cash-out stands) that leaderboards,
limits and refunds read. Each row that goes with ledger transfers is keyed by the
client's idempotency key, the same key the transfer ids are made from.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

catalog = sa.Table(
    "gift_catalog",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("coins", sa.BigInteger, nullable=False),
    sa.Column("retired", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
)

lives = sa.Table(
    "gift_lives",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("creator", sa.BigInteger, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("started_ms", sa.BigInteger, nullable=False),
    sa.Column("ended_ms", sa.BigInteger, nullable=True),
    sa.Index("ix_gift_lives_creator", "creator", "started_ms"),
)

viewers = sa.Table(
    "gift_viewers",
    metadata,
    sa.Column("live", sa.BigInteger, primary_key=True),
    sa.Column("viewer", sa.BigInteger, primary_key=True),
    sa.Column("joined_ms", sa.BigInteger, nullable=False),
)

purchases = sa.Table(
    "gift_purchases",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("buyer", sa.BigInteger, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("coins", sa.BigInteger, nullable=False),
    sa.Column("paid_micros", sa.BigInteger, nullable=False),
    sa.Column("fee_micros", sa.BigInteger, nullable=False),
    sa.Column("margin_micros", sa.BigInteger, nullable=False),
    sa.Column("debt_repaid", sa.BigInteger, nullable=False),  # coins that settled a debt
    sa.Column("payment_id", sa.Text, nullable=False, unique=True),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # captured, refunded, charged_back
    sa.Column("reversed_ms", sa.BigInteger, nullable=True),
    sa.Column("clawed_back", sa.BigInteger, nullable=True),  # coins taken from the wallet
    sa.Column("debt", sa.BigInteger, nullable=True),  # coins already spent: the user's debt
    sa.Column("clawbacks", sa.Text, nullable=True),  # JSON {creator: diamonds taken back}
    sa.Column("attempt", sa.Integer, nullable=False),  # of the reversal, in its transfer ids
    sa.Index("ix_gift_purchases_buyer", "buyer", "at_ms"),
)

sends = sa.Table(
    "gift_sends",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("sender", sa.BigInteger, nullable=False),
    sa.Column("creator", sa.BigInteger, nullable=False),
    sa.Column("live", sa.BigInteger, nullable=False),
    sa.Column("gift", sa.Text, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("coins", sa.BigInteger, nullable=False),
    sa.Column("diamonds", sa.BigInteger, nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
    sa.Index("ix_gift_sends_live", "live"),
    sa.Index("ix_gift_sends_sender", "sender", "at_ms"),
    sa.Index("ix_gift_sends_creator", "creator", "at_ms"),
)

cashouts = sa.Table(
    "gift_cashouts",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("creator", sa.BigInteger, nullable=False),
    sa.Column("diamonds", sa.BigInteger, nullable=False),
    sa.Column("amount_micros", sa.BigInteger, nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
    sa.Column("release_ms", sa.BigInteger, nullable=False),
    sa.Column("status", sa.Text, nullable=False),  # held, payable, paid, voided
    sa.Column("batch", sa.Text, nullable=True),
    sa.Column("settled_ms", sa.BigInteger, nullable=True),
    sa.Index("ix_gift_cashouts_creator", "creator", "at_ms"),
    sa.Index("ix_gift_cashouts_status", "status", "release_ms"),
)

notifications = sa.Table(  # payment notifications already applied, so a resend is a no-op
    "gift_notifications",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("event", sa.Text, nullable=False),
    sa.Column("payment_id", sa.Text, nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
)

# The embedded adapters' own state: what a real processor or payout provider keeps on
# its side. Nothing in the gifts use cases reads these tables directly.
gateway_payments = sa.Table(
    "gateway_payments",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, nullable=False, unique=True),
    sa.Column("customer", sa.Text, nullable=False),
    sa.Column("amount_micros", sa.BigInteger, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
)

payout_transfers = sa.Table(
    "payout_transfers",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("batch", sa.Text, nullable=False),
    sa.Column("payee", sa.Text, nullable=False),
    sa.Column("amount_micros", sa.BigInteger, nullable=False),
    sa.Column("at_ms", sa.BigInteger, nullable=False),
)
