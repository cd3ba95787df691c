"""``creditloop consortium enrol``: the member's side of onboarding to the consortium (issue #19).

Reads the member's customer file (CSV with ``customer_id`` and ``resident_id`` columns), hashes each ID under the
consortium keys active today (``CREDITLOOP_CONSORTIUM_KEY_FILE``) and keeps ``customer_id -> pseudonym`` in
``--data-dir``/consortium-member.sqlite for the nightly ``ewi run --consortium``. Nothing is sent; the clear ID is
not stored. All or nothing: a bad row is one line naming the row and the rule (never the number), exit 2.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, echo_json, fail, guarded
from creditloop.entrypoints.cli._ledger import DataDirOpt, OnOpt, business_day


def _rows(path: Path) -> list[tuple[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not {"customer_id", "resident_id"} <= set(reader.fieldnames or ()):
                fail("--customers: needs the columns customer_id and resident_id", EXIT_USAGE)
            return [(row["customer_id"], row["resident_id"]) for row in reader]
    except OSError as exc:
        fail(f"--customers: cannot read {path} ({type(exc).__name__})", EXIT_USAGE)


def _check(resident: str, where: str) -> None:
    from creditloop.consortium.pseudonym import normalise_resident_id

    guarded(lambda: normalise_resident_id(resident, field=where))


def enrol(
    customers: Annotated[Path, typer.Option("--customers", help="CSV: customer_id,resident_id (the member's file).")],
    data_dir: DataDirOpt = Path("creditloop-data"),
    on: OnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Keep each customer's consortium pseudonym (computed here, never sent) for ``ewi run --consortium``."""
    from creditloop.adapters.consortium_client import load_keyring
    from creditloop.adapters.consortium_member_file import FILE_NAME, MemberFile
    from creditloop.config import Settings

    key_file = Settings(data_dir=data_dir).consortium_key_file
    if key_file is None:
        fail("CREDITLOOP_CONSORTIUM_KEY_FILE is not set: the pseudonyms need the consortium key ring", EXIT_USAGE)
    ring = guarded(lambda: load_keyring(key_file), {"consortium_key_file": "CREDITLOOP_CONSORTIUM_KEY_FILE"})
    day: date = business_day(on)
    rows = _rows(customers)
    for n, (_, resident) in enumerate(rows, start=2):  # checked before anything is written
        _check(resident, f"--customers row {n}")
    if not data_dir.is_dir():
        fail(f"--data-dir: {data_dir} is not a directory", EXIT_USAGE)
    book = MemberFile(data_dir / FILE_NAME, ring)
    try:
        count = book.enrol(rows, day)
    finally:
        book.close()
    if as_json:
        echo_json({"enrolled": count, "keys": [k.key_id for k in ring.active(day)]})
    else:
        typer.echo(f"enrolled {count} customer(s) under key(s) {', '.join(k.key_id for k in ring.active(day))}")


def register(app: typer.Typer) -> None:
    app.command("enrol")(enrol)
