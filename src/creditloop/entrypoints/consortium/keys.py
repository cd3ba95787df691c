"""Member keys: ``ckm_<key id>_<secret>`` (256 random bits); the store keeps only the secret's SHA-256.

Look-ups are cached for ``TTL_SECONDS``, unknown key ids included: a revocation (or a new key presented before it
was created) reaches a running service within that time. Comparison is constant-time. A key whose member is not
(or no longer) in the registry authenticates nobody (``unknown_member``)."""

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
    """key id -> (stored key or None, when fetched): the store is asked on a miss or after the TTL. Unknown key ids
    are remembered too, so a flood of made-up keys costs the store one look-up per id and TTL, not one per request
    (the bound keeps such a flood from growing the cache without limit)."""

    MAX_ENTRIES: Final = 100_000

    def __init__(self, fetch: Callable[[str], MemberKey | None], clock: Callable[[], float] = time.monotonic) -> None:
        self.fetch = fetch
        self.clock = clock
        self.entries: dict[str, tuple[MemberKey | None, float]] = {}

    def cached(self, key_id: str) -> tuple[bool, MemberKey | None]:
        """(known, key): ``known`` False when the store must be asked."""
        hit = self.entries.get(key_id)
        if hit is None or self.clock() - hit[1] > TTL_SECONDS:
            return False, None
        return True, hit[0]

    def load(self, key_id: str) -> MemberKey | None:
        stored = self.fetch(key_id)
        if len(self.entries) >= self.MAX_ENTRIES:
            self.entries.clear()
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
