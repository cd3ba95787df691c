"""Invariants of the scored underwriting decision on both packaged policies (champion v1, challenger v2).

* an approved limit is a multiple of the step (or exactly the starter line), within [min, max], never above the
  amount requested; a refer or decline has limit 0;
* monotone: a higher PD never gives a higher limit; a higher income (so a higher disposable income) never a
  lower one at the same PD (same band); more debts never a higher one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from creditloop.strategy.checks import CheckResult, Outcome
from creditloop.strategy.underwriting import (
    ApplicantFacts,
    ModelOutput,
    UnderwritingDecision,
    UnderwritingPolicy,
    decide_application,
    packaged_underwriting_policy,
)

POLICIES = (packaged_underwriting_policy("underwriting_v1"), packaged_underwriting_policy("underwriting_v2"))
policies = st.sampled_from(POLICIES)
# Mostly approvable PDs and realistic incomes, so approvals, each band, the starter line and the caps all occur.
pds = st.one_of(
    st.floats(0.0, 0.1), st.floats(0.0, 1.0), st.sampled_from([0.0, 0.02, 0.04, 0.07, 0.08, 0.10, 0.12, 0.16, 0.2])
)
incomes = st.one_of(st.integers(300_000, 3_000_000), st.integers(0, 50_000_000))


@st.composite
def applicants(draw: st.DrawFn) -> ApplicantFacts:
    lenders = draw(st.integers(0, 6))
    income = draw(incomes)
    return ApplicantFacts(
        application_id="APP-P",
        applied_on=date(2026, 3, 1),
        age=draw(st.integers(18, 70)),
        city_tier=draw(st.integers(1, 4)),
        household_size=draw(st.one_of(st.integers(1, 2), st.integers(1, 8))),
        sector="it",
        channel="app",
        monthly_income_minor=income,
        verified_income_minor=draw(st.one_of(st.none(), st.integers(income // 2, income * 2 + 1))),
        monthly_debt_payments_minor=draw(st.integers(0, income // 2 + 1)) if lenders else 0,
        other_lenders=lenders,
        requested_limit_minor=draw(st.one_of(st.integers(0, 10_000_000), st.sampled_from([35_000, 30_000, 50_000]))),
        consent_bureau=draw(st.booleans()),
        consent_sharing=draw(st.booleans()),
    )


def decide(f: ApplicantFacts, pd: float, policy: UnderwritingPolicy) -> UnderwritingDecision:
    model = ModelOutput("app-scorecard", "1", pd, None, ("R1",))
    checks = (CheckResult("ID_CHECK_DIGIT", Outcome.PASS, "valid", "GB 11643"),)
    return decide_application(f, checks, model, policy, arm="champion")


@given(applicants(), pds, policies)
def test_limit_on_the_grid_within_bounds_and_never_above_the_request(
    f: ApplicantFacts, pd: float, policy: UnderwritingPolicy
) -> None:
    d = decide(f, pd, policy)
    rules = policy.limits
    if d.decision == "approve":
        assert d.limit_minor % rules.step_minor == 0 or d.limit_minor == rules.starter_line_minor
        assert rules.min_limit_minor <= d.limit_minor <= rules.max_limit_minor
        assert d.limit_minor <= f.requested_limit_minor
        assert d.limit_minor <= policy.band_named(d.score_band or "").max_limit_minor
        assert d.price_tier is not None
        assert pd <= policy.approve_max_pd
    else:
        assert d.limit_minor == 0
        assert d.reasons  # an adverse decision always says why
    assert d.affordable_limit_minor % rules.step_minor == 0
    assert d.disposable_income_minor >= 0


@given(applicants(), pds, pds, policies)
def test_a_higher_pd_never_gives_a_higher_limit(
    f: ApplicantFacts, a: float, b: float, policy: UnderwritingPolicy
) -> None:
    low, high = sorted((a, b))
    assert decide(f, high, policy).limit_minor <= decide(f, low, policy).limit_minor


@given(applicants(), st.integers(0, 5_000_000), st.floats(0.0, 0.2), policies)
def test_a_higher_income_never_gives_a_lower_limit(
    f: ApplicantFacts, extra: int, pd: float, policy: UnderwritingPolicy
) -> None:
    richer = replace(f, monthly_income_minor=f.monthly_income_minor + extra)
    if f.verified_income_minor is not None:
        richer = replace(richer, verified_income_minor=f.verified_income_minor + extra)
    before, after = decide(f, pd, policy), decide(richer, pd, policy)
    assert before.score_band == after.score_band
    assert after.disposable_income_minor >= before.disposable_income_minor
    assert after.limit_minor >= before.limit_minor


@given(applicants(), st.integers(0, 1_000_000), st.floats(0.0, 0.2), policies)
def test_more_debts_never_give_a_higher_limit(
    f: ApplicantFacts, extra: int, pd: float, policy: UnderwritingPolicy
) -> None:
    indebted = replace(f, monthly_debt_payments_minor=f.monthly_debt_payments_minor + extra)
    assert decide(indebted, pd, policy).limit_minor <= decide(f, pd, policy).limit_minor
