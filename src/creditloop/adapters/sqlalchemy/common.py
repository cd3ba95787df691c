"""What the SQL stores share: the conflict error, the connection source, JSON, chunked IN lists, upserts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from creditloop.core.errors import CreditloopError

# Bound parameters per IN (...) list: well under SQLite's variable limit and PostgreSQL's.
IN_CHUNK = 500
# Rows fetched per round trip when streaming lines or entries.
STREAM_CHUNK = 1000

ConnectionSource = Callable[[], Connection]


class ConcurrencyConflict(CreditloopError):
    """A credit line changed in the database after this unit of work loaded it; retry the command."""

    code = "concurrency_conflict"


def to_json(value: object) -> str:
    # orjson: the line documents are (de)serialised on every write; it is several times faster than json.
    return orjson.dumps(value, default=str).decode()


def code_point(conn: Connection, column: Any) -> Any:
    """``column`` compared and ordered by code point (as Python and SQLite do), not by PostgreSQL's locale: a
    keyset page (``id > after ORDER BY id``) then matches the memory store's and survives a change of database."""
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def chunks(items: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def upsert(
    conn: Connection,
    table: sa.Table,
    rows: list[dict[str, Any]],
    keys: Sequence[str],
    set_: Callable[[Any], dict[str, Any]] | None = None,
) -> None:
    """INSERT ... ON CONFLICT (keys) DO UPDATE, for SQLite and PostgreSQL; ``set_`` gets ``excluded``."""
    if not rows:
        return
    name = conn.dialect.name
    if name == "postgresql":
        stmt: Any = pg_dialect.insert(table)
    elif name == "sqlite":
        stmt = sqlite_dialect.insert(table)
    else:  # pragma: no cover - make_engine refuses other backends
        raise NotImplementedError(f"upsert is not implemented for {name}")
    values = (
        set_(stmt.excluded)
        if set_ is not None
        else {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    )
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=values), rows)


def driver(conn: Any) -> Any:
    """The DB-API connection under a SQLAlchemy one: hot SQLite statements go to it directly (SQLAlchemy's
    per-statement set-up of a result costs more than a small indexed query)."""
    return conn.connection.dbapi_connection
