"""Back-dated commands and the behaviour panel stored at day-end (issue 14), on SQLite and PostgreSQL.

A command that changes a month already stored restates the line's stored rows in its own transaction, so after it
the stored panel still equals the replay for every line and month; a refused command writes nothing. One targeted
test per command that can reach a closed month: a back-dated payment, purchase and refund, a reversed payment, an
undone restructure, a line opened in a closed month, a quiet line's command dated in a closed month, and a payment
booked late with its value date kept.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy.tables import behaviour_panel
from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.core.errors import CreditloopError
from creditloop.jobs.ewi_panel import ledger_panel
from creditloop.jobs.ewi_stored_panel import run_panel

OPENED = date(2024, 1, 5)
CLOSED = date(2024, 4, 5)  # the book is closed through here: January to March are stored
Rows = dict[tuple[str, date], dict[str, Any]]


def new_bus(engine: Engine) -> MessageBus:
    policies = default_policies()
    return MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)


def owed(bus: MessageBus, line_id: str) -> int:
    with bus.uow:
        return int(bus.uow.lines.get(line_id).amount_due_minor)


def build(engine: Engine) -> MessageBus:
    """Lines L0-L3 buy each month and pay January's and February's bills on the 8th (L3 pays 60 %); L-quiet opens
    and does nothing; day-end every day from the opening to 5 April, so the January to March month ends are stored."""
    bus = new_bus(engine)
    for k in (*range(4), "-quiet"):
        bus.handle(c.OpenLine(f"L{k}", f"C{k}", 500_000, OPENED))
    bus.handle(c.RunDayEnd(OPENED))  # the book's day-end starts on the opening day
    for m in (1, 2, 3):
        for k in range(4):
            bus.handle(c.Purchase(f"b{k}-{m}", f"L{k}", 30_000 + 5_000 * k, (1, 3, 1, 12)[k], date(2024, m, 6)))
        bus.handle(c.RunDayEnd(date(2024, m + 1, 5)))
        for k in range(4) if m < 3 else ():  # nothing after the last close: the run date's states are the replay's
            amount = owed(bus, f"L{k}") * (6 if k == 3 else 10) // 10
            if amount:
                bus.handle(c.Repay(f"p{k}-{m}", f"L{k}", amount, date(2024, m + 1, 8)))
    assert_equal_to_replay(bus)
    return bus


def stored(bus: MessageBus) -> Rows:
    with bus.uow:
        rows, _, alone = run_panel(bus.uow, CLOSED)
    assert alone  # every month end is stored back to each line's opening: no replay
    return {(r["account_id"], r["month_end_on"]): r for r in rows}


def assert_equal_to_replay(bus: MessageBus, on: date = CLOSED) -> Rows:
    with bus.uow:
        replayed, states = ledger_panel(iter(bus.uow.lines), on)
        rows, got, alone = run_panel(bus.uow, on)
    assert alone
    want = {(r["account_id"], r["month_end_on"]): r for r in replayed}
    assert {(r["account_id"], r["month_end_on"]): r for r in rows} == want
    assert len(rows) == len(replayed)
    assert {i: (s.status, s.dpd) for i, s in got.items()} == {i: (s.status, s.dpd) for i, s in states.items()}
    return want


def changed(before: Rows, after: Rows, line_id: str) -> dict[date, set[str]]:
    """The columns of ``line_id`` that differ, by month end."""
    out = {}
    for (i, m), row in after.items():
        old = before.get((i, m))
        if i == line_id and old != row:
            out[m] = {k for k in row if old is None or old[k] != row[k]}
    return out


@pytest.fixture
def bus(engine: Engine) -> MessageBus:
    return build(engine)


def test_a_back_dated_payment_restates_the_months_it_changes(bus: MessageBus) -> None:
    before = stored(bus)
    bus.handle(c.Repay("late-pay", "L3", 10_000, date(2024, 2, 20)))  # into February, which is closed
    after = assert_equal_to_replay(bus)
    diff = changed(before, after, "L3")
    assert min(diff) == date(2024, 2, 29) and "payments" in diff[date(2024, 2, 29)]
    assert after[("L3", date(2024, 2, 29))]["last_payment_on"] == date(2024, 2, 20)
    assert all(changed(before, after, f"L{k}") == {} for k in (0, 1, 2))  # the other lines' rows are untouched


def test_a_back_dated_purchase_and_refund(bus: MessageBus) -> None:
    before = stored(bus)
    bus.handle(c.Purchase("late-buy", "L2", 45_000, 1, date(2024, 2, 15)))
    bus.handle(c.Refund("late-refund", "L0", "b0-3", 30_000, date(2024, 3, 10)))
    after = assert_equal_to_replay(bus)
    assert after[("L2", date(2024, 2, 29))]["spend_minor"] == before[("L2", date(2024, 2, 29))]["spend_minor"] + 45_000
    assert min(changed(before, after, "L2")) == date(2024, 2, 29)
    assert min(changed(before, after, "L0")) == date(2024, 3, 31)  # the refund changes March on, not February
    assert after[("L0", date(2024, 3, 31))]["balance_minor"] < before[("L0", date(2024, 3, 31))]["balance_minor"]


def test_a_reversed_payment_vanishes_from_every_stored_month(bus: MessageBus) -> None:
    before = stored(bus)
    bus.handle(c.ReversePayment("bounce", "L1", "p1-1", date(2024, 4, 6)))  # paid 8 Feb, bounced on the open date
    after = assert_equal_to_replay(bus)
    feb = ("L1", date(2024, 2, 29))
    assert before[feb]["payments"] == 1 and after[feb]["payments"] == 0
    assert after[feb]["balance_minor"] > before[feb]["balance_minor"]
    assert min(changed(before, after, "L1")) == date(2024, 2, 29)


def restructured(engine: Engine) -> MessageBus:
    """L-r buys 2,400 yuan over 3 periods, misses its first bill and takes a term extension on 21 Feb; the book is
    closed through 5 March, so the February month end is stored with the extension."""
    bus = new_bus(engine)
    bus.handle(c.OpenLine("L-r", "r", 500_000, OPENED))
    bus.handle(c.RunDayEnd(OPENED))
    bus.handle(c.Purchase("big", "L-r", 240_000, 3, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(date(2024, 2, 20)))  # the first bill (due 10 Feb) is unpaid: the line is past due
    bus.handle(c.Restructure("ext", "L-r", "term_extension", date(2024, 2, 21), (("periods", 6),)))
    bus.handle(c.RunDayEnd(date(2024, 3, 5)))
    return bus


def test_an_undone_restructure(engine: Engine) -> None:
    bus = restructured(engine)
    before = stored_on(bus, date(2024, 3, 5))
    bus.handle(c.UndoRestructure("undo", "L-r", "ext", date(2024, 3, 6)))
    after = assert_equal_to_replay(bus, date(2024, 3, 5))
    assert changed(before, after, "L-r").keys() == {date(2024, 2, 29)}


def test_a_payment_booked_late_keeps_its_value_date_in_the_stored_rows(engine: Engine) -> None:
    """A back-dated payment of nearly everything owed is absorbed into February; a second one dated 15 Feb would
    leave nothing for the 21 Feb extension, so history cannot absorb it: it is booked on the open date with its value
    date kept. The February row counts both (the replay reads the value date)."""
    bus = restructured(engine)
    before = stored_on(bus, date(2024, 3, 5))
    bus.handle(c.Repay("first", "L-r", 240_000, date(2024, 2, 15)))
    bus.handle(c.Repay("late", "L-r", 100_000, date(2024, 2, 15)))
    with bus.uow:
        booked = next(e for e in bus.uow.lines.get("L-r").events if e["id"] == "late")
    assert (booked["on"], booked["value_on"]) == ("2024-03-06", "2024-02-15")
    after = assert_equal_to_replay(bus, date(2024, 3, 5))
    feb = ("L-r", date(2024, 2, 29))
    assert (after[feb]["payments"], after[feb]["last_payment_on"]) == (2, date(2024, 2, 15))
    assert before[feb]["payments"] == 0


def stored_on(bus: MessageBus, on: date) -> Rows:
    with bus.uow:
        rows, _, alone = run_panel(bus.uow, on)
    assert alone
    return {(r["account_id"], r["month_end_on"]): r for r in rows}


def test_a_line_opened_in_a_closed_month_gets_its_rows(bus: MessageBus) -> None:
    bus.handle(c.OpenLine("L-back", "back", 200_000, date(2024, 2, 10)))
    after = assert_equal_to_replay(bus)
    assert {m for i, m in after if i == "L-back"} == {date(2024, 2, 29), date(2024, 3, 31)}


def test_a_quiet_lines_command_dated_in_a_closed_month(bus: MessageBus) -> None:
    """L-quiet was never loaded by a day-end (nothing was due): its line lags the book, so the purchase is applied
    as an ordinary command, yet it lands in March, which is stored."""
    before = stored(bus)
    bus.handle(c.Purchase("q", "L-quiet", 50_000, 1, date(2024, 3, 10)))
    after = assert_equal_to_replay(bus)
    assert after[("L-quiet", date(2024, 3, 31))]["spend_minor"] == 50_000
    assert changed(before, after, "L-quiet").keys() == {date(2024, 3, 31)}


def test_a_refused_command_writes_nothing(bus: MessageBus) -> None:
    before = stored(bus)
    with bus.uow:
        count = bus.uow.connection.execute(sa.select(sa.func.count()).select_from(behaviour_panel)).scalar_one()
    with pytest.raises(CreditloopError):
        bus.handle(c.Refund("too-much", "L0", "b0-2", 10_000_000, date(2024, 3, 10)))  # more than was bought
    with pytest.raises(CreditloopError):
        bus.handle(c.ReversePayment("nope", "L1", "no-such-payment", date(2024, 4, 6)))
    assert stored(bus) == before
    with bus.uow:
        assert bus.uow.connection.execute(sa.select(sa.func.count()).select_from(behaviour_panel)).scalar_one() == count
    assert_equal_to_replay(bus)


def test_commands_on_the_open_date_leave_the_stored_rows_alone(bus: MessageBus) -> None:
    before = stored(bus)
    bus.handle(c.Purchase("today", "L0", 10_000, 1, date(2024, 4, 6)))
    bus.handle(c.Repay("today-pay", "L1", 5_000, date(2024, 4, 6)))
    assert stored(bus) == before
    assert_equal_to_replay(bus)
