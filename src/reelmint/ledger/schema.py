"""The books' tables, as SQLAlchemy Core metadata (the migrations create the same).

- `ledger_balances` holds several rows per unconstrained account ("shards"). A hot
  account such as `platform:revenue:ads` is credited by every ad impression; with one
  row, every concurrent writer would queue on its row lock. Accounts without flags never
  need their total checked while posting, so each writer adds its delta to one of the
  account's shards and readers sum them. Constrained accounts keep a single row, locked.
- Transfers carry no foreign keys: the rules have already checked every account, and a
  foreign-key probe per inserted row would cost a third of a batch's time.
- Refusals are rows of `ledger_transfers` too, of kind `REFUSED` with the refusal code in
  `code` and the other fields blank: accepted and refused ids then share one unique index,
  so two writers deciding one id differently cannot both commit (migration 0002).
- Times are microseconds since the epoch (UTC) in BIGINT columns: exact, compact, and
  the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

REFUSED = -1  # the kind of a refusal row; never a `TransferKind`

# A rowid alias on SQLite, a bigint identity on PostgreSQL.
SEQ_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

accounts = sa.Table(
    "ledger_accounts",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("asset", sa.Text, nullable=False),
    sa.Column("flags", sa.Integer, nullable=False),
    sa.Column("shards", sa.Integer, nullable=False),
)

balances = sa.Table(
    "ledger_balances",
    metadata,
    sa.Column("account_id", sa.Text, primary_key=True),
    sa.Column("shard", sa.Integer, primary_key=True),
    sa.Column("dp", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cp", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("dpend", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cpend", sa.BigInteger, nullable=False, server_default="0"),
)

transfers = sa.Table(
    "ledger_transfers",
    metadata,
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
    sa.Index("ix_ledger_transfers_debit", "debit", "seq"),
    sa.Index("ix_ledger_transfers_credit", "credit", "seq"),
)

pendings = sa.Table(
    "ledger_pendings",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("debit", sa.Text, nullable=False),
    sa.Column("credit", sa.Text, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("asset", sa.Text, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=True),
    sa.Column("state", sa.SmallInteger, nullable=False),
    sa.Index(
        "ix_ledger_pendings_due",
        "expires_at",
        sqlite_where=sa.text("state = 0"),
        postgresql_where=sa.text("state = 0"),
    ),
)
