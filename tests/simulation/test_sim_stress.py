"""Simulation-based stress (tools/sim_stress.py): tiny runs of the three scenarios on one seed, measured and tabled.

The figures come from 2,000 customers x 24 months, seeds 1-3 (docs/performance.md and docs/risk.md,
"Simulation-based stress"); here only that the measures are consistent and the table is complete."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytest.importorskip("ibis", reason="the stress measures read the book through the analytics extra (ibis)")

from creditloop.bootstrap import build_memory
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario

SEED = 5
ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sim_stress", ROOT / "tools" / "sim_stress.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sim_stress"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("sim_stress")
    for name in ("baseline", "pandemic", "recession"):
        scenario = load_scenario(name)
        config = SimConfig(250, 9, SEED, scenario if name == "baseline" else scenario.with_shock_month(3))
        Simulation(config, build_memory().bus, base / f"{name}-s{SEED}").run()
    return base


def test_measures_and_table_for_three_scenarios(runs: Path) -> None:
    tool = _tool()
    results = [tool.measure(runs / f"{s}-s{SEED}") for s in tool.SCENARIOS]
    assert [r["scenario"] for r in results] == ["baseline", "pandemic", "recession"]
    for r in results:
        assert r["ead_minor"] > 0 and 0 <= r["el_minor"] <= r["ead_minor"] and r["capital_minor"] >= 0
        assert 0.0 <= r["peak_90_balance"] <= r["peak_30_balance"] <= 1.0
        assert r["lgd_source"].startswith("fallback") or 0.0 <= r["lgd"] <= 1.0
        assert isinstance(r["ecl_minor"], int) and r["ecl_minor"] >= 0  # the ECL allowance at the horizon (risk ecl)
    text = tool.table(results, [SEED])
    for key, label, _ in tool.METRICS:
        assert f"| {label} |" in text, key
    assert "pandemic ÷ baseline" in text
