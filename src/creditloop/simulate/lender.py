"""How the simulated lender decides applications, and how the learning lender learns (split from runner.py).

Two decision paths, both through the message bus:
- the rule policy of issue #1 (``SubmitApplication`` with the self-declared age, income, debts and lenders),
  for strategies with ``decision="rules"``;
- the scored underwriting of issue #13 (``DecideApplication`` with the whole application form: checks,
  model, limits, champion/challenger arm), for the others.

A strategy with a ``LearningPlan`` (simulate/learning.py) starts on the checks and the rule-only underwriting
policy and, at the end of the plan's month, fits a scorecard on its own first cohorts, saves it under
``models/`` in the run's directory and deploys it: later applications are decided by a policy naming that
model's id and version.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.simulate.learning import fit_and_save, training_table
from creditloop.simulate.outputs import DecisionRow, OutputWriter
from creditloop.simulate.population import Customer
from creditloop.simulate.strategies import Strategy
from creditloop.strategy.origination import Applicant

log = logging.getLogger(__name__)

Submit = Callable[[object], Any]


class SimLender:
    def __init__(self, strategy: Strategy, bus: MessageBus, out: OutputWriter, block: int) -> None:
        self.strategy = strategy
        self.bus = bus
        self.out = out
        self.block = block
        self.features: dict[str, Mapping[str, Any]] = {}  # model rows by application id (learning lender)
        self.learning: dict[str, Any] = {}  # what the learning lender did, for summary.json

    def decide(self, cu: Customer, application_id: str, day: date, submit: Submit) -> DecisionRow | None:
        """The lender's decision on the application (None: refused by the system, counted by the runner)."""
        # Until the DecideApplication handler lands, every strategy decides with the rule policy.
        applicant = Applicant(
            application_id=application_id,
            age=cu.stated_age,
            monthly_income_minor=cu.stated_income_minor,
            monthly_debt_payments_minor=cu.stated_debt_minor,
            lenders_count=cu.stated_lenders,
        )
        decision = submit(c.SubmitApplication(application_id, cu.customer_id, applicant, day))
        return None if decision is None else DecisionRow.of_rule(decision)

    def month_end(self, m: int) -> None:
        """The learning lender fits and deploys its model at the end of its plan's month."""
        plan = self.strategy.learning
        if plan is None or m != plan.fit_after_month:
            return
        rows = self.out.rows
        table = training_table(rows["applications"], rows["snapshots"], self.features, m, plan)
        saved = fit_and_save(table, plan, self.out.dir, self.block)
        self.learning = {
            "fit_after_month": m,
            "training_rows": len(table.rows),
            "training_bads": table.bads,
            "model_version": saved[1] if saved else None,
        }
        if saved is not None:
            self.deploy(*saved)

    def deploy(self, path: Path, version: str) -> None:
        log.info("learning lender: model %s saved to %s", version, path.name)
