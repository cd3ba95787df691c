from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from creditloop.collections import HardshipCase, assess, default_hardship_policy
from creditloop.collections.hardship import affordable_minor
from creditloop.monitoring import CycleRecord, default_rule, evaluate
from creditloop.reporting import metro2_payment_rating, pboc_code
from creditloop.strategy import Applicant, decide, default_policy

POLICY = default_policy()
HARDSHIP = default_hardship_policy()
RULE = default_rule()

money = st.integers(min_value=0, max_value=20_000_000)  # up to 200,000 yuan a month


@st.composite
def applicants(draw: st.DrawFn) -> Applicant:
    # Realistic ranges so that approvals, each decline reason and the max-limit clamp all occur often.
    lenders = draw(st.integers(0, 7))
    income = draw(st.one_of(st.integers(150_000, 5_000_000), money))
    dti_bps = draw(st.integers(0, 8_000)) if lenders else 0
    return Applicant("app", draw(st.integers(14, 70)), income, income * dti_bps // 10_000, lenders)


def with_income(a: Applicant, income: int) -> Applicant:
    return Applicant(a.application_id, a.age, income, a.monthly_debt_payments_minor, a.lenders_count)


@given(applicants())
def test_limit_bounded_and_whole_hundreds(a: Applicant) -> None:
    d = decide(a, POLICY)
    assert len(d.trace) == 7
    assert d.approved is (not d.reasons) is all(t.passed for t in d.trace)
    if d.approved:
        assert POLICY.min_limit_minor <= d.limit_minor <= POLICY.max_limit_minor
        assert d.limit_minor % 10_000 == 0
        # never more than the affordability rule supports
        assert d.limit_minor <= POLICY.limit_income_multiple * a.disposable_income_minor
    else:
        assert d.limit_minor == 0
    assert len(set(d.reasons)) == len(d.reasons)


@given(applicants(), st.integers(0, 5_000_000))
def test_raising_income_never_hurts(a: Applicant, raise_by: int) -> None:
    before = decide(a, POLICY)
    after = decide(with_income(a, a.monthly_income_minor + raise_by), POLICY)
    assert after.limit_minor >= before.limit_minor
    if before.approved:
        assert after.approved


mostly_false = st.sampled_from([False, False, False, True])


@st.composite
def cases(draw: st.DrawFn) -> HardshipCase:
    outstanding = draw(st.integers(0, 10_000_000))
    return HardshipCase(
        line_id="L",
        dpd=draw(st.one_of(st.integers(1, 90), st.integers(0, 200))),
        outstanding_minor=outstanding,
        monthly_income_minor=draw(st.integers(0, 3_000_000)),
        monthly_other_debt_minor=draw(st.integers(0, 500_000)),
        restructured_before=draw(mostly_false),
        charged_off=draw(mostly_false),
        penalty_minor=draw(st.integers(0, outstanding)),
    )


@given(cases())
def test_hardship_offer_covers_balance_and_is_shortest_affordable(c: HardshipCase) -> None:
    result = assess(c, HARDSHIP)
    assert result.eligible is (result.reasons == ()) is (result.offer is not None)
    budget = affordable_minor(c, HARDSHIP)
    if result.offer is None:
        return
    offer = result.offer
    assert offer.periods in HARDSHIP.allowed_periods
    assert offer.restructured_minor == c.outstanding_minor - c.penalty_minor  # default policy waives penalty
    assert offer.installment_minor * offer.periods >= offer.restructured_minor
    assert (offer.installment_minor - 1) * offer.periods < offer.restructured_minor  # ceiling, not more
    assert offer.monthly_payment_minor <= budget
    for shorter in (p for p in HARDSHIP.allowed_periods if p < offer.periods):
        assert -(-offer.restructured_minor // shorter) > budget


@given(cases())
def test_hardship_unaffordable_means_longest_term_does_not_fit(c: HardshipCase) -> None:
    result = assess(c, HARDSHIP)
    if "UNAFFORDABLE" in result.reasons:
        longest = HARDSHIP.allowed_periods[-1]
        assert -(-(c.outstanding_minor - c.penalty_minor) // longest) > affordable_minor(c, HARDSHIP)


@given(st.integers(0, 2_000), st.integers(0, 2_000))
def test_reporting_codes_are_monotone_in_dpd(d1: int, d2: int) -> None:
    lo, hi = sorted((d1, d2))
    rank = "N1234567"
    assert rank.index(pboc_code(lo)) <= rank.index(pboc_code(hi))
    assert int(metro2_payment_rating(lo)) <= int(metro2_payment_rating(hi))


# paid as a share of due in tenths, so good payers, drops and skipped cycles all occur often
cycles = st.tuples(st.sampled_from([0, 10_000, 12_345]), st.integers(0, 11))


good = st.tuples(st.sampled_from([10_000, 12_345]), st.integers(8, 11))
poor = st.tuples(st.sampled_from([10_000, 12_345]), st.integers(0, 7))
histories = st.one_of(
    st.lists(cycles, max_size=12),
    # a prefix, a (mostly) good base window, then a (mostly) poor recent window: the drop pattern
    st.builds(
        lambda a, b, c: a + b + c,
        st.lists(cycles, max_size=4),
        st.lists(good, min_size=3, max_size=4),
        st.lists(st.one_of(poor, cycles), min_size=2, max_size=3),
    ),
)


@given(histories)
def test_ewi_alert_iff_windows_cross_thresholds(raw: list[tuple[int, int]]) -> None:
    pairs = [(due, due * tenths // 10) for due, tenths in raw]
    history = [CycleRecord(date(2020 + i // 12, i % 12 + 1, 1), due, paid) for i, (due, paid) in enumerate(pairs)]
    alert = evaluate(RULE, history)
    ratios = [min(Decimal(1), Decimal(paid) / due) for due, paid in pairs if due]
    n, m = RULE.recent_cycles, RULE.base_cycles
    expected = (
        len(ratios) >= n + m
        and sum(ratios[-(n + m) : -n], Decimal(0)) / m >= RULE.min_base_ratio
        and sum(ratios[-n:], Decimal(0)) / n <= RULE.max_recent_ratio
    )
    assert (alert is not None) is expected
    if alert is not None:
        assert alert.value <= RULE.max_recent_ratio <= RULE.min_base_ratio <= alert.baseline
        assert alert.raised_on == history[-1].cycle_on
