"""The hardship A/B's "never" arm (issue 15 item 5): ``no-outreach`` is the baseline with the hardship outreach off.

A tiny pandemic run (200 applicants, 8 months) per strategy on one seed; the A/B's figures come from
tools/hardship_ab.py over 3,000 × 24 months (docs/performance.md, "Hardship A/B (issue 15)")."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from creditloop.bootstrap import build_memory
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import STRATEGY_NAMES, get_strategy

SEED = 11
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hardship_ab")
    for name in ("baseline", "no-outreach"):
        config = SimConfig(200, 8, SEED, load_scenario("pandemic"), strategy=get_strategy(name))
        Simulation(config, build_memory().bus, base / name).run()
    return base


def _tool() -> ModuleType:
    sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location("hardship_ab", ROOT / "tools" / "hardship_ab.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _plans(run: Path) -> tuple[int, int]:
    sql = f"SELECT count(*), count(*) FILTER (accepted) FROM read_parquet('{run}/hardship.parquet')"
    offered, accepted = duckdb.connect().execute(sql).fetchone() or (0, 0)
    return int(offered), int(accepted)


def test_never_makes_a_hardship_offer_where_the_baseline_does(runs: Path) -> None:
    assert _plans(runs / "no-outreach") == (0, 0)
    offered, accepted = _plans(runs / "baseline")  # same seed: the late arm does offer, so the check can fail
    assert offered >= accepted >= 1, f"seed {SEED}"


def test_the_ab_tool_counts_plans_re_defaults_and_cures_per_arm(runs: Path) -> None:
    tool = _tool()
    never, late = tool.outcome(runs / "no-outreach"), tool.outcome(runs / "baseline")
    assert (never["accepted"], never["helped"], never["redefault"], never["early"]) == (0, 0, 0, 0)
    assert late["accepted"] == _plans(runs / "baseline")[1]
    assert late["helped"] + late["redefault"] >= 1 and max(late["helped"], late["redefault"]) <= late["accepted"]
    for o in (never, late):
        assert 0 <= o["cured"] <= o["ever30"] * o["lines"] and o["peak30"] <= 1


def test_interval_is_the_mean_and_a_t95_half_width_over_three_seeds() -> None:
    # mean 2, sample sd 1, t(2 df) 4.303: half-width 4.303 / sqrt(3) = 2.48
    assert _tool().interval([1.0, 2.0, 3.0]) == "+2.00 ± 2.48 [+1.00, +3.00]"


def test_the_never_arm_is_a_named_strategy_listed_by_simulate_help() -> None:
    never = get_strategy("no-outreach")
    assert "no-outreach" in STRATEGY_NAMES and not never.hardship_outreach and never.ewi_action == "record"
    res = subprocess.run(
        [sys.executable, "-m", "creditloop", "simulate", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={"COLUMNS": "200", "PYTHONPATH": str(ROOT / "src"), "PATH": ""},
    )
    assert "no-outreach" in res.stdout and "ewi-hardship" in res.stdout
