"""Code-shape guard rails (issue #12): size limits hold (tools/check_sizes.py, also run by ``make lint``), the
checker itself catches offences, and the vector copies in tests/data equal the shared originals."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_sizes", ROOT / "tools" / "check_sizes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("check_sizes", module)
    spec.loader.exec_module(module)
    return module


def test_no_file_over_600_lines_and_no_function_over_70_outside_the_allowances() -> None:
    assert load_checker().check() == []


def test_the_checker_names_the_file_the_function_and_the_rule(tmp_path: Path) -> None:
    checker = load_checker()
    package = tmp_path / "creditloop"
    package.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    (package / "long.py").write_text(f"def fits():\n    return 1\n\n\ndef too_long():\n{body}\n", encoding="utf-8")
    (package / "big.py").write_text("x = 1\n" * 601, encoding="utf-8")
    (package / "ok.py").write_text("x = 1\n" * 600, encoding="utf-8")
    found = [m.split("/")[-1] for m in checker.check(tmp_path)]
    assert found == [
        "big.py: 601 lines (file rule: at most 600)",
        "long.py:5: function too_long is 71 lines (function rule: at most 70)",
    ]


def test_the_allowance_list_only_names_files_that_exist() -> None:
    checker = load_checker()
    src = ROOT / "src" / "creditloop"
    for pattern in checker.ALLOWED:
        assert list(src.glob(pattern)), f"ALLOWED entry {pattern!r} matches no file: remove it"


@pytest.mark.parametrize(
    "name", ["apr.json", "credit_repair.json", "delinquency_codes.json", "basel_irb.json", "vasicek.json"]
)
def test_vector_copies_equal_the_shared_originals(name: str) -> None:
    shared = ROOT.parent / "shared" / "vectors" / name
    if not shared.is_file():
        pytest.skip(f"shared vectors not found at {shared}; the copy in tests/data is used as it is")
    assert (ROOT / "tests" / "data" / name).read_bytes() == shared.read_bytes()
