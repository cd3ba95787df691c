"""``creditloop risk capital | stress | portfolio`` as a user (or the independent checker) runs them: vector cells
through the CLI, the JSON fields promised in docs/risk.md, zh/en text, and bad input refused with exit 2 naming
the option, nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ledger_cli import as_a_user, run_in_process

# (argv, risk weight % from basel_irb.json) — one cell of each class, both SME sales columns, both LGDs
CELLS = [
    (["--class", "corporate", "--pd", "0.01", "--lgd", "0.45", "--sales-m", "50"], 92.32),
    (["--class", "corporate", "--pd", "0.001", "--lgd", "0.45", "--sales-m", "5", "--maturity", "2.5"], 23.30),
    (["--class", "corporate", "--pd", "0.025", "--lgd", "0.45"], 122.16),  # no sales: no SME adjustment
    (["--class", "mortgage", "--pd", "0.005", "--lgd", "0.25"], 19.49),
    (["--class", "other_retail", "--pd", "0.0003", "--lgd", "0.85"], 8.41),
    (["--class", "qrre", "--pd", "0.025", "--lgd", "0.45"], 33.98),
]


def cl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "creditloop", *args], capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )


def ok(*args: str) -> Any:
    """The command succeeds (run in-process, tests/e2e/ledger_cli.py); refusals below run as a subprocess."""
    res = cl(*args) if as_a_user() else run_in_process(*args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout) if "--json" in args else res.stdout


@pytest.mark.parametrize(("argv", "expected"), CELLS)
def test_capital_reproduces_vector_cells(argv: list[str], expected: float) -> None:
    doc = ok("risk", "capital", *argv, "--json")
    assert abs(doc["risk_weight_percent"] - expected) <= 0.011
    assert doc["k"] == pytest.approx(doc["risk_weight_percent"] / 1250)
    assert doc["schema"] == "creditloop.risk.capital/1"
    assert doc["class"] == argv[1] and doc["inputs"]["class"] == argv[1]
    assert doc["pd"] == float(argv[3]) and doc["lgd"] == float(argv[5])
    assert doc["floors"] is False and doc["floors_applied"] == []
    if argv[1] == "corporate":
        assert doc["maturity"] == 2.5 and doc["maturity_adjustment"] > 1
    else:
        assert doc["maturity"] is None and doc["maturity_adjustment"] is None


def test_capital_with_floors_and_ead() -> None:
    doc = ok(
        "risk", "capital", "--class", "qrre", "--pd", "0.0003", "--lgd", "0.45", "--floors", "--ead", "10000", "--json"
    )
    assert doc["inputs"]["pd"] == 0.0003 and doc["pd"] == 0.001 and doc["lgd"] == 0.5
    assert doc["floors_applied"] == [
        {"field": "pd", "given": 0.0003, "floor": 0.001},
        {"field": "lgd", "given": 0.45, "floor": 0.5},
    ]
    assert doc["ead_minor"] == 1_000_000
    assert doc["rwa_minor"] == round(doc["risk_weight"] * 1_000_000)
    assert doc["capital_minor"] == round(doc["k"] * 1_000_000)


def test_capital_text_in_english_and_chinese() -> None:
    args = ("risk", "capital", "--class", "mortgage", "--pd", "0.01", "--lgd", "0.45")
    assert "risk weight 56.40 %" in ok(*args)
    zh = ok(*args, "--lang", "zh")
    assert "风险权重 56.40 %" in zh and "资产相关系数 R 0.150000" in zh


def test_stress_reproduces_the_vasicek_row() -> None:
    for z, expected in (("0", 0.018037), ("-1", 0.029247), ("-3.0902", 0.071418)):
        doc = ok("risk", "stress", "--pd", "0.02", "--rho", "0.04", "--z", z, "--json")
        assert abs(doc["conditional_pd"] - expected) <= 1e-6
        assert doc["inputs"] == {"pd": 0.02, "rho": 0.04, "z": float(z)}
    assert "为无条件 PD 的" in ok("risk", "stress", "--pd", "0.02", "--rho", "0.04", "--z", "-2", "--lang", "zh")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["capital", "--class", "retail", "--pd", "0.01", "--lgd", "0.45"], "--class"),
        (["capital", "--class", "qrre", "--pd", "1.2", "--lgd", "0.45"], "--pd"),
        (["capital", "--class", "qrre", "--pd", "-0.1", "--lgd", "0.45"], "--pd"),
        (["capital", "--class", "qrre", "--pd", "0.01", "--lgd", "nan"], "--lgd"),
        (["capital", "--class", "qrre", "--pd", "0.01", "--lgd", "0.4", "--sales-m", "10"], "--sales-m"),
        (["capital", "--class", "corporate", "--pd", "0.01", "--lgd", "0.4", "--maturity", "x"], "--maturity"),
        (["capital", "--class", "corporate", "--pd", "0.0001", "--lgd", "0.4"], "--pd"),
        (["capital", "--class", "qrre", "--pd", "0.01", "--lgd", "0.4", "--el-best", "0.2"], "--el-best"),
        (["capital", "--class", "qrre", "--pd", "0.01", "--lgd", "0.4", "--ead", "0"], "--ead"),
        (["capital", "--class", "qrre", "--pd", "0.01", "--lgd", "0.4", "--lang", "fr"], "--lang"),
        (["stress", "--pd", "0.02", "--rho", "1", "--z", "0"], "--rho"),
        (["stress", "--pd", "2", "--rho", "0.1", "--z", "0"], "--pd"),
        (["stress", "--pd", "0.02", "--rho", "0.1", "--z", "-inf"], "--z"),
        (["stress", "--pd", "0.02", "--rho", "0.1"], "--z"),
    ],
)
def test_bad_input_exits_2_naming_the_option_and_writes_nothing(argv: list[str], option: str, tmp_path: Path) -> None:
    res = cl("risk", *argv, "--json", cwd=tmp_path)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert option in res.stderr and "Traceback" not in res.stderr
    assert res.stdout == "" and list(tmp_path.iterdir()) == []


def test_portfolio_file_per_segment_and_total(tmp_path: Path) -> None:
    segments = [
        {"name": "cards", "class": "qrre", "ead_minor": 100_000_000, "pd": 0.02, "lgd": 0.85},
        {"name": "loans", "class": "other_retail", "ead_minor": 50_000_000, "pd": "0.01", "lgd": "0.45"},
        {"name": "sme", "class": "corporate", "ead_minor": 20_000_000, "pd": 0.01, "lgd": 0.45, "sales_m": 5},
    ]
    path = tmp_path / "book.json"
    path.write_text(json.dumps({"segments": segments}), "utf-8")
    doc = ok("risk", "portfolio", "--input", str(path), "--z", "-2", "--json")
    rows = {r["name"]: r for r in doc["segments"]}
    assert abs(rows["sme"]["risk_weight_percent"] - 72.40) <= 0.011
    assert doc["total"]["ead_minor"] == 170_000_000
    assert doc["total"]["capital_minor"] == sum(r["capital_minor"] for r in doc["segments"])
    assert doc["total"]["stressed_loss_minor"] > doc["total"]["expected_loss_minor"]
    text = ok("risk", "portfolio", "--input", str(path), "--lang", "zh")
    assert "合计" in text and "cards" in text
    segments[1]["pd"] = 3
    path.write_text(json.dumps(segments), "utf-8")
    res = cl("risk", "portfolio", "--input", str(path))
    assert res.returncode == 2 and "segments[1].pd" in res.stderr


def test_risk_runs_on_the_lean_install() -> None:
    """The normal CDF and inverse come from the standard library (statistics.NormalDist), not scipy: the risk
    calculators work on an install without any extra, and load none of the extras' modules."""
    from test_lean_install import lean

    code, loaded, out, err = lean("risk", "capital", "--class", "qrre", "--pd", "0.01", "--lgd", "0.45", "--json")
    assert (code, loaded) == (0, []), err
    assert abs(json.loads(out)["risk_weight_percent"] - 17.22) <= 0.011
    code, loaded, out, err = lean("risk", "stress", "--pd", "0.02", "--rho", "0.04", "--z", "-2", "--json")
    assert (code, loaded) == (0, []), err
    assert abs(json.loads(out)["conditional_pd"] - 0.045720) <= 1e-6
