"""The savings buffer (simulate/liquidity.py): its documented distribution, how a loss is lived through, and that
a buffer of nought is exactly the model before it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.simulate import behaviour as b
from creditloop.simulate import liquidity as liq
from creditloop.simulate.population import Customer, generate_population

SEED = 11


def customer(**kw: object) -> Customer:
    base = Customer(
        customer_id="C1",
        age=30,
        city_tier=2,
        sector="services",
        base_income_minor=1_000_000,  # 10,000 yuan a month
        stated_income_minor=1_000_000,
        other_debt_minor=100_000,
        lenders_count=1,
        living_cost_share=0.5,
        spend_propensity=0.1,
        willingness=1.0,
        lateness=0.0,
        fraud=False,
        apply_month=1,
        normal_income_minor=1_000_000,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def with_buffer(months: float, *, borrows: bool = False, **kw: object) -> Customer:
    c = customer(**kw)
    c.buffer_months = months
    c.buffer_minor = c.savings_minor = int(c.base_income_minor * c.living_cost_share * months)
    c.borrows_at_loss = borrows
    return c


def test_buffers_follow_the_documented_distribution() -> None:
    people = generate_population(6_000, 12, np.random.default_rng(SEED))
    liq.assign_buffers(people, liq.liquidity_stream(np.random.default_rng(SEED)), liq.DEFAULT_LIQUIDITY)
    genuine = [c for c in people if not c.fraud]
    holders = sorted(c.buffer_months for c in genuine if c.buffer_minor)
    share_without = 1 - len(holders) / len(genuine)
    assert abs(share_without - liq.NO_BUFFER_SHARE) < 0.02, f"seed {SEED}: {share_without:.3f}"
    assert abs(holders[len(holders) // 2] - liq.BUFFER_MEDIAN_MONTHS) < 0.15
    assert all(not c.buffer_minor for c in people if c.fraud)  # fabricated applicants never mean to pay
    # Sullivan's low-asset (not lowest) households borrow in a loss: a buffer under the holders' median.
    assert all(c.borrows_at_loss == (0 < c.buffer_months < liq.BUFFER_MEDIAN_MONTHS) for c in genuine)
    # Savings start full, in whole yuan.
    assert all(c.savings_minor == c.buffer_minor and c.buffer_minor % 100 == 0 for c in genuine)


def test_the_buffer_stream_leaves_the_world_stream_where_it_was() -> None:
    rng = np.random.default_rng(SEED)
    liq.liquidity_stream(rng)
    assert rng.random() == np.random.default_rng(SEED).random()


def test_a_median_of_nought_gives_nobody_a_buffer() -> None:
    people = generate_population(2_000, 12, np.random.default_rng(SEED))
    liq.assign_buffers(
        people, liq.liquidity_stream(np.random.default_rng(SEED)), liq.LiquidityParams(buffer_median_months=0)
    )
    assert not any(c.buffer_minor or c.savings_minor or c.borrows_at_loss for c in people)


def test_a_job_loss_is_carried_by_savings_with_a_small_spending_cut() -> None:
    c = with_buffer(3.0)  # 15,000 yuan
    income = 250_000  # a job loss: 25 % of the usual 10,000 yuan
    liq.month_start(c, income, month=4)
    # Living costs at their usual level less 6 % (4,700 yuan) plus 1,000 yuan to other lenders, less the income.
    assert c.buffer_phase
    assert c.savings_minor == 1_500_000 - (470_000 + 100_000 - 250_000)
    assert b.spending_income_minor(c, income) == 940_000  # spends by the usual income less 6 %


def test_in_a_buffer_month_the_bill_is_paid_in_part_from_savings_on_the_due_date() -> None:
    rng = np.random.default_rng(SEED)
    for _ in range(50):
        c = with_buffer(3.0)
        liq.month_start(c, 250_000, month=4)
        before = c.savings_minor
        intent = b.repayment_intent(c, 200_000, 250_000, rng, month=4)
        assert intent is not None and intent.mode == "part" and intent.days_after_due == 0
        assert 0.6 * 200_000 - 100 <= intent.amount_minor <= 0.95 * 200_000
        assert c.savings_minor == before - intent.amount_minor


def test_savings_do_not_pay_a_line_already_thirty_days_behind() -> None:
    c = with_buffer(3.0)
    liq.month_start(c, 250_000, month=4)
    savings = c.savings_minor
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    # As a customer without savings would: the line was given up before the loss.
    assert b.repayment_intent(c, 900_000, 250_000, rng_a, month=4, dpd=95) == b.repayment_intent(
        customer(), 900_000, 250_000, rng_b, month=4, dpd=95
    )
    assert c.savings_minor == savings


def test_once_savings_are_gone_the_customer_pays_as_before() -> None:
    c = with_buffer(0.5)  # 2,500 yuan: less than one month's gap
    liq.month_start(c, 250_000, month=4)
    assert not c.buffer_phase and c.savings_minor == 0
    assert b.spending_income_minor(c, 250_000) == 250_000
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)
    no_buffer = customer()
    assert b.repayment_intent(c, 200_000, 250_000, rng_a, month=4) == b.repayment_intent(
        no_buffer, 200_000, 250_000, rng_b, month=4
    )


def test_a_low_buffer_borrows_elsewhere_eleven_cents_per_yuan_lost_and_repays_over_a_year() -> None:
    c = with_buffer(1.0, borrows=True)
    liq.month_start(c, 250_000, month=4)
    borrowed = 82_500  # 11 % of the 7,500 yuan lost
    assert c.lenders_count == 2
    assert c.extra_debt_minor == borrowed // 12 and c.extra_debt_until == 16
    assert c.savings_minor == 500_000 + borrowed - (470_000 + 100_000 - 250_000)
    # Its repayment lowers the spare money until it is paid off.
    assert b.capacity_minor(c, 1_000_000) == 500_000 - 100_000 - borrowed // 12
    liq.month_start(c, 1_000_000, month=17)
    assert c.extra_debt_minor == 0 and b.capacity_minor(c, 1_000_000) == 400_000
    # Neither a customer with no buffer nor one with a large one borrows.
    for other in (customer(), with_buffer(5.0)):
        liq.month_start(other, 250_000, month=4)
        assert other.extra_debt_minor == 0 and other.lenders_count == 1


def test_savings_are_rebuilt_at_the_saving_rate_of_spare_money_up_to_the_habitual_buffer() -> None:
    c = with_buffer(2.0)
    c.savings_minor = 0
    liq.month_start(c, 1_000_000, month=8)
    assert c.savings_minor == int(0.30 * 400_000) and not c.buffer_phase
    for m in range(9, 30):
        liq.month_start(c, 1_000_000, month=m)
    assert c.savings_minor == c.buffer_minor


@settings(max_examples=200, deadline=None)
@given(
    months=st.floats(0.05, 12.0),
    borrows=st.booleans(),
    incomes=st.lists(st.integers(0, 1_500_000), min_size=1, max_size=24),
    dues=st.lists(st.integers(0, 600_000), min_size=1, max_size=24),
)
def test_savings_never_go_negative_and_stay_whole_minor_units(
    months: float, borrows: bool, incomes: list[int], dues: list[int]
) -> None:
    c = with_buffer(months, borrows=borrows)
    rng = np.random.default_rng(0)
    for m, (income, due) in enumerate(zip(incomes, dues * 24, strict=False), start=1):
        c.normal_income_minor = max(income, 1_000_000)
        before = c.savings_minor
        liq.month_start(c, income, m)
        assert c.savings_minor >= 0
        assert isinstance(c.savings_minor, int)
        if income >= c.normal_income_minor:  # no loss: only ever rebuilt, never past the habitual buffer
            assert before <= c.savings_minor <= max(before, c.buffer_minor)
        if c.buffer_phase:
            paid = b.repayment_intent(c, due, income, rng, month=m)
            assert paid is None or (0 < paid.amount_minor < due and paid.amount_minor % 100 == 0)
            assert c.savings_minor >= 0
