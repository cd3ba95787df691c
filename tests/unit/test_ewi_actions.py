"""Action policies as data (issue 14): the packaged policy loads; a bad file names the field; the alert store's
lifecycle follows ``AlertCase`` (open → actioned → closed) and a rollback leaves it as it was."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from creditloop.app.alerts import MemoryAlertStore, StoredAlert, rule_states
from creditloop.core.errors import IdempotencyConflict, ValidationError
from creditloop.monitoring.action_policies import (
    action_policy_from_dict,
    default_action_policy,
    load_action_policy,
)
from creditloop.monitoring.alert_rules import AlertOutcome, RuleState, default_alert_rules

RULES = default_alert_rules()
TEXTS = {"zh": "中文", "en": "English"}
GOOD: dict[str, Any] = {
    "policy_id": "p",
    "version": "1",
    "rule_set": "ewi@1",
    "actions": [
        {"when": {"rule_id": "EWI_SCORE_HIGH"}, "action": "freeze", "notice": TEXTS},
        {"when": {"rule_id": "EWI_UTILISATION_HIGH"}, "action": "reduce", "limit_share": "0.5", "of": "limit",
         "notice": TEXTS},
        {"when": {"severity": "medium"}, "action": "collections_referral", "message": TEXTS},
    ],
}  # fmt: skip


def test_the_packaged_policy_loads_and_the_first_match_decides() -> None:
    policy = default_action_policy(RULES)
    assert (policy.policy_id, policy.version, policy.rule_set, policy.cure_months) == ("ewi_actions", "1", "ewi@1", 2)
    assert policy.action_for("EWI_SCORE_HIGH", "high").action == "freeze"  # type: ignore[union-attr]
    assert policy.action_for("EWI_PARTIAL_STREAK", "medium").action == "hardship_offer"  # type: ignore[union-attr]
    assert policy.action_for("EWI_PAY_RATIO_LOW", "medium").action == "reminder"  # type: ignore[union-attr]
    mine = action_policy_from_dict(GOOD, RULES)
    reduce = mine.action_for("EWI_UTILISATION_HIGH", "low")
    assert reduce is not None and reduce.limit_share == Decimal("0.5") and reduce.of == "limit"
    assert mine.action_for("NO_SUCH", "high") is None  # no entry matches: the alert stays open


def _broken(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GOOD)
    target: Any = doc
    keys = path.split(".")
    for k in keys[:-1]:
        target = target[int(k)] if k.isdigit() else target[k]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("actions.0.action", "call_mum", "actions[0].action"),
        ("actions.0.when", {"rule_id": "EWI_NOPE"}, "actions[0].when.rule_id"),
        ("actions.2.when", {"severity": "urgent"}, "actions[2].when.severity"),
        ("actions.2.when", {"rule_id": "EWI_SCORE_HIGH", "severity": "low"}, "actions[2].when"),
        ("actions.0.notice", {"zh": "仅中文"}, "actions[0].notice"),
        ("actions.2.message", KeyError, "actions[2].message"),
        ("actions.1.limit_share", "1.5", "actions[1].limit_share"),
        ("actions.1.limit_share", 0.5, "actions[1].limit_share"),  # a float is refused: money shares are decimals
        ("actions.1.of", "income", "actions[1].of"),
        ("rule_set", "ewi@2", "rule_set"),
        ("cure_months", 0, "cure_months"),
        ("actions", [], "actions"),
        ("policy_id", KeyError, "policy_id"),
    ],
)
def test_a_bad_policy_names_the_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        action_policy_from_dict(_broken(path, value), RULES)
    assert err.value.field == field


def test_an_unreadable_file_names_the_option_field(tmp_path: Path) -> None:
    bad = tmp_path / "a.json"
    bad.write_text("{not json", "utf-8")
    with pytest.raises(ValidationError) as err:
        load_action_policy(bad, RULES)
    assert err.value.field == "actions_file"
    good = tmp_path / "b.json"
    good.write_text(json.dumps(GOOD), "utf-8")
    assert load_action_policy(good, RULES).policy_id == "p"


def _alert(rule: str = "R", raised: date = date(2024, 4, 30)) -> StoredAlert:
    return StoredAlert(f"a-{rule}-{raised}", "L1", rule, "ewi", "1", raised, "medium", ("X",), {"x": 0.5})


def test_store_lifecycle_rollback_and_rule_state() -> None:
    store = MemoryAlertStore()
    a = _alert()
    store.add(a)
    store.publish()
    store.add(a)  # a retry is a no-op
    with pytest.raises(IdempotencyConflict):
        store.add(StoredAlert(a.alert_id, "L1", "R", "ewi", "1", a.raised_on, "high", ("X",), {}))
    assert rule_states(store.for_line("L1")) == {"R": RuleState(date(2024, 4, 30), True)}
    acted = a.moved(a.case().actioned(date(2024, 5, 1), "freeze"))
    store.update(acted)
    store.discard()  # rolled back: still open
    assert store.get(a.alert_id) == a
    store.update(acted)
    store.publish()
    closed = acted.moved(acted.case().closed(date(2024, 8, 31), AlertOutcome.CURED))
    store.update(closed)
    store.publish()
    assert (closed.status, closed.action, closed.outcome, closed.closed_on) == (
        "closed", "freeze", "cured", date(2024, 8, 31)
    )  # fmt: skip
    assert store.unclosed() == [] and rule_states(store.for_line("L1"))["R"] == RuleState(date(2024, 4, 30), False)
    with pytest.raises(ValidationError) as err:
        closed.case().actioned(date(2024, 9, 1), "freeze")  # a closed alert is never actioned again
    assert err.value.field == "status"
    with pytest.raises(ValidationError):
        closed.case().closed(date(2024, 9, 1), AlertOutcome.ROLLED)


@pytest.mark.parametrize("name", ["ewi", "ewi@2", "ewi@3", "ewi_status", "ewi_revolving"])
def test_every_packaged_rule_set_has_its_action_policy_covering_every_rule(name: str) -> None:
    from creditloop.monitoring.alert_rules import packaged_alert_rules

    rules = packaged_alert_rules(name)
    policy = default_action_policy(rules)
    assert policy.rule_set == f"{rules.rule_set_id}@{rules.version}"
    unhandled = [r.rule_id for r in rules.rules if policy.action_for(r.rule_id, r.severity) is None]
    assert unhandled == []  # an alert no entry matches would stay open for ever


def test_a_wholly_unpaid_card_bill_is_referred_to_collections() -> None:
    from creditloop.monitoring.alert_rules import packaged_alert_rules

    policy = default_action_policy(packaged_alert_rules("ewi_revolving"))
    assert policy.action_for("EWI_PAYMENT_MISSED", "high").action == "collections_referral"  # type: ignore[union-attr]
