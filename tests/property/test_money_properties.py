from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from creditloop.core.money import allocate, split_evenly
from creditloop.products.penalty import accrue_penalty
from creditloop.products.schedule import flat_fee_schedule
from creditloop.products.terms import PenaltyRule


@given(st.integers(-(10**12), 10**12), st.lists(st.integers(0, 10**6), min_size=1, max_size=30).filter(any))
def test_allocate_sums_exactly_and_stays_within_one_unit(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    ws = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        assert abs(Decimal(part) - Decimal(total) * w / ws) < 1


@given(st.integers(0, 10**12), st.integers(1, 60))
def test_split_evenly_sums(total: int, n: int) -> None:
    parts = split_evenly(total, n)
    assert sum(parts) == total and max(parts) - min(parts) <= 1


@given(st.integers(100, 10**9), st.sampled_from([1, 3, 6, 12, 24]), st.integers(0, 200))
def test_schedule_principal_sums_to_financed_amount(principal: int, periods: int, fee_bps: int) -> None:
    s = flat_fee_schedule(principal, periods, fee_bps, date(2024, 2, 1), 9)
    assert sum(i.principal_minor for i in s) == principal
    assert len({i.fee_minor for i in s}) == 1
    assert all(i.principal_minor >= 0 for i in s)
    assert [i.due_on.month for i in s] == [(1 + k) % 12 + 1 for k in range(periods)]


@given(st.integers(1, 10**9), st.integers(1, 400))
def test_penalty_carry_never_loses_a_fen(overdue: int, days: int) -> None:
    rule = PenaltyRule(Decimal("0.0005"), 0, 0)
    total, carry = 0, Decimal(0)
    for _ in range(days):
        posted, carry = accrue_penalty(overdue, rule, carry)
        total += posted
    exact = Decimal(overdue) * rule.daily_rate * days
    assert total + carry == exact
    assert 0 <= carry < 1
