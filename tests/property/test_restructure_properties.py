"""Money invariants of every restructure kind on random lines (issue 15): no fen created or lost.

- Receivables fall by exactly the concession booked, and the customer's total to repay by the concession, a
  settlement's discount and the charges forgone, plus what the restructure adds (a new plan's or a holiday's fees).
- Every split sums exactly: the new schedule's principal is the principal owed; each plan's installments sum to
  the plan's principal; the journal balances and its control accounts equal the line's own balances.
- A settlement paid in time: the payments plus the forgiven rest are exactly what was owed, and nothing is left.
- The preview of a restructure gives the same figures as applying it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from creditloop.core.errors import DomainError
from creditloop.ledger import Account, InMemoryJournal, trial_balance
from creditloop.ledger.journal import line_balances
from creditloop.products.catalog import catalog_product
from creditloop.servicing import restructure
from creditloop.servicing.credit_line import CreditLine, LineStatus
from creditloop.servicing.model import PlanKind, SettlementStatus
from creditloop.servicing.restructure import customer_total
from creditloop.servicing.settlement import owed_minor

PRODUCT = catalog_product("baitiao-installment")
START = date(2024, 1, 5)
REFUSALS = {
    "nothing_to_restructure",
    "nothing_to_concede",
    "settlement_not_eligible",
    "line_not_active",
    "waiver_exceeds_penalty",
    "settlement_exceeds_balance",
}


@st.composite
def lines(draw: st.DrawFn) -> tuple[CreditLine, InMemoryJournal, date]:
    """A line with one or two purchases, maybe a partial payment, aged 10..260 days (up to charge-off)."""
    line = CreditLine.open("L", "C", PRODUCT, 10_000_000, START)
    for k in range(draw(st.integers(1, 2))):
        line.purchase(f"b{k}", draw(st.integers(100, 3_000_000)), draw(st.sampled_from([1, 3, 6, 12, 24])), START)
    on = START + timedelta(days=draw(st.integers(10, 100) | st.integers(120, 260)))  # half seriously late
    paid_on = START + timedelta(days=draw(st.integers(36, 80)))
    share = draw(st.integers(0, 100))
    if paid_on < on and share:
        line.close_through(paid_on - timedelta(days=1))
        amount = line.amount_due_minor * share // 100
        if amount:
            line.repay("p", amount, paid_on)
    line.close_through(on - timedelta(days=1))
    journal = InMemoryJournal()
    journal.append(line.drain_entries())
    return line, journal, on


def params(draw: st.DrawFn, kind: str, line: CreditLine, on: date) -> dict[str, Any]:
    if kind == "term_extension":
        return {"periods": draw(st.integers(1, 60)), "monthly_fee_bps": draw(st.integers(0, 150))}
    if kind == "reage":
        return {"periods": draw(st.integers(1, 36)), "start_on": on + timedelta(days=draw(st.integers(1, 60))),
                "multiple_minor": draw(st.sampled_from([1, 100]))}  # fmt: skip
    if kind == "reamortise":
        return {"multiple_minor": draw(st.sampled_from([1, 100]))}
    if kind == "fee_reduction":
        return {"monthly_fee_bps": draw(st.integers(0, 60)), "include_billed": draw(st.booleans())}
    if kind == "penalty_waiver":
        return {"amount_minor": draw(st.none() | st.integers(1, 5_000))}
    if kind == "payment_holiday":
        return {"from_due_on": on + timedelta(days=draw(st.integers(-30, 90))), "months": draw(st.integers(1, 6)),
                "accrue": draw(st.booleans())}  # fmt: skip
    owed = owed_minor(line)
    return {"amount_minor": max(1, owed * draw(st.integers(1, 100)) // 100), "due_on": on + timedelta(days=30)}


def books_agree(line: CreditLine, journal: InMemoryJournal) -> None:
    assert sum(trial_balance(journal.entries()).values()) == 0
    sub = line_balances(journal.entries()).get("L", {})
    for account, amount in line.sub_ledger().items():
        assert sub.get(account, 0) == amount, account
    for plan in [*line.plans, *line.settled_plans]:
        if plan.kind is PlanKind.RESTRUCTURE:
            assert sum(i.principal_minor for i in plan.installments) == plan.principal_minor


@pytest.mark.parametrize("kind", sorted(restructure._DEFAULTS))
@settings(max_examples=40, deadline=None)
@given(world=lines(), data=st.data())
def test_no_fen_is_created_or_lost_by_any_restructure(
    kind: str, world: tuple[CreditLine, InMemoryJournal, date], data: st.DataObject
) -> None:
    line, journal, on = world
    cmd = restructure.event(kind, "r", on, params(data.draw, kind, line, on))
    owed_before = line.balance_minor + line.charged_off_minor
    try:
        shown = restructure.preview(line, cmd)
    except DomainError as e:
        assert e.code in REFUSALS, e
        event(f"{kind}: refused {e.code}")
        return
    event(f"{kind}: applied")
    done = restructure.apply(line, cmd)
    assert done == shown
    journal.append(line.drain_entries())
    books_agree(line, journal)
    assert line.balance_minor + line.charged_off_minor == owed_before - done.concession_minor
    assert done.concession_minor == sum(
        p.amount_minor for e in done.entries for p in e.postings if p.account is Account.EXPENSE_CONCESSIONS
    )
    expected = done.total_before_minor - done.concession_minor - done.discount_minor - done.forgone_fee_minor
    assert done.total_after_minor == expected + done.added_charges_minor
    assert min(done.concession_minor, done.discount_minor, done.forgone_fee_minor, done.added_charges_minor) >= 0
    if kind != "settlement":
        assert done.total_after_minor == customer_total(line)
        assert sum(r["principal_minor"] for r in done.after) == line.principal_minor


@settings(max_examples=100, deadline=None)
@given(world=lines(), share=st.integers(1, 100), parts=st.integers(1, 3))
def test_a_settlement_paid_in_time_forgives_exactly_the_rest(
    world: tuple[CreditLine, InMemoryJournal, date], share: int, parts: int
) -> None:
    line, journal, on = world
    if not (line.status is LineStatus.CHARGED_OFF or line.dpd >= 90) or owed_minor(line) == 0:
        event("not eligible")
        return
    event(f"settled: {line.status.value}")
    amount = max(1, owed_minor(line) * share // 100)
    restructure.settlement(line, "s", on, amount, on + timedelta(days=20))
    cash_before = trial_balance(journal.entries()).get(Account.CASH_CLEARING, 0)
    pieces = [amount // parts] * (parts - 1)
    pieces.append(amount - sum(pieces))  # the payments sum to the agreed amount exactly
    for k, piece in enumerate(p for p in pieces if p):
        line.close_through(on + timedelta(days=k * 5) - timedelta(days=1))
        owed_now = line.balance_minor + line.charged_off_minor
        line.repay(f"p{k}", piece, on + timedelta(days=k * 5))
    offer = line.settlement
    assert offer is not None and offer.status is SettlementStatus.SETTLED
    # The last payment and the forgiven rest are what was owed just before it: not a fen more or less.
    assert piece + offer.forgiven_minor == owed_now
    assert line.balance_minor == 0 and line.charged_off_minor == 0 and line.status is LineStatus.CLOSED
    journal.append(line.drain_entries())
    books_agree(line, journal)
    cash = trial_balance(journal.entries()).get(Account.CASH_CLEARING, 0)
    assert cash - cash_before == amount
