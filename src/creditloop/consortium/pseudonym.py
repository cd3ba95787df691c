"""Pseudonymous identifiers: HMAC-SHA256 of the normalised resident ID under a versioned consortium key.

Without the key the pseudonym cannot be recomputed, so enumerating the (small, structured) ID space does not
link a pseudonym back to a person; a plain hash would fall to such a dictionary in minutes. Members rotate the
key: for a transition window they compute pseudonyms under the current and the previous key, so contributions
made before the rotation still match."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from creditloop.core.errors import ValidationError
from creditloop.strategy.idcard import IdProblem, parse_resident_id

MIN_KEY_BYTES: Final = 32
# Domain separation: the same key used for anything else never yields these values.
_CONTEXT: Final = b"creditloop-consortium-pseudonym-v1\x00"
_KEY_ID: Final = re.compile(r"[A-Za-z0-9._-]{1,32}")
_PSEUDONYM: Final = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class ConsortiumKey:
    """A version of the consortium key. ``secret`` is never shown in a repr."""

    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_key_id(self.key_id)
        if len(self.secret) < MIN_KEY_BYTES:
            raise ValidationError(f"secret must be at least {MIN_KEY_BYTES} bytes", field="secret")

    @classmethod
    def generate(cls, key_id: str, nbytes: int = MIN_KEY_BYTES) -> ConsortiumKey:
        return cls(key_id, secrets.token_bytes(nbytes))


def check_key_id(key_id: str) -> str:
    """A well-formed key version id, else ValidationError naming ``key_id``."""
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
        raise ValidationError("key_id must be 1-32 of A-Z a-z 0-9 . _ -", field="key_id")
    return key_id


def normalise_resident_id(text: str, field: str = "resident_id") -> str:
    """The validated 18-character ID (upper-case X). The error names the field and rule, never the number."""
    parsed = parse_resident_id(text)
    if isinstance(parsed, IdProblem):
        raise ValidationError(f"{field} is not a valid resident ID ({parsed.code})", code=parsed.code, field=field)
    return parsed.normalised


def pseudonym(resident_id: str, key: ConsortiumKey) -> str:
    """64 hex characters: HMAC-SHA256(key, context || normalised ID)."""
    message = _CONTEXT + normalise_resident_id(resident_id).encode("ascii")
    return hmac.new(key.secret, message, hashlib.sha256).hexdigest()


def check_pseudonym(value: str, field: str = "pseudonym") -> str:
    """A well-formed pseudonym (64 lower-case hex), else ValidationError naming ``field``."""
    if not isinstance(value, str) or not _PSEUDONYM.fullmatch(value):
        raise ValidationError(f"{field} must be 64 lower-case hex characters", field=field)
    return value


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The current key and, until ``previous_until`` (inclusive), the one it replaced."""

    current: ConsortiumKey
    previous: ConsortiumKey | None = None
    previous_until: date | None = None

    def __post_init__(self) -> None:
        if (self.previous is None) != (self.previous_until is None):
            raise ValidationError("previous and previous_until go together", field="previous_until")
        if self.previous is not None and self.previous.key_id == self.current.key_id:
            raise ValidationError("previous key must have another key_id", field="previous")

    def rotate(self, new: ConsortiumKey, transition_until: date) -> KeyRing:
        """``new`` becomes current; the current key stays usable through ``transition_until``."""
        return KeyRing(new, self.current, transition_until)

    def active(self, on: date) -> tuple[ConsortiumKey, ...]:
        if self.previous is not None and self.previous_until is not None and on <= self.previous_until:
            return (self.current, self.previous)
        return (self.current,)

    def pseudonyms(self, resident_id: str, on: date) -> dict[str, str]:
        """key_id -> pseudonym for every key active on ``on``, current key first."""
        return {key.key_id: pseudonym(resident_id, key) for key in self.active(on)}
