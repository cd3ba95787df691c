"""The ``db status`` read view over an SQLAlchemy engine: schema revision and ledger purpose."""

from __future__ import annotations

from typing import Any

from creditloop.adapters.sqlalchemy.db import current_revision, head_revision
from creditloop.adapters.sqlalchemy.purpose import read_purpose
from creditloop.app.views import DbStatus


def db_status(engine: Any, shown: str) -> DbStatus:
    """Read the schema revision and the ledger's purpose through an SQLAlchemy engine."""
    current = current_revision(engine)
    with engine.connect() as connection:
        purpose = read_purpose(connection)
    return DbStatus(shown, current, head_revision(), purpose)
