"""Member keys: ``ckm_<key id>_<secret>`` (256 random bits); the store keeps only the secret's SHA-256.

Verified keys are cached for ``TTL_SECONDS`` (a revocation reaches a running service within that time); an unknown
key id is looked up in the store each time. Comparison is constant-time. A key whose member is not (or no longer)
in the registry authenticates nobody (``unknown_member``)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from typing import Final

from creditloop.adapters.sqlalchemy.consortium_store import ConsortiumStore, MemberKey
from creditloop.core.errors import ValidationError

TTL_SECONDS: Final = 30.0
MEMBER_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
_KEY = re.compile(r"ckm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def issue_member_key(store: ConsortiumStore, member_id: str, label: str, at: datetime) -> str:
    """Admit the member if new, store a key for it and return the key (shown once, never recoverable)."""
    if not MEMBER_ID.fullmatch(member_id):
        raise ValidationError("member_id must be 1-32 of A-Z a-z 0-9 . _ -", field="member_id")
    store.add_member(member_id, label[:100], at)
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    store.add_key(MemberKey(key_id, member_id, digest(secret), None), label[:100], at)
    return f"ckm_{key_id}_{secret}"


def key_id_of(presented: str) -> str | None:
    match = _KEY.fullmatch(presented.strip())
    return None if match is None else match.group(1)


class KeyCache:
    """key id -> (stored key, when fetched): the store is asked on a miss or after the TTL."""

    def __init__(self, fetch: Callable[[str], MemberKey | None], clock: Callable[[], float] = time.monotonic) -> None:
        self.fetch = fetch
        self.clock = clock
        self.entries: dict[str, tuple[MemberKey, float]] = {}

    def cached(self, key_id: str) -> MemberKey | None:
        hit = self.entries.get(key_id)
        if hit is None or self.clock() - hit[1] > TTL_SECONDS:
            return None
        return hit[0]

    def load(self, key_id: str) -> MemberKey | None:
        stored = self.fetch(key_id)
        if stored is not None:
            self.entries[key_id] = (stored, self.clock())
        return stored


def check_secret(stored: MemberKey | None, presented: str) -> str | None:
    """The member of a live key whose secret matches, else None (unknown, revoked and wrong look the same)."""
    match = _KEY.fullmatch(presented.strip())
    if stored is None or match is None or stored.revoked_at is not None:
        return None
    if not hmac.compare_digest(stored.secret_sha256, digest(match.group(2))):
        return None
    return stored.member_id
