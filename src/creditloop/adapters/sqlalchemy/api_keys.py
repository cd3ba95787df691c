"""The REST API's key store over SQLAlchemy (``api_keys``, migration 0012): rows in, rows out, no secrets.

Only the SHA-256 of a key's secret is stored; the entrypoint (``entrypoints/api/keys.py``) makes and checks keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from creditloop.adapters.sqlalchemy.tables import api_keys


@dataclass(frozen=True, slots=True)
class StoredKey:
    key_id: str
    secret_sha256: str
    role: str
    customer_id: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None = None


class SqlApiKeyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, key: StoredKey) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                api_keys.insert().values(
                    key_id=key.key_id, secret_sha256=key.secret_sha256, role=key.role, customer_id=key.customer_id,
                    label=key.label, created_at=key.created_at, revoked_at=key.revoked_at,
                )
            )  # fmt: skip

    def get(self, key_id: str) -> StoredKey | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
        return None if row is None else StoredKey(**dict(row))

    def revoke_label(self, label: str, at: datetime) -> int:
        """Revoke every live key with this label (the demo's keys before it issues new ones); how many."""
        with self.engine.begin() as conn:
            done = conn.execute(
                api_keys.update()
                .where(api_keys.c.label == label, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
        return int(done.rowcount or 0)
