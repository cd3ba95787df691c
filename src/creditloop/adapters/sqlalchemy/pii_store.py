"""Customers' encrypted personal data and the audit of its reads (``customer_pii``, ``pii_reads``; migration 0015).

Rows in, rows out: the values arrive encrypted (``adapters/pii_crypto.py``) and leave encrypted; this module never
sees a clear name, ID number or phone number, and the audit rows hold field names, never values.

``SqlCustomerPii`` is the unit of work's store (``app/customer_pii.py``): it writes on the unit's connection and
never commits, so an application's decision and its applicant's data commit together. ``SqlPiiStore`` works on the
engine, one short transaction per call: the reads, the read audit and the demo profiles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from creditloop.adapters.sqlalchemy.tables import customer_pii, pii_reads
from creditloop.app.customer_pii import SealedPii

__all__ = ["PiiRead", "SealedPii", "SqlCustomerPii", "SqlPiiStore"]


@dataclass(frozen=True, slots=True)
class PiiRead:
    read_id: str
    at: datetime
    key_id: str
    role: str
    customer_id: str
    fields: str  # comma-separated field names shown in clear
    operation: str


def _put(conn: Connection, row: SealedPii) -> None:
    """The customer's latest application's data (a later application replaces it)."""
    values = {k: getattr(row, k) for k in row.__dataclass_fields__}
    done = conn.execute(customer_pii.update().where(customer_pii.c.customer_id == row.customer_id).values(**values))
    if not done.rowcount:
        conn.execute(customer_pii.insert().values(**values))


def _get(conn: Connection, customer_id: str) -> SealedPii | None:
    row = conn.execute(sa.select(customer_pii).where(customer_pii.c.customer_id == customer_id)).mappings().first()
    return None if row is None else SealedPii(**dict(row))


class SqlCustomerPii:
    """``CustomerPiiStore`` over the unit of work's connection (rows commit with the rest of the command)."""

    def __init__(self, connection: Callable[[], Connection]) -> None:
        self._connection = connection

    def put(self, row: SealedPii) -> None:
        _put(self._connection(), row)

    def get(self, customer_id: str) -> SealedPii | None:
        return _get(self._connection(), customer_id)


class SqlPiiStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, row: SealedPii) -> None:
        """Outside an application (the demo profiles): its own transaction."""
        with self.engine.begin() as conn:
            _put(conn, row)

    def get(self, customer_id: str) -> SealedPii | None:
        with self.engine.connect() as conn:
            return _get(conn, customer_id)

    def by_index(self, id_number_index: str) -> list[str]:
        """The customers whose ID number has this blind index."""
        q = sa.select(customer_pii.c.customer_id).where(customer_pii.c.id_number_index == id_number_index)
        with self.engine.connect() as conn:
            return sorted(conn.execute(q).scalars())

    def log_read(self, read: PiiRead) -> None:
        with self.engine.begin() as conn:
            conn.execute(pii_reads.insert().values(**{k: getattr(read, k) for k in read.__dataclass_fields__}))

    def reads(self, customer_id: str | None = None) -> list[PiiRead]:
        q = sa.select(pii_reads).order_by(pii_reads.c.at, pii_reads.c.read_id)
        if customer_id is not None:
            q = q.where(pii_reads.c.customer_id == customer_id)
        with self.engine.connect() as conn:
            return [PiiRead(**dict(r)) for r in conn.execute(q).mappings()]
