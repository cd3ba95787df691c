"""Customers' encrypted personal data and the audit of its reads (``customer_pii``, ``pii_reads``; migration 0015).

Rows in, rows out: the values arrive encrypted (``adapters/pii_crypto.py``) and leave encrypted; this module never
sees a clear name, ID number or phone number, and the audit rows hold field names, never values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditloop.adapters.sqlalchemy.tables import customer_pii, pii_reads


@dataclass(frozen=True, slots=True)
class SealedPii:
    customer_id: str
    application_id: str
    name_enc: str
    id_number_enc: str
    phone_enc: str
    id_number_index: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PiiRead:
    read_id: str
    at: datetime
    key_id: str
    role: str
    customer_id: str
    fields: str  # comma-separated field names shown in clear
    operation: str


class SqlPiiStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, row: SealedPii) -> None:
        """The customer's latest application's data (a later application replaces it)."""
        values = {k: getattr(row, k) for k in row.__dataclass_fields__}
        with self.engine.begin() as conn:
            done = conn.execute(customer_pii.update().where(customer_pii.c.customer_id == row.customer_id)
                                .values(**values))  # fmt: skip
            if not done.rowcount:
                conn.execute(customer_pii.insert().values(**values))

    def get(self, customer_id: str) -> SealedPii | None:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(customer_pii).where(customer_pii.c.customer_id == customer_id))
            row = found.mappings().first()
        return None if row is None else SealedPii(**dict(row))

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
