"""Issue #14: the early-warning alert store (``ewi_alerts``), one row per raised alert with its lifecycle.

A new table only: no data migration.

Revision ID: 0006_ewi_alerts
Revises: 0005_phone_block
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_ewi_alerts"
down_revision: str | None = "0005_phone_block"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ewi_alerts",
        sa.Column("alert_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("rule_id", sa.String(100), nullable=False),
        sa.Column("rule_set_id", sa.String(100), nullable=False),
        sa.Column("rule_set_version", sa.String(40), nullable=False),
        sa.Column("raised_on", sa.Date, nullable=False),
        sa.Column("severity", sa.String(20), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("features", sa.Text, nullable=False),
        sa.Column("score", sa.Float(53), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("actioned_on", sa.Date, nullable=True),
        sa.Column("action", sa.String(40), nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.PrimaryKeyConstraint("alert_id", name="pk_ewi_alerts"),
    )
    op.create_index("ix_ewi_alerts_status", "ewi_alerts", ["status"])
    op.create_index("ix_ewi_alerts_line_id", "ewi_alerts", ["line_id", "rule_id", "raised_on"])


def downgrade() -> None:
    op.drop_index("ix_ewi_alerts_line_id", table_name="ewi_alerts")
    op.drop_index("ix_ewi_alerts_status", table_name="ewi_alerts")
    op.drop_table("ewi_alerts")
