"""How the simulated lender decides applications, and how the learning lender learns (split from runner.py).

Two decision paths, both through the message bus:
- the scored underwriting of issue #13 (``DecideApplication`` with the whole application form: checks,
  model, limits, champion/challenger arm): every strategy unless it says ``decision="rules"``; the
  underwriting is the bus's (``Policies.underwriting``: the packaged champion/challenger arms by default);
- the rule policy of issue #1 (``SubmitApplication`` with the self-declared age, income, debts and lenders),
  for strategies with ``decision="rules"`` (the comparison the loss–approval frontier is drawn against).

A strategy with a ``LearningPlan`` (simulate/learning.py) starts on the checks and a rule-only underwriting
policy (``underwriting_v1`` without a model: ``without_model="rule_only"``, the rule-only band's limit
multiple, affordability as usual) and, at the end of the plan's month, fits a scorecard on its own first
cohorts, saves it under ``models/`` in the run's directory and deploys it: later applications are decided by
``underwriting_v1`` naming that model's id and version (policy id ``sim-learning``; version ``rules`` before,
the model version after — both recorded in ``policy_version``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.simulate.applicants import application_form
from creditloop.simulate.learning import TrainingTable, fit_and_save, training_table
from creditloop.simulate.outputs import DecisionRow, OutputWriter
from creditloop.simulate.population import Customer
from creditloop.simulate.strategies import Strategy
from creditloop.strategy.origination import Applicant

log = logging.getLogger(__name__)

Submit = Callable[[object], Any]
LEARNING_POLICY_ID = "sim-learning"
BASE_POLICY = "underwriting_v1"
RULE_ONLY_BAND = "C"


def minute_of(cu: Customer) -> int:
    """The applicant's minute of the day (08:00–21:59), fixed by the customer id: no draw from any stream."""
    return int(cu.customer_id[1:]) * 37 % 840 + 480


class SimLender:
    def __init__(self, strategy: Strategy, bus: MessageBus, out: OutputWriter, block: int) -> None:
        self.strategy = strategy
        self.bus = bus
        self.out = out
        self.block = block
        self.features: dict[str, Mapping[str, Any]] = {}  # model rows by application id (learning lender)
        self.learning: dict[str, Any] = {}  # what the learning lender did, for summary.json
        self.collect_only = False  # the pooled first phase of a parallel run: build the table, fit nothing
        self.table: TrainingTable | None = None
        if strategy.learning is not None:
            self._install(self._learning_policy(None), None)
        elif strategy.underwriting_policy is not None:
            from creditloop.app.underwriting_setup import arm_setup

            policy = strategy.underwriting_policy
            self._install(policy, arm_setup(policy, ()).model)

    # ------------------------------------------------------------ deciding

    def decide(self, cu: Customer, application_id: str, day: date, submit: Submit) -> DecisionRow | None:
        """The lender's decision on the application (None: refused by the system, counted by the runner)."""
        if self.strategy.decision == "rules":
            applicant = Applicant(
                application_id=application_id,
                age=cu.stated_age,
                monthly_income_minor=cu.stated_income_minor,
                monthly_debt_payments_minor=cu.stated_debt_minor,
                lenders_count=cu.stated_lenders,
            )
            decision = submit(c.SubmitApplication(application_id, cu.customer_id, applicant, day))
            return None if decision is None else DecisionRow.of_rule(decision)
        form = application_form(cu, application_id, day, minute_of(cu))
        scored = submit(c.DecideApplication(form, customer_id=cu.customer_id))
        if scored is None:
            return None
        if self.strategy.learning is not None:
            from creditloop.app.underwriting_setup import BUSINESS_TZ
            from creditloop.strategy.app_features import application_features
            from creditloop.strategy.facts import derive_facts

            self.features[application_id] = application_features(derive_facts(form, BUSINESS_TZ))
        return DecisionRow.of_underwriting(scored)

    # ------------------------------------------------------------ learning

    def month_end(self, m: int) -> None:
        """The learning lender fits and deploys its model at the end of its plan's month."""
        plan = self.strategy.learning
        if plan is None or m != plan.fit_after_month:
            return
        rows = self.out.rows
        table = training_table(rows["applications"], rows["snapshots"], self.features, m, plan)
        self.table = table
        if self.collect_only:
            return
        if plan.model_file is not None:  # fitted on every block's first months (simulate/parallel.py)
            saved = (Path(plan.model_file), _version_of(Path(plan.model_file))) if plan.model_file else None
        else:
            saved = fit_and_save(table, plan, self.out.dir, self.block)
        self.learning = {
            "fit_after_month": m,
            "training_rows": len(table.rows),  # this block's own cohorts
            "training_bads": table.bads,
            "pooled": plan.model_file is not None,
            "model_version": saved[1] if saved else None,
        }
        if saved is not None:
            self.deploy(*saved)

    def deploy(self, path: Path, version: str) -> None:
        """Later applications are decided by the policy naming the new model (its id and version)."""
        from creditloop.scoring.runtime import load_model

        model = load_model(path)
        self._install(self._learning_policy(version), model)
        log.info("learning lender: model %s deployed", version)

    def _learning_policy(self, version: str | None) -> Any:
        from creditloop.strategy.underwriting_policy import ModelRef, packaged_underwriting_policy

        plan = self.strategy.learning
        assert plan is not None
        base = packaged_underwriting_policy(BASE_POLICY)
        if version is None:
            return replace(
                base,
                policy_id=LEARNING_POLICY_ID,
                version="rules",
                models=(),
                without_model="rule_only",
                rule_only_band=RULE_ONLY_BAND,
            )
        return replace(base, policy_id=LEARNING_POLICY_ID, version=version, models=(ModelRef(plan.model_id, version),))

    def _install(self, policy: Any, model: Any) -> None:
        from creditloop.app.underwriting import ArmSetup, Underwriting
        from creditloop.app.underwriting_setup import tier_products
        from creditloop.strategy.arms import Arm, ArmSplit
        from creditloop.strategy.check_policy import packaged_check_policy

        split = ArmSplit("single", "1", "", (Arm("champion", policy.policy_id, 10_000),))
        setup = ArmSetup(policy, packaged_check_policy(policy.check_policy), model, tier_products(policy))
        underwriting = Underwriting(split, {"champion": setup})
        self.bus.policies = replace(self.bus.policies, underwriting=underwriting)


def _version_of(path: Path) -> str:
    return str(json.loads(path.read_text(encoding="utf-8")).get("model_version", ""))
