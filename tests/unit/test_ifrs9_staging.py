"""IFRS 9 staging month by month: the 30 and 90 DPD edges (delinquency_codes.json accounting_edges), the relative
PD test, materiality, cure probation (3 months; 12 with forbearance), forborne probation (24 months) and its
re-default rule, charge-off as absorbing, moratoria triggering nothing, and the stage-movement table."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ifrs9_staging import (
    INITIAL,
    MonthFacts,
    StagingRules,
    StagingState,
    is_material,
    next_state,
    stage_movements,
)


def run(months: Iterable[MonthFacts], state: StagingState = INITIAL) -> list[int]:
    stages = []
    for facts in months:
        state = next_state(state, facts)
        stages.append(state.stage)
    return stages


def test_dpd_edges_30_and_90() -> None:
    assert next_state(INITIAL, MonthFacts(dpd=30)).stage == 1
    assert next_state(INITIAL, MonthFacts(dpd=31)).stage == 2
    assert next_state(INITIAL, MonthFacts(dpd=31)).reasons == ("dpd>30",)
    assert next_state(INITIAL, MonthFacts(dpd=90)).stage == 2
    assert next_state(INITIAL, MonthFacts(dpd=91)).stage == 3
    assert next_state(INITIAL, MonthFacts(dpd=91)).reasons == ("dpd>90",)


def test_immaterial_arrears_do_not_default() -> None:
    assert next_state(INITIAL, MonthFacts(dpd=120, material=False)).stage == 2  # still SICR by the backstop
    assert is_material(10_001, 500_000, absolute_minor=10_000)  # above 100.00 and above 1 % of 5,000.00
    assert not is_material(10_000, 500_000, absolute_minor=10_000)  # not above the absolute threshold
    assert not is_material(20_000, 5_000_000, absolute_minor=10_000)  # 0.4 % of the exposure
    with pytest.raises(ValidationError) as exc:
        is_material(-1, 10, absolute_minor=0)
    assert exc.value.field == "past_due_minor"


def test_relative_pd_increase_needs_both_thresholds() -> None:
    assert next_state(INITIAL, MonthFacts(dpd=0, pd=0.02, pd_at_origination=0.01)).reasons == ("pd_increase",)
    assert next_state(INITIAL, MonthFacts(dpd=0, pd=0.019, pd_at_origination=0.01)).stage == 1  # below 2x
    assert next_state(INITIAL, MonthFacts(dpd=0, pd=0.004, pd_at_origination=0.001)).stage == 1  # 4x but +0.3 pp
    strict = StagingRules(sicr_pd_ratio=3.0, sicr_pd_abs=0.0)
    assert next_state(INITIAL, MonthFacts(dpd=0, pd=0.004, pd_at_origination=0.001), strict).stage == 2


def test_stage_2_returns_to_stage_1_when_the_trigger_clears() -> None:
    assert run([MonthFacts(dpd=45), MonthFacts(dpd=0)]) == [2, 1]


def test_default_cures_after_three_clean_months_through_stage_2_rules() -> None:
    months = [MonthFacts(dpd=95), MonthFacts(dpd=0), MonthFacts(dpd=0), MonthFacts(dpd=0), MonthFacts(dpd=0)]
    assert run(months) == [3, 3, 3, 1, 1]
    state = INITIAL
    for facts in months[:3]:
        state = next_state(state, facts)
    assert state.reasons == ("cure_probation 2/3",)
    # arrears during probation restart the clock
    assert run([MonthFacts(dpd=95), MonthFacts(dpd=0), MonthFacts(dpd=100), MonthFacts(dpd=0)]) == [3, 3, 3, 3]


def test_unlikely_to_pay_and_charge_off() -> None:
    assert next_state(INITIAL, MonthFacts(dpd=0, unlikely_to_pay=True)).stage == 3
    months = [MonthFacts(dpd=0, charged_off=True)] + [MonthFacts(dpd=0)] * 30
    assert set(run(months)) == {3}  # charge-off never cures


def test_forbearance_with_dfo_defaults_and_needs_a_year_then_two_years_forborne() -> None:
    months = [MonthFacts(dpd=40, forbearance_granted=True, dfo_above_threshold=True)] + [MonthFacts(dpd=0)] * 40
    stages = run(months)
    assert stages[:12] == [3] * 12  # 12 months of cure probation
    assert stages[12:36] == [2] * 24  # cured, forborne performing: stage 2 through the 24-month probation
    assert stages[36:] == [1] * 5


def test_forborne_probation_relapse_is_non_performing_again() -> None:
    start = [MonthFacts(dpd=40, forbearance_granted=True, dfo_above_threshold=True)] + [MonthFacts(dpd=0)] * 12
    assert run([*start, MonthFacts(dpd=31)])[-1] == 3  # > 30 DPD during the probation
    assert run([*start, MonthFacts(dpd=0, forbearance_granted=True)])[-1] == 3  # a new forbearance
    state = INITIAL
    for facts in [*start, MonthFacts(dpd=31)]:
        state = next_state(state, facts)
    assert state.reasons == ("forborne_probation_dpd>30",) and state.cure_needed == 12


def test_performing_forbearance_is_stage_2_not_default() -> None:
    months = [MonthFacts(dpd=10, forbearance_granted=True)] + [MonthFacts(dpd=0)] * 25
    stages = run(months)
    assert stages[:24] == [2] * 24 and stages[24:] == [1, 1]
    assert run([MonthFacts(dpd=10, forbearance_granted=True), MonthFacts(dpd=35)]) == [2, 2]  # not NPE: no relapse
    off = StagingRules(forborne_is_sicr=False)
    assert next_state(INITIAL, MonthFacts(dpd=0, forbearance_granted=True), off).stage == 1


def test_a_general_moratorium_triggers_nothing() -> None:
    state = next_state(INITIAL, MonthFacts(dpd=0, general_moratorium=True))
    assert state.stage == 1 and state.forborne_months is None


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (MonthFacts(dpd=-1), "dpd"),
        (MonthFacts(dpd=0, pd=1.5), "pd"),
        (MonthFacts(dpd=0, pd_at_origination=-0.1), "pd_at_origination"),
        (MonthFacts(dpd=0, dfo_above_threshold=True), "dfo_above_threshold"),
    ],
)
def test_bad_facts_are_refused_naming_the_field(facts: MonthFacts, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        next_state(INITIAL, facts)
    assert exc.value.field == field


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        StagingRules(cure_months=-1)
    assert exc.value.field == "cure_months"
    with pytest.raises(ValidationError):
        StagingRules(sicr_dpd=90, default_dpd=30)
    with pytest.raises(ValidationError):
        StagingRules(sicr_pd_ratio=0.5)


def test_stage_movements_by_count_and_balance() -> None:
    before = {"a": 1, "b": 1, "c": 2, "d": 3}
    after = {"a": 1, "b": 2, "c": 3, "e": 1}
    assert stage_movements(before, after) == {(1, 1): 1, (1, 2): 1, (2, 3): 1, (3, None): 1, (None, 1): 1}
    balances = {"a": 100, "b": 250, "c": 40, "d": 7, "e": 5}
    assert stage_movements(before, after, balances) == {
        (1, 1): 100,
        (1, 2): 250,
        (2, 3): 40,
        (3, None): 7,
        (None, 1): 5,
    }
    with pytest.raises(ValidationError):
        stage_movements({"a": 4}, {})
