"""Member keys: ``ckm_<key id>_<secret>`` (256 random bits); the store keeps only the secret's SHA-256.

Look-ups are cached for ``TTL_SECONDS``, unknown key ids included (a new key presented before it was created is
refused for up to that time). A revocation (``revoke_member_key``, from the CLI: another process) applies to a
running service at its next request: on SQLite it replaces a marker file next to the database, whose change (one
``stat`` per request) empties the cache; on PostgreSQL, where the CLI may run on another host, a key that passes
the cached check is read again from the store per request (``KeyCache.live``). Comparison is constant-time. A key
whose member is not (or no longer) in the registry authenticates nobody (``unknown_member``)."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Final

from creditloop.adapters.sqlalchemy.consortium_store import ConsortiumStore, MemberKey
from creditloop.core.errors import ValidationError

TTL_SECONDS: Final = 30.0
MEMBER_ID = re.compile(r"[A-Za-z0-9._-]{1,32}")
_KEY = re.compile(r"ckm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})")
_KEY_ID = re.compile(r"[0-9a-f]{12}")


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


def revoke_member_key(
    store: ConsortiumStore, member_id: str, key_id: str, reason: str, at: datetime, marker: Path | None = None
) -> bool:
    """Revoke one of ``member_id``'s keys (audited with ``reason``) and tell a running service (``marker``); False
    when it was already revoked (idempotent). An unknown member or key, or a key of another member, is refused
    naming the field; nothing is written."""
    if member_id not in store.member_ids():
        raise ValidationError("no such consortium member", field="member_id")
    stored = store.get_key(key_id) if _KEY_ID.fullmatch(key_id) else None
    if stored is None or stored.member_id != member_id:
        raise ValidationError("no such key of this member (12 hex digits: the part after ckm_)", field="key_id")
    done = store.revoke_key(key_id, at, reason)
    try:
        mark_revocation(marker, at)  # also when already revoked: a marker lost to a crash is written on the retry
    except OSError as exc:
        raise ValidationError(f"the key is revoked in the store, but the marker for a running service could not be "
                              f"written ({type(exc).__name__}); it applies within {TTL_SECONDS:.0f} s, or run this "
                              "again", field="data_dir") from None  # fmt: skip
    return done


def key_id_of(presented: str) -> str | None:
    match = _KEY.fullmatch(presented.strip())
    return None if match is None else match.group(1)


class KeyCache:
    """key id -> (stored key or None, when fetched): the store is asked on a miss or after the TTL. Unknown key ids
    are remembered too, so a flood of made-up keys costs the store one look-up per id and TTL, not one per request
    (the bound keeps such a flood from growing the cache without limit)."""

    MAX_ENTRIES: Final = 100_000

    def __init__(
        self, fetch: Callable[[str], MemberKey | None], clock: Callable[[], float] = time.monotonic,
        marker: Path | None = None,
    ) -> None:  # fmt: skip
        self.fetch = fetch
        self.clock = clock
        self.marker = marker  # None: no revocation marker, ``live`` reads each served key from the store
        self.seen = _stamp(marker)
        self.entries: dict[str, tuple[MemberKey | None, float]] = {}

    def cached(self, key_id: str) -> tuple[bool, MemberKey | None]:
        """(known, key): ``known`` False when the store must be asked."""
        if self.marker is not None and (stamp := _stamp(self.marker)) != self.seen:
            self.seen = stamp  # a key was revoked since: forget every key, the store has the truth
            self.entries.clear()
        hit = self.entries.get(key_id)
        if hit is None or self.clock() - hit[1] > TTL_SECONDS:
            return False, None
        return True, hit[0]

    def live(self, key_id: str) -> MemberKey | None:
        """The stored key read now (the cache refreshed with it), when no marker tells of revocations: what a
        request that passed the cached check is finally judged on (PostgreSQL)."""
        return self.load(key_id)

    def load(self, key_id: str) -> MemberKey | None:
        stored = self.fetch(key_id)
        if len(self.entries) >= self.MAX_ENTRIES:
            self.entries.clear()
        self.entries[key_id] = (stored, self.clock())
        return stored


def _stamp(marker: Path | None) -> tuple[int, int] | None:
    if marker is None:
        return None
    try:
        seen = os.stat(marker)
    except OSError:
        return None
    return seen.st_ino, seen.st_mtime_ns


def mark_revocation(marker: Path | None, at: datetime) -> None:
    """Replace the marker (a new inode each time, so even a coarse clock shows the change)."""
    if marker is None:
        return
    scratch = marker.with_name(marker.name + ".tmp")
    scratch.write_text(at.isoformat(), encoding="ascii")
    os.replace(scratch, marker)


def check_secret(stored: MemberKey | None, presented: str) -> str | None:
    """The member of a live key whose secret matches, else None (unknown, revoked and wrong look the same)."""
    match = _KEY.fullmatch(presented.strip())
    if stored is None or match is None or stored.revoked_at is not None:
        return None
    if not hmac.compare_digest(stored.secret_sha256, digest(match.group(2))):
        return None
    return stored.member_id
