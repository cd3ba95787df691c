"""Running ``creditloop`` on one ledger directory as a user would (a subprocess), for the e2e tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def cl(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "creditloop", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def ok(data_dir: Path, *args: str) -> Any:
    """The command succeeds; its JSON when ``--json`` is given, else its text."""
    res = cl(data_dir, *args)
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
