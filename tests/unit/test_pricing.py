"""Pricing schedules against LOAN_ENGINE §2 (Fineract acceptance vectors) and DOMAIN §1/§2.1. Amounts in fen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest

from creditloop.core.errors import ValidationError
from creditloop.core.money import Rounding
from creditloop.products.daycount import DayCount, Frequency, days_30e_360, year_fraction
from creditloop.products.pricing import (
    Charge,
    PlanTerms,
    PricingMethod,
    build_schedule,
    product_schedule,
    terms_for_option,
)
from creditloop.products.schedule import ScheduledInstallment, flat_fee_schedule
from creditloop.products.terms import default_product

EMI = PricingMethod.EMI
RATE_V4 = Decimal("0.094822")


def balances(rows: list[ScheduledInstallment], amount: int) -> list[int]:
    out, left = [], amount
    for r in rows:
        left -= r.principal_minor
        out.append(left)
    return out


# ------------------------------------------------------------------------------------------------ V1, V2: pay-in-4


PAY_IN_4 = PlanTerms(
    PricingMethod.INTEREST_FREE,
    3,
    Frequency.DAILY,
    every=15,
    down_payment_bps=2500,
    installment_multiple_minor=100,
)


@pytest.mark.parametrize(("amount", "each"), [(100000, 25000), (50000, 12500), (40000, 10000)])
def test_v1_pay_in_4_every_15_days(amount: int, each: int) -> None:
    rows = build_schedule(amount, PAY_IN_4, date(2024, 1, 1))
    assert [r.due_on for r in rows] == [date(2024, 1, 1), date(2024, 1, 16), date(2024, 1, 31), date(2024, 2, 15)]
    assert [r.total_minor for r in rows] == [each] * 4
    assert [r.is_down_payment for r in rows] == [True, False, False, False]
    assert [r.seq for r in rows] == [1, 2, 3, 4]
    assert sum(r.interest_minor + r.fee_minor for r in rows) == 0


def test_v2_down_payment_monthly_dates_amounts_and_charge_routing() -> None:
    terms = PlanTerms(PricingMethod.INTEREST_FREE, 3, down_payment_bps=2500, installment_multiple_minor=100)
    rows = build_schedule(100000, terms, date(2022, 1, 1))
    assert [(r.due_on, r.total_minor) for r in rows] == [
        (date(2022, 1, 1), 25000),
        (date(2022, 2, 1), 25000),
        (date(2022, 3, 1), 25000),
        (date(2022, 4, 1), 25000),
    ]
    gaps = [(b.due_on - a.due_on).days for a, b in pairwise(rows)]
    assert gaps == [31, 28, 31]
    # An NSF fee of 50 due on the down-payment date lands on installment 2 (due 300), not on the DP.
    with_fee = build_schedule(100000, terms, date(2022, 1, 1), charges=[Charge(date(2022, 1, 1), 5000)])
    assert [r.fee_minor for r in with_fee] == [0, 5000, 0, 0]
    assert [r.total_minor for r in with_fee] == [25000, 30000, 25000, 25000]
    # Allocation example as a schedule property: 250 + 400 paid after the DP, next-installment order →
    # inst 2 paid, inst 3 paid 250 in advance, inst 4 paid 150 in advance, 100 outstanding.
    left, paid = 25000 + 40000, []
    for r in rows[1:]:
        part = min(left, r.total_minor)
        paid.append(part)
        left -= part
    assert paid == [25000, 25000, 15000]
    assert sum(r.total_minor for r in rows[1:]) - sum(paid) == 10000


def test_charge_after_the_last_installment_is_refused() -> None:
    with pytest.raises(ValidationError) as e:
        build_schedule(100000, PAY_IN_4, date(2024, 1, 1), charges=[Charge(date(2024, 3, 1), 100)])
    assert e.value.field == "charges"


# ------------------------------------------------------------------------------------------------ V4, V7: EMI


def test_v4_emi_360_30_monthly() -> None:
    rows = build_schedule(10000, PlanTerms(EMI, 6, annual_rate=RATE_V4), date(2024, 1, 1))
    assert [r.total_minor for r in rows] == [1713] * 6
    assert [r.interest_minor for r in rows] == [79, 66, 53, 40, 27, 13]
    assert [r.principal_minor for r in rows] == [1634, 1647, 1660, 1673, 1686, 1700]
    assert balances(rows, 10000) == [8366, 6719, 5059, 3386, 1700, 0]


def test_v7_weekly_364() -> None:
    terms = PlanTerms(EMI, 6, Frequency.WEEKLY, annual_rate=RATE_V4, day_count=DayCount.ACT_364)
    rows = build_schedule(10000, terms, date(2024, 1, 1))
    assert [r.total_minor for r in rows] == [1677] * 5 + [1678]
    assert [r.interest_minor for r in rows] == [18, 15, 12, 9, 6, 3]


def test_v7_biweekly_364() -> None:
    terms = PlanTerms(EMI, 3, Frequency.WEEKLY, every=2, annual_rate=RATE_V4, day_count=DayCount.ACT_364)
    rows = build_schedule(10000, terms, date(2024, 1, 1))
    assert [r.total_minor for r in rows] == [3357, 3357, 3358]


def test_v7_every_15_days_360() -> None:
    terms = PlanTerms(EMI, 6, Frequency.DAILY, every=15, annual_rate=RATE_V4, day_count=DayCount.THIRTY_360)
    rows = build_schedule(10000, terms, date(2024, 1, 1))
    assert [r.total_minor for r in rows] == [1690] * 5 + [1689]
    assert [r.interest_minor for r in rows] == [40, 33, 26, 20, 13, 7]


def test_v7_365_actual_months_from_1_jan_2024() -> None:
    terms = PlanTerms(EMI, 6, annual_rate=Decimal("0.15678"), day_count=DayCount.ACT_365)
    rows = build_schedule(10000, terms, date(2024, 1, 1))
    assert [r.total_minor for r in rows] == [1743] * 5 + [1747]
    assert [r.interest_minor for r in rows] == [133, 105, 90, 66, 46, 22]


def test_act_act_year_crossing_first_period_matches_fineract_progressive_emi() -> None:
    """5,000.00 at 7 %, 12 × monthly, actual/actual, disbursed 20 Dec 2024 (leap year), first due 20 Jan 2025.

    Fineract ``ProgressiveEMICalculator.calculateRateFactorPerPeriod``: daysInYear ACTUAL and a period whose due year
    is after its from year → ``calculatePeriodFractions``: each year's slice ends on 31 Dec (interest recognised from
    the day after disbursement), so the first rate factor is 7 % × (11/366 + 20/365), not ISDA's 12/366 + 19/365.
    Other periods: 7 % × actual days / 365. EMI = round(Π(1+rf) × P / fn), interest = round(balance × rf), the last
    period pays the balance plus its interest; the adjustment step leaves it (|43267 − 43261| = 6 ≤ floor(12/2)).
    The first interest is 29.70 (ISDA's split gave 29.69 and a 43266 last installment: the fen the issue reports).
    """
    rate = Decimal("0.07")
    dues = [date(2025 + (m // 12), m % 12 + 1, 20) for m in range(12)]
    starts = [date(2024, 12, 20), *dues[:-1]]
    rfs = [rate * (Decimal(11) / 366 + Decimal(20) / 365)] + [
        rate * Decimal((e - s).days) / 365 for s, e in zip(starts[1:], dues[1:], strict=True)
    ]
    product, fn = Decimal(1), Decimal(1)
    for rf in rfs:
        product *= 1 + rf
    for rf in rfs[1:]:
        fn = 1 + fn * (1 + rf)
    emi = int((500000 * product / fn).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    expected, balance = [], 500000
    for k, rf in enumerate(rfs):
        interest = int((balance * rf).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
        principal = balance if k == 11 else emi - interest
        expected.append((dues[k], principal, interest))
        balance -= principal

    terms = PlanTerms(EMI, 12, annual_rate=rate, day_count=DayCount.ACT_ACT)
    rows = build_schedule(500000, terms, date(2024, 12, 20))
    assert [(r.due_on, r.principal_minor, r.interest_minor) for r in rows] == expected
    assert emi == 43261 and rows[0].interest_minor == 2970 and rows[0].principal_minor == 40291
    assert [r.total_minor for r in rows] == [43261] * 11 + [43267]


def test_emi_adjustment_step() -> None:
    """10,000 @ 15.678 %, 6 × monthly 360/30: the raw EMI 1743.70 leaves a last installment of 1743.74 (4 fen >
    floor(6/2)); EMI + round(4/6) = 1743.71 leaves 1743.69 (2 fen), so the adjusted EMI is kept."""
    kwargs = {"annual_rate": Decimal("0.15678")}
    raw = build_schedule(1_000_000, PlanTerms(EMI, 6, emi_adjustment=False, **kwargs), date(2024, 1, 1))
    assert [r.total_minor for r in raw] == [174370] * 5 + [174374]
    adjusted = build_schedule(1_000_000, PlanTerms(EMI, 6, **kwargs), date(2024, 1, 1))
    assert [r.total_minor for r in adjusted] == [174371] * 5 + [174369]
    assert sum(r.principal_minor for r in adjusted) == 1_000_000


# ------------------------------------------------------------------------------------------------ V8: cumulative engine


V8 = {"annual_rate": Decimal("0.12"), "installment_multiple_minor": 100}
V8_START = date(2022, 11, 1)


def test_v8_rs01_flat() -> None:
    rows = build_schedule(500000, PlanTerms(PricingMethod.FLAT_INTEREST, 18, **V8), V8_START)
    assert [r.principal_minor for r in rows] == [27800] * 17 + [27400]
    assert {r.interest_minor for r in rows} == {5000}
    assert [r.total_minor for r in rows] == [32800] * 17 + [32400]
    assert sum(r.interest_minor for r in rows) == 90000


def test_v8_rs02_declining_same_as_repayment() -> None:
    rows = build_schedule(500000, PlanTerms(EMI, 18, **V8), V8_START)
    assert {r.total_minor for r in rows[:-1]} == {30500}
    assert (rows[0].principal_minor, rows[0].interest_minor) == (25500, 5000)
    assert (rows[1].principal_minor, rows[1].interest_minor) == (25755, 4745)
    assert (rows[3].principal_minor, rows[3].interest_minor) == (26273, 4227)
    assert (rows[16].principal_minor, rows[16].interest_minor) == (29901, 599)
    assert (rows[17].principal_minor, rows[17].interest_minor, rows[17].total_minor) == (30022, 300, 30322)
    assert sum(r.interest_minor for r in rows) == 48822


def test_v8_rs03_declining_daily_actual_365() -> None:
    rows = build_schedule(500000, PlanTerms(EMI, 18, day_count=DayCount.ACT_365, **V8), V8_START)
    assert (rows[0].principal_minor, rows[0].interest_minor) == (25568, 4932)  # 30 days
    assert rows[3].interest_minor == 3892  # 28 days, Feb 2023
    assert (rows[15].due_on - rows[14].due_on).days == 29 and rows[15].interest_minor == 853  # Feb 2024, still /365
    assert (rows[17].principal_minor, rows[17].interest_minor, rows[17].total_minor) == (29938, 295, 30233)
    assert sum(r.interest_minor for r in rows) == 48733


def test_v8_rs04_equal_principal() -> None:
    rows = build_schedule(500000, PlanTerms(PricingMethod.EQUAL_PRINCIPAL, 18, **V8), V8_START)
    assert [r.principal_minor for r in rows] == [27778] * 17 + [27774]
    assert [r.interest_minor for r in rows[:4]] == [5000, 4722, 4444, 4167]
    assert rows[-1].interest_minor == 278
    assert sum(r.interest_minor for r in rows) == 47500


# ------------------------------------------------------------------------------------------------ flat fees (DOMAIN)


@pytest.mark.parametrize(
    ("amount", "periods", "bps", "each", "last", "fee_total"),
    [(100000, 3, 70, 34033, 34034, 2100), (100000, 12, 60, 8933, 8937, 7200), (600000, 12, 75, 54500, 54500, 54000)],
)
def test_domain_flat_monthly_fee(amount: int, periods: int, bps: int, each: int, last: int, fee_total: int) -> None:
    terms = PlanTerms(PricingMethod.FLAT_MONTHLY_FEE, periods, monthly_fee_bps=bps, principal_rounding=Rounding.DOWN)
    rows = build_schedule(amount, terms, date(2024, 1, 10))
    assert {r.total_minor for r in rows[:-1]} == {each} and rows[-1].total_minor == last
    assert sum(r.fee_minor for r in rows) == fee_total
    assert {r.fee_minor for r in rows} == {amount * bps // 10_000}  # 7.00 / 6.00 / 45.00 on the ORIGINAL principal


@pytest.mark.parametrize(
    ("periods", "bps", "fees"), [(3, 250, [834, 833, 833]), (6, 450, [750] * 6), (12, 880, [734] * 4 + [733] * 8)]
)
def test_huabei_total_fee_spread_with_allocate(periods: int, bps: int, fees: list[int]) -> None:
    rows = build_schedule(100000, PlanTerms(PricingMethod.TOTAL_FEE, periods, total_fee_bps=bps), date(2024, 1, 1))
    assert [r.fee_minor for r in rows] == fees  # 25.00 / 45.00 / 88.00: extra fen to the earliest periods
    assert sum(r.principal_minor for r in rows) == 100000


def test_product_terms_reproduce_the_servicing_schedule() -> None:
    product = default_product()
    for option in product.installment_options:
        billed = product_schedule(product, option.periods, 123457, date(2024, 1, 20))
        built = build_schedule(123457, terms_for_option(product, option.periods), date(2024, 1, 20), billed[0].due_on)
        assert [(r.due_on, r.principal_minor, r.fee_minor) for r in built] == [
            (r.due_on, r.principal_minor, r.fee_minor) for r in billed
        ]
    assert product_schedule(product, 3, 100000, date(2024, 1, 10)) == flat_fee_schedule(
        100000, 3, 70, date(2024, 2, 1), 9
    )


def test_flat_fee_schedule_rows_gain_zero_interest_and_keep_totals() -> None:
    rows = flat_fee_schedule(100000, 3, 70, date(2024, 2, 1), 9)
    assert [(r.interest_minor, r.is_down_payment) for r in rows] == [(0, False)] * 3
    assert [r.total_minor for r in rows] == [34033, 34033, 34034]


def test_installment_multiples_last_absorbs() -> None:
    terms = PlanTerms(PricingMethod.INTEREST_FREE, 3, installment_multiple_minor=100)
    rows = build_schedule(100001, terms, date(2024, 1, 1))
    assert [r.total_minor for r in rows] == [33300, 33300, 33401]


def test_first_due_on_odd_first_period_under_30_360() -> None:
    terms = PlanTerms(EMI, 3, annual_rate=Decimal("0.12"))
    rows = build_schedule(300000, terms, date(2024, 1, 16), date(2024, 3, 1))  # 45 30E-days in the first period
    assert rows[0].interest_minor == 4500  # 3000 × 12 % × 45 / 360
    assert [r.due_on for r in rows] == [date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1)]


# ------------------------------------------------------------------------------------------------ day counts


def test_day_counts() -> None:
    assert days_30e_360(date(2024, 1, 31), date(2024, 2, 29)) == 30
    assert days_30e_360(date(2024, 1, 15), date(2024, 2, 15)) == 30
    assert (
        year_fraction(date(2023, 12, 12), date(2024, 1, 12), DayCount.ACT_ACT)
        == Decimal(19) / 365 + Decimal(12) / 366  # Fineract: 12 → 31 Dec, then 31 Dec → 12 Jan (LOAN_ENGINE §1.3)
    )
    assert year_fraction(date(2024, 2, 1), date(2024, 3, 1), DayCount.ACT_365) == Decimal(29) / 365
    assert year_fraction(date(2024, 1, 1), date(2024, 1, 8), DayCount.ACT_364) == Decimal(7) / 364


# ------------------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"periods": 3}, "method"),
        ({"method": "emi"}, "periods"),
        ({"method": "nope", "periods": 3}, "method"),
        ({"method": "emi", "periods": 0}, "periods"),
        ({"method": "emi", "periods": 3, "annual_rate": "abc"}, "annual_rate"),
        ({"method": "emi", "periods": 3, "annual_rate": 0.1}, "annual_rate"),
        ({"method": "emi", "periods": 3, "annual_rate": "-0.01"}, "annual_rate"),
        ({"method": "interest_free", "periods": 3, "annual_rate": "0.1"}, "annual_rate"),
        ({"method": "emi", "periods": 3, "monthly_fee_bps": 50}, "monthly_fee_bps"),
        ({"method": "flat_monthly_fee", "periods": 3, "frequency": "weekly"}, "frequency"),
        ({"method": "emi", "periods": 3, "day_count": "act/999"}, "day_count"),
        ({"method": "emi", "periods": 3, "down_payment_bps": 10000}, "down_payment_bps"),
        ({"method": "emi", "periods": 3, "installment_multiple_minor": 0}, "installment_multiple_minor"),
        ({"method": "emi", "periods": 3, "colour": "red"}, "colour"),
    ],
)
def test_plan_terms_from_dict_names_the_field(doc: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        PlanTerms.from_dict(doc)
    assert e.value.field == field


def test_plan_terms_round_trip() -> None:
    terms = PlanTerms.from_dict(
        {"method": "emi", "periods": 6, "annual_rate": "0.094822", "frequency": "weekly", "day_count": "act/364"}
    )
    assert terms == PlanTerms(EMI, 6, Frequency.WEEKLY, annual_rate=RATE_V4, day_count=DayCount.ACT_364)
    assert PlanTerms.from_dict(terms.to_dict()) == terms


def test_build_schedule_refuses_bad_dates_and_amounts() -> None:
    with pytest.raises(ValidationError) as e:
        build_schedule(100000, PAY_IN_4, date(2024, 1, 1), date(2024, 1, 1))
    assert e.value.field == "first_due_on"
    with pytest.raises(ValidationError) as e:
        build_schedule(0, PAY_IN_4, date(2024, 1, 1))
    assert e.value.field == "principal_minor"
