"""Merchant refunds on a line with a term extension in force (issue 11, item 10 follow-up).

A term extension pools every purchase's unpaid principal into one restructured plan. A refund used to take
that pooled principal first, so an earlier refund of one purchase could consume another purchase's debt and
the later refund found nothing to reduce: ``InvariantViolation: refund of N ... could not be placed``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.ledger import Account, InMemoryJournal, trial_balance
from creditloop.ledger.journal import line_balances
from creditloop.products.terms import default_product
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.restructure import apply_term_extension

D = date(2026, 1, 5)


def books(line: CreditLine, journal: InMemoryJournal) -> dict[Account, int]:
    journal.append(line.drain_entries())
    tb = trial_balance(journal.entries())
    assert sum(tb.values()) == 0
    sub = line_balances(journal.entries()).get(line.line_id, {})
    for account, amount in line.sub_ledger().items():
        assert sub.get(account, 0) == amount
    return tb


def two_purchases_partly_paid_then_extended() -> CreditLine:
    line = CreditLine.open("L1", "C1", default_product(), 100_000, D)
    line.purchase("a", 10_000, 1, D)
    line.purchase("b", 10_000, 1, D)
    line.repay("p1", 15_000, D + timedelta(days=1))
    apply_term_extension(line, "x1", D + timedelta(days=2), 3)
    return line


def test_refunds_of_every_purchase_pooled_by_a_term_extension_are_placed() -> None:
    line, journal = two_purchases_partly_paid_then_extended(), InMemoryJournal()
    on = D + timedelta(days=3)
    owed = line.principal_minor
    assert owed == 5_000  # 200.00 bought, 150.00 paid: 50.00 pooled into the restructured plan
    first = line.refund("ra", "a", 10_000, on)
    second = line.refund("rb", "b", 10_000, on)  # used to raise InvariantViolation "could not be placed"
    assert line.principal_minor == 0  # nothing is owed for goods that all went back
    assert first + second == 15_000  # everything the customer paid comes back as credit
    assert line.credit_balance_minor == 15_000
    tb = books(line, journal)
    assert tb.get(Account.RECEIVABLE_PRINCIPAL, 0) == 0


def test_a_refund_reduces_the_restructured_plan_last_installments_first() -> None:
    line = two_purchases_partly_paid_then_extended()
    restructured = next(p for p in line.plans if p.kind == "restructure")
    before = [i.unpaid_principal_minor for i in restructured.installments]
    to_credit = line.refund("ra", "a", 2_000, D + timedelta(days=3))
    after = [i.unpaid_principal_minor for i in restructured.installments]
    assert to_credit == 0
    assert before == [1_666, 1_666, 1_668]
    assert after == [1_666, 1_334, 0]  # the last installment goes first, then the one before it


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.integers(100, 200_000), min_size=2, max_size=4),
    periods=st.lists(st.sampled_from([1, 3, 6, 12]), min_size=4, max_size=4),
    paid_share=st.integers(1, 99),
    extension=st.sampled_from([3, 6, 12]),
    order=st.randoms(use_true_random=False),
)
def test_refunding_every_pooled_purchase_in_any_order_places_every_fen(
    amounts: list[int], periods: list[int], paid_share: int, extension: int, order: random.Random
) -> None:
    """Property: after a term extension pools several part-paid purchases, refunding them all, in any order,
    is placed in full; nothing is owed any more and everything paid comes back as credit, to the fen."""
    line, journal = CreditLine.open("L1", "C1", default_product(), 1_000_000, D), InMemoryJournal()
    ids = [f"b{k}" for k in range(len(amounts))]
    for pid, amount, n in zip(ids, amounts, periods, strict=False):
        line.purchase(pid, amount, n, D)
    paid = sum(amounts) * paid_share // 100
    line.repay("p1", paid, D + timedelta(days=1))
    apply_term_extension(line, "x1", D + timedelta(days=2), extension)
    order.shuffle(ids)
    refunded_as_credit = sum(line.refund(f"r-{pid}", pid, amounts[int(pid[1:])], D + timedelta(days=3)) for pid in ids)
    assert line.principal_minor == 0
    assert refunded_as_credit == paid == line.credit_balance_minor
    assert books(line, journal).get(Account.RECEIVABLE_PRINCIPAL, 0) == 0
