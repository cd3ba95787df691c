"""API keys: ``clk_<key id>_<secret>``, the secret 256 random bits; only its SHA-256 is stored.

Why SHA-256 and not argon2: argon2 (or bcrypt) slows down guessing of *low-entropy* secrets such as passwords. A
key here is 256 bits from ``secrets``; no amount of hashing speed makes guessing it feasible, and a slow hash would
cost tens of milliseconds on every request (the service's p99 budget is 100 ms). Comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from creditloop.adapters.sqlalchemy.api_keys import SqlApiKeyStore, StoredKey
from creditloop.core.errors import ValidationError
from creditloop.entrypoints.api.authz import ROLES

_KEY = re.compile(r"clk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key id (safe to log), the role and, for a customer key, the customer it is bound to."""

    key_id: str
    role: str
    customer_id: str | None = None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def issue(store: KeyStore, role: str, label: str, at: datetime, customer_id: str | None = None) -> str:
    """Store a new key and return it; the caller shows it once (it cannot be recovered)."""
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="role")
    if (role == "customer") != (customer_id is not None):
        raise ValidationError("a customer key, and only a customer key, is bound to a customer_id", field="customer_id")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    store.add(StoredKey(key_id, digest(secret), role, customer_id, label, at))
    return f"clk_{key_id}_{secret}"


KEY_CACHE_SECONDS = 5.0  # how long a server may go on accepting a key revoked by another process


class CachedKeyStore:
    """The key store with each key's row kept for ``KEY_CACHE_SECONDS``: a request then costs no database round
    trip to authenticate (three with the pool's ping and the transaction's end; a quarter of a small command's).
    Revoking or adding through this store clears the cache at once; a key revoked by another process (the CLI, a
    second server) stops working here within the TTL. Unknown key ids are not cached (a flood of made-up ids must
    not fill memory)."""

    def __init__(self, store: SqlApiKeyStore, ttl_s: float = KEY_CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.store, self.ttl_s, self.clock = store, ttl_s, clock
        self.engine = store.engine
        self._rows: dict[str, tuple[float, StoredKey]] = {}
        self._lock = threading.Lock()

    def get(self, key_id: str) -> StoredKey | None:
        now = self.clock()
        with self._lock:
            hit = self._rows.get(key_id)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        row = self.store.get(key_id)
        with self._lock:
            if row is None:
                self._rows.pop(key_id, None)
            else:
                self._rows[key_id] = (now, row)
        return row

    def add(self, key: StoredKey) -> None:
        self.store.add(key)
        self.clear()

    def revoke_label(self, label: str, at: datetime) -> int:
        done = self.store.revoke_label(label, at)
        self.clear()
        return done

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


KeyStore = SqlApiKeyStore | CachedKeyStore


def verify(store: KeyStore, presented: str) -> Principal | None:
    """The principal of a live key, or None (malformed, unknown, wrong secret or revoked: all look the same)."""
    match = _KEY.fullmatch(presented.strip())
    if match is None:
        return None
    stored = store.get(match.group(1))
    if stored is None or stored.revoked_at is not None:
        return None
    if not hmac.compare_digest(stored.secret_sha256, digest(match.group(2))):
        return None
    return Principal(stored.key_id, stored.role, stored.customer_id)
