"""Macro overlays (portfolio/stress.py): the scenario file -> z, stressed PD and LGD, the Markov 12-month PD, the
segments, and every refusal naming its field."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditloop.core.errors import ValidationError
from creditloop.portfolio.stress import (
    horizon_default_probability,
    observed_lgd,
    overlay,
    scenario_from_dict,
    segment_inputs,
)
from creditloop.portfolio.vasicek import conditional_pd

BUNDLED = Path(__file__).resolve().parents[2] / "src" / "creditloop" / "portfolio" / "stress_scenarios"


def doc(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "t",
        "macro": {"unemployment_change_pp": 2.0, "gdp_growth_change_pp": -4.0},
        "factor_model": {"unemployment_sd_pp": 1.0, "gdp_growth_sd_pp": 2.0, "unemployment_weight": 0.5},
        "lgd_addon": 0.05,
    }
    base.update(changes)
    return base


def test_the_factor_is_the_weighted_standardised_shock() -> None:
    sc = scenario_from_dict(doc())
    assert sc.z == pytest.approx(0.5 * -2.0 + 0.5 * -2.0)
    assert scenario_from_dict({"name": "z", "z": -1.25}).z == -1.25
    assert scenario_from_dict(doc(macro={"unemployment_change_pp": 0, "gdp_growth_change_pp": 0})).z == 0.0


def test_the_bundled_scenarios_load_and_severe_is_worse() -> None:
    adverse, severe = (
        scenario_from_dict(json.loads((BUNDLED / f"{n}.json").read_text())) for n in ("adverse", "severe")
    )
    assert severe.z < adverse.z < 0 and severe.lgd_addon > adverse.lgd_addon > 0
    assert adverse.description_zh and severe.description_en


def test_overlay_is_vasicek_at_z_and_the_lgd_add_on_is_capped() -> None:
    sc = scenario_from_dict(doc(lgd_addon=0.2))
    ov = overlay(0.02, 0.9, 0.04, sc)
    assert ov.stressed_pd == conditional_pd(0.02, 0.04, sc.z)
    assert ov.stressed_lgd == 1.0 and ov.pd_multiplier == pytest.approx(ov.stressed_pd / 0.02)


@given(pd=st.floats(0.0001, 0.9999), z=st.floats(-5, 5), addon=st.floats(-1, 1), lgd=st.floats(0, 1))
def test_a_worse_economy_never_lowers_pd_and_lgd_stays_a_fraction(
    pd: float, z: float, addon: float, lgd: float
) -> None:
    worse = overlay(pd, lgd, 0.04, scenario_from_dict({"name": "w", "z": z - 0.5, "lgd_addon": addon}))
    better = overlay(pd, lgd, 0.04, scenario_from_dict({"name": "b", "z": z, "lgd_addon": addon}))
    assert worse.stressed_pd >= better.stressed_pd
    assert 0.0 <= worse.stressed_lgd <= 1.0


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ([], "scenario"),
        (doc(name=""), "scenario.name"),
        (doc(extra=1), "scenario"),
        (doc(macro={"unemployment_change_pp": "x", "gdp_growth_change_pp": 0}),
         "scenario.macro.unemployment_change_pp"),
        (doc(macro={"unemployment_change_pp": 1}), "scenario.macro.gdp_growth_change_pp"),
        (doc(factor_model={"unemployment_sd_pp": 0, "gdp_growth_sd_pp": 1, "unemployment_weight": 0.5}),
         "scenario.factor_model.unemployment_sd_pp"),
        (doc(factor_model={"unemployment_sd_pp": 1, "gdp_growth_sd_pp": 1, "unemployment_weight": 2}),
         "scenario.factor_model.unemployment_weight"),
        (doc(lgd_addon=1.5), "scenario.lgd_addon"),
        (doc(lgd_addon=float("nan")), "scenario.lgd_addon"),
        (doc(z=-1), "scenario.z"),
        ({"name": "m", "macro": {}}, "scenario.factor_model"),
    ],
)  # fmt: skip
def test_bad_scenarios_are_refused_naming_the_field(bad: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        scenario_from_dict(bad)
    assert err.value.field == field


def test_twelve_month_pd_from_transition_counts() -> None:
    # M0 -> M0 90, -> M1 10; M1 -> M0 50, -> M4 50 (default). Two steps from M0: 0.1 * 0.5 = 0.05
    cells = [(0, 0, 90), (0, 1, 10), (1, 0, 50), (1, 4, 50)]
    assert horizon_default_probability(cells, horizon=1)[:2] == [0.0, 0.5]
    assert horizon_default_probability(cells, horizon=2)[0] == pytest.approx(0.05)
    pd12 = horizon_default_probability(cells)
    assert pd12[4] == 1.0 and pd12[8] == 1.0 and pd12[9] == 0.0  # default absorbing; CL never seen leaving
    assert 0.05 < pd12[0] < pd12[1] < 1.0
    with pytest.raises(ValidationError):
        horizon_default_probability(cells, horizon=0)


def test_segments_weigh_state_pds_by_exposure() -> None:
    pd = [0.01, 0.1, 0.3, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]
    segs = segment_inputs([(0, 10, 1000), (2, 1, 100), (3, 1, 300), (5, 2, 0)], pd)
    assert [s.name for s in segs] == ["current", "31-90 dpd", "defaulted 91+"]
    assert segs[1].pd == pytest.approx((0.3 * 100 + 0.5 * 300) / 400) and segs[1].ead_minor == 400
    assert segs[2].pd == 1.0 and segs[2].lines == 2


def test_observed_lgd_and_no_charge_offs() -> None:
    assert observed_lgd(1000, 250) == 0.75
    with pytest.raises(ValidationError) as err:
        observed_lgd(0, 0)
    assert err.value.field == "lgd" and math.isfinite(observed_lgd(10, 0))
