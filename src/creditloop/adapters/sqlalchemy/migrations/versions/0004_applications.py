"""Issue #13: the application history (keyed hashes the velocity checks count) and the underwriting decisions.

``application_history`` holds, per application, HMAC-SHA256 hashes of its identifiers and never the identifiers
themselves; one index per key, by instant. ``underwriting_decisions`` keeps every decision, insert-only, with
the canonical JSON of its inputs and of the decision, for audit and replay. New tables only: no data migration.

Revision ID: 0004_applications
Revises: 0003_entry_id_width
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_applications"
down_revision: str | None = "0003_entry_id_width"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH_CHARS = 64
# Covering indexes: every snapshot read finds its rows, in order, without visiting the table.
_INDEXES = (
    ("identity", ["identity_hash", "applied_at_us", "application_id", "phone_hash", "device_hash"]),
    ("phone", ["phone_hash", "applied_at_us", "application_id", "identity_hash"]),
    ("device", ["device_hash", "applied_at_us", "application_id", "identity_hash"]),
    ("employer_address", ["employer_address_hash", "applied_at_us", "application_id", "identity_hash"]),
    ("employer", ["employer_hash", "applied_at_us", "application_id", "identity_hash", "monthly_income_minor"]),
    ("inputs", ["inputs_hash", "applied_at_us", "application_id"]),
)
# Ids order by code point on PostgreSQL too (its default collation follows the locale).
APPLICATION_ID = sa.String(200).with_variant(sa.String(200, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "application_history",
        sa.Column("application_id", APPLICATION_ID, nullable=False),
        sa.Column("applied_at_us", sa.BigInteger(), nullable=False),
        sa.Column("identity_hash", sa.String(HASH_CHARS), nullable=False),
        sa.Column("phone_hash", sa.String(HASH_CHARS), nullable=False),
        sa.Column("device_hash", sa.String(HASH_CHARS), nullable=False),
        sa.Column("employer_hash", sa.String(HASH_CHARS), nullable=False),
        sa.Column("employer_address_hash", sa.String(HASH_CHARS), nullable=False),
        sa.Column("inputs_hash", sa.String(HASH_CHARS), nullable=False),
        sa.Column("monthly_income_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name="pk_application_history"),
    )
    for name, columns in _INDEXES:
        op.create_index(f"ix_application_history_{name}", "application_history", columns)

    op.create_table(
        "underwriting_decisions",
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("application_id", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.String(27), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("policy_id", sa.String(100), nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("model_id", sa.String(100), nullable=True),
        sa.Column("model_version", sa.String(40), nullable=True),
        sa.Column("arm", sa.String(40), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("pd", sa.Float(53), nullable=True),
        sa.Column("inputs_hash", sa.String(HASH_CHARS), nullable=False),
        sa.Column("inputs_json", sa.Text(), nullable=False),
        sa.Column("decision_json", sa.Text(), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("decision_id", name="pk_underwriting_decisions"),
    )
    for column in ("application_id", "decided_at", "arm"):
        op.create_index(f"ix_underwriting_decisions_{column}", "underwriting_decisions", [column])


def downgrade() -> None:
    op.drop_table("underwriting_decisions")
    op.drop_table("application_history")
