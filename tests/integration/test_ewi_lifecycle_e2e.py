"""The alert lifecycle end to end on a ledger (issue 14): every night of the injected clock the book's day-end runs,
and on each month end and every seventh night ``ewi run`` (``jobs.ewi_run.run_ewi``) runs for that date, for up to
a year; nothing calls the closing step directly. (Running it every night gives the same closings a few days
earlier at most and costs ten minutes on a shared machine.)

``L-partial`` pays 60 % of its bills from February to April (the payment-ratio rules fire), then pays in full, so the
rule falls quiet and the line is current. With the packaged ``cure_months`` 2 its alert closes ``cured`` two quiet
month ends later; with ``cure_months`` 12 it cannot cure inside the window, so it closes ``expired`` on the first
run 180 days (``expire_after_days``) or more after the last month end the rule held. ``L-good`` pays in full throughout
and is never warned.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.core.dates import month_end
from creditloop.jobs.ewi_panel import ledger_panel
from creditloop.jobs.ewi_run import run_ewi
from creditloop.monitoring.action_policies import action_policy_from_dict
from creditloop.monitoring.alert_rules import default_alert_rules
from creditloop.monitoring.features import default_feature_set

pytest.importorskip("duckdb")
from creditloop.adapters.warehouse.ewi_ledger_features import ledger_features

RULES = default_alert_rules()
FS = default_feature_set()
RULE = "EWI_PAY_RATIO_LOW"
START = date(2024, 1, 5)
TEXTS = {"zh": "温馨提示", "en": "Reminder"}


class NightClock:
    """The injected clock: each night it stands on one business date, then moves to the next."""

    def __init__(self, first: date) -> None:
        self.day = first

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return datetime.combine(self.day, time(23, 0)).astimezone()

    def tick(self) -> None:
        self.day += timedelta(days=1)


def policy(cure_months: int) -> Any:
    doc = {
        "policy_id": "ewi_actions_lifecycle", "version": "1", "rule_set": "ewi@1", "cure_months": cure_months,
        "expire_after_days": 180,
        "actions": [{"when": {"severity": "medium"}, "action": "reminder", "days_before_due": 3, "message": TEXTS}],
    }  # fmt: skip
    return action_policy_from_dict(doc, RULES)


def day_of_business(bus: MessageBus, on: date) -> None:
    """What the customers do on ``on``: both buy 600 yuan on the 6th of January to April; on the 8th ``L-good`` pays
    what it owes, ``L-partial`` 60 % of it until April and everything (10 yuan over, for the penalty) from May."""
    if on.day == 6 and on.year == 2024 and on.month <= 4:
        for k in ("good", "partial"):
            bus.handle(c.Purchase(f"{k}-{on:%Y-%m}", f"L-{k}", 60_000, 1, on))
    if on.day == 8:
        for k in ("good", "partial"):
            with bus.uow:
                owed = bus.uow.lines.get(f"L-{k}").amount_due_minor
            if k == "partial" and on.year == 2024 and on.month <= 4:
                owed = owed * 6 // 10
            elif k == "partial" and owed:
                owed += 1_000
            if owed:
                bus.handle(c.Repay(f"{k}-pay-{on:%Y-%m}", f"L-{k}", owed, on))


def run_night(on: date) -> bool:
    return on == month_end(on) or (on - START).days % 7 == 0


def nights(engine: Engine, cure_months: int, end: date) -> tuple[MessageBus, dict[date, Any]]:
    """Run the book night by night with the clock to ``end``; returns the bus and each ``ewi run`` result by date."""
    policies = default_policies()
    bus = MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)
    clock = NightClock(START)
    for k in ("good", "partial"):
        bus.handle(c.OpenLine(f"L-{k}", k, 500_000, clock.today()))
    act = policy(cure_months)
    results = {}
    while clock.today() <= end:
        on = clock.today()
        day_of_business(bus, on)
        bus.handle(c.RunDayEnd(on))
        if run_night(on):
            results[on] = run_ewi(bus, on, RULES, act, lambda rows, keep: ledger_features(rows, FS, None, keep))
        clock.tick()
    return bus, results


def the_alert(bus: MessageBus) -> Any:
    with bus.uow:
        found = [a for a in bus.uow.alerts.for_line("L-partial") if a.rule_id == RULE]  # type: ignore[attr-defined]
        assert bus.uow.alerts.for_line("L-good") == []  # type: ignore[attr-defined]
    assert len(found) == 1
    return found[0]


def held_month_ends(bus: MessageBus, raised_on: date, end: date) -> list[date]:
    """The month ends after the raising at which the rule's condition held, from the replayed panel."""
    rule = next(r for r in RULES.rules if r.rule_id == RULE)
    with bus.uow:
        rows, _ = ledger_panel(iter(bus.uow.lines), end)
    features = ledger_features(rows, FS, None)
    return sorted(
        m for (i, m), v in features.items()
        if i == "L-partial" and m > raised_on and rule.condition.holds(v.get(rule.condition.indicator))
    )  # fmt: skip


def test_an_alert_never_cured_closes_expired_180_days_after_the_rule_last_held(engine: Engine) -> None:
    end = date(2025, 1, 10)
    bus, results = nights(engine, cure_months=12, end=end)
    alert = the_alert(bus)
    assert alert.status == "closed" and alert.outcome == "expired"
    assert alert.action == "reminder" and alert.actioned_on == alert.raised_on  # acted on the night it was raised
    held = held_month_ends(bus, alert.raised_on, end)
    quiet_from = max([alert.raised_on, *held])
    up = quiet_from + timedelta(days=180)
    assert alert.closed_on == min(on for on in results if on >= up)  # the first run once the 180 days were up
    closings = {on: dict(r.closed) for on, r in results.items() if r.closed}
    assert closings.get(alert.closed_on, {}).get("expired", 0) >= 1, closings
    with bus.uow:  # cure_months 12 leaves no room to cure: every alert of the line ends expired
        outcomes = {(a.rule_id, a.outcome) for a in bus.uow.alerts.for_line("L-partial")}  # type: ignore[attr-defined]
    assert {o for _, o in outcomes} == {"expired"}, outcomes
    with bus.uow:
        line = bus.uow.lines.get("L-partial")
    assert line.dpd == 0  # current all along after May: only the 12-month cure rule kept it from curing


def test_an_alert_that_cures_closes_cured_after_cure_months_quiet_month_ends(engine: Engine) -> None:
    end = date(2024, 9, 30)
    bus, results = nights(engine, cure_months=2, end=end)
    alert = the_alert(bus)
    assert alert.status == "closed" and alert.outcome == "cured"
    held = held_month_ends(bus, alert.raised_on, end)
    # cured on the first night after two quiet month ends past the last one that held (or the raising)
    last = max([alert.raised_on, *held])
    first_quiet = month_end(last + timedelta(days=1)) if last == month_end(last) else month_end(last)
    second_quiet = month_end(first_quiet + timedelta(days=1))
    assert alert.closed_on == second_quiet
    assert results[alert.closed_on].closed.get("cured", 0) >= 1
    assert (alert.closed_on - last).days < 180  # before it could have expired: cured, not merely quiet
