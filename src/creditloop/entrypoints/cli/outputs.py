"""Where a command may write: every ``--out`` goes through :func:`check_output` and :func:`atomic_write`.

Rules (issue 11, item 1): an output never replaces a ledger database or its WAL/SHM/journal side files (not
even with ``--force``), never replaces one of the command's own inputs, and never replaces an existing file
unless the user passed ``--force``. Files are written to a temporary sibling and renamed into place, so a
failure leaves the old file (or nothing) behind, never half a file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

SQLITE_MAGIC = b"SQLite format 3\x00"
# A write-ahead log and a rollback journal, whatever they are called (a copy or hard link of a side file).
SIDE_MAGICS = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83", b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7")
# SQLite's side files: a write to one of them corrupts or destroys the database beside it.
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


class OutputRefused(ValueError):
    """An output path we will not write; the message names the option and the rule."""


def is_sqlite_file(path: Path) -> bool:
    """An SQLite database, write-ahead log or rollback journal, by its first bytes."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return head == SQLITE_MAGIC or any(head.startswith(magic) for magic in SIDE_MAGICS)


def is_ledger_path(path: Path) -> bool:
    """True for an SQLite database (by its header, or the ledger's file name) or one of its side files."""
    name = path.name
    for suffix in SIDE_SUFFIXES:
        if name.endswith(suffix):
            base = path.with_name(name[: -len(suffix)])
            if base.name == "ledger.sqlite" or is_sqlite_file(base) or path.exists():
                return True
    if name == "ledger.sqlite":
        return True
    return path.is_file() and is_sqlite_file(path)


def _same(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return a.samefile(b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def check_output(
    path: Path,
    option: str = "--out",
    *,
    force: bool = False,
    inputs: Sequence[Path] = (),
) -> None:
    """Refuse an output path that would destroy a ledger, an input, or (without ``force``) an existing file."""
    target = path.expanduser()
    if is_ledger_path(target):
        raise OutputRefused(f"{option}: {path} is a ledger database or one of its side files; never overwritten")
    for source in inputs:
        if _same(target, Path(source).expanduser()):
            raise OutputRefused(f"{option}: {path} is also this command's input; choose another file")
    if target.is_dir():
        raise OutputRefused(f"{option}: {path} is a directory; give a file name")
    if target.exists() and not target.is_file():
        # A device, pipe or socket: renaming a file over it would replace the device itself (/dev/null, /dev/full).
        raise OutputRefused(f"{option}: {path} is not a regular file; omit {option} to write to standard output")
    if target.exists() and not force:
        raise OutputRefused(f"{option}: {path} exists; pass --force to replace it")
    parent = target.parent if str(target.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise OutputRefused(f"{option}: {parent} is not a directory")


@contextmanager
def atomic_output(
    path: Path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None
) -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path``; on success rename it over ``path``, on failure remove it."""
    target = path.expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": newline}
        with os.fdopen(fd, mode, **kwargs) as fh:  # type: ignore[call-overload]
            yield fh
        _refuse_ledger_now(target)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Let ``write`` produce a temporary sibling file by path (for libraries that want a path), then rename."""
    target = path.expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix or ".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        _refuse_ledger_now(target)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _refuse_ledger_now(target: Path) -> None:
    """Checked again just before the rename: a ledger (or anything but a file) may have appeared there meanwhile."""
    if is_ledger_path(target):
        raise OutputRefused(f"{target} became a ledger database while it was written; not replaced")
    if target.exists() and not target.is_file():
        raise OutputRefused(f"{target} is not a regular file; not replaced")
