"""A small book for restructure tests: one line on ``baitiao-installment`` (3/6/12/24 periods) driven through the
message bus, at 0, 40 or 100 DPD, with helpers that read the line, its books and its schedule."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.ledger.accounts import CONTROL_ACCOUNTS, Account
from creditloop.products.catalog import catalog_product
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.restructure import customer_total

PRODUCT = catalog_product("baitiao-installment")
OPENED, BOUGHT = date(2024, 1, 5), date(2024, 1, 6)  # first due date 2024-02-10, then the 10th of each month
PRINCIPAL = 1_200_000
# state -> (restructure date, pay the first bill?): DPD is counted at the close of the day before.
STATES = {
    "current": (date(2024, 2, 20), True),  # the first bill paid on its due date: 0 DPD
    "past_due": (date(2024, 3, 22), False),  # nothing paid: 40 DPD, the 19-day stub of issue 15
    "serious": (date(2024, 5, 21), False),  # nothing paid: 100 DPD, eligible for a settlement
}


def book(periods: int, state: str) -> tuple[MessageBus, date]:
    """A bus with line ``L`` bought over ``periods`` and closed through the day before the state's date."""
    policies = replace(default_policies(), product=PRODUCT)
    bus = MessageBus(MemoryUnitOfWork({PRODUCT.key: PRODUCT}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 5_000_000, OPENED))
    bus.handle(c.Purchase("b", "L", PRINCIPAL, periods, BOUGHT))
    on, pay_first = STATES[state]
    if pay_first:
        bus.handle(c.RunDayEnd(date(2024, 2, 9)))
        bus.handle(c.Repay("p1", "L", line(bus).amount_due_minor, date(2024, 2, 10)))
    bus.handle(c.RunDayEnd(on - timedelta(days=1)))
    return bus, on


def line(bus: MessageBus) -> CreditLine:
    with bus.uow:
        return bus.uow.lines.get("L")


def books(bus: MessageBus) -> dict[Account, int]:
    """Every account's balance (debit positive), zero accounts left out."""
    with bus.uow:
        return {a: v for a, v in bus.uow.journal.account_balances().items() if v}


def entry_count(bus: MessageBus) -> int:
    with bus.uow:
        return len(list(bus.uow.journal.entries()))


def assert_books_agree(bus: MessageBus) -> None:
    """Trial balance zero and the line's receivables equal to the journal's control accounts."""
    balances = books(bus)
    assert sum(balances.values()) == 0
    sub = line(bus).sub_ledger()
    for account in CONTROL_ACCOUNTS:
        assert balances.get(account, 0) == sub.get(account, 0), account


def snapshot(bus: MessageBus) -> dict[str, Any]:
    """What a restructure changes and an undo must give back, exactly."""
    ln = line(bus)
    return {
        "schedule": ln.schedule_rows(),
        "balances": ln.balances(),
        "penalty": ln.penalty_minor,
        "credit": ln.credit_balance_minor,
        "charged_off": ln.charged_off_minor,
        "status": ln.status,
        "dpd": ln.dpd,
        "total": customer_total(ln),
        "books": books(bus),
    }


def params(kind: str, on: date) -> dict[str, object]:
    """Parameters for each kind as the CLI would send them (a settlement's depend on the balance: see tests)."""
    return {
        "term_extension": {"periods": 6, "monthly_fee_bps": 50},
        "reage": {"periods": 4, "start_on": (on + timedelta(days=20)).isoformat()},
        "reamortise": {},
        "fee_reduction": {"monthly_fee_bps": 30, "include_billed": True},
        "penalty_waiver": {},
        "payment_holiday": {"from_due_on": on.isoformat(), "months": 2},
        "payment_holiday_accrue": {"from_due_on": on.isoformat(), "months": 2, "accrue": True},
    }[kind]
