"""Issue #14: the behaviour panel stored at day-end (``behaviour_panel``) and its month marks
(``behaviour_panel_months``), so ``ewi run`` reads month-end rows instead of replaying every line.

New tables only: no data migration (months closed before this revision are replayed by the reader).

Revision ID: 0007_behaviour_panel
Revises: 0006_ewi_alerts
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_behaviour_panel"
down_revision: str | None = "0006_ewi_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "behaviour_panel",
        sa.Column("account_id", sa.String(100), nullable=False),
        sa.Column("month_end_on", sa.Date, nullable=False),
        sa.Column("dpd", sa.Integer, nullable=False),
        sa.Column("limit_minor", sa.BigInteger, nullable=True),
        sa.Column("balance_minor", sa.BigInteger, nullable=True),
        sa.Column("statement_due_minor", sa.BigInteger, nullable=True),
        sa.Column("min_due_minor", sa.BigInteger, nullable=True),
        sa.Column("paid_minor", sa.BigInteger, nullable=True),
        sa.Column("spend_minor", sa.BigInteger, nullable=True),
        sa.Column("new_plans", sa.Integer, nullable=True),
        sa.Column("payments", sa.Integer, nullable=True),
        sa.Column("last_payment_on", sa.Date, nullable=True),
        sa.Column("payment_source", sa.String(40), nullable=True),
        sa.Column("shock", sa.Boolean, nullable=True),
        sa.Column("other_lenders", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("account_id", "month_end_on", name="pk_behaviour_panel"),
    )
    op.create_index("ix_behaviour_panel_month", "behaviour_panel", ["month_end_on"])
    op.create_table(
        "behaviour_panel_months",
        sa.Column("month_end_on", sa.Date, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("from_open", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("month_end_on", name="pk_behaviour_panel_months"),
    )


def downgrade() -> None:
    op.drop_table("behaviour_panel_months")
    op.drop_index("ix_behaviour_panel_month", table_name="behaviour_panel")
    op.drop_table("behaviour_panel")
