"""Files of ``creditloop scorecard``: read a table, refuse or write an output. Every refusal names the option.

Outputs go through the shared guard (:mod:`creditloop.entrypoints.cli.outputs`): never a ledger, never one
of the command's inputs, never an existing file without ``--force``, and written atomically, so a refused or
failed command leaves no file behind.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from creditloop.entrypoints.cli.outputs import OutputRefused, atomic_write, check_output

TABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def _usage(message: str) -> NoReturn:
    from creditloop.entrypoints.cli._common import EXIT_USAGE, fail

    fail(message, EXIT_USAGE)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _csv_header(path: Path) -> list[str]:
    """The header row as written (pandas renames a repeated ``x`` to ``x.1``, hiding the repeat)."""
    with path.open(newline="", encoding="utf-8", errors="replace") as fh:
        return next(csv.reader(fh), [])


def read_table(path: Path, option: str) -> Any:
    """A non-empty CSV or Parquet table with unique column names, or one ``error:`` line (exit 2)."""
    import pandas as pd

    if not path.exists():
        _usage(f"{option}: {path} does not exist")
    if not path.is_file():
        _usage(f"{option}: {path} is not a file")
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        _usage(f"{option}: {path} must be .csv or .parquet")
    if path.stat().st_size == 0:
        _usage(f"{option}: {path} is empty")
    try:
        if suffix == ".csv":
            header = _csv_header(path)
            frame = pd.read_csv(path, low_memory=False)
        else:
            frame = pd.read_parquet(path)
            header = [str(c) for c in frame.columns]
    except Exception as exc:  # a damaged file: one clear line, not a traceback
        _usage(f"{option}: cannot read {path}: {_first_line(exc)}")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            _usage(f"{option}: {path}: column {name!r} appears more than once; column names must be unique")
        seen.add(name)
    if len(frame) == 0:
        _usage(f"{option}: {path} has a header but no rows")
    return frame


def guard_output(
    path: Path, option: str, *, force: bool, inputs: Sequence[Path | None], suffixes: Sequence[str]
) -> None:
    """Refuse ``path`` before any work: wrong suffix, missing folder, a ledger, an input, or an existing file."""
    try:
        check_output(path, option, force=force, inputs=[p for p in inputs if p is not None])
    except OutputRefused as exc:
        _usage(str(exc))
    if path.suffix.lower() not in suffixes:
        _usage(f"{option}: {path} must end in {' or '.join(suffixes)}")
    parent = path.expanduser().parent
    if not parent.is_dir():  # the shared writer would create it; a mistyped folder should be an error
        _usage(f"{option}: directory {parent} does not exist")


def write_file(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary sibling renamed into place (nothing half-written on failure)."""
    atomic_write(path, write)


def write_table(frame: Any, path: Path) -> None:
    def write(tmp: Path) -> None:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)

    atomic_write(path, write)
