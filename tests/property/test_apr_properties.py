"""Hypothesis properties of the APR solvers and the pricing schedules."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from creditloop.core.dates import add_months
from creditloop.core.errors import DomainError
from creditloop.products.apr import (
    CashFlow,
    Flows,
    Regime,
    UnitPeriod,
    annual_rate,
    approx_pboc_period_rate,
    flows_of,
    infer_unit_period,
)
from creditloop.products.caps import check_cap, clearly_within_cap
from creditloop.products.daycount import DayCount, Frequency, year_fraction
from creditloop.products.pricing import PlanTerms, PricingMethod, build_schedule, product_schedule, terms_for_option
from creditloop.products.terms import default_product

START = date(2024, 1, 15)
regimes = st.sampled_from(list(Regime))


@st.composite
def loans(draw: st.DrawFn) -> tuple[int, list[tuple[date, int]]]:
    """An advance and 1–24 monthly payments that repay it with a non-negative cost."""
    advance = draw(st.integers(10_000, 10_000_000))
    n = draw(st.integers(1, 24))
    cost = draw(st.integers(0, advance // 2))
    parts = [advance // n] * (n - 1) + [advance - advance // n * (n - 1)]
    parts[-1] += cost
    return advance, [(add_months(START, k + 1), p) for k, p in enumerate(parts)]


def rate_of(advance: int, payments: list[tuple[date, int]], regime: Regime) -> Decimal:
    return annual_rate(flows_of(START, advance, payments), regime).period_rate


@settings(max_examples=60, deadline=None)
@given(loans(), regimes, st.integers(1, 10_000), st.integers(0, 23))
def test_rate_rises_with_fees(loan: tuple[int, list[tuple[date, int]]], regime: Regime, fee: int, at: int) -> None:
    advance, payments = loan
    k = at % len(payments)
    dearer = [(d, a + (fee if i == k else 0)) for i, (d, a) in enumerate(payments)]
    assert rate_of(advance, dearer, regime) > rate_of(advance, payments, regime)


@settings(max_examples=40, deadline=None)
@given(st.integers(100, 10**9), st.integers(1, 24), regimes)
def test_zero_cost_is_zero(advance: int, n: int, regime: Regime) -> None:
    parts = [advance // n] * (n - 1) + [advance - advance // n * (n - 1)]
    rate = annual_rate(flows_of(START, advance, [(add_months(START, k + 1), p) for k, p in enumerate(parts)]), regime)
    assert rate.period_rate == 0 and rate.nominal == 0 and rate.effective == 0


@settings(max_examples=40, deadline=None)
@given(loans(), regimes, st.integers(2, 1000))
def test_scaling_all_amounts_leaves_the_rate(loan: tuple[int, list[tuple[date, int]]], regime: Regime, k: int) -> None:
    advance, payments = loan
    scaled = [(d, a * k) for d, a in payments]
    assert abs(rate_of(advance * k, scaled, regime) - rate_of(advance, payments, regime)) < Decimal("1e-18")


@settings(max_examples=40, deadline=None)
@given(loans(), regimes, st.integers(0, 2**32))
def test_input_order_changes_nothing(loan: tuple[int, list[tuple[date, int]]], regime: Regime, seed: int) -> None:
    advance, payments = loan
    shuffled = list(payments)
    random.Random(seed).shuffle(shuffled)
    a = Flows((CashFlow(START, advance),), tuple(CashFlow(d, x) for d, x in payments))
    b = Flows((CashFlow(START, advance),), tuple(CashFlow(d, x) for d, x in shuffled))
    assert annual_rate(a, regime).period_rate == annual_rate(b, regime).period_rate


# ------------------------------------------------------------------------------------------------ schedules


@st.composite
def plans(draw: st.DrawFn) -> PlanTerms:
    method = draw(st.sampled_from(list(PricingMethod)))
    monthly = method is PricingMethod.FLAT_MONTHLY_FEE or draw(st.booleans())
    frequency = Frequency.MONTHLY if monthly else draw(st.sampled_from([Frequency.WEEKLY, Frequency.DAILY]))
    every = 1 if method is PricingMethod.FLAT_MONTHLY_FEE else draw(st.integers(1, 3 if monthly else 30))
    rate_methods = {PricingMethod.EMI, PricingMethod.EQUAL_PRINCIPAL, PricingMethod.FLAT_INTEREST}
    return PlanTerms(
        method,
        draw(st.integers(1, 36)),
        frequency,
        every,
        annual_rate=Decimal(draw(st.integers(0, 3600))) / 10_000 if method in rate_methods else Decimal(0),
        monthly_fee_bps=draw(st.integers(0, 200)) if method is PricingMethod.FLAT_MONTHLY_FEE else 0,
        total_fee_bps=draw(st.integers(0, 1500)) if method is PricingMethod.TOTAL_FEE else 0,
        day_count=draw(st.sampled_from(list(DayCount))),
        down_payment_bps=draw(st.sampled_from([0, 0, 2500, 3333])),
        installment_multiple_minor=draw(st.sampled_from([1, 1, 100, 1000])),
    )


@settings(max_examples=300, deadline=None)
@given(plans(), st.integers(10_000, 10**9), st.integers(0, 3000))
def test_schedule_principal_sums_exactly_and_multiples_hold(terms: PlanTerms, amount: int, day: int) -> None:
    disbursed = date(2023, 1, 1) + timedelta(days=day)
    rows = build_schedule(amount, terms, disbursed)
    m = terms.installment_multiple_minor
    assert sum(r.principal_minor for r in rows) == amount
    assert all(r.principal_minor >= 0 and r.interest_minor >= 0 and r.fee_minor >= 0 for r in rows)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert all(a.due_on <= b.due_on for a, b in pairwise(rows))
    regular = [r for r in rows if not r.is_down_payment]
    assert len(regular) == terms.periods
    assume(amount >= 2 * terms.periods * m)  # an installment smaller than the multiple cannot be one
    if terms.method in (PricingMethod.EMI, PricingMethod.INTEREST_FREE):
        assert all(r.total_minor % m == 0 for r in regular[:-1])  # the EMI itself is the multiple
    elif terms.method is not PricingMethod.EQUAL_PRINCIPAL:
        assert all(r.principal_minor % m == 0 for r in regular[:-1])  # level principal share is the multiple
    if terms.method is PricingMethod.INTEREST_FREE:
        assert sum(r.total_minor for r in rows) == amount


@settings(max_examples=100, deadline=None)
@given(st.integers(100, 10**8), st.sampled_from([1, 3, 6, 12]), st.integers(0, 730))
def test_product_terms_equal_the_servicing_schedule(amount: int, periods: int, day: int) -> None:
    product = default_product()
    purchased = date(2024, 1, 1) + timedelta(days=day)
    billed = product_schedule(product, periods, amount, purchased)
    built = build_schedule(amount, terms_for_option(product, periods), purchased, billed[0].due_on)
    assert [(r.due_on, r.total_minor) for r in built] == [(r.due_on, r.total_minor) for r in billed]


@settings(max_examples=80, deadline=None)
@given(loans())
def test_float_screen_matches_the_exact_pboc_rate(loan: tuple[int, list[tuple[date, int]]]) -> None:
    """The float screen used before pricing-cap checks is within 1e-12 of the exact monthly IRR."""
    advance, payments = loan
    flows = flows_of(START, advance, payments)
    exact = annual_rate(flows, Regime.PBOC).period_rate
    assert abs(approx_pboc_period_rate(flows) - float(exact)) < 1e-12


@settings(max_examples=80, deadline=None)
@given(loans(), st.sampled_from([date(2020, 9, 1), date(2024, 3, 1)]))
def test_clearly_within_cap_never_passes_a_plan_the_exact_check_refuses(
    loan: tuple[int, list[tuple[date, int]]], on: date
) -> None:
    advance, payments = loan
    start = on
    moved = [(start + (d - START), a) for d, a in payments]
    flows = flows_of(start, advance, moved)
    if clearly_within_cap(flows, start, "cn_licensed"):
        check_cap(annual_rate(flows, Regime.PBOC), start, "cn_licensed")  # must not raise


def test_clearly_within_cap_defers_at_the_rounding_boundary() -> None:
    """The exact check refuses a rate that rounds (half up, 2 places) above the 24 % cap, i.e. from 24.005 %;
    the screen passes what is clearly below that and defers everything within its margin to the exact check."""
    on, month_later, advance = date(2024, 3, 1), date(2024, 4, 1), 1_000_000_000
    below = flows_of(on, advance, [(month_later, 1_020_004_100)])  # 24.00492 % a year: rounds to 24.00
    assert clearly_within_cap(below, on, "cn_licensed")
    check_cap(annual_rate(below, Regime.PBOC), on, "cn_licensed")
    edge = flows_of(on, advance, [(month_later, 1_020_004_167)])  # 24.0050004 %: rounds to 24.01
    assert not clearly_within_cap(edge, on, "cn_licensed")
    with pytest.raises(DomainError, match="exceeds"):
        check_cap(annual_rate(edge, Regime.PBOC), on, "cn_licensed")


@st.composite
def regular_schedules(draw: st.DrawFn) -> tuple[date, UnitPeriod, list[date]]:
    """A start and 2–40 payments every k weeks (1–4) or every m months (1–12) from it, first period regular."""
    start = draw(st.dates(date(1990, 1, 1), date(2060, 12, 31)))
    n = draw(st.integers(2, 40))
    if draw(st.booleans()):
        k = draw(st.integers(1, 4))
        return start, UnitPeriod("week", k), [start + timedelta(days=7 * k * j) for j in range(1, n + 1)]
    m = draw(st.integers(1, 12))
    return start, UnitPeriod("month", m), [add_months(start, m * j) for j in range(1, n + 1)]


@given(regular_schedules(), st.integers(0, 5_000))
def test_reg_z_designates_the_schedules_own_unit_period(
    schedule: tuple[date, UnitPeriod, list[date]], cost: int
) -> None:
    """Appendix J (b)(4): a regular schedule's unit period is its interval; the APR uses its count a year."""
    start, unit, dates = schedule
    part = 100_000 // len(dates) + 1 + cost
    flows = flows_of(start, 100_000, [(d, part) for d in dates])
    assert infer_unit_period(flows) is unit
    assert annual_rate(flows, Regime.REG_Z).periods_per_year == unit.per_year


def _year_length(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


@given(st.dates(date(1900, 1, 1), date(2990, 12, 31)), st.integers(1, 1500))
def test_act_act_moves_one_day_per_year_end_from_isda(start: date, days: int) -> None:
    """Fineract's act/act slices a period on 31 Dec, so each year end crossed moves one day from the earlier year's
    denominator to the later one's; inside one year it is days / the year's length."""
    end = start + timedelta(days=days)
    isda = sum(
        (
            Decimal((min(end, date(y + 1, 1, 1)) - max(start, date(y, 1, 1))).days) / _year_length(y)
            for y in range(start.year, end.year + 1)
        ),
        Decimal(0),
    )
    shift = sum(
        (Decimal(1) / _year_length(y + 1) - Decimal(1) / _year_length(y) for y in range(start.year, end.year)),
        Decimal(0),
    )
    got = year_fraction(start, end, DayCount.ACT_ACT)
    assert abs(got - (isda + shift)) < Decimal("1e-25")
    if start.year == end.year:
        assert got == Decimal(days) / _year_length(start.year)
