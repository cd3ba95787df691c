"""Settlement with a discount (issue 15, item 3): offered on a seriously delinquent or charged-off line, settled
when payments reach the agreed amount by the due date (the rest forgiven, balanced entries, the line closed),
lapsed at the due date's day-end otherwise (nothing forgiven)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from restructure_world import assert_books_agree, book, books, entry_count, line, snapshot

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.core.errors import DomainError
from creditloop.ledger.accounts import Account
from creditloop.servicing.model import LineStatus, SettlementStatus
from creditloop.servicing.settlement import owed_minor


def offer(bus: MessageBus, on: date, amount: int, days: int = 30, rid: str = "s", preview: bool = False) -> Any:
    """Exactly the interface the hardship options build on: ``params=(("amount_minor", N), ("due_on", D))``."""
    params = (("amount_minor", amount), ("due_on", on + timedelta(days=days)))
    return bus.handle(c.Restructure(rid, "L", "settlement", on, params, preview))


def charged_off_book() -> tuple[MessageBus, date]:
    bus, _ = book(3, "serious")
    bus.handle(c.RunDayEnd(date(2024, 8, 31)))  # 180 DPD: charged off
    assert line(bus).status is LineStatus.CHARGED_OFF
    return bus, date(2024, 9, 1)


def test_paid_in_two_payments_by_the_due_date_the_rest_is_forgiven_and_the_line_closes() -> None:
    bus, on = book(24, "serious")
    owed = owed_minor(line(bus))
    shown = offer(bus, on, 600_000, preview=True)
    assert (shown.discount_minor, shown.total_after_minor) == (owed - 600_000, 600_000)
    entries = entry_count(bus)
    assert offer(bus, on, 600_000) == shown
    assert entry_count(bus) == entries  # an offer books nothing
    bus.handle(c.Repay("p1", "L", 250_000, on + timedelta(days=3)))
    assert line(bus).settlement.status is SettlementStatus.OPEN
    bus.handle(c.Repay("p2", "L", 350_000, on + timedelta(days=30)))  # on the due date: in time
    ln = line(bus)
    assert ln.status is LineStatus.CLOSED and ln.settlement is not None
    assert (ln.settlement.status, ln.settlement.paid_minor) == (SettlementStatus.SETTLED, 600_000)
    assert ln.balance_minor == 0 and ln.credit_balance_minor == 0 and ln.dpd == 0
    forgiven = [e for e in bus_entries(bus) if e.entry_id == "L/settle/s"]
    (entry,) = forgiven
    debit = [p for p in entry.postings if p.side.value == "D"]
    assert [(p.account, p.amount_minor) for p in debit] == [(Account.EXPENSE_CONCESSIONS, ln.settlement.forgiven_minor)]
    assert {p.account for p in entry.postings if p.side.value == "C"} <= {
        Account.RECEIVABLE_PRINCIPAL,
        Account.RECEIVABLE_FEE,
        Account.RECEIVABLE_PENALTY,
        Account.RECEIVABLE_INTEREST,
    }
    assert_books_agree(bus)
    assert books(bus).get(Account.CASH_CLEARING) == 600_000 + 0  # the customer paid the agreed amount, no more
    with pytest.raises(DomainError) as e:  # a closed line takes no more money
        bus.handle(c.Repay("p3", "L", 100, on + timedelta(days=31)))
    assert e.value.code == "line_closed"


def test_not_paid_by_the_due_date_the_offer_lapses_at_day_end_and_nothing_is_forgiven() -> None:
    bus, on = book(3, "serious")
    offer(bus, on, 300_000, days=10)
    bus.handle(c.Repay("p1", "L", 200_000, on + timedelta(days=2)))
    bus.handle(c.RunDayEnd(on + timedelta(days=10)))  # the due date's close
    ln = line(bus)
    assert ln.settlement.status is SettlementStatus.LAPSED
    assert ln.settlement.closed_on == on + timedelta(days=10)
    bus.handle(c.Repay("p2", "L", 100_000, on + timedelta(days=11)))  # too late: an ordinary payment
    ln = line(bus)
    assert ln.status is LineStatus.ACTIVE and ln.balance_minor > 0 and ln.settlement.forgiven_minor == 0
    assert not any(e.entry_id.startswith("L/settle/") for e in bus_entries(bus))
    assert_books_agree(bus)
    offer(bus, on + timedelta(days=11), 100_000, rid="s2")  # a lapsed offer leaves room for a new one
    assert line(bus).settlement.request_id == "s2"


def test_a_charged_off_line_settles_by_reclassifying_the_written_off_rest() -> None:
    bus, on = charged_off_book()
    memo = line(bus).charged_off_minor
    loss_before = books(bus)[Account.EXPENSE_CREDIT_LOSS]
    shown = offer(bus, on, 200_000, preview=True)
    assert shown.discount_minor == memo - 200_000 and shown.total_before_minor == memo
    offer(bus, on, 200_000)
    bus.handle(c.Repay("p1", "L", 200_000, on + timedelta(days=5)))
    ln = line(bus)
    assert ln.status is LineStatus.CLOSED and ln.charged_off_minor == 0
    assert ln.settlement.forgiven_minor == memo - 200_000
    after = books(bus)
    assert after[Account.INCOME_RECOVERIES] == -200_000
    assert after[Account.EXPENSE_CONCESSIONS] == memo - 200_000
    assert after[Account.EXPENSE_CREDIT_LOSS] == loss_before - (memo - 200_000)
    assert_books_agree(bus)


def test_a_charged_off_offer_lapses_through_the_day_end_job() -> None:
    """A charged-off line is quiet for ever; an open offer brings it back to day-end on its due date only."""
    bus, on = charged_off_book()
    assert line(bus).next_action_on == date.max
    offer(bus, on, 200_000, days=20)
    assert line(bus).next_action_on == on + timedelta(days=20)
    bus.handle(c.RunDayEnd(on + timedelta(days=25)))
    ln = line(bus)
    assert ln.settlement.status is SettlementStatus.LAPSED and ln.status is LineStatus.CHARGED_OFF
    assert ln.next_action_on == date.max and ln.dpd_on(on) > 0  # the charge-off history is untouched


@pytest.mark.parametrize(
    ("state", "amount", "days", "code", "field"),
    [
        ("past_due", 100_000, 30, "settlement_not_eligible", "dpd"),  # 40 DPD
        ("current", 100_000, 30, "settlement_not_eligible", "dpd"),
        ("serious", 10**9, 30, "settlement_exceeds_balance", "amount_minor"),
        ("serious", 0, 30, "invalid_input", "amount_minor"),
        ("serious", 100_000, -1, "invalid_input", "due_on"),
        ("serious", 100_000, 400, "invalid_input", "due_on"),
    ],
)
def test_refusals_name_the_field_and_write_nothing(state: str, amount: int, days: int, code: str, field: str) -> None:
    bus, on = book(3, state)
    before, entries = snapshot(bus), entry_count(bus)
    with pytest.raises(DomainError) as e:
        offer(bus, on, amount, days=days)
    assert (e.value.code, e.value.field) == (code, field)
    assert snapshot(bus) == before and entry_count(bus) == entries and line(bus).settlement is None


def test_a_second_offer_while_one_is_open_is_refused() -> None:
    bus, on = book(3, "serious")
    offer(bus, on, 300_000)
    with pytest.raises(DomainError) as e:
        offer(bus, on, 200_000, rid="s2")
    assert e.value.code == "settlement_open"


def test_an_offer_is_undone_and_a_bounced_settling_payment_reopens_it() -> None:
    bus, on = book(3, "serious")
    before = snapshot(bus)
    offer(bus, on, 300_000)
    bus.handle(c.UndoRestructure("u", "L", "s", on))
    assert snapshot(bus) == before and line(bus).settlement is None
    offer(bus, on, 300_000, rid="s2")
    bus.handle(c.Repay("p1", "L", 300_000, on + timedelta(days=1)))
    assert line(bus).status is LineStatus.CLOSED
    bus.handle(c.RunDayEnd(on + timedelta(days=1)))
    bus.handle(c.ReversePayment("x", "L", "p1", on + timedelta(days=2)))  # the payment bounced
    ln = line(bus)
    assert ln.status is LineStatus.ACTIVE and ln.settlement.status is SettlementStatus.OPEN
    assert ln.balance_minor > before["balances"][0] and not any(e.entry_id == "L/settle/s2" for e in live(bus))
    assert_books_agree(bus)


def bus_entries(bus: MessageBus) -> list[Any]:
    with bus.uow:
        return list(bus.uow.journal.entries())


def live(bus: MessageBus) -> list[Any]:
    """Entries not reversed by a correction."""
    entries = bus_entries(bus)
    reversed_ids = {e.reverses for e in entries if e.reverses}
    return [e for e in entries if e.entry_id not in reversed_ids and not e.reverses]


def test_a_merchant_refund_after_a_settlement_is_refused_and_writes_nothing() -> None:
    """Found by the stateful test: a purchase refunded after its charged-off line settled could not be placed (an
    invariant violation). The settlement closed what was owed, so the refund is a clear refusal instead."""
    bus, on = charged_off_book()
    offer(bus, on, 200_000)
    bus.handle(c.Repay("p1", "L", 200_000, on + timedelta(days=5)))
    before = entry_count(bus)
    purchase_id = next(p.purchase_id for p in line(bus).settled_plans + line(bus).plans if p.kind == "purchase")
    with pytest.raises(DomainError) as refused:
        bus.handle(c.Refund("rf", "L", purchase_id, 1_000, on + timedelta(days=6)))
    assert refused.value.code == "line_settled" and entry_count(bus) == before
