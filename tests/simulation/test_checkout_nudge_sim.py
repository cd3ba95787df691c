"""Impulse buyers and the checkout nudge in the simulator (issue 16, item 5; simulate/impulse.py): who is impulsive
is fixed by the seed and id alone; the nudge arm checks every purchase and stops some, impulse buyers buy beyond
their means without it; the world is the same in both arms."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from creditloop.bootstrap import build_memory
from creditloop.core.errors import ValidationError
from creditloop.simulate.impulse import IMPULSE_SHARE, is_impulsive
from creditloop.simulate.population import Customer
from creditloop.simulate.runner import SimConfig, Simulation
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import BASELINE, Strategy, get_strategy


def _customer(i: int, **kw: object) -> Customer:
    base = Customer(f"C{i:07d}", 30, 2, "services", 600_000, 600_000, 0, 0, 0.5, 0.1, 0.8, 0.1, False, 0)
    return replace(base, **kw)  # type: ignore[arg-type]


def test_impulsive_customers_are_a_seeded_share_never_the_fraudsters() -> None:
    people = [_customer(i) for i in range(10_000)]
    flags = [is_impulsive(7, c) for c in people]
    assert abs(sum(flags) / len(flags) - IMPULSE_SHARE) < 0.008
    assert flags == [is_impulsive(7, c) for c in people]  # fixed by seed and id
    assert flags != [is_impulsive(8, c) for c in people]
    assert not any(is_impulsive(7, replace(c, strategic=True)) for c, f in zip(people, flags, strict=True) if f)
    with pytest.raises(ValidationError) as exc:
        Strategy("x", checkout="maybe")
    assert exc.value.field == "checkout"


@pytest.mark.slow
def test_the_nudge_checks_purchases_and_impulse_buyers_buy_less(tmp_path: Path) -> None:
    out = {}
    for arm in ("impulse-no-nudge", "impulse-nudge"):
        config = SimConfig(250, 4, 3, load_scenario("baseline"), strategy=get_strategy(arm))
        Simulation(config, build_memory().bus, tmp_path / arm).run()
        out[arm] = json.loads((tmp_path / arm / "summary.json").read_text())
    off, on = out["impulse-no-nudge"], out["impulse-nudge"]
    assert off["checkout"]["impulsive"] == on["checkout"]["impulsive"] != []  # the same customers in both arms
    assert off["lines_opened"] == on["lines_opened"]  # the same world: applications are not touched
    assert off["checkout"]["counts"]["checked"] == 0 < on["checkout"]["counts"]["checked"]
    assert on["purchased_minor"] < off["purchased_minor"]
    assert BASELINE.checkout is None  # off for every existing strategy
