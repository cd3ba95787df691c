"""The nightly early-warning run over the ledger (issue 14): close what resolved, raise what the rules find, act.

1. The ledger becomes a behaviour panel (the day-end's stored rows, else the replay: ``jobs.ewi_stored_panel``)
   and its features (and score) are computed by the caller's engine (``compute``: DuckDB in
   ``adapters/warehouse/ewi_ledger_features.py``; this job stays lean).
2. Closing: an unclosed alert closes ``charged_off`` when its line is charged off, ``rolled`` when the line is past
   30 DPD on the run date, ``cured`` when the line is at dpd 0 and its rule's condition was false at each of the last
   ``cure_months`` month ends after it was raised, ``expired`` when it is still standing (within 30 DPD) and its
   rule's condition has not held at a month end for the policy's ``expire_after_days``.
3. Raising and acting: every ACTIVE or FROZEN line's features as of its latest month end on or before the date go
   through the rules, with de-duplication and cool-down read from the alert store; each alert raised gets the action
   its policy names (``ActOnAlert``), if any, in the same transaction as its raising (``RaiseAlert``): a crash
   leaves an alert either not raised at all or raised and actioned, never raised and forgotten. With a budget in
   the rule set every line is evaluated first; the lines ``alert_rules.within_budget`` keeps (its cap over the
   lines evaluated, less the lines this rule set already alerted since the month end the features describe: one
   budget per month however often the job runs) are raised, the others counted as suppressed and left unraised.
   With a consortium (``lenders``: ``ewi run --consortium``), the customers of the lines evaluated are asked once
   each and the answers override ``other_lenders`` and ``other_lenders_change_3m`` of each line's latest month
   before the rules read them; what was asked goes into the summary (``consortium``; docs/consortium.md).
4. Resuming: an alert still open with an action to take (left by an earlier version of the run, or by a policy that
   named no action then) is acted on, each in its own transaction.

Every write is a command through the bus, and every id derives from the rule set, rule, line and date (an action
from its alert), so running the same date again, or again after a crash, raises, acts on and closes nothing twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from creditloop.app import commands as c
from creditloop.app.alerts import AlertingUnitOfWork, StoredAlert, rule_states
from creditloop.app.ewi_handlers import short_id
from creditloop.app.panel_rows import StoredPanel
from creditloop.jobs.ewi_panel import LineAsOf, Row
from creditloop.jobs.ewi_stored_panel import last_month_end, run_panel
from creditloop.monitoring.action_policies import ActionPolicy
from creditloop.monitoring.alert_rules import (
    SCORE,
    AlertOutcome,
    AlertRule,
    AlertRuleSet,
    Candidate,
    RaisedAlert,
    evaluate_rules,
    within_budget,
)
from creditloop.servicing.credit_line import LineStatus

FeatureValues = Mapping[str, float | None]
# (panel, lines whose every month is wanted) -> features by (line, month end): every month of those lines and at
# least each other line's latest month (``adapters/warehouse/ewi_ledger_features.ledger_features``).
Compute = Callable[[Sequence[Row] | StoredPanel, frozenset[str]], Mapping[tuple[str, date], FeatureValues]]
# (line -> customer, 'YYYY-MM', run date) -> (line -> feature overrides, what was asked): the consortium's
# ``other_lenders`` (``app/consortium_ewi.EarlyWarningConsortium.lenders_features``); None: no consortium.
Lenders = Callable[[Mapping[str, str], str, date], tuple[Mapping[str, Mapping[str, float | None]], Any]]
# Indicators an outside source fills (the consortium's count): a null there means "not asked or not answered", not
# "nothing to flag", so it neither cures nor quietens an alert. A null ledger feature (nothing billed) stays quiet.
EXTERNAL_INDICATORS = frozenset({"other_lenders", "other_lenders_change_3m"})
ROLLED_DPD = 30  # past this many days a line has rolled to 30+: the alert's question is answered


@dataclass(slots=True)
class EwiRunResult:
    on: date
    lines: int = 0
    panel_rows: int = 0
    raised: Counter[tuple[str, str]] = field(default_factory=Counter)  # (rule_id, severity) -> alerts
    actions: Counter[tuple[str, str]] = field(default_factory=Counter)  # (action, outcome) -> alerts
    closed: Counter[str] = field(default_factory=Counter)  # outcome -> alerts
    suppressed: Counter[tuple[str, str]] = field(default_factory=Counter)  # (rule_id, severity) -> kept back
    suppressed_lines: int = 0  # lines the budget kept back on this run
    budgeted: bool = False  # the rule set has a budget (only then does the summary report what it suppressed)
    consortium: dict[str, Any] | None = None  # what the consortium was asked and said (None: not configured)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "on": self.on.isoformat(),
            "lines": self.lines,
            "panel_rows": self.panel_rows,
            "raised": [{"rule_id": r, "severity": s, "alerts": n} for (r, s), n in sorted(self.raised.items())],
            "actions": [{"action": a, "outcome": o, "alerts": n} for (a, o), n in sorted(self.actions.items())],
            "closed": dict(sorted(self.closed.items())),
        }
        if self.budgeted:
            suppressed = [{"rule_id": r, "severity": s, "alerts": n} for (r, s), n in sorted(self.suppressed.items())]
            out["suppressed_by_budget"] = {"lines": self.suppressed_lines, "alerts": suppressed}
        if self.consortium is not None:
            out["consortium"] = self.consortium
        return out


def run_ewi(
    bus: Any, on: date, rules: AlertRuleSet, policy: ActionPolicy, compute: Compute, lenders: Lenders | None = None
) -> EwiRunResult:
    uow = cast(AlertingUnitOfWork, bus.uow)
    with uow:  # the stored rows are read by ``compute`` inside this transaction
        unclosed = uow.alerts.unclosed()
        panel, states, _ = run_panel(uow, on, columnar=True)
        history = _by_line(compute(panel, frozenset(a.line_id for a in unclosed)), on)
    rows = panel.rows if isinstance(panel, StoredPanel) else len(panel)
    result = EwiRunResult(on, len(states), rows, budgeted=rules.budget is not None)
    evaluated = [i for i, s in sorted(states.items()) if s.status in (LineStatus.ACTIVE, LineStatus.FROZEN)
                 and history.get(i)]  # fmt: skip
    extra = _consortium(uow, lenders, evaluated, history, on, result) if lenders is not None else {}
    for line_id, found in extra.items():  # the consortium's answers are the latest month's values, for closing too
        month, values = history[line_id][-1]
        history[line_id][-1] = (month, {**values, **found})
    by_rule = {r.rule_id: r for r in rules.rules}
    for alert in unclosed:
        outcome = _outcome(alert, states.get(alert.line_id), history.get(alert.line_id, []), by_rule, policy, on)
        if outcome is not None:
            bus.handle(c.CloseAlert(alert.alert_id, on, outcome.value))
            result.closed[outcome.value] += 1
    candidates, values_of, active = [], {}, 0
    for line_id in evaluated:
        active += 1
        values = values_of[line_id] = dict(history[line_id][-1][1])
        alerts = _candidate_alerts(uow, rules, line_id, values, on)
        if alerts:
            candidates.append(Candidate(line_id, tuple(alerts), values.get(SCORE)))
    chosen = within_budget(rules, candidates, active, _already_alerted(uow, rules, on))
    for cand in sorted(chosen.kept, key=lambda k: k.account_id):
        _raise(bus, rules, policy, cand.account_id, cand.alerts, values_of[cand.account_id], on, result)
    for cand in chosen.suppressed:
        result.suppressed.update((a.rule_id, a.severity) for a in cand.alerts)
    result.suppressed_lines = len(chosen.suppressed)
    with uow:
        still_open = [a for a in uow.alerts.unclosed() if a.status == "open"]
    for alert in still_open:
        _act(bus, alert, policy, on, result)
    return result


def _consortium(
    uow: AlertingUnitOfWork, lenders: Lenders, lines: Sequence[str], history: Mapping[str, Any], on: date,
    result: EwiRunResult,
) -> Mapping[str, Mapping[str, float | None]]:  # fmt: skip
    """The consortium's features for the lines evaluated, asked once per customer (the month: the latest month end
    the line's features describe); the run's summary records what was asked."""
    with uow:
        uow.lines.load_many(lines)
        customers = {line_id: uow.lines.get(line_id).customer_id for line_id in lines}
    month = max((history[i][-1][0] for i in lines), default=on).strftime("%Y-%m")
    found, asked = lenders(customers, month, on)
    result.consortium = asked.to_dict()
    return found


def _act(bus: Any, alert: StoredAlert, policy: ActionPolicy, on: date, result: EwiRunResult) -> None:
    """The policy's action on an open alert, inside the caller's transaction or in its own."""
    chosen = policy.action_for(alert.rule_id, alert.severity)
    if chosen is None:
        return
    outcome = bus.handle(
        c.ActOnAlert(
            alert.alert_id, on, policy.policy_id, policy.version, chosen.action, chosen.text_zh, chosen.text_en,
            chosen.days_before_due, chosen.limit_share, chosen.of,
        )
    )  # fmt: skip
    result.actions[(chosen.action, outcome)] += 1


def _by_line(
    features: Mapping[tuple[str, date], FeatureValues], on: date
) -> dict[str, list[tuple[date, FeatureValues]]]:
    out: dict[str, list[tuple[date, FeatureValues]]] = defaultdict(list)
    for (line_id, month), values in sorted(features.items()):
        if month <= on:
            out[line_id].append((month, values))
    return out


def _already_alerted(uow: AlertingUnitOfWork, rules: AlertRuleSet, on: date) -> int:
    """Lines this rule set has alerted since the month end the run reads (0 without a budget: not read)."""
    if rules.budget is None:
        return 0
    with uow:
        found = uow.alerts.raised_between(last_month_end(on), on)
    return len({a.line_id for a in found if (a.rule_set_id, a.rule_set_version) == (rules.rule_set_id, rules.version)})


def _candidate_alerts(
    uow: AlertingUnitOfWork, rules: AlertRuleSet, line_id: str, values: FeatureValues, on: date
) -> list[RaisedAlert]:
    if not evaluate_rules(rules, values, values.get(SCORE), on, {}):
        return []  # nothing fires even without de-duplication and cool-down: no need to read the line's alerts
    with uow:
        state = rule_states(uow.alerts.for_line(line_id))
    return evaluate_rules(rules, values, values.get(SCORE), on, state)


def _raise(
    bus: Any, rules: AlertRuleSet, policy: ActionPolicy, line_id: str, alerts: Sequence[RaisedAlert],
    values: FeatureValues, on: date, result: EwiRunResult,
) -> None:  # fmt: skip
    by_rule = {r.rule_id: r for r in rules.rules}
    for alert in alerts:
        rule = by_rule[alert.rule_id]
        shown = {cond.indicator: values.get(cond.indicator) for cond in (rule.condition, *rule.also)}
        with bus.batch():  # one transaction: the alert and its action are written together or not at all
            stored = bus.handle(
                c.RaiseAlert(
                    short_id("ewi", rules.rule_set_id, rules.version, alert.rule_id, line_id, on), line_id,
                    alert.rule_id, rules.rule_set_id, rules.version, on, alert.severity, (alert.reason_code,),
                    tuple(sorted(shown.items())), values.get(SCORE),
                )
            )  # fmt: skip
            if stored is not None and stored.status == "open":
                _act(bus, stored, policy, on, result)
        if stored is not None:
            result.raised[(alert.rule_id, alert.severity)] += 1


def _outcome(
    alert: StoredAlert, state: LineAsOf | None, months: list[tuple[date, FeatureValues]],
    rules: Mapping[str, AlertRule], policy: ActionPolicy, on: date,
) -> AlertOutcome | None:  # fmt: skip
    """How an unclosed alert ends on this run, or None while it stands."""
    if state is None:
        return None
    if state.status is LineStatus.CHARGED_OFF:
        return AlertOutcome.CHARGED_OFF
    if state.dpd > ROLLED_DPD:
        return AlertOutcome.ROLLED
    rule = rules.get(alert.rule_id)
    after = [(month, values) for month, values in months if month > alert.raised_on]
    if rule is None:  # a rule no longer in the set counts as quiet since the raising
        return AlertOutcome.EXPIRED if (on - alert.raised_on).days >= policy.expire_after_days else None
    # An unknown value (EXTERNAL_INDICATORS: no consortium count that month) is neither quiet nor holding: unknown is
    # not cured. Cured needs the latest month end known and none of the last cure_months holding.
    cond = rule.condition
    seen = [(m, cond.holds(v)) for m, values in after if _known(cond.indicator, v := values.get(cond.indicator))]
    recent = after[-policy.cure_months :]
    latest_known = bool(seen) and seen[-1][0] == recent[-1][0]
    if (
        not state.dpd
        and len(after) >= policy.cure_months
        and latest_known
        and not any(h for m, h in seen if m >= recent[0][0])
    ):
        return AlertOutcome.CURED
    # Expired: the rule has been quiet for expire_after_days, shown by a real value since it last held, yet the line
    # neither cured nor rolled: the warning is stale, so it stops blocking its rule.
    last_held = max([alert.raised_on, *(m for m, holds in seen if holds)])
    quiet_seen = any(m > last_held for m, holds in seen if not holds)
    if quiet_seen and (on - last_held).days >= policy.expire_after_days:
        return AlertOutcome.EXPIRED
    return None


def _known(indicator: str, value: float | None) -> bool:
    return indicator not in EXTERNAL_INDICATORS or (value is not None and value == value)  # NaN: not known either
