"""The early-warning job reads only a line's recent cycles; the rule must decide exactly as on the whole history."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.core.dates import add_months
from creditloop.jobs.early_warning import cycle_history
from creditloop.monitoring import PaymentRatioRule, default_rule, evaluate
from creditloop.products.terms import default_product
from creditloop.servicing.credit_line import CreditLine, Statement

START = date(2024, 1, 1)

cycles = st.lists(
    st.tuples(st.sampled_from([0, 0, 5_000, 10_000, 25_000]), st.integers(0, 30_000)),  # (due, paid); 0 = nothing due
    max_size=30,
)


def _line(pairs: list[tuple[int, int]]) -> CreditLine:
    line = CreditLine.open("L1", "C1", default_product(), 1_000_000, START)
    for k, (due, paid) in enumerate(pairs):
        on = add_months(START, k + 1)
        line.statements.append(
            Statement(on, on + timedelta(days=line.due_days), 0, 0, 0, 0, 0, 0, due, due // 10, paid_by_due_minor=paid)
        )
    return line


@settings(max_examples=300, deadline=None)
@given(
    pairs=cycles,
    recent=st.integers(1, 4),
    base=st.integers(1, 4),
    as_of_month=st.integers(0, 32),
    as_of_day=st.integers(1, 28),
)
def test_recent_history_decides_as_the_whole_history(
    pairs: list[tuple[int, int]], recent: int, base: int, as_of_month: int, as_of_day: int
) -> None:
    rule = PaymentRatioRule("R", "1", recent, base, default_rule().min_base_ratio, default_rule().max_recent_ratio)
    line = _line(pairs)
    as_of = add_months(START, as_of_month).replace(day=as_of_day)
    whole = cycle_history(line, as_of)
    recent_only = cycle_history(line, as_of, recent + base)
    assert recent_only == whole[len(whole) - len(recent_only) :]  # a suffix of the whole history
    assert evaluate(rule, recent_only) == evaluate(rule, whole)
    informative = [r for r in recent_only if r.statement_due_minor]
    assert len(informative) == min(recent + base, sum(1 for r in whole if r.statement_due_minor))
