"""One pair of calibration runs (baseline and pandemic, same seed) shared by the simulation tests.

They decide applications with the issue #1 rule policy (strategy ``rule-policy``): the calibration fits the
customers' behaviour, measured on the book that policy opened; the scored underwriting of issue #13 changes who
gets a line (tests/simulation/test_sim_underwriting.py and docs/origination/sim.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from creditloop.bootstrap import build_memory
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import get_strategy

SEED = 11
CUSTOMERS = 1_500
MONTHS = 18


def _calibration_runs(base: Path) -> Path:
    for name in ("baseline", "pandemic"):
        system = build_memory()
        config = SimConfig(CUSTOMERS, MONTHS, SEED, load_scenario(name), strategy=get_strategy("rule-policy"))
        Simulation(config, system.bus, base / name).run()
    return base


@pytest.fixture(scope="session")
def runs(once_per_session: Callable[[str, Callable[[Path], Path]], Path]) -> Path:
    """Read only: built once per test session, by whichever xdist worker asks first (tests/conftest.py)."""
    return once_per_session("calibration", _calibration_runs)
