"""An index on ``hardship_plans.request_id``: the queue of offers awaiting approval looks up, for each request,
whether it already has a plan (``SqlHardshipStore.awaiting_approval``, a correlated ``NOT EXISTS``); without the
index every such lookup scans the plans.

Index only: no data changes. The downgrade drops it.

Revision ID: 0017_hardship_request_index
Revises: 0016_account_total_slots
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017_hardship_request_index"
down_revision: str | None = "0016_account_total_slots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_hardship_plans_request_id", "hardship_plans", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_hardship_plans_request_id", table_name="hardship_plans")
