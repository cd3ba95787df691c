"""The behaviour-v1 early warning's monthly step in a simulation (issue 14), split from runner.py.

At each month end every line's snapshot goes into its online behaviour state (``ewi_monitor``); the alerts it
raises are acted on as the strategy says, through the same paths as the lender's other decisions:

- ``remind``: a reminder EWI_REMIND_DAYS_BEFORE the next due date (the customer answers with the reminder
  response model when no payment is on its way; one already planned is left as it is);
- ``freeze``: ``ChangeLine`` freeze on the next statement day (unfrozen by the strategy's limit review);
- ``hardship``: for EWI_HARDSHIP_MONTHS the hardship outreach offers the line a plan from the policy's minimum DPD
  (1) instead of the strategy's usual 31, through ``RequestHardship`` (request ids ``HE-``: brought forward);
- ``record``: nothing.

With a budget in the rule set the month's alerts are queued after every line's month end (``close_month``).
``single_rule_warning`` is the single payment-ratio rule's job (the strategies without behaviour-v1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from creditloop.jobs.early_warning import run_early_warning
from creditloop.monitoring.alert_rules import RaisedAlert
from creditloop.products.terms import Product
from creditloop.servicing.credit_line import LineStatus
from creditloop.simulate.ewi_monitor import BehaviourMonitor, ewi_monitor
from creditloop.simulate.strategies import EWI_CUT_BPS
from creditloop.strategy.limit_management import LimitAction, cut_limit_minor

if TYPE_CHECKING:
    from creditloop.simulate.runner import Simulation

EWI_REMIND_DAYS_BEFORE = 3  # a reminder goes out this many days before the next due date
EWI_HARDSHIP_MONTHS = 3  # an alert brings the hardship offer forward for this many months
SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


class EwiStep:
    def __init__(self, sim: Simulation, monitor: BehaviourMonitor) -> None:
        self.sim, self.monitor = sim, monitor
        self.action = sim.strategy.ewi_action
        self.pending: dict[str, str] = {}  # line -> rule of an alert still to act on (remind / freeze)
        self.hardship_until: dict[str, int] = {}  # line -> last month its alert brings the hardship offer forward

    @classmethod
    def of(cls, sim: Simulation) -> EwiStep | None:
        """The strategy's step, or None when it keeps the single rule (the outputs exactly as before)."""
        monitor = ewi_monitor(sim.strategy, sim.cfg.scenario)
        return cls(sim, monitor) if monitor is not None else None

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"policy": self.sim.strategy.ewi_policy, "alerts_by_rule": self.monitor.alerts_by_rule}
        rules = self.monitor.rules
        if rules.budget is not None:  # only then: the summaries of runs without a budget stay as they were
            out["rules"] = f"{rules.rule_set_id}@{rules.version}"
            out["suppressed_by_budget"] = {
                "alerts": self.monitor.suppressed_alerts,
                "lines": self.monitor.suppressed_lines,
            }
        return {"ewi": out}

    def action_day(self, product: Product) -> int:
        due_day = product.statement_day + product.due_days_after_statement
        return due_day - EWI_REMIND_DAYS_BEFORE if self.action == "remind" else product.statement_day

    def hardship_early(self, line_id: str, m: int) -> bool:
        return self.hardship_until.get(line_id, 0) >= m

    def observe(self, row: dict[str, Any], m: int) -> None:
        """The month end's snapshot into the line's state; its alerts queued for the strategy's action."""
        alerts = self.monitor.month_end(row, self.sim.by_id[row["customer_id"]].stated_sector)
        if alerts:
            self._queue(row["line_id"], alerts, m)

    def close_month(self, m: int) -> None:
        """After every line's month end: the alerts the budget kept (none without a budget: already queued)."""
        for c in self.monitor.close_month():
            self._queue(c.account_id, c.alerts, m)

    def _queue(self, line_id: str, alerts: Sequence[RaisedAlert], m: int) -> None:
        if self.action == "hardship":
            self.hardship_until[line_id] = m + EWI_HARDSHIP_MONTHS
        elif self.action in ("remind", "freeze"):
            self.pending[line_id] = max(alerts, key=lambda a: SEVERITY_RANK[a.severity]).rule_id

    def act(self, day: date, m: int) -> None:
        """The queued alerts: a reminder before the due date, or a freeze (the reason code is the rule)."""
        sim, pending, self.pending = self.sim, self.pending, {}
        for line_id, rule_id in pending.items():
            line = sim._line(line_id)
            frozen_ok = line.status is LineStatus.FROZEN and self.action == "remind"
            if line.status is not LineStatus.ACTIVE and not frozen_ok:
                continue
            line.close_through(day - timedelta(days=1))
            cu = sim.by_id[line.customer_id]
            if self.action == "freeze":
                sim._change(line, cu, LimitAction("freeze", None, rule_id), day, m)
            elif sim.pay_pending_until.get(line_id, date.min) > day:  # paying anyway: the reminder changes nothing
                sim._action(line_id, day, m, "reminder", line.limit_minor, line.limit_minor, rule_id)
            else:
                sim._remind_line(line, cu, day, m, rule_id)


def single_rule_warning(sim: Simulation, day: date, m: int) -> None:
    """The single payment-ratio rule's job the day after the due date (``jobs/early_warning.py``), and the
    strategy's action on its alerts (behaviour-v1 strategies only record them: they act on their own)."""
    action = sim.strategy.ewi_action if sim.ewi is None else "record"  # behaviour-v1 acts on its own alerts
    for item in run_early_warning(sim.bus.uow, sim.rule, day):
        sim.out.alert(item, m)
        sim.alert_months[item.line_id].append(m)
        if action == "record":
            continue
        line = sim._line(item.line_id)
        cu = sim.by_id[line.customer_id]
        if action == "remind":
            sim._remind_line(line, cu, day, m, "EWI_PAYMENT_RATIO_DROP")
        elif action == "cut" and line.status is LineStatus.ACTIVE:
            new = cut_limit_minor(sim.cut_rule, sim._review_of(line, m), EWI_CUT_BPS)
            if new < line.limit_minor:
                sim._change(line, cu, LimitAction("limit", new, "EWI_LIMIT_CUT"), day, m)
        elif action == "freeze" and line.status is LineStatus.ACTIVE:
            sim._change(line, cu, LimitAction("freeze", None, "EWI_FREEZE"), day, m)
