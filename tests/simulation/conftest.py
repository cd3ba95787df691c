"""One pair of calibration runs (baseline and pandemic, same seed) shared by the simulation tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditloop.bootstrap import build_memory
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario

SEED = 11
CUSTOMERS = 1_500
MONTHS = 18


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("calibration")
    for name in ("baseline", "pandemic"):
        system = build_memory()
        Simulation(SimConfig(CUSTOMERS, MONTHS, SEED, load_scenario(name)), system.bus, base / name).run()
    return base
