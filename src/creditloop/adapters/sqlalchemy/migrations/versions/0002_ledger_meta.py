"""Ledger metadata: a key/value table; its ``purpose`` row tells a simulation's ledger from an operating one.

Revision ID: 0002_ledger_meta
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_ledger_meta"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ledger_meta",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_ledger_meta"),
    )


def downgrade() -> None:
    op.drop_table("ledger_meta")
