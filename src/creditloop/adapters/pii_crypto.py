"""Field encryption of personal data (name, ID number, phone) and the ID number's blind index.

AES-256-GCM (``cryptography``, in the ``service`` extra) with a random 96-bit nonce per value and the field's name
as associated data, so a token moved to another field does not decrypt. A token is ``pii1:<base64url(nonce ||
ciphertext || tag)>``. Two keys are derived from the one in ``CREDITLOOP_PII_KEY`` (32 random bytes, base64): one
encrypts, the other keys the blind index (HMAC-SHA256 of the normalised ID number), so the index reveals nothing
without the key and lookup by ID number needs no decryption.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from creditloop.core.errors import ValidationError

PREFIX = "pii1:"
KEY_ENV = "CREDITLOOP_PII_KEY"
_NONCE = 12


def new_key() -> str:
    """A fresh key as ``CREDITLOOP_PII_KEY`` takes it (base64url of 32 random bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def parse_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii") + b"=" * (-len(text.strip()) % 4))
    except (binascii.Error, UnicodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValidationError(f"{KEY_ENV} must be 32 random bytes in base64 (44 characters)", field=KEY_ENV)
    return raw


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


class PiiCipher:
    """Encrypts and decrypts one field's value; ``index`` is the blind index of an ID number."""

    def __init__(self, master: bytes) -> None:
        self._aead = AESGCM(hmac.digest(master, b"creditloop/pii/encrypt/v1", hashlib.sha256))
        self._index_key = hmac.digest(master, b"creditloop/pii/index/v1", hashlib.sha256)

    @classmethod
    def from_text(cls, text: str) -> PiiCipher:
        return cls(parse_key(text))

    def encrypt(self, field: str, value: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), field.encode("ascii"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, field: str, token: str) -> str:
        if not is_token(token):
            raise ValidationError(f"{field}: not an encrypted value", field=field)
        try:
            raw = base64.urlsafe_b64decode(token[len(PREFIX) :].encode("ascii"))
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], field.encode("ascii")).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError):
            raise ValidationError(f"{field}: cannot be decrypted with this key ({KEY_ENV})", field=field) from None

    def index(self, id_number: str) -> str:
        normalised = id_number.strip().upper().encode("utf-8")
        return hmac.new(self._index_key, normalised, hashlib.sha256).hexdigest()
