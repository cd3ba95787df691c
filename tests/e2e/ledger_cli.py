"""Running ``creditloop`` on one ledger directory, for the e2e tests.

``cl`` and ``refused`` run it as a user would, in a subprocess: they are about the process (exit code, stderr, no
traceback). ``ok`` checks what a command does, so it runs the same entry point in this process (``main.run``,
argv, stdout and stderr as a subprocess would see them): a subprocess costs about a second of CPU to import the
CLI, which made these files the most expensive part of the suite. Set ``CREDITLOOP_E2E_SUBPROCESS=1`` to run every
step in a subprocess again."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from creditloop.entrypoints.cli import main


def cl(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "creditloop", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@contextlib.contextmanager
def _engines_closed_after() -> Iterator[None]:
    """Dispose of every engine the command opened, as its process exit would: no pooled SQLite connection of an
    in-process step stays open under the next step (a subprocess's close folds the WAL back, for one)."""
    opened: weakref.WeakSet[Engine] = weakref.WeakSet()

    def seen(connection: Any) -> None:
        opened.add(connection.engine)

    event.listen(Engine, "engine_connect", seen)
    try:
        yield
    finally:
        event.remove(Engine, "engine_connect", seen)
        for engine in list(opened):
            engine.dispose()


def run_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``creditloop *args`` through ``main.run`` in this process: exit code, stdout and stderr as a subprocess's."""
    argv = ["creditloop", *args]
    out, err = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = argv
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _engines_closed_after():
            try:
                main.run()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def in_process(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``creditloop *args --data-dir data_dir`` in this process."""
    return run_in_process(*args, "--data-dir", str(data_dir))


def as_a_user() -> bool:
    """Every step in a subprocess (``CREDITLOOP_E2E_SUBPROCESS=1``)."""
    return os.environ.get("CREDITLOOP_E2E_SUBPROCESS") == "1"


def ok(data_dir: Path, *args: str) -> Any:
    """The command succeeds; its JSON when ``--json`` is given, else its text."""
    res = cl(data_dir, *args) if as_a_user() else in_process(data_dir, *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout) if "--json" in args else res.stdout


def refused(data_dir: Path, code: int, *args: str, one_line: bool = False) -> str:
    """The command exits with ``code`` and no traceback (and, with ``one_line``, a one-line message)."""
    res = cl(data_dir, *args)
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    if one_line:
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    return res.stderr.strip()
