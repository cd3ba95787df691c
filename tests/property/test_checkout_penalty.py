"""The penalty quoted at checkout (issue 16, item 5) is what daily accrual would post: within one fen of the exact
rate × amount × days (the sub-fen carry), never below the daily minimum, growing with every day late (Hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.app.checkout_text import penalty_for
from creditloop.products.terms import PenaltyRule

RULE = PenaltyRule(daily_rate=Decimal("0.0005"), min_per_day_minor=1, grace_days=0)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=120))
def test_quoted_penalty_is_the_exact_daily_accrual_to_the_fen(overdue: int, days: int) -> None:
    quoted = penalty_for(overdue, RULE, days)
    exact = Decimal(overdue) * RULE.daily_rate
    if exact >= RULE.min_per_day_minor:
        assert 0 <= exact * days - quoted < 1  # whole fen posted, the carry below one fen
    else:
        assert quoted == RULE.min_per_day_minor * days  # the minimum per day instead
    assert penalty_for(overdue, RULE, days + 1) >= quoted + RULE.min_per_day_minor


@given(st.integers(min_value=1, max_value=10**7), st.integers(min_value=0, max_value=10))
def test_grace_days_accrue_nothing(overdue: int, grace: int) -> None:
    rule = PenaltyRule(RULE.daily_rate, RULE.min_per_day_minor, grace)
    assert penalty_for(overdue, rule, grace) == 0
    assert penalty_for(overdue, rule, grace + 3) == penalty_for(overdue, RULE, 3)
