"""Education at checkout (issue 16, item 5) through the bus on the memory fake, SQLite and PostgreSQL: the
affordability outcome per the packaged policy, audited; a nudge buys only when confirmed, a cool-off only 24 hours
later, a decline never; the cost in plain words on the customer's numbers; reminders queued before the due date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.checkout import CheckoutPurchase, CustomerMeans, QueueDueReminders
from creditloop.app.ports import UnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.core.errors import IdempotencyConflict, ValidationError

ON = date(2024, 1, 6)
AT = datetime(2024, 1, 6, 10, tzinfo=UTC)
MEANS = CustomerMeans(800_000, 500_000, 0)  # 3,000 yuan a month disposable


def _bus(uow: UnitOfWork) -> MessageBus:
    bus = MessageBus(uow, default_policies())
    bus.handle(c.OpenLine("L", "C", 5_000_000, date(2024, 1, 5)))
    return bus


def _buy(bus: MessageBus, cid: str, amount: int, **kw: object) -> object:
    args = {"at": AT, "means": MEANS, **kw}
    return bus.handle(CheckoutPurchase(cid, "L", amount, 6, ON, **args))  # type: ignore[arg-type]


def _plans(bus: MessageBus) -> list[str]:
    with bus.uow:
        return [p.purchase_id for p in bus.uow.lines.get("L").plans]


def test_outcomes_follow_the_policy_and_only_allowed_purchases_book(any_uow: UnitOfWork) -> None:
    bus = _bus(any_uow)
    small = _buy(bus, "k1", 300_000)  # 519.50 a month: 17.3 % of 3,000 -> pass
    assert (small.status, small.decision.outcome, small.decision.ratio_bps) == ("purchased", "pass", 1732)
    assert small.reminders == ("2024-02-07", "2024-02-09")  # 3 and 1 days before the 02-10 due date
    nudge = _buy(bus, "k2", 300_000)  # + the first plan's 519.50 running: 34.6 % -> nudge
    assert (nudge.status, nudge.decision.outcome, nudge.decision.ratio_bps) == ("needs_confirmation", "nudge", 3464)
    assert _plans(bus) == ["k1"]
    assert _buy(bus, "k2", 300_000, confirmed=True).status == "purchased"
    cool = _buy(bus, "k3", 600_000)  # 1,039 + 1,039 running: 69.3 % -> cool-off 24 h
    assert (cool.status, cool.confirm_after) == ("cooling_off", AT + timedelta(hours=24))
    assert _buy(bus, "k3", 600_000, confirmed=True, at=AT + timedelta(hours=23)).status == "cooling_off"
    done = _buy(bus, "k3", 600_000, confirmed=True, at=AT + timedelta(hours=24))
    assert done.status == "purchased" and done.decision.outcome == "cool_off"  # the first decision stands
    no = _buy(bus, "k4", 2_000_000, confirmed=True)
    assert (no.status, no.decision.outcome) == ("declined", "decline")
    assert _plans(bus) == ["k1", "k2", "k3"]
    with bus.uow:
        audit = bus.uow.audit
        assert audit.get("checkout/k4").outcome == "decline"  # declined, and audited
        assert audit.get("checkout/k3").trace[0]["decided_at"] == AT.isoformat()
        assert audit.get("checkout/k3/purchased") is not None and audit.get("checkout/k4/purchased") is None
        reminder = audit.get("message/due_reminder/L/2024-02-10/3")
        assert reminder.kind == "outbound_message" and "2024-02-10" in reminder.trace[0]["zh"]
    with pytest.raises(IdempotencyConflict):
        _buy(bus, "k3", 600_001, confirmed=True)


def test_cost_in_plain_words_uses_the_customers_numbers(any_uow: UnitOfWork) -> None:
    bus = _bus(any_uow)
    result = _buy(bus, "p", 300_000, preview=True)
    cost = result.cost
    assert (cost.installment_minor, cost.total_cost_minor, str(cost.apr_percent)) == (51_950, 11_700, "12.76")
    assert (cost.late_days, cost.penalty_minor, cost.late_code, cost.retention_years) == (30, 779, "1", 5)
    assert "12.76%" in cost.text["zh"] and "¥7.79" in cost.text["zh"] and "5年" in cost.text["zh"]
    assert "annualised rate of 12.76%" in cost.text["en"] and "'1' (overdue 1-30 days)" in cost.text["en"]
    assert result.status == "preview" and _plans(bus) == []
    with bus.uow:
        assert bus.uow.audit.get("checkout/p") is None  # a preview writes nothing


def test_reminders_before_the_next_due_date_are_queued_once(any_uow: UnitOfWork) -> None:
    bus = _bus(any_uow)
    bus.handle(c.Purchase("b", "L", 300_000, 6, ON))
    bus.handle(c.RunDayEnd(date(2024, 2, 5)))  # the February statement is cut
    assert bus.handle(QueueDueReminders("L", date(2024, 2, 5))) == ("2024-02-07", "2024-02-09")
    assert bus.handle(QueueDueReminders("L", date(2024, 2, 5))) == ()  # once each


def test_bad_means_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as exc:
        CustomerMeans(-1, 0)
    assert exc.value.field == "monthly_income_minor"
