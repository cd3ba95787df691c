"""The CLI's side of personal data at rest (issue 18): when a PII key is available (``CREDITLOOP_PII_KEY``, or the
``pii.key`` the server made in the data directory), the ledger's decision store encrypts the application forms'
name, ID number and phone and reads encrypted ones back. Without a key nothing is imported (the lean install needs
no ``cryptography``): forms are written as before, and reading an encrypted one names the variable to set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, emit, fail, guarded
from creditloop.entrypoints.cli.db_cli import DEFAULT_DIR, DataDirOpt, ledger_engine

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


# ----------------------------------------------------------------------------- creditloop pii rotate-key

OLD_KEY_ENV = "CREDITLOOP_PII_KEY_OLD"
pii_app = typer.Typer(help="Personal data at rest: rotate the key that encrypts it.", no_args_is_help=True)


@pii_app.command("rotate-key")
def rotate_key(
    data_dir: DataDirOpt = DEFAULT_DIR,
    batch: Annotated[int, typer.Option("--batch", help="Rows per transaction (1..100000).")] = 500,
    as_json: JsonOpt = False,
) -> None:
    """Re-encrypt the stored names, ID numbers and phones under CREDITLOOP_PII_KEY (the new key) from
    CREDITLOOP_PII_KEY_OLD (the old one), in batches; the blind index is recomputed, every customer audited.
    Resumable: run it again after a stop; values already under the new key are left alone. On the embedded ledger
    the key file pii.key, if it holds the old key, is replaced by the new one at the end."""
    new_text = os.environ.get(KEY_ENV, "").strip()
    old_text = os.environ.get(OLD_KEY_ENV, "").strip()
    for name, text in ((KEY_ENV, new_text), (OLD_KEY_ENV, old_text)):
        if not text:
            fail(f"{name} is not set: rotate-key needs the new key in {KEY_ENV} and the old one in {OLD_KEY_ENV}",
                 EXIT_USAGE)  # fmt: skip
    if new_text == old_text:
        fail(f"{KEY_ENV}: the new key is the same as {OLD_KEY_ENV}; nothing to rotate", EXIT_USAGE)
    try:
        from creditloop.adapters.pii_crypto import PiiCipher
    except ImportError:
        fail("rotate-key needs the service extra: pip install 'creditloop[service]'", EXIT_USAGE)
    new = guarded(lambda: PiiCipher.from_text(new_text), {KEY_ENV: KEY_ENV})
    old = guarded(lambda: PiiCipher.from_text(old_text), {KEY_ENV: OLD_KEY_ENV})
    from creditloop.adapters.clock import SystemClock
    from creditloop.adapters.sqlalchemy.db import migrate
    from creditloop.adapters.sqlalchemy.pii_rotate import rotate_pii_key
    from creditloop.config import Settings

    engine, shown = ledger_engine(data_dir, create=False)
    clock = SystemClock(Settings(data_dir=data_dir).business_timezone)
    try:
        migrate(engine)
        report = guarded(lambda: rotate_pii_key(engine, old, new, clock.now, batch=batch), {"batch": "--batch"})
    finally:
        engine.dispose()
    key_file = data_dir / "pii.key"
    replaced = (
        engine.dialect.name == "sqlite" and key_file.is_file() and key_file.read_text("ascii").strip() == old_text
    )
    if replaced:
        key_file.write_text(new_text + "\n", encoding="ascii")
        key_file.chmod(0o600)
    payload = {**report.to_dict(), "ledger": shown, "key_file_replaced": replaced}
    text = (
        f"{shown}: re-encrypted {report.forms_rotated} application form(s) and {report.customers_rotated} "
        f"customer(s) ({report.forms_current} + {report.customers_current} already under the new key) in "
        f"{report.batches} batch(es)"
    )
    emit(as_json, payload, text + ("; pii.key now holds the new key" if replaced else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(pii_app, name="pii")
