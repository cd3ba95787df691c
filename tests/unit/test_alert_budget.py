"""The alert budget of a rule set (issue 14): validated naming ``budget.max_rate``, a cap rounded down, priority by
severity, then PD, then rule order, then line id, whatever the candidates' order; old versions unchanged."""

from __future__ import annotations

import json
import random
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditloop.core.errors import ValidationError
from creditloop.monitoring.action_policies import default_action_policy
from creditloop.monitoring.alert_rules import (
    AlertBudget,
    Candidate,
    RaisedAlert,
    alert_rules_from_dict,
    packaged_alert_rules,
    resolve_alert_rules,
    within_budget,
)
from creditloop.monitoring.features import default_feature_set

FS = default_feature_set()
ON = date(2024, 6, 30)


def v1_doc() -> dict[str, Any]:
    text = resources.files("creditloop.monitoring").joinpath("alert_rules/ewi_v1.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


@pytest.mark.parametrize(
    ("budget", "field"),
    [
        ({"max_rate": "0"}, "budget.max_rate"),
        ({"max_rate": "1.5"}, "budget.max_rate"),
        ({"max_rate": "-0.1"}, "budget.max_rate"),
        ({"max_rate": "ten"}, "budget.max_rate"),
        ({"max_rate": "NaN"}, "budget.max_rate"),
        ({"max_rate": 0.1}, "budget.max_rate"),  # a decimal string, not a float
        ({"max_rate": None}, "budget.max_rate"),
        ({}, "budget"),
        ({"max_rate": "0.1", "per": "week"}, "budget"),
        ("0.10", "budget"),
    ],
)
def test_a_bad_budget_names_its_field(budget: Any, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        alert_rules_from_dict(v1_doc() | {"budget": budget}, FS)
    assert exc.value.field == field


def test_the_cap_rounds_down() -> None:
    b = AlertBudget(Decimal("0.10"))
    assert [b.cap(n) for n in (0, 9, 10, 19, 3000, 3009)] == [0, 0, 1, 1, 300, 300]


def test_packaged_versions_ewi_1_is_unchanged_2_adds_the_budget_3_the_new_lender_rule() -> None:
    v1, v2, v3 = (packaged_alert_rules(f"ewi@{v}") for v in (1, 2, 3))
    assert packaged_alert_rules("ewi") == v1 and v1.budget is None  # the default stays ewi@1
    assert v2.budget == v3.budget == AlertBudget(Decimal("0.10"))
    assert v2.rules == v1.rules
    assert v3.rules[:-1] == v1.rules and v3.rules[-1].rule_id == "EWI_NEW_LENDER"
    new = v3.rules[-1]
    assert (new.condition.indicator, new.condition.op, new.condition.threshold) == ("other_lenders_change_3m", "ge", 1)
    assert new.reason_code == "MULTI_LENDING_RISING" and new.severity == "low"
    for rules in (v1, v2, v3):  # each version has its packaged action policy
        assert default_action_policy(rules).rule_set == f"ewi@{rules.version}"
    assert resolve_alert_rules("ewi@2") == v2
    with pytest.raises(ValidationError) as exc:
        resolve_alert_rules("ewi@9")
    assert exc.value.field == "rules_file"


def _alert(rule_id: str, severity: str) -> RaisedAlert:
    return RaisedAlert(rule_id, severity, ON, "x", 1.0, 1.0, "R", "zh", "en")


RULES = packaged_alert_rules("ewi@2")  # order: PAY_RATIO_LOW, PARTIAL_STREAK (medium), UTILISATION_HIGH (low), SCORE


def test_priority_severity_then_pd_then_rule_order_then_line() -> None:
    cands = [
        Candidate("L-a", (_alert("EWI_UTILISATION_HIGH", "low"),), 0.9),
        Candidate("L-b", (_alert("EWI_PARTIAL_STREAK", "medium"),), 0.1),
        Candidate("L-c", (_alert("EWI_PAY_RATIO_LOW", "medium"),), 0.1),
        Candidate("L-d", (_alert("EWI_PAY_RATIO_LOW", "medium"),), None),
        Candidate("L-e", (_alert("EWI_PAY_RATIO_LOW", "medium"), _alert("EWI_SCORE_HIGH", "high")), 0.05),
        Candidate("L-f", (_alert("EWI_PARTIAL_STREAK", "medium"),), 0.3),
        Candidate("L-0", (_alert("EWI_PAY_RATIO_LOW", "medium"),), 0.1),
    ]
    order = [c.account_id for c in within_budget(RULES, cands, 1000).kept]
    assert order == ["L-e", "L-f", "L-0", "L-c", "L-b", "L-d", "L-a"]
    chosen = within_budget(RULES, cands, 30)  # cap 3
    assert [c.account_id for c in chosen.kept] == ["L-e", "L-f", "L-0"]
    assert [c.account_id for c in chosen.suppressed] == ["L-c", "L-b", "L-d", "L-a"]
    assert chosen.suppressed_alerts == 4
    late = within_budget(RULES, cands, 30, already_alerted=2)  # an earlier run this month alerted two lines
    assert [c.account_id for c in late.kept] == ["L-e"]
    assert within_budget(RULES, cands, 30, already_alerted=5).kept == ()


@given(st.integers(0, 10_000), st.integers(0, 60), st.randoms(use_true_random=False))
def test_the_choice_is_capped_and_does_not_depend_on_the_candidates_order(
    active: int, n: int, rnd: random.Random
) -> None:
    rules = list(RULES.rules)
    cands = [
        Candidate(
            f"L-{i}",
            tuple(_alert(r.rule_id, r.severity) for r in rnd.sample(rules, rnd.randint(1, 2))),
            rnd.choice([None, 0.1, 0.2]),
        )
        for i in range(n)
    ]
    chosen = within_budget(RULES, cands, active)
    shuffled = cands[:]
    rnd.shuffle(shuffled)
    assert within_budget(RULES, shuffled, active) == chosen
    assert len(chosen.kept) == min(n, active // 10)
    assert len(chosen.kept) + len(chosen.suppressed) == n
