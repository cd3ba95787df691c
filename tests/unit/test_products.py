from datetime import date
from decimal import Decimal

import pytest

from creditloop.core.errors import ValidationError
from creditloop.products.penalty import accrue_penalty
from creditloop.products.schedule import flat_fee_schedule, next_statement_on
from creditloop.products.terms import PenaltyRule, Product, default_product


def test_default_product_is_the_baitiao_shape() -> None:
    p = default_product()
    assert p.key == "baitiao-standard@1"
    assert [o.periods for o in p.installment_options] == [1, 3, 6, 12]
    assert p.option(1).monthly_fee_bps == 0  # pay next month, interest-free
    assert p.penalty.daily_rate == Decimal("0.0005")  # 万分之五 per day
    assert p.charge_off_dpd == 180
    with pytest.raises(ValidationError) as e:
        p.option(24)
    assert e.value.field == "periods"


def test_statement_dates() -> None:
    assert next_statement_on(date(2024, 1, 6), 1) == date(2024, 2, 1)
    assert next_statement_on(date(2024, 1, 1), 1) == date(2024, 2, 1)  # a purchase on bill day goes to the next bill
    assert next_statement_on(date(2024, 1, 14), 15) == date(2024, 1, 15)
    assert next_statement_on(date(2024, 12, 20), 1) == date(2025, 1, 1)


def test_domain_worked_example_jd_three_periods() -> None:
    """DOMAIN.md §1.1: 1,000 yuan over 3 periods at 0.7 %/month → 7 yuan fee per period."""
    s = flat_fee_schedule(100000, 3, 70, date(2024, 2, 1), 9)
    assert [i.fee_minor for i in s] == [700, 700, 700]
    assert [i.principal_minor for i in s] == [33333, 33333, 33334]
    assert [i.total_minor for i in s] == [34033, 34033, 34034]  # 340.33 a month as DOMAIN §2.1 says
    assert [i.due_on for i in s] == [date(2024, 2, 10), date(2024, 3, 10), date(2024, 4, 10)]


def test_domain_worked_example_twelve_periods() -> None:
    """DOMAIN.md §2.1: 1,000 over 12 at 0.6 % → 83.33 + 6.00 = 89.33 a month, total fee 72.00."""
    s = flat_fee_schedule(100000, 12, 60, date(2024, 2, 1), 9)
    assert {i.total_minor for i in s[:-1]} == {8933}
    assert sum(i.principal_minor for i in s) == 100000
    assert sum(i.fee_minor for i in s) == 7200
    s2 = flat_fee_schedule(600000, 12, 75, date(2024, 2, 1), 9)
    assert {i.total_minor for i in s2} == {54500}  # 6,000 over 12 at 0.75 % → 545.00, fee 540


def test_penalty_daily_rate_minimum_and_carry() -> None:
    rule = PenaltyRule(Decimal("0.0005"), 1, 0)
    assert accrue_penalty(100000, rule, Decimal(0)) == (50, Decimal(0))  # 1,000 yuan → 0.50 a day
    assert accrue_penalty(1000, rule, Decimal("0.3")) == (1, Decimal("0.3"))  # 0.005 fen < minimum 0.01 yuan
    posted, carry = accrue_penalty(2680, rule, Decimal(0))  # 26.80 overdue → 1.34 fen a day
    assert (posted, carry) == (1, Decimal("0.34"))
    total, carry = 0, Decimal(0)
    for _ in range(31):
        p, carry = accrue_penalty(2680, rule, carry)
        total += p
    assert total == 41 and carry == Decimal("0.54")  # 31 × 1.34 = 41.54: whole fen posted, 0.54 carried
    assert accrue_penalty(0, rule, Decimal("0.5")) == (0, Decimal("0.5"))


def test_product_document_errors_name_the_field() -> None:
    base = {
        "product_id": "p",
        "version": 1,
        "statement_day": 1,
        "due_days_after_statement": 9,
        "installment_options": [{"periods": 3, "monthly_fee_bps": 60}],
        "penalty": {"daily_rate": "0.0005", "min_per_day_minor": 1, "grace_days": 0},
        "waterfall": ["PAST_DUE_PENALTY", "DUE_PRINCIPAL"],
        "charge_off_dpd": 180,
    }
    assert Product.from_dict(base).statement_day == 1
    for field, value in [("statement_day", 31), ("charge_off_dpd", 0), ("waterfall", ["SIDEWAYS"])]:
        with pytest.raises(ValidationError) as e:
            Product.from_dict({**base, field: value})
        assert e.value.field == field
    with pytest.raises(ValidationError) as e:
        Product.from_dict({**base, "penalty": {**base["penalty"], "daily_rate": "0.5"}})
    assert e.value.field == "penalty.daily_rate"
    with pytest.raises(ValidationError):
        Product.from_dict({**base, "installment_options": [{"periods": 1, "monthly_fee_bps": 10}]})
