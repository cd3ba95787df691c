"""Which database errors mean "run the same transaction again": the concurrency outcomes, not bugs.

- ``ConcurrencyConflict``: a line changed after this unit of work loaded it (the optimistic version check), or a
  journal entry with the same id was written by a concurrent transaction first;
- SQLite ``database is locked`` / ``busy``: another connection held the write lock past the busy timeout, or a
  read transaction could not be upgraded to a write one (a writer committed since its snapshot);
- PostgreSQL serialisation failure (SQLSTATE 40001), deadlock (40P01), lock not available (55P03).

A retried transaction starts from scratch (the unit of work reloads everything), so a retry is always safe; a
command whose id was recorded meanwhile returns the recorded result.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from creditloop.adapters.sqlalchemy.common import ConcurrencyConflict

_PG_RETRY = frozenset({"40001", "40P01", "55P03"})
_SQLITE_RETRY = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, ConcurrencyConflict):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if code in _PG_RETRY:
        return True
    text = str(exc.orig).lower()
    return any(marker in text for marker in _SQLITE_RETRY)


def is_busy(exc: BaseException) -> bool:
    """A lost race (``is_transient``, after the caller's retries) or no connection free in the pool in time: the
    server is busy, not broken (a 503 with Retry-After, not a 500). A pool timeout is not retried: it already
    waited the pool's whole timeout."""
    return is_transient(exc) or isinstance(exc, PoolTimeout)
