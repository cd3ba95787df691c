"""The PII key of the server: ``CREDITLOOP_PII_KEY``; on the embedded ledger without it, ``<data dir>/pii.key``
(made on first start, with a printed warning); on PostgreSQL the server refuses to start without it."""

from __future__ import annotations

import os
import sys

from creditloop.adapters.pii_crypto import KEY_ENV, PiiCipher, new_key
from creditloop.config import Settings
from creditloop.core.errors import ValidationError

KEY_FILE = "pii.key"


def load_cipher(settings: Settings) -> PiiCipher:
    text = os.environ.get(KEY_ENV, "").strip()
    if text:
        return PiiCipher.from_text(text)
    if settings.database_url is not None:
        raise ValidationError(
            f"{KEY_ENV} is not set: on PostgreSQL the server does not start without the key that encrypts personal "
            f"data (32 random bytes, base64; e.g. python -c 'import base64,os; "
            f"print(base64.urlsafe_b64encode(os.urandom(32)).decode())')",
            field=KEY_ENV,
        )
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        path.write_text(new_key() + "\n", encoding="ascii")
        path.chmod(0o600)
        print(
            f"warning: {KEY_ENV} is not set; generated a PII key in {path}. Keep it safe and set {KEY_ENV} in "
            "production: without it the stored names, ID numbers and phones cannot be read.",
            file=sys.stderr,
        )
    return PiiCipher.from_text(path.read_text(encoding="ascii"))
