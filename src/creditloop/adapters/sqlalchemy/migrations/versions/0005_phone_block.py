"""Issue #13: the phone's SIM block in the application history (agency income packaging, 中介包装).

``phone_block_hash`` is the keyed hash of a phone's first seven digits (prefix + HLR code); rows recorded before
it get "" (never matched), so the migration copies nothing and no raw number is ever needed. The employer index
is rebuilt with the column so the employer-cluster read stays covered by the index.

Revision ID: 0005_phone_block
Revises: 0004_applications
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_phone_block"
down_revision: str | None = "0004_applications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH_CHARS = 64
_EMPLOYER = ["employer_hash", "applied_at_us", "application_id", "identity_hash", "monthly_income_minor"]
_INDEX = "ix_application_history_employer"


def upgrade() -> None:
    op.add_column(
        "application_history",
        sa.Column("phone_block_hash", sa.String(HASH_CHARS), nullable=False, server_default=""),
    )
    op.drop_index(_INDEX, table_name="application_history")
    op.create_index(_INDEX, "application_history", [*_EMPLOYER, "phone_block_hash"])


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="application_history")
    op.create_index(_INDEX, "application_history", _EMPLOYER)
    with op.batch_alter_table("application_history") as batch:  # SQLite drops a column by copying the table
        batch.drop_column("phone_block_hash")
