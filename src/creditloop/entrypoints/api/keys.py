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


def issue(store: SqlApiKeyStore, role: str, label: str, at: datetime, customer_id: str | None = None) -> str:
    """Store a new key and return it; the caller shows it once (it cannot be recovered)."""
    if role not in ROLES:
        raise ValidationError(f"role must be one of {', '.join(ROLES)}, got {role!r}", field="role")
    if (role == "customer") != (customer_id is not None):
        raise ValidationError("a customer key, and only a customer key, is bound to a customer_id", field="customer_id")
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    store.add(StoredKey(key_id, digest(secret), role, customer_id, label, at))
    return f"clk_{key_id}_{secret}"


def verify(store: SqlApiKeyStore, presented: str) -> Principal | None:
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
