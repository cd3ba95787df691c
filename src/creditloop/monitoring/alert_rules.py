"""Alert rules as data (issue 14): thresholds on behaviour features and on the behaviour score, with severity,
de-duplication and cool-down, and reason texts in Chinese and English (``alert_rules/ewi_v1.json``).

A rule fires when its condition and every condition in ``also`` hold; a condition compares one indicator (a
feature of the feature set, or ``behaviour_score``: the score's PD) with a threshold. A null indicator never
fires (a missing value is not evidence). De-duplication: at most one open alert per account and rule; cool-down:
after an alert, the same rule stays silent on that account for ``cooldown_days``. Evaluation is a pure function
of the account's features as of a month, its score and the previous alert state; storage and actions are not
here (the alert lifecycle below is the model they will use).

Budget (optional, ``{"budget": {"max_rate": "0.10"}}``): in one month at most ``floor(max_rate × active lines)``
lines get a new alert; when more qualify, the highest priority are kept (``within_budget``: severity, then the
behaviour score's PD, then rule order, then account id) and the rest are suppressed — not raised, so they leave
no de-duplication or cool-down state and may qualify again next month. Every place that raises alerts (the
back-test's replay, ``ewi run``, the simulator's monitor) applies the same ``within_budget``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.monitoring.features import COMPARE, FeatureSet, default_feature_set

SCORE = "behaviour_score"  # the indicator name of the behaviour score's PD
SEVERITIES = ("low", "medium", "high")
OPS = COMPARE  # one definition of lt le gt ge eq ne, the features' own
SCORE_TEXTS = {
    "zh": "行为评分显示近期逾期风险较高",
    "en": "The behaviour score shows a high risk of falling behind soon",
}


@dataclass(frozen=True, slots=True)
class Condition:
    indicator: str  # a feature name, or SCORE
    op: str
    threshold: float

    def holds(self, value: float | None) -> bool:
        return value is not None and OPS[self.op](value, self.threshold)


@dataclass(frozen=True, slots=True)
class AlertRule:
    rule_id: str
    condition: Condition  # the condition whose indicator the alert reports (value, reason)
    also: tuple[Condition, ...]
    severity: str
    cooldown_days: int
    reason_code: str
    text_zh: str
    text_en: str
    sweep: tuple[float, ...] = ()  # thresholds a back-test tries for this rule (capture by threshold)


@dataclass(frozen=True, slots=True)
class AlertBudget:
    """At most ``max_rate`` of a month's active (monitored) lines get a new alert."""

    max_rate: Decimal  # 0 < max_rate <= 1

    def cap(self, active_lines: int) -> int:
        """How many lines may get a new alert in a month with ``active_lines`` monitored (rounded down)."""
        return int((self.max_rate * active_lines).to_integral_value(ROUND_FLOOR))


@dataclass(frozen=True, slots=True)
class AlertRuleSet:
    rule_set_id: str
    version: str
    feature_set_id: str  # feature_set_id@version the rules read
    rules: tuple[AlertRule, ...]
    budget: AlertBudget | None = None  # None: every alert the rules raise is raised

    @property
    def uses_score(self) -> bool:
        return any(c.indicator == SCORE for r in self.rules for c in (r.condition, *r.also))

    def with_rules(self, rules: tuple[AlertRule, ...]) -> AlertRuleSet:
        return replace(self, rules=rules)


# ------------------------------------------------------------------------------------------------ loading


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{field} must be a number, got {value!r}", field=field)
    return float(value)


def _condition(doc: Mapping[str, Any], fs: FeatureSet, at: str) -> Condition:
    indicator = doc.get("feature")
    known = f"a feature of {fs.feature_set_id}@{fs.version} or {SCORE!r}"
    if indicator is None:  # the CLI prefixes the field: the message does not repeat it
        raise ValidationError(f"missing: a condition names its indicator in 'feature' ({known})", field=f"{at}.feature")
    if indicator != SCORE and (not isinstance(indicator, str) or indicator not in fs.names):
        raise ValidationError(f"unknown indicator {indicator!r} ({known})", field=f"{at}.feature")
    op = doc.get("op")
    if op not in OPS:
        raise ValidationError(f"unknown op {op!r} (one of {', '.join(OPS)})", field=f"{at}.op")
    return Condition(indicator, op, _number(doc.get("threshold"), f"{at}.threshold"))


def _rule(doc: Mapping[str, Any], fs: FeatureSet, at: str, ids: set[str], cooldown: int) -> AlertRule:
    if not isinstance(doc, Mapping):
        raise ValidationError(f"{at} must be an object", field=at)
    rule_id = doc.get("rule_id")
    if not isinstance(rule_id, str) or not rule_id or rule_id in ids:
        raise ValidationError(f"{at}.rule_id must be a new non-empty name, got {rule_id!r}", field=f"{at}.rule_id")
    condition = _condition(doc, fs, at)
    also_doc = doc.get("also", [])
    if not isinstance(also_doc, list):
        raise ValidationError(f"{at}.also must be a list of conditions", field=f"{at}.also")
    also = tuple(_condition(c, fs, f"{at}.also[{j}]") for j, c in enumerate(also_doc))
    severity = doc.get("severity")
    if severity not in SEVERITIES:
        raise ValidationError(f"{at}.severity must be one of {', '.join(SEVERITIES)}", field=f"{at}.severity")
    days = doc.get("cooldown_days", cooldown)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 366:
        raise ValidationError(f"{at}.cooldown_days must be an integer 0..366", field=f"{at}.cooldown_days")
    texts = doc.get("texts") or {}
    if condition.indicator == SCORE:
        reason, zh, en = "BEHAVIOUR_SCORE_HIGH", SCORE_TEXTS["zh"], SCORE_TEXTS["en"]
    else:
        f = fs.feature(condition.indicator)
        reason, zh, en = f.reason, f.text_zh, f.text_en
    reason = doc.get("reason", reason)
    zh, en = texts.get("zh", zh), texts.get("en", en)
    if not (isinstance(zh, str) and zh and isinstance(en, str) and en):
        raise ValidationError(f"{at}.texts needs non-empty 'zh' and 'en'", field=f"{at}.texts")
    sweep = tuple(_number(v, f"{at}.sweep[{j}]") for j, v in enumerate(doc.get("sweep", [])))
    ids.add(rule_id)
    return AlertRule(rule_id, condition, also, severity, days, str(reason), zh, en, sweep)


def _budget(doc: Any, source: str) -> AlertBudget | None:
    if doc is None:
        return None
    if not isinstance(doc, Mapping) or set(doc) != {"max_rate"}:
        raise ValidationError(f"{source}: budget must be an object with only 'max_rate'", field="budget")
    raw = doc["max_rate"]
    try:
        rate = Decimal(raw) if isinstance(raw, str) else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not 0 < rate <= 1:
        raise ValidationError(
            f'{source}: budget.max_rate must be a decimal string in (0, 1], such as "0.10"; got {raw!r}',
            field="budget.max_rate",
        )
    return AlertBudget(rate)


def alert_rules_from_dict(doc: Mapping[str, Any], fs: FeatureSet, source: str = "alert rules") -> AlertRuleSet:
    """Build and check a rule set; anything unknown raises ``ValidationError(field=...)`` naming where."""
    if not isinstance(doc, Mapping):
        raise ValidationError(f"{source}: a rule set is a JSON object", field="<document>")
    for key in ("rule_set_id", "version", "feature_set", "rules"):
        if key not in doc:
            raise ValidationError(f"{source}: missing {key!r}", field=key)
    wanted = f"{fs.feature_set_id}@{fs.version}"
    if doc["feature_set"] != wanted:
        raise ValidationError(
            f"{source}: the rules read feature set {doc['feature_set']!r}, not {wanted!r}", field="feature_set"
        )
    cooldown = doc.get("cooldown_days", 90)
    if isinstance(cooldown, bool) or not isinstance(cooldown, int) or not 0 <= cooldown <= 366:
        raise ValidationError(f"{source}: cooldown_days must be an integer 0..366", field="cooldown_days")
    if not isinstance(doc["rules"], list) or not doc["rules"]:
        raise ValidationError(f"{source}: rules must be a non-empty list", field="rules")
    ids: set[str] = set()
    rules = tuple(_rule(r, fs, f"rules[{i}]", ids, cooldown) for i, r in enumerate(doc["rules"]))
    budget = _budget(doc.get("budget"), source)
    return AlertRuleSet(str(doc["rule_set_id"]), str(doc["version"]), wanted, rules, budget)


def load_alert_rules(path: str | Path, fs: FeatureSet | None = None) -> AlertRuleSet:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{p}: cannot read the alert rules: {exc}", field="rules_file") from None
    return alert_rules_from_dict(doc, fs or default_feature_set(), str(p))


# The packaged rule sets by ``rule_set_id`` (docs/early_warning.md, "Rule sets for real panels"): ``ewi`` for the
# installment product (the simulator's and the ledger's), ``ewi_status`` for panels that carry only a delinquency
# status, ``ewi_revolving`` for revolving cards (paying part of the bill is normal there).
# Older versions stay loadable as ``id@version`` (``PACKAGED_VERSIONS``); a bare id is the current version.
PACKAGED_RULES = {"ewi": "ewi_v1.json", "ewi_status": "ewi_status_v1.json", "ewi_revolving": "ewi_revolving_v1.json"}
PACKAGED_VERSIONS = {
    "ewi@1": "ewi_v1.json",
    "ewi@2": "ewi_v2.json",
    "ewi@3": "ewi_v3.json",
    "ewi_status@1": "ewi_status_v1.json",
    "ewi_revolving@1": "ewi_revolving_v1.json",
}


def packaged_alert_rules(name: str) -> AlertRuleSet:
    """A packaged rule set by its id (``PACKAGED_RULES``) or ``id@version`` (``PACKAGED_VERSIONS``) over the
    packaged feature set."""
    file = PACKAGED_RULES.get(name) or PACKAGED_VERSIONS.get(name)
    if file is None:
        known = ", ".join([*PACKAGED_RULES, *PACKAGED_VERSIONS])
        raise ValidationError(f"no packaged rule set {name!r} (one of {known})", field="rules_file")
    text = resources.files("creditloop.monitoring").joinpath(f"alert_rules/{file}").read_text("utf-8")
    return alert_rules_from_dict(json.loads(text), default_feature_set(), file.removesuffix(".json"))


def resolve_alert_rules(name_or_path: str | Path, fs: FeatureSet | None = None) -> AlertRuleSet:
    """A rule file when one exists at that path, else a packaged rule set by id or ``id@version``."""
    p = Path(name_or_path)
    if p.exists():
        return load_alert_rules(p, fs)
    name = str(name_or_path)
    if name in PACKAGED_RULES or name in PACKAGED_VERSIONS:
        return packaged_alert_rules(name)
    known = ", ".join([*PACKAGED_RULES, *PACKAGED_VERSIONS])
    raise ValidationError(f"{name}: no such file, nor a packaged rule set ({known})", field="rules_file")


def default_alert_rules() -> AlertRuleSet:
    """The packaged ``alert_rules/ewi_v1.json`` over the packaged feature set."""
    return packaged_alert_rules("ewi")


# --------------------------------------------------------------------------------------------- evaluation


@dataclass(frozen=True, slots=True)
class RuleState:
    """What the previous alerts of one account and rule leave behind."""

    last_raised_on: date | None = None
    open: bool = False  # an open alert of this rule on this account (de-duplication)


@dataclass(frozen=True, slots=True)
class RaisedAlert:
    rule_id: str
    severity: str
    raised_on: date
    indicator: str
    value: float
    threshold: float
    reason_code: str
    text_zh: str
    text_en: str


def evaluate_rules(
    rules: AlertRuleSet,
    features: Mapping[str, float | None],
    score: float | None,
    on: date,
    state: Mapping[str, RuleState],
) -> list[RaisedAlert]:
    """The alerts one account raises as of ``on``: each rule whose conditions hold, unless it has an open alert on
    the account or is cooling down from its last one."""
    raised = []
    for rule in rules.rules:
        prior = state.get(rule.rule_id)
        if prior is not None and (prior.open or _cooling(rule, prior, on)):
            continue
        values = [score if c.indicator == SCORE else features.get(c.indicator) for c in (rule.condition, *rule.also)]
        conditions = (rule.condition, *rule.also)
        if not all(c.holds(v) for c, v in zip(conditions, values, strict=True)):
            continue
        value = values[0]
        assert value is not None  # holds() refused a null
        raised.append(
            RaisedAlert(
                rule.rule_id, rule.severity, on, rule.condition.indicator, value, rule.condition.threshold,
                rule.reason_code, rule.text_zh, rule.text_en,
            )
        )  # fmt: skip
    return raised


def _cooling(rule: AlertRule, prior: RuleState, on: date) -> bool:
    return prior.last_raised_on is not None and on < prior.last_raised_on + timedelta(days=rule.cooldown_days)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One line's alerts of a month, before the budget: they are kept or suppressed together (one line, one
    contact)."""

    account_id: str
    alerts: tuple[RaisedAlert, ...]
    pd: float | None = None  # the behaviour score's PD, when the rules read one


@dataclass(frozen=True, slots=True)
class Budgeted:
    kept: tuple[Candidate, ...]  # in priority order
    suppressed: tuple[Candidate, ...]  # in priority order

    @property
    def suppressed_alerts(self) -> int:
        return sum(len(c.alerts) for c in self.suppressed)


def within_budget(
    rules: AlertRuleSet, candidates: Sequence[Candidate], active_lines: int, already_alerted: int = 0
) -> Budgeted:
    """The month's candidates within the rule set's budget: ``cap(active_lines)`` less the lines already alerted
    this month (an ``ewi run`` earlier in the month), highest priority first — severity, then the PD (higher first;
    none last), then the earliest rule in the set, then the account id. Deterministic: the same candidates give
    the same choice whatever their order. Without a budget every candidate is kept."""
    ordered = tuple(sorted((c for c in candidates if c.alerts), key=_priority(rules)))
    if rules.budget is None:
        return Budgeted(ordered, ())
    room = max(0, rules.budget.cap(active_lines) - already_alerted)
    return Budgeted(ordered[:room], ordered[room:])


def _priority(rules: AlertRuleSet) -> Any:
    order = {r.rule_id: i for i, r in enumerate(rules.rules)}

    def key(c: Candidate) -> tuple[int, float, int, str]:
        top = max(SEVERITIES.index(a.severity) for a in c.alerts)
        first = min(order[a.rule_id] for a in c.alerts if SEVERITIES.index(a.severity) == top)
        pd = -c.pd if c.pd is not None and c.pd == c.pd else float("inf")  # NaN counts as no PD
        return (-top, pd, first, c.account_id)

    return key


# ----------------------------------------------------------------------------------------------- lifecycle


class AlertStatus(StrEnum):
    OPEN = "open"
    ACTIONED = "actioned"
    CLOSED = "closed"


class AlertOutcome(StrEnum):
    CURED = "cured"
    ROLLED = "rolled"
    HARDSHIP = "hardship"
    CHARGED_OFF = "charged_off"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class AlertCase:
    """One alert through its life: open → actioned → closed with an outcome (open → closed is allowed too: an
    alert can expire or the line cure before anyone acts)."""

    alert_id: str
    account_id: str
    rule_id: str
    opened_on: date
    status: AlertStatus = AlertStatus.OPEN
    actioned_on: date | None = None
    action: str | None = None
    closed_on: date | None = None
    outcome: AlertOutcome | None = None

    def actioned(self, on: date, action: str) -> AlertCase:
        if self.status is not AlertStatus.OPEN:
            raise ValidationError(
                f"alert {self.alert_id} is {self.status}, only an open alert is actioned", field="status"
            )
        if on < self.opened_on:
            raise ValidationError("an alert cannot be actioned before it opened", field="actioned_on")
        if not action:
            raise ValidationError("name the action taken", field="action")
        return replace(self, status=AlertStatus.ACTIONED, actioned_on=on, action=action)

    def closed(self, on: date, outcome: AlertOutcome) -> AlertCase:
        if self.status is AlertStatus.CLOSED:
            raise ValidationError(f"alert {self.alert_id} is already closed", field="status")
        if on < (self.actioned_on or self.opened_on):
            raise ValidationError("an alert cannot close before it opened or was actioned", field="closed_on")
        return replace(self, status=AlertStatus.CLOSED, closed_on=on, outcome=AlertOutcome(outcome))

    def state(self) -> RuleState:
        """What this case means for the next evaluation of its rule on its account."""
        return RuleState(self.opened_on, self.status is not AlertStatus.CLOSED)
