"""Which directories hold which ledger: a simulation never replaces an operating ledger, and servicing commands
never write real operations into a simulation's synthetic books (issue 11, item 4).

The purpose is read from inside the ledger (``ledger_meta``); a ledger without that row is a simulation's only
if the old side file ``.creditloop-simulation`` sits beside it, otherwise it is treated as operating.
"""

from __future__ import annotations

import json
from pathlib import Path

from creditloop.adapters.sqlalchemy.purpose import OPERATING, SIMULATION, count_lines, read_purpose

SIDE_MARKER = ".creditloop-simulation"
LEDGER_FILE = "ledger.sqlite"


class DirectoryRefused(ValueError):
    """A directory a command will not use; the message names the option and the rule."""


def sqlite_purpose(data_dir: Path) -> str | None:
    """The purpose of the SQLite ledger in ``data_dir`` (None when there is no ledger file)."""
    ledger = data_dir / LEDGER_FILE
    if not ledger.exists():
        return None
    recorded, _lines = _inspect(ledger)
    if recorded is not None:
        return recorded
    return SIMULATION if (data_dir / SIDE_MARKER).exists() else OPERATING


def _inspect(ledger: Path) -> tuple[str | None, int]:
    """Recorded purpose and number of lines, read without migrating or writing anything."""
    import sqlalchemy as sa

    if not ledger.is_file():
        raise DirectoryRefused(f"{ledger} is not a file")
    # Read-only; with no write-ahead log beside it the file is complete, and ``immutable`` opens it without
    # creating -wal/-shm files (a check must leave the directory exactly as it found it).
    wal = ledger.with_name(ledger.name + "-wal")
    flags = "mode=ro" if wal.exists() and wal.stat().st_size else "immutable=1"
    engine = sa.create_engine(f"sqlite:///file:{ledger.resolve()}?{flags}&uri=true")
    try:
        with engine.connect() as connection:
            return read_purpose(connection), count_lines(connection)
    except sa.exc.DatabaseError as exc:
        raise DirectoryRefused(f"{ledger} is not a readable ledger ({exc.orig})") from None
    finally:
        engine.dispose()


def check_simulation_dir(path: Path, option: str) -> None:
    """Refuse a directory a simulation may not fill: one holding anything but a previous simulation's output.

    Allowed: a missing or empty directory; one marked as a simulation's whose ledger (if any) is synthetic."""
    if path.exists() and not path.is_dir():
        raise DirectoryRefused(f"{option}: {path} is a file, not a directory")
    if not path.exists() or not any(path.iterdir()):
        return
    ledger = path / LEDGER_FILE
    if ledger.exists():
        recorded, lines = _inspect(ledger)
        if recorded == OPERATING or (recorded is None and not (path / SIDE_MARKER).exists()):
            raise DirectoryRefused(
                f"{option}: {path} holds an operating ledger (real credit lines), not a simulation's; a "
                "simulation would replace it (choose another directory)"
            )
        if recorded is None and lines != _simulated_lines(path):
            # An old-style simulation directory written to by servicing commands: real lines may be in it.
            raise DirectoryRefused(
                f"{option}: the ledger in {path} holds {lines} line(s), not the simulation's own; it may hold real "
                "lines and is not replaced (choose another directory)"
            )
        return
    if not (path / SIDE_MARKER).exists():
        raise DirectoryRefused(
            f"{option}: {path} is not empty and not a simulation's directory; a simulation writes only into a new "
            "or empty directory or over a previous simulation"
        )


def _simulated_lines(path: Path) -> int | None:
    try:
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
        return int(summary["lines_opened"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def mark_simulation_dir(path: Path) -> None:
    """The side file older versions read; the ledger itself carries the purpose row."""
    path.mkdir(parents=True, exist_ok=True)
    (path / SIDE_MARKER).write_text("this directory holds a synthetic simulation and may be replaced by the next one\n")
