"""Action policies as data (issue 14): what the nightly early-warning run does with an open alert
(``action_policies/ewi_actions_v1.json``).

Each entry matches an alert by ``rule_id`` or by ``severity`` (``when``); the first entry that matches decides,
so specific rules go before severities. Actions:

- ``reminder``: a message (zh/en) to send ``days_before_due`` days before the line's next due date (recorded as an
  outbound message; nothing is sent from here);
- ``freeze``: the line is frozen through ``ChangeLine``, with a customer notice (zh/en);
- ``reduce``: the limit becomes ``limit_share`` (a decimal in (0, 1]) of the line's ``limit`` or ``balance``,
  floored to the fen, through ``ChangeLine``, with a customer notice; never raised, never below 1 fen;
- ``hardship_offer`` / ``collections_referral``: a hand-off record for the hardship workflow (issue 15) or for
  collections, with the message (zh/en) the customer is shown.

``cure_months``: an alert closes as cured when the line is at dpd 0 and its rule's condition was false at each of
the last ``cure_months`` month ends after it was raised. ``expire_after_days`` (default 180): an alert still
standing closes as expired when its line is within 30 DPD and its rule's condition has not held at a month end
for that many days since the later of its raising and the last month end it held (the warning went stale).
Loading refuses unknown actions, rules or severities and missing texts with ``ValidationError(field=...)`` naming
the place; nothing else happens.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.monitoring.alert_rules import SEVERITIES, AlertRuleSet

ACTIONS = ("reminder", "freeze", "reduce", "hardship_offer", "collections_referral")
LINE_CHANGES = ("freeze", "reduce")  # actions that go through ChangeLine and need a customer notice
REDUCE_BASES = ("limit", "balance")
EXPIRE_AFTER_DAYS = 180  # default: half a year of a quiet rule and the alert is no longer news


@dataclass(frozen=True, slots=True)
class ActionRule:
    rule_id: str | None  # match by rule ...
    severity: str | None  # ... or by severity
    action: str
    text_zh: str  # the notice (freeze/reduce) or the message (reminder, hand-offs)
    text_en: str
    days_before_due: int = 0
    limit_share: Decimal | None = None
    of: str = "limit"

    def matches(self, rule_id: str, severity: str) -> bool:
        return rule_id == self.rule_id if self.rule_id is not None else severity == self.severity


@dataclass(frozen=True, slots=True)
class ActionPolicy:
    policy_id: str
    version: str
    rule_set: str  # rule_set_id@version the policy was written for
    cure_months: int
    actions: tuple[ActionRule, ...]
    expire_after_days: int = EXPIRE_AFTER_DAYS

    def action_for(self, rule_id: str, severity: str) -> ActionRule | None:
        return next((a for a in self.actions if a.matches(rule_id, severity)), None)


def _texts(doc: Mapping[str, Any], key: str, at: str) -> tuple[str, str]:
    texts = doc.get(key)
    if not isinstance(texts, Mapping):
        raise ValidationError(f"{at}.{key} needs non-empty 'zh' and 'en' texts", field=f"{at}.{key}")
    zh, en = texts.get("zh"), texts.get("en")
    if not (isinstance(zh, str) and zh.strip() and isinstance(en, str) and en.strip()):
        raise ValidationError(f"{at}.{key} needs non-empty 'zh' and 'en' texts", field=f"{at}.{key}")
    return zh, en


def _share(value: Any, at: str) -> Decimal:
    try:
        share = Decimal(str(value)) if isinstance(value, str | int) and not isinstance(value, bool) else None
    except InvalidOperation:
        share = None
    if share is None or not share.is_finite() or not 0 < share <= 1:
        raise ValidationError(f"{at}.limit_share must be a decimal string in (0, 1], e.g. \"0.5\"",
                              field=f"{at}.limit_share")  # fmt: skip
    return share


def _when(doc: Mapping[str, Any], rules: AlertRuleSet, at: str) -> tuple[str | None, str | None]:
    when = doc.get("when")
    if not isinstance(when, Mapping) or len(when) != 1 or not ({"rule_id", "severity"} & set(when)):
        raise ValidationError(f'{at}.when must be {{"rule_id": ...}} or {{"severity": ...}}', field=f"{at}.when")
    if "rule_id" in when:
        known = {r.rule_id for r in rules.rules}
        if when["rule_id"] not in known:
            raise ValidationError(f"{at}.when.rule_id: unknown rule {when['rule_id']!r} (one of {sorted(known)})",
                                  field=f"{at}.when.rule_id")  # fmt: skip
        return str(when["rule_id"]), None
    if when["severity"] not in SEVERITIES:
        raise ValidationError(f"{at}.when.severity must be one of {', '.join(SEVERITIES)}",
                              field=f"{at}.when.severity")  # fmt: skip
    return None, str(when["severity"])


def _action(doc: Any, rules: AlertRuleSet, at: str) -> ActionRule:
    if not isinstance(doc, Mapping):
        raise ValidationError(f"{at} must be an object", field=at)
    rule_id, severity = _when(doc, rules, at)
    action = doc.get("action")
    if action not in ACTIONS:
        raise ValidationError(f"{at}.action: unknown action {action!r} (one of {', '.join(ACTIONS)})",
                              field=f"{at}.action")  # fmt: skip
    zh, en = _texts(doc, "notice" if action in LINE_CHANGES else "message", at)
    days = doc.get("days_before_due", 0)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 27:
        raise ValidationError(f"{at}.days_before_due must be an integer 0..27", field=f"{at}.days_before_due")
    share, of = None, "limit"
    if action == "reduce":
        share = _share(doc.get("limit_share"), at)
        of = doc.get("of", "limit")
        if of not in REDUCE_BASES:
            raise ValidationError(f"{at}.of must be one of {', '.join(REDUCE_BASES)}", field=f"{at}.of")
    return ActionRule(rule_id, severity, str(action), zh, en, days, share, str(of))


def action_policy_from_dict(doc: Any, rules: AlertRuleSet, source: str = "action policy") -> ActionPolicy:
    """Build and check a policy against the rule set it acts on; anything unknown names its field."""
    if not isinstance(doc, Mapping):
        raise ValidationError(f"{source}: an action policy is a JSON object", field="<document>")
    for key in ("policy_id", "version", "rule_set", "actions"):
        if key not in doc:
            raise ValidationError(f"{source}: missing {key!r}", field=key)
    wanted = f"{rules.rule_set_id}@{rules.version}"
    if doc["rule_set"] != wanted:
        raise ValidationError(f"{source}: the policy acts on rule set {doc['rule_set']!r}, not {wanted!r}",
                              field="rule_set")  # fmt: skip
    cure = doc.get("cure_months", 2)
    if isinstance(cure, bool) or not isinstance(cure, int) or not 1 <= cure <= 12:
        raise ValidationError(f"{source}: cure_months must be an integer 1..12", field="cure_months")
    expire = doc.get("expire_after_days", EXPIRE_AFTER_DAYS)
    if isinstance(expire, bool) or not isinstance(expire, int) or not 30 <= expire <= 730:
        raise ValidationError(f"{source}: expire_after_days must be an integer 30..730", field="expire_after_days")
    if not isinstance(doc["actions"], list) or not doc["actions"]:
        raise ValidationError(f"{source}: actions must be a non-empty list", field="actions")
    actions = tuple(_action(a, rules, f"actions[{i}]") for i, a in enumerate(doc["actions"]))
    return ActionPolicy(str(doc["policy_id"]), str(doc["version"]), wanted, cure, actions, expire)


def load_action_policy(path: str | Path, rules: AlertRuleSet) -> ActionPolicy:
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{p}: cannot read the action policy: {exc}", field="actions_file") from None
    return action_policy_from_dict(doc, rules, str(p))


# The packaged action policy written for each packaged rule set version (ewi@2 is ewi@1 with a budget).
PACKAGED_ACTIONS = {
    "ewi@1": "ewi_actions_v1",
    "ewi@2": "ewi_actions_v2",
    "ewi@3": "ewi_actions_v3",
    "ewi_status@1": "ewi_status_actions_v1",
    "ewi_revolving@1": "ewi_revolving_actions_v1",
}


def default_action_policy(rules: AlertRuleSet) -> ActionPolicy:
    """The packaged ``action_policies/ewi_actions_v*.json`` written for ``rules`` (``PACKAGED_ACTIONS``; v1 for a
    rule set none was written for, which then fails naming ``rule_set``)."""
    name = PACKAGED_ACTIONS.get(f"{rules.rule_set_id}@{rules.version}", "ewi_actions_v1")
    text = resources.files("creditloop.monitoring").joinpath(f"action_policies/{name}.json").read_text("utf-8")
    return action_policy_from_dict(json.loads(text), rules, name)
