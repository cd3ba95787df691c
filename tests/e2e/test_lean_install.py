"""A lean install (no extras) runs the ledger service: ``line``, ``day-end`` and ``journal`` work with every
optional dependency made unimportable, load none of them, and a command that needs an extra exits 2 naming it.

"Unimportable" is ``sys.modules[name] = None`` set before the CLI starts: an import of it raises
ModuleNotFoundError, exactly as when the package is not installed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from creditloop._extras import EXTRAS, MissingExtra, missing_extra, require_extra

# Every module an extra provides, plus what they drag in: none may be loaded by the ledger service.
HEAVY = sorted({m for modules in EXTRAS.values() for m in modules})

# Runs the CLI with HEAVY blocked; prints a JSON line with the exit code and any heavy module that got loaded.
DRIVER = """
import json, sys
BLOCKED = {blocked!r}
for name in BLOCKED:
    sys.modules[name] = None
sys.argv = ["creditloop", *{args!r}]
from creditloop.entrypoints.cli.main import run
try:
    run()
    code = 0
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else 1
loaded = sorted(m for m in {heavy!r} if sys.modules.get(m) is not None)
print(json.dumps({{"code": code, "loaded": loaded}}), file=sys.stderr)
"""


def lean(*args: str, blocked: list[str] | None = None) -> tuple[int, list[str], str, str]:
    """Run ``creditloop *args`` with ``blocked`` (default: every extra's module) unimportable."""
    script = DRIVER.format(blocked=HEAVY if blocked is None else blocked, args=list(args), heavy=HEAVY)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
    *err_lines, last = res.stderr.rstrip("\n").split("\n")
    report = json.loads(last)
    return report["code"], report["loaded"], res.stdout, "\n".join(err_lines)


def test_the_ledger_service_runs_with_no_optional_dependency(tmp_path: Path) -> None:
    d = ["--data-dir", str(tmp_path / "ledger")]
    steps = [
        ["line", "open", "--line-id", "L1", "--customer-id", "C1", "--limit", "350.00", "--on", "2024-01-05"],
        ["line", "purchase", "--line-id", "L1", "--purchase-id", "p", "--amount", "300.00", "--periods", "3", "--on",
         "2024-01-06"],
        ["day-end", "--date", "2024-02-09"],
        ["line", "statement", "--line-id", "L1", "--json"],
        ["journal", "verify", "--json"],
        ["journal", "export", "--format", "jsonl"],
    ]  # fmt: skip
    outputs = []
    for step in steps:
        code, loaded, out, err = lean(*step, *d)
        assert (code, loaded) == (0, []), (step, err)
        outputs.append(out)
    # A real statement, not an empty run: the first of three installments, 100.00 principal + 2.10 fee.
    assert json.loads(outputs[3])["total_due_minor"] == 10000 + 210
    assert len(outputs[5].splitlines()) >= 2  # journal lines exported


def test_importing_servicing_loads_no_optional_dependency() -> None:
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import creditloop.servicing"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported = {line.split("|")[-1].strip().split(".")[0] for line in res.stderr.splitlines() if "|" in line}
    assert "creditloop" in imported
    assert imported.isdisjoint(HEAVY), sorted(imported & set(HEAVY))


@pytest.mark.parametrize(
    ("args", "blocked", "extra"),
    [
        (["simulate", "--customers", "5", "--months", "2", "--out", "{tmp}/sim"], ["numpy"], "sim"),
        (["report", "--data-dir", "{tmp}"], ["duckdb"], "report"),
        (["demo", "--customers", "5", "--months", "2", "--data-dir", "{tmp}/demo"], ["matplotlib"], "demo"),
        (["scorecard", "score", "--model", "{tmp}/m.json", "--data", "{tmp}/d.csv", "--out", "{tmp}/o.csv"],
         ["lightgbm"], "scoring"),
    ],
)  # fmt: skip
def test_a_command_needing_a_missing_extra_exits_2_naming_it(
    tmp_path: Path, args: list[str], blocked: list[str], extra: str
) -> None:
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")
    (tmp_path / "m.json").write_text("{}", encoding="utf-8")
    (tmp_path / "d.csv").write_text("a\n1\n", encoding="utf-8")
    code, _, _, err = lean(*(a.replace("{tmp}", str(tmp_path)) for a in args), blocked=blocked)
    assert code == 2, err
    assert f"pip install 'creditloop[{extra}]'" in err
    assert "Traceback" not in err


def test_require_extra_names_the_extra_and_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    with pytest.raises(MissingExtra) as caught:
        require_extra("scoring", "numpy", "lightgbm")
    assert (caught.value.extras, caught.value.module) == (("scoring",), "lightgbm")
    assert "pip install 'creditloop[scoring]'" in str(caught.value) and "可选依赖" in str(caught.value)
    require_extra("scoring", "numpy")  # present: no error
    with pytest.raises(ValueError, match="extra: unknown extra 'nope'"):
        require_extra("nope")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtra) as caught:
        require_extra("demo")  # a composite: every module of sim and report
    assert (caught.value.extras, caught.value.module) == (("demo",), "matplotlib")


def test_missing_extra_maps_a_bare_import_error_to_every_extra_providing_it() -> None:
    found = missing_extra(ModuleNotFoundError("No module named 'numpy.linalg'", name="numpy.linalg"))
    assert found is not None and found.extras == ("sim", "scoring")
    assert missing_extra(ModuleNotFoundError("x", name="not_an_extra_module")) is None
    assert missing_extra(ValueError("numpy")) is None
