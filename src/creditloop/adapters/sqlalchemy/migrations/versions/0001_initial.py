"""Initial ledger store: journal, postings, account totals, credit lines, audit, day-end, reconciliation.

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journal_entries",
        sa.Column("entry_id", sa.String(200), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("reverses", sa.String(200), nullable=True),
        sa.Column("seq", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name="pk_journal_entries"),
        sa.UniqueConstraint("seq", name="uq_journal_entries_seq"),
    )
    op.create_index("ix_journal_entries_line_id", "journal_entries", ["line_id"])

    op.create_table(
        "postings",
        sa.Column("entry_id", sa.String(200), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("side", sa.CHAR(1), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "idx", name="pk_postings"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.entry_id"], name="fk_postings_entry_id_journal_entries"
        ),
    )
    op.create_index("ix_postings_account", "postings", ["account"])

    op.create_table(
        "account_totals",
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account", name="pk_account_totals"),
    )

    op.create_table(
        "credit_lines",
        sa.Column("line_id", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("limit_minor", sa.BigInteger(), nullable=False),
        sa.Column("principal_minor", sa.BigInteger(), nullable=False),
        sa.Column("fee_minor", sa.BigInteger(), nullable=False),
        sa.Column("penalty_minor", sa.BigInteger(), nullable=False),
        sa.Column("interest_minor", sa.BigInteger(), nullable=False),
        sa.Column("credit_balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("charged_off_minor", sa.BigInteger(), nullable=False),
        sa.Column("dpd", sa.Integer(), nullable=False),
        sa.Column("last_closed_on", sa.Date(), nullable=False),
        sa.Column("next_action_on", sa.Date(), nullable=False),
        sa.Column("doc", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("line_id", name="pk_credit_lines"),
    )
    op.create_index("ix_credit_lines_customer_id", "credit_lines", ["customer_id"])
    op.create_index("ix_credit_lines_next_action_on", "credit_lines", ["next_action_on"])

    op.create_table(
        "audit_decisions",
        sa.Column("decision_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("policy_id", sa.String(100), nullable=False),
        sa.Column("policy_version", sa.String(40), nullable=False),
        sa.Column("inputs_hash", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("trace", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("decision_id", name="pk_audit_decisions"),
    )
    op.create_index("ix_audit_decisions_subject_id", "audit_decisions", ["subject_id"])

    op.create_table(
        "day_end_runs",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("lines_closed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", name="pk_day_end_runs"),
    )

    op.create_table(
        "reconciliations",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("trial_balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("control", sa.Text(), nullable=False),
        sa.Column("sub_ledger", sa.Text(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("business_date", name="pk_reconciliations"),
    )


def downgrade() -> None:
    op.drop_table("reconciliations")
    op.drop_table("day_end_runs")
    op.drop_index("ix_audit_decisions_subject_id", table_name="audit_decisions")
    op.drop_table("audit_decisions")
    op.drop_index("ix_credit_lines_next_action_on", table_name="credit_lines")
    op.drop_index("ix_credit_lines_customer_id", table_name="credit_lines")
    op.drop_table("credit_lines")
    op.drop_table("account_totals")
    op.drop_index("ix_postings_account", table_name="postings")
    op.drop_table("postings")
    op.drop_index("ix_journal_entries_line_id", table_name="journal_entries")
    op.drop_table("journal_entries")
