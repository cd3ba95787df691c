"""Day-end's closing steps (issue 15): the job tracks hardship plans and settles promises to pay for every date it
closes, in the transaction that marks the date DONE, on the memory fake, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.bus import MessageBus
from creditloop.app.ports import UnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.jobs.day_end import run_day_end_job
from creditloop.jobs.day_end_steps import ClosingCounts
from creditloop.servicing.model import LineStatus

ON = date(2024, 4, 21)


def test_day_end_breaks_an_unpaid_plan_on_the_day_the_rule_is_met(any_uow: UnitOfWork) -> None:
    bus = MessageBus(any_uow, default_policies())
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    bus.handle(c.Purchase("b", "L", 300_000, 12, date(2024, 1, 6)))
    run_day_end_job(bus.uow, ON - timedelta(days=1))  # three installments unpaid: 71 DPD
    bus.handle(h.SubmitHardshipRequest("r1", "L", ON, "customer", "job_loss_or_pay_cut", 500_000, 350_000, True))
    bus.handle(h.GenerateHardshipOptions("r1", ON))
    plan = bus.handle(h.AcceptHardshipOption("r1", "PW", "agent", ON)).plan
    bus.handle(c.Repay("p1", "L", 80_400, ON + timedelta(days=2)))  # the plan's first payment, then nothing

    closing = ClosingCounts(bus.policies)
    run_day_end_job(bus.uow, date(2024, 5, 31), closing_steps=closing.steps())
    assert dict(closing.plans) == {"active": 1}  # May's payment missed, within the rule's allowance
    run_day_end_job(bus.uow, date(2024, 6, 30), closing_steps=closing.steps())
    with bus.uow:
        stored = bus.uow.hardship.get_plan(plan.plan_id)  # type: ignore[attr-defined]
        line = bus.uow.lines.get("L")
        audit = bus.uow.audit.get(f"hardship_plan/{plan.plan_id}/broken")
    assert stored.status == "broken" and stored.missed == 2
    # Tracked daily, the plan breaks on the first day its second payment is past grace, not at a later batch.
    assert date(2024, 6, 1) <= stored.broken_on <= date(2024, 6, 16)
    assert line.status is LineStatus.FROZEN and audit is not None
    assert dict(closing.promises) == {"kept": 0, "broken": 0, "open": 0}
