"""Forborne marks from hardship plan records (issue 16): a line under an accepted hardship plan is reported
``forborne`` (with ``restructured`` from the Restructure command) from the month the plan was accepted until its
EU probation ends; not before. On the memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.bus import MessageBus
from creditloop.app.furnishing import furnish_month
from creditloop.app.furnishing_plans import forborne, forborne_on
from creditloop.app.hardship_store import StoredPlan
from creditloop.app.ports import UnitOfWork
from creditloop.bootstrap import default_policies

ON = date(2024, 4, 21)


def _marks(bus: MessageBus, day: date) -> tuple[str, ...]:
    return next(iter(furnish_month(bus.uow, day))).marks


def test_a_line_under_a_hardship_plan_is_forborne_from_the_month_it_was_accepted(any_uow: UnitOfWork) -> None:
    bus = MessageBus(any_uow, default_policies())
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 300_000, 12, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(ON - timedelta(days=1)))  # 71 DPD
    bus.handle(h.SubmitHardshipRequest("r1", "L", ON, "customer", "job_loss_or_pay_cut", 500_000, 350_000, True))
    bus.handle(h.GenerateHardshipOptions("r1", ON))
    bus.handle(h.AcceptHardshipOption("r1", "TE24", "agent", ON))
    bus.handle(c.RunDayEnd(date(2024, 6, 30)))
    assert _marks(bus, date(2024, 3, 31)) == ()  # before the plan
    assert _marks(bus, date(2024, 4, 30)) == ("restructured", "forborne")
    assert _marks(bus, date(2024, 6, 30)) == ("restructured", "forborne")
    with bus.uow:
        (plan,) = bus.uow.hardship.plans(line_id="L")  # type: ignore[attr-defined]
    # penalty and fees forgone: a distressed restructuring (DFO over 1 %), so a 12-month cure then 24 of probation
    assert plan.marks["eu_forborne"] == "non_performing_forborne"
    assert plan.marks["eu_probation_ends_on"] == "2027-04-21"


def _plan(**kw: object) -> StoredPlan:
    base = StoredPlan("p", "r", "L", "TE24", "term_extension", {}, date(2024, 4, 21), "agent", 0, (),
                      {"eu_probation_ends_on": "2026-04-21"})  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def test_the_forborne_months_end_with_the_probation_and_restart_when_the_plan_breaks() -> None:
    plan = _plan()
    assert [forborne_on(plan, d) for d in (date(2024, 3, 31), date(2024, 4, 30), date(2026, 3, 31))] == [
        False, True, True,
    ]  # fmt: skip
    assert not forborne_on(plan, date(2026, 4, 30))  # probation over: no longer forborne
    broken = _plan(status="broken", marks={"eu_probation_ends_on": "2027-10-05", "broken_on": "2024-10-05"})
    assert forborne_on(broken, date(2026, 4, 30)) and not forborne_on(broken, date(2027, 10, 31))
    assert forborne_on(_plan(marks={}), date(2030, 1, 31))  # no probation date: while the plan is active
    assert not forborne_on(_plan(marks={}, status="completed"), date(2030, 1, 31))
    assert not forborne([], date(2024, 4, 30))
