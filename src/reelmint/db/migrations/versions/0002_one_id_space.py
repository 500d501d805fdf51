"""One id space: refusals become rows of `ledger_transfers`, so one unique index guards ids.

With refusals in a table of their own, a writer refusing an id and another accepting it
at the same moment each inserted into a different table, and both committed. In one
table, the second insert meets the first one's unique-index entry: it waits, fails with
a unique violation, and the ledger retries and reads the first outcome.

A refusal row has kind -1 and the refusal code in `code`; its other fields are blank.

Revision ID: 0002_one_id_space
Revises: 0001_ledger
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_one_id_space"
down_revision = "0001_ledger"
branch_labels = None
depends_on = None

REFUSED = -1
COLUMNS = "id, debit, credit, amount, asset, code, ref, kind, pending_id, timeout, linked, ts"


def upgrade() -> None:
    op.execute(
        f"INSERT INTO ledger_transfers ({COLUMNS}) "
        f"SELECT id, '', '', 0, '', code, '', {REFUSED}, NULL, 0, false, ts "
        "FROM ledger_rejections ORDER BY ts, id"
    )
    op.drop_table("ledger_rejections")


def downgrade() -> None:
    op.create_table(
        "ledger_rejections",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("ts", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO ledger_rejections (id, code, ts) "
        f"SELECT id, code, ts FROM ledger_transfers WHERE kind = {REFUSED}"
    )
    op.execute(f"DELETE FROM ledger_transfers WHERE kind = {REFUSED}")
