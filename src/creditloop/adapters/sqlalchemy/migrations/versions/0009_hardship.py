"""Issue #15: hardship requests (``hardship_requests``) and accepted plans (``hardship_plans``).

New tables only: no data migration.

Revision ID: 0009_hardship
Revises: 0007_behaviour_panel
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_hardship"
down_revision: str | None = "0007_behaviour_panel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hardship_requests",
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("stated_category", sa.String(40), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("category_source", sa.String(60), nullable=False),
        sa.Column("vulnerabilities", sa.Text, nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=True),
        sa.Column("lang", sa.String(5), nullable=False),
        sa.Column("monthly_income_minor", sa.BigInteger, nullable=False),
        sa.Column("monthly_expenses_minor", sa.BigInteger, nullable=False),
        sa.Column("requested_on", sa.Date, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("options_on", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("request_id", name="pk_hardship_requests"),
    )
    op.create_index("ix_hardship_requests_line_id", "hardship_requests", ["line_id"])
    op.create_table(
        "hardship_plans",
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("option_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("accepted_on", sa.Date, nullable=False),
        sa.Column("approved_by", sa.String(20), nullable=False),
        sa.Column("concession_minor", sa.BigInteger, nullable=False),
        sa.Column("schedule", sa.Text, nullable=False),
        sa.Column("marks", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tracked_on", sa.Date, nullable=True),
        sa.Column("paid_minor", sa.BigInteger, nullable=False),
        sa.Column("missed", sa.Integer, nullable=False),
        sa.Column("days_late", sa.Integer, nullable=False),
        sa.Column("broken_on", sa.Date, nullable=True),
        sa.PrimaryKeyConstraint("plan_id", name="pk_hardship_plans"),
    )
    op.create_index("ix_hardship_plans_line_id", "hardship_plans", ["line_id"])
    op.create_index("ix_hardship_plans_status", "hardship_plans", ["status"])


def downgrade() -> None:
    op.drop_index("ix_hardship_plans_status", table_name="hardship_plans")
    op.drop_index("ix_hardship_plans_line_id", table_name="hardship_plans")
    op.drop_table("hardship_plans")
    op.drop_index("ix_hardship_requests_line_id", table_name="hardship_requests")
    op.drop_table("hardship_requests")
