"""Issue #16 part 2: credit-report disputes (``credit_disputes``: the item, the 20-day clock, the outcome and the
corrected value) and the customers' explanatory statements (``credit_statements``).

New tables only: no data migration. (The lead linearises the revision chain at merge.)

Revision ID: 0011_credit_disputes
Revises: 0010_collections
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_credit_disputes"
down_revision: str | None = "0010_collections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_disputes",
        sa.Column("dispute_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("months", sa.Text, nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("filed_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("claim", sa.Text, nullable=True),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("holds_collections", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("corrected_value", sa.String(20), nullable=True),
        sa.PrimaryKeyConstraint("dispute_id", name="pk_credit_disputes"),
    )
    op.create_index("ix_credit_disputes_line_id", "credit_disputes", ["line_id"])
    op.create_index("ix_credit_disputes_customer_id", "credit_disputes", ["customer_id"])
    op.create_index("ix_credit_disputes_status", "credit_disputes", ["status"])
    op.create_table(
        "credit_statements",
        sa.Column("statement_id", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("added_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("statement_id", name="pk_credit_statements"),
    )
    op.create_index("ix_credit_statements_customer_id", "credit_statements", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_credit_statements_customer_id", table_name="credit_statements")
    op.drop_table("credit_statements")
    op.drop_index("ix_credit_disputes_status", table_name="credit_disputes")
    op.drop_index("ix_credit_disputes_customer_id", table_name="credit_disputes")
    op.drop_index("ix_credit_disputes_line_id", table_name="credit_disputes")
    op.drop_table("credit_disputes")
