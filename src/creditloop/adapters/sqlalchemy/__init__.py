"""SQL adapter (SQLite, PostgreSQL) for the service layer's ports: unit of work, repositories, logs."""

from __future__ import annotations

from creditloop.adapters.sqlalchemy.db import make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.uow import ConcurrencyConflict, SqlAudit, SqlDayEnds, SqlUnitOfWork

__all__ = ["ConcurrencyConflict", "SqlAudit", "SqlDayEnds", "SqlUnitOfWork", "make_engine", "migrate", "sqlite_url"]
