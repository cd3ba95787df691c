"""Alert rules as data (issue 14): loading refuses what it does not know, naming the field; evaluation raises
with reasons, de-duplicates and cools down; the alert lifecycle moves only forward."""

from __future__ import annotations

import copy
import json
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from creditloop.core.errors import ValidationError
from creditloop.monitoring.alert_rules import (
    SCORE,
    AlertCase,
    AlertOutcome,
    AlertStatus,
    RuleState,
    alert_rules_from_dict,
    default_alert_rules,
    evaluate_rules,
    load_alert_rules,
)
from creditloop.monitoring.features import default_feature_set

FS = default_feature_set()
ON = date(2024, 6, 30)


def packaged() -> dict[str, Any]:
    text = resources.files("creditloop.monitoring").joinpath("alert_rules/ewi_v1.json").read_text("utf-8")
    return json.loads(text)


def doc_with(rule: dict[str, Any], **top: Any) -> dict[str, Any]:
    doc = {"rule_set_id": "t", "version": "1", "feature_set": "behaviour@1", "rules": [rule]} | top
    return doc


PAY = {"rule_id": "PAY", "feature": "pay_ratio_3m", "op": "le", "threshold": 0.5, "severity": "medium",
       "cooldown_days": 60}  # fmt: skip


def test_packaged_rules_load_with_feature_texts() -> None:
    rules = default_alert_rules()
    assert rules.feature_set_id == "behaviour@1"
    pay = next(r for r in rules.rules if r.rule_id == "EWI_PAY_RATIO_LOW")
    assert pay.reason_code == "PAYMENT_RATIO_LOW"
    assert pay.text_zh == FS.feature("pay_ratio_3m").text_zh and pay.text_en
    assert rules.uses_score


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("rules", 1, "feature"), "no_such_feature", "rules[1].feature"),
        (("rules", 0, "op"), "approx", "rules[0].op"),
        (("rules", 2, "severity"), "urgent", "rules[2].severity"),
        (("rules", 0, "threshold"), "high", "rules[0].threshold"),
        (("rules", 0, "cooldown_days"), -1, "rules[0].cooldown_days"),
        (("rules", 0, "also", 0, "feature"), "nope", "rules[0].also[0].feature"),
        (("rules", 1, "rule_id"), "EWI_PAY_RATIO_LOW", "rules[1].rule_id"),
        (("feature_set",), "behaviour@9", "feature_set"),
    ],
)
def test_a_bad_rule_file_names_the_field(path: tuple[Any, ...], value: Any, field: str) -> None:
    doc = copy.deepcopy(packaged())
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ValidationError) as info:
        alert_rules_from_dict(doc, FS)
    assert info.value.field == field


def test_a_score_rule_without_texts_gets_the_score_texts_and_a_missing_file_is_named(tmp_path: Path) -> None:
    rules = alert_rules_from_dict(doc_with({**PAY, "feature": SCORE, "op": "ge", "threshold": 0.2}), FS)
    assert rules.rules[0].reason_code == "BEHAVIOUR_SCORE_HIGH" and rules.rules[0].text_zh
    with pytest.raises(ValidationError) as info:
        load_alert_rules(tmp_path / "absent.json")
    assert info.value.field == "rules_file"


def test_evaluation_raises_with_value_threshold_and_texts() -> None:
    rules = alert_rules_from_dict(doc_with(PAY), FS)
    [alert] = evaluate_rules(rules, {"pay_ratio_3m": 0.4}, None, ON, {})
    assert (alert.rule_id, alert.severity, alert.value, alert.threshold) == ("PAY", "medium", 0.4, 0.5)
    assert alert.reason_code == "PAYMENT_RATIO_LOW" and alert.text_en.startswith("Recent payments")
    assert evaluate_rules(rules, {"pay_ratio_3m": 0.6}, None, ON, {}) == []
    assert evaluate_rules(rules, {"pay_ratio_3m": None}, None, ON, {}) == []  # missing is not evidence


def test_every_condition_must_hold() -> None:
    rule = {**PAY, "also": [{"feature": "dpd", "op": "le", "threshold": 30}]}
    rules = alert_rules_from_dict(doc_with(rule), FS)
    assert evaluate_rules(rules, {"pay_ratio_3m": 0.1, "dpd": 51.0}, None, ON, {}) == []
    assert len(evaluate_rules(rules, {"pay_ratio_3m": 0.1, "dpd": 21.0}, None, ON, {})) == 1


def test_score_rule_reads_the_score_and_is_silent_without_one() -> None:
    rules = alert_rules_from_dict(doc_with({**PAY, "feature": SCORE, "op": "ge", "threshold": 0.2}), FS)
    assert evaluate_rules(rules, {}, None, ON, {}) == []
    [alert] = evaluate_rules(rules, {}, 0.35, ON, {})
    assert alert.indicator == SCORE and alert.value == 0.35


def test_open_alert_deduplicates_and_cool_down_silences_the_rule() -> None:
    rules = alert_rules_from_dict(doc_with(PAY), FS)
    low = {"pay_ratio_3m": 0.1}
    assert evaluate_rules(rules, low, None, ON, {"PAY": RuleState(date(2023, 1, 1), open=True)}) == []
    assert evaluate_rules(rules, low, None, ON, {"PAY": RuleState(date(2024, 5, 31))}) == []  # 30 days < 60
    assert len(evaluate_rules(rules, low, None, ON, {"PAY": RuleState(date(2024, 5, 1))})) == 1  # 60 days on


def test_lifecycle_open_actioned_closed() -> None:
    case = AlertCase("a1", "L-1", "PAY", ON)
    assert case.state() == RuleState(ON, True)
    acted = case.actioned(date(2024, 7, 2), "reminder")
    closed = acted.closed(date(2024, 9, 30), AlertOutcome.CURED)
    assert (closed.status, closed.outcome, closed.action) == (AlertStatus.CLOSED, AlertOutcome.CURED, "reminder")
    assert closed.state() == RuleState(ON, False)
    assert case.closed(date(2024, 9, 30), AlertOutcome.EXPIRED).outcome is AlertOutcome.EXPIRED
    with pytest.raises(ValidationError) as info:
        closed.actioned(date(2024, 10, 1), "reminder")
    assert info.value.field == "status"
    with pytest.raises(ValidationError):
        closed.closed(date(2024, 10, 1), AlertOutcome.ROLLED)
    with pytest.raises(ValidationError) as early:
        case.actioned(date(2024, 6, 1), "reminder")
    assert early.value.field == "actioned_on"
