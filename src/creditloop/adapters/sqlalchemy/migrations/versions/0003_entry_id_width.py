"""Journal entry ids hold two escaped 64-character client ids plus suffixes: widen them to 512 characters.

Client ids are at most 64 characters (``ledger.ids.MAX_CLIENT_ID_CHARS``); an entry id escapes the line id and
the command's id (up to three characters each per character) and may carry a part, a revision and a reversal
suffix (``ledger.ids.MAX_ENTRY_ID_CHARS``). PostgreSQL enforces VARCHAR lengths, so the columns are widened
there (a metadata-only change for a longer VARCHAR: no table rewrite). SQLite does not enforce declared
lengths, so nothing changes in an SQLite file. Existing ids are unchanged: no data migration.

Revision ID: 0003_entry_id_width
Revises: 0002_ledger_meta
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_entry_id_width"
down_revision: str | None = "0002_ledger_meta"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_ID_CHARS = 512
_COLUMNS = (("journal_entries", "entry_id"), ("journal_entries", "reverses"), ("postings", "entry_id"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.alter_column(table, column, type_=sa.String(ENTRY_ID_CHARS), existing_type=sa.String(200))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COLUMNS:
        op.alter_column(table, column, type_=sa.String(200), existing_type=sa.String(ENTRY_ID_CHARS))
