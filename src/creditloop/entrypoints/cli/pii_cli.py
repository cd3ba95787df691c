"""The CLI's side of personal data at rest (issue 18): when a PII key is available (``CREDITLOOP_PII_KEY``, or the
``pii.key`` the server made in the data directory), the ledger's decision store encrypts the application forms'
name, ID number and phone and reads encrypted ones back. Without a key nothing is imported (the lean install needs
no ``cryptography``): forms are written as before, and reading an encrypted one names the variable to set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from creditloop.entrypoints.cli._common import EXIT_USAGE, fail, guarded

KEY_ENV = "CREDITLOOP_PII_KEY"


def attach_pii_cipher(bus: Any, data_dir: Path, local: bool) -> None:
    text = os.environ.get(KEY_ENV, "").strip()
    key_file = data_dir / "pii.key"
    if not text and local and key_file.is_file():
        text = key_file.read_text(encoding="ascii").strip()
    if not text:
        return
    try:
        from creditloop.adapters.pii_crypto import PiiCipher
    except ImportError:
        fail(f"{KEY_ENV}: encrypting personal data needs the service extra: pip install 'creditloop[service]'",
             EXIT_USAGE)  # fmt: skip
    bus.uow.decisions.cipher = guarded(lambda: PiiCipher.from_text(text), {KEY_ENV: KEY_ENV})
