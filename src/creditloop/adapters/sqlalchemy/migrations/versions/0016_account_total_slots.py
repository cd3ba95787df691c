"""Issue #18: each account's running total is split into slots. ``account_totals`` gets a ``slot`` column and the
key ``(account, slot)``; the existing totals become slot 0 (no value changes: an account's total is the sum of its
slots). On PostgreSQL a transaction adds to the slot its first line's id hashes to, so commands on different lines
no longer queue on one row lock per account; SQLite keeps writing slot 0.

The downgrade folds the slots back into one row per account.

Revision ID: 0016_account_total_slots
Revises: 0015_pii_encryption
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_account_total_slots"
down_revision: str | None = "0015_pii_encryption"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account_totals", recreate="auto") as batch:
        batch.add_column(sa.Column("slot", sa.SmallInteger(), nullable=False, server_default="0"))
        batch.drop_constraint("pk_account_totals", type_="primary")
        batch.create_primary_key("pk_account_totals", ["account", "slot"])


def downgrade() -> None:
    conn = op.get_bind()
    folded = conn.execute(
        sa.text("SELECT account, sum(balance_minor) FROM account_totals GROUP BY account ORDER BY account")
    ).all()
    conn.execute(sa.text("DELETE FROM account_totals"))
    if folded:
        conn.execute(
            sa.text("INSERT INTO account_totals (account, slot, balance_minor) VALUES (:a, 0, :b)"),
            [{"a": a, "b": int(b)} for a, b in folded],
        )
    with op.batch_alter_table("account_totals", recreate="auto") as batch:
        batch.drop_constraint("pk_account_totals", type_="primary")
        batch.create_primary_key("pk_account_totals", ["account"])
        batch.drop_column("slot")
