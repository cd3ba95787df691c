"""The issue 14 early warning inside the simulator: an online behaviour state per line and the ewi_v1 rules.

Each line keeps a ``monitoring.online.AccountState`` fed from what the lender sees: purchases and repayments as
they post, and at each month end the line's snapshot (dpd, balance, limit, the month's statement) with the
declared shock. Those are the columns ``adapters/warehouse/sim_panel.py`` derives from the outputs, so the
features here equal the back-test's on the same run (tests/simulation/test_sim_ewi.py holds them equal). A line
leaves the monitor the first month end it is neither ACTIVE nor FROZEN, as it leaves the panel. The rules run at
the month end with de-duplication and cool-down; what is done with an alert is the runner's (the strategy's).
With a budget in the rule set, a month's alerts wait for every line's month end (``close_month``) and go through
``alert_rules.within_budget``, as in the back-test's replay and ``ewi run``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditloop.monitoring.alert_rules import (
    AlertRuleSet,
    Candidate,
    RaisedAlert,
    RuleState,
    default_alert_rules,
    evaluate_rules,
    packaged_alert_rules,
    within_budget,
)
from creditloop.monitoring.features import FeatureSet, default_feature_set
from creditloop.monitoring.online import AccountState
from creditloop.simulate.scenario import Scenario
from creditloop.simulate.strategies import Strategy

OPEN_STATUSES = frozenset({"ACTIVE", "FROZEN"})
DECLARED_SHARE = 0.25  # a scenario sector counts as a declared shock when at least this share of it is hit
ScoreFn = Callable[[Mapping[str, float | None]], float]


@dataclass(frozen=True, slots=True)
class DeclaredShock:
    """What the lender was told: which stated sectors are hit, in which simulated months (1-based, inclusive)."""

    sectors: frozenset[str]
    months: range

    def applies(self, stated_sector: str, month: int) -> bool:
        return month in self.months and stated_sector in self.sectors


def declared_shock(scenario: Scenario, shock_month: int | None = None) -> DeclaredShock:
    """The scenario's sectors hit broadly (affected share >= DECLARED_SHARE) over its shock months, recovery
    excluded. Never who was really hit (the ground truth is not something a lender knows)."""
    shock = scenario.shock
    if shock is None:
        return DeclaredShock(frozenset(), range(0))
    start = shock_month or shock.start_month
    sectors = frozenset(s for s, p in shock.sectors.items() if float(p.affected_share) >= DECLARED_SHARE)
    return DeclaredShock(sectors, range(start, start + shock.duration_months))


class BehaviourMonitor:
    """Online behaviour states and alert-rule states of every open line."""

    def __init__(self, rules: AlertRuleSet, fs: FeatureSet, shock: DeclaredShock, score: ScoreFn | None) -> None:
        self.rules, self.fs, self.shock, self.score = rules, fs, shock, score
        self.states: dict[str, AccountState] = {}
        self.rule_states: dict[str, dict[str, RuleState]] = {}
        self.left: set[str] = set()  # lines that left ACTIVE / FROZEN: never monitored again
        self.alerts_by_rule: dict[str, int] = {r.rule_id: 0 for r in rules.rules}
        self.candidates: list[Candidate] = []  # the month's alerts waiting for the budget (a budget only)
        self.active = 0  # lines monitored at this month end so far (the budget's denominator)
        self.suppressed_alerts = 0  # kept back by the budget, over the run
        self.suppressed_lines = 0

    def _state(self, line_id: str) -> AccountState | None:
        if line_id in self.left:
            return None
        state = self.states.get(line_id)
        if state is None:
            state = self.states[line_id] = AccountState(line_id, self.fs)
        return state

    def purchase(self, line_id: str, amount_minor: int, on: date) -> None:
        state = self._state(line_id)
        if state is not None:
            state.purchase(amount_minor, on)

    def payment(self, line_id: str, amount_minor: int, on: date) -> None:
        state = self._state(line_id)
        if state is not None:
            state.payment(amount_minor, on, None)  # the simulator has one payment source: null, as in the panel

    def month_end(self, snapshot: Mapping[str, Any], stated_sector: str) -> list[RaisedAlert]:
        """Close the line's month from its snapshot row; the alerts it raises (none once the line has left). With
        a budget the alerts wait for ``close_month`` and none are returned here."""
        line_id = snapshot["line_id"]
        if snapshot["status"] not in OPEN_STATUSES:
            self.left.add(line_id)
            self.states.pop(line_id, None)
            self.rule_states.pop(line_id, None)
            return []
        state = self._state(line_id)
        if state is None:
            return []
        on = snapshot["month_end_on"]
        # the statement's minimum; None on a product without one (sim_panel's min_due_minor reads the same column)
        state.statement(snapshot["statement_due_minor"], snapshot.get("statement_min_due_minor"), on)
        state.month_end(
            on,
            snapshot["dpd"],
            snapshot["balance_minor"],
            snapshot["limit_minor"],
            shock=self.shock.applies(stated_sector, snapshot["month_index"]),
            other_lenders=snapshot.get("other_lenders"),
        )
        features = state.features()
        pd = self.score(features) if self.score is not None and self.rules.uses_score else None
        rule_state = self.rule_states.setdefault(line_id, {})
        alerts = evaluate_rules(self.rules, features, pd, on, rule_state)
        self.active += 1
        if self.rules.budget is not None:
            if alerts:
                self.candidates.append(Candidate(line_id, tuple(alerts), pd))
            return []
        self._raised(line_id, alerts, on)
        return alerts

    def close_month(self) -> list[Candidate]:
        """After every line's month end: the month's alerts within the budget (kept, by line id), the rest
        suppressed. Nothing without a budget (``month_end`` returned the alerts already)."""
        chosen = within_budget(self.rules, self.candidates, self.active)
        self.candidates, self.active = [], 0
        for c in chosen.kept:
            self._raised(c.account_id, c.alerts, c.alerts[0].raised_on)
        self.suppressed_alerts += chosen.suppressed_alerts
        self.suppressed_lines += len(chosen.suppressed)
        return sorted(chosen.kept, key=lambda c: c.account_id)

    def _raised(self, line_id: str, alerts: list[RaisedAlert] | tuple[RaisedAlert, ...], on: date) -> None:
        rule_state = self.rule_states.setdefault(line_id, {})
        for alert in alerts:
            rule_state[alert.rule_id] = RuleState(on, False)  # no case store: the cool-down de-duplicates
            self.alerts_by_rule[alert.rule_id] += 1


def ewi_monitor(strategy: Strategy, scenario: Scenario) -> BehaviourMonitor | None:
    """The strategy's behaviour-v1 monitor (with its behaviour score when it names one); None for the single rule."""
    if strategy.ewi_policy != "behaviour-v1":
        return None
    score: ScoreFn | None = None
    if strategy.ewi_model is not None:
        from creditloop.scoring.runtime import load_model

        model = load_model(strategy.ewi_model)
        score = lambda features: model.score_one(features).pd  # noqa: E731
    rules = default_alert_rules() if strategy.ewi_rules is None else packaged_alert_rules(strategy.ewi_rules)
    return BehaviourMonitor(rules, default_feature_set(), declared_shock(scenario), score)
