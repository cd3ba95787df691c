"""Statement mode (baitiao-revolving@1): whatever the mix of pay-next-month purchases and installment plans, a
payment of at least the minimum by the due date keeps the line current, one below it does not, and the journal
balances either way."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.ledger import InMemoryJournal, trial_balance
from creditloop.products.catalog import catalog_product
from creditloop.servicing.credit_line import CreditLine

PRODUCT = catalog_product("baitiao-revolving@1")
purchases = st.lists(
    st.tuples(st.integers(1_000, 300_000), st.sampled_from((1, 1, 3, 6, 12)), st.integers(5, 30)),
    min_size=1,
    max_size=6,
)


def billed(items: list[tuple[int, int, int]]) -> CreditLine:
    line = CreditLine.open("L", "C", PRODUCT, 5_000_000, date(2024, 1, 4))
    for k, (amount, periods, day) in enumerate(sorted(items, key=lambda i: i[2])):
        line.purchase(f"p{k}", amount, periods, date(2024, 1, day))
    line.close_through(date(2024, 2, 1))
    return line


@settings(max_examples=60, deadline=None)
@given(items=purchases, extra=st.floats(0, 1), short=st.integers(1, 5_000))
def test_paying_at_least_the_minimum_by_the_due_date_keeps_the_line_current(
    items: list[tuple[int, int, int]], extra: float, short: int
) -> None:
    line = billed(items)
    stmt = line.statements[-1]
    assert 0 < stmt.minimum_due_minor <= stmt.total_due_minor
    amount = stmt.minimum_due_minor + int((stmt.total_due_minor - stmt.minimum_due_minor) * extra)
    line.repay("pay", amount, stmt.due_on)
    line.close_through(stmt.due_on + timedelta(days=10))
    assert line.dpd == 0, (items, amount)
    j = InMemoryJournal()
    j.append(line.drain_entries())
    assert sum(trial_balance(j.entries()).values()) == 0

    below = billed(items)
    missed = max(1, stmt.minimum_due_minor - short)
    if missed < stmt.minimum_due_minor:
        below.repay("pay", missed, stmt.due_on)
    below.close_through(stmt.due_on + timedelta(days=10))
    assert below.dpd == 10  # past due from the missed minimum
