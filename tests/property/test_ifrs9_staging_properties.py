"""Hypothesis properties of IFRS 9 staging over random monthly histories: the backstops always hold (more than 30
DPD is never stage 1, more than 90 material DPD is always stage 3), charge-off is absorbing, stage 3 is left only
after the full cure probation, and a forborne performing exposure is never stage 1."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from creditloop.portfolio.ifrs9_staging import INITIAL, MonthFacts, StagingRules, next_state

RULES = StagingRules()
pd_values = st.none() | st.floats(0.0, 1.0, allow_nan=False)
facts = st.builds(
    MonthFacts,
    dpd=st.integers(0, 200),
    material=st.booleans(),
    unlikely_to_pay=st.sampled_from([False] * 9 + [True]),
    pd=pd_values,
    pd_at_origination=pd_values,
    forbearance_granted=st.sampled_from([False] * 9 + [True]),
    general_moratorium=st.booleans(),
)


@given(st.lists(facts, min_size=1, max_size=60), st.lists(st.booleans(), min_size=60, max_size=60))
def test_backstops_cure_and_forborne_rules_hold_over_any_history(
    months: list[MonthFacts], charge_offs: list[bool]
) -> None:
    state = INITIAL
    charged = False
    for raw, co in zip(months, charge_offs, strict=False):
        f = replace(raw, charged_off=co and raw.dpd > 150)  # lines are charged off only deep in arrears
        prev = state
        state = next_state(prev, f, RULES)
        charged = charged or f.charged_off
        if f.dpd > RULES.sicr_dpd:
            assert state.stage != 1
        if f.dpd > RULES.default_dpd and f.material:
            assert state.stage == 3
        if charged:
            assert state.stage == 3
        if state.forborne_months is not None:
            assert state.stage != 1
        if prev.stage == 3 and state.stage != 3:
            assert prev.months_without_trigger + 1 >= prev.cure_needed >= RULES.cure_months
        assert state.stage in (1, 2, 3) and state.reasons
