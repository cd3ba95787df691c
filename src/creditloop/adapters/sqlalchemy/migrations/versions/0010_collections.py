"""Issue #15: collections — cases (zone, jurisdiction, opaque contact ids), the contact log (every attempt,
allowed or refused, with its rule codes; kept at least two years), flags (disputes, complaints, opt-outs,
agreed windows) and promises to pay.

New tables only: no data migration. (The lead linearises the revision chain at merge.)

Revision ID: 0010_collections
Revises: 0009_hardship
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_collections"
down_revision: str | None = "0009_hardship"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "collection_cases",
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("debtor_contacts", sa.Text, nullable=False),
        sa.Column("third_parties", sa.Text, nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.PrimaryKeyConstraint("line_id", name="pk_collection_cases"),
    )
    op.create_table(
        "collection_contacts",
        sa.Column("record_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("contact_id", sa.String(100), nullable=False),
        sa.Column("party", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("at", sa.String(27), nullable=False),
        sa.Column("local_on", sa.Date, nullable=False),
        sa.Column("allowed", sa.Boolean, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("codes", sa.Text, nullable=False),
        sa.Column("policy", sa.String(64), nullable=False),
        sa.Column("agent", sa.String(100), nullable=False),
        sa.Column("script_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("record_id", name="pk_collection_contacts"),
    )
    op.create_index("ix_collection_contacts_at", "collection_contacts", ["at"])
    op.create_index("ix_collection_contacts_line_id", "collection_contacts", ["line_id", "at"])
    op.create_table(
        "collection_flags",
        sa.Column("flag_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.String(27), nullable=False),
        sa.Column("contact_id", sa.String(100), nullable=True),
        sa.Column("channel", sa.String(16), nullable=True),
        sa.Column("window", sa.String(16), nullable=True),
        sa.Column("closed_at", sa.String(27), nullable=True),
        sa.PrimaryKeyConstraint("flag_id", name="pk_collection_flags"),
    )
    op.create_index("ix_collection_flags_line_id", "collection_flags", ["line_id"])
    op.create_table(
        "collection_promises",
        sa.Column("promise_id", sa.String(100), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("made_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("settled_on", sa.Date, nullable=True),
        sa.Column("paid_minor", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("promise_id", name="pk_collection_promises"),
    )
    op.create_index("ix_collection_promises_line_id", "collection_promises", ["line_id"])
    op.create_index("ix_collection_promises_status", "collection_promises", ["status"])


def downgrade() -> None:
    op.drop_index("ix_collection_promises_status", table_name="collection_promises")
    op.drop_index("ix_collection_promises_line_id", table_name="collection_promises")
    op.drop_table("collection_promises")
    op.drop_index("ix_collection_flags_line_id", table_name="collection_flags")
    op.drop_table("collection_flags")
    op.drop_index("ix_collection_contacts_line_id", table_name="collection_contacts")
    op.drop_index("ix_collection_contacts_at", table_name="collection_contacts")
    op.drop_table("collection_contacts")
    op.drop_table("collection_cases")
