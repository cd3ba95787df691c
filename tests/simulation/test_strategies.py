"""Strategy hook: the same seeded world with and without hardship offers."""

from __future__ import annotations

from pathlib import Path

from creditloop.simulate.compare import compare_hardship_outreach
from creditloop.simulate.runner import SimConfig
from creditloop.simulate.scenario import load_scenario

SEED = 11


def test_hardship_outreach_helps_customers_and_cuts_losses(tmp_path: Path) -> None:
    config = SimConfig(400, 12, SEED, load_scenario("pandemic"))
    with_help, without = compare_hardship_outreach(config, tmp_path)
    assert without.customers_helped == 0 and with_help.customers_helped > 20, f"seed {SEED}"
    assert with_help.helped_now_current_or_repaid > with_help.customers_helped / 2
    assert with_help.charged_off_minor < without.charged_off_minor / 10, f"seed {SEED}"
    assert with_help.peak_30plus < without.peak_30plus
    # Not everything improves: forgone fees and waived penalty mean less is repaid within the horizon.
    assert with_help.repaid_minor < without.repaid_minor
