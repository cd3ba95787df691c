"""The shared vector files: ``../shared/vectors`` when present (the reference), else the byte-for-byte copy in
tests/data (tests/unit/test_code_shape.py keeps the two equal); a test skips, naming both, when neither is there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "vectors"
COPIES = ROOT / "tests" / "data"


def vector_path(name: str) -> Path:
    for folder in (SHARED, COPIES):
        if (folder / name).is_file():
            return folder / name
    pytest.skip(f"vector file {name} not found in {SHARED} (shared design folder absent) nor in {COPIES}")


def load_vectors(name: str) -> Any:
    return json.loads(vector_path(name).read_text(encoding="utf-8"))
