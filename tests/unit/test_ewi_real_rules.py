"""The rule sets for real panels (issue 14): the status-only rules (``ewi_status_v1.json``) and the revolving rules
(``ewi_revolving_v1.json``) load and validate, the status and payment features they read have the documented
values on hand-built accounts, and each rule fires exactly in the months it should."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from creditloop.core.errors import ValidationError
from creditloop.monitoring.alert_rules import (
    PACKAGED_RULES,
    AlertRuleSet,
    RuleState,
    alert_rules_from_dict,
    evaluate_rules,
    packaged_alert_rules,
)
from creditloop.monitoring.features import account_features, default_feature_set

FS = default_feature_set()
MONTHS = [date(2024, m, d) for m, d in ((1, 31), (2, 29), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31),
                                        (9, 30), (10, 31))]  # fmt: skip


def status_rows(dpds: list[int]) -> list[dict[str, Any]]:
    """A status-only account (Credit Card Approval's shape): dpd per month, no amounts."""
    return [{"account_id": "a", "month_end_on": MONTHS[i], "dpd": d} for i, d in enumerate(dpds)]


def card_rows(paid: list[int | None], *, due: int = 100_000, min_due: int | None = None, util: float = 0.5,
              dpd: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """A card account billed ``due`` each month, paying ``paid[i]`` toward it."""
    return [
        {"account_id": "c", "month_end_on": MONTHS[i], "dpd": dpd, "limit_minor": 1_000_000,
         "balance_minor": round(util * 1_000_000), "statement_due_minor": due, "min_due_minor": min_due,
         "paid_minor": p}
        for i, p in enumerate(paid)
    ]  # fmt: skip


def alerts(rules: AlertRuleSet, rows: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """(month index, rule) of every alert, replayed month by month with the cool-down as the back-test does."""
    state: dict[str, RuleState] = {}
    out = []
    for i, values in enumerate(account_features(rows, FS)):
        for a in evaluate_rules(rules, values, None, MONTHS[i], state):
            state[a.rule_id] = RuleState(MONTHS[i], False)
            out.append((i, a.rule_id))
    return out


# ------------------------------------------------------------------------------------------------ loading


def test_packaged_rule_sets_load_with_their_ids() -> None:
    got = {name: packaged_alert_rules(name) for name in PACKAGED_RULES}
    assert {n: (r.rule_set_id, r.version, r.feature_set_id) for n, r in got.items()} == {
        "ewi": ("ewi", "1", "behaviour@1"),
        "ewi_status": ("ewi_status", "1", "behaviour@1"),
        "ewi_revolving": ("ewi_revolving", "1", "behaviour@1"),
    }
    status = got["ewi_status"]
    assert [r.rule_id for r in status.rules] == ["EWI_NEWLY_LATE", "EWI_CURE_RELAPSE"]
    assert not status.uses_score and not got["ewi_revolving"].uses_score
    amounts = {"utilisation", "pay_ratio_3m", "partial_streak", "missed_3m", "below_min_3m", "pay_ratio_vs_usual_6m"}
    assert not amounts & {c.indicator for r in status.rules for c in (r.condition, *r.also)}
    revolving = {c.indicator for r in got["ewi_revolving"].rules for c in (r.condition, *r.also)}
    assert "pay_ratio_3m" not in revolving and "partial_streak" not in revolving  # normal on a revolving card
    newly = status.rules[0]
    assert newly.reason_code == "NEWLY_PAST_DUE" and newly.text_zh and newly.text_en


def test_unknown_packaged_name_and_unknown_indicator_name_the_field() -> None:
    with pytest.raises(ValidationError) as e:
        packaged_alert_rules("ewi_nope")
    assert e.value.field == "rules_file" and "ewi_status" in e.value.message
    doc = json.loads(resources.files("creditloop.monitoring").joinpath("alert_rules/ewi_status_v1.json").read_text())
    doc["rules"][1]["also"][0]["feature"] = "months_behind"
    with pytest.raises(ValidationError) as e:
        alert_rules_from_dict(doc, FS)
    assert e.value.field == "rules[1].also[0].feature" and "months_behind" in e.value.message


# ------------------------------------------------------------------------------------------- the features


def test_status_features_on_a_hand_built_history() -> None:
    feats = account_features(status_rows([0, 15, 0, 15, 15, 0, 45, 0]), FS)
    assert [f["late_months_6m"] for f in feats] == [0, 1, 1, 2, 3, 3, 4, 3]  # month 8 drops month 2
    assert [f["late_streak"] for f in feats] == [0, 1, 0, 1, 2, 0, 1, 0]
    assert [f["relapses_12m"] for f in feats] == [0, 1, 1, 2, 2, 2, 3, 3]
    # mean dpd of the last 3 months minus the 3 before: null until there is a month before the last three
    assert [f["dpd_trend_3m"] for f in feats] == [None, None, None, 10.0, 2.5, 5.0, 10.0, 5.0]
    # no amounts: the amount features are null (counts 0), so amount rules cannot fire
    assert feats[-1]["utilisation"] is None and feats[-1]["pay_ratio_vs_usual_6m"] is None
    assert feats[-1]["below_min_3m"] == 0.0


def test_payment_features_against_the_minimum_and_the_customers_usual() -> None:
    # pays 5 % of each bill, then 1 %, then nothing: the minimum due is 2 %
    feats = account_features(card_rows([5_000] * 6 + [1_000, 0], min_due=2_000), FS)
    assert [f["below_min_3m"] for f in feats] == [0, 0, 0, 0, 0, 0, 1, 2]
    usual = [f["pay_ratio_vs_usual_6m"] for f in feats]
    assert usual[0] is None and usual[1:6] == pytest.approx([1.0] * 5)  # the same share as usual
    assert usual[6] == pytest.approx(0.2) and usual[7] == 0.0
    assert feats[7]["missed_3m"] == 1.0
    # without a minimum due in the panel the count stays 0: the rule is silent, not wrong
    assert {f["below_min_3m"] for f in account_features(card_rows([0] * 4), FS)} == {0.0}


# ------------------------------------------------------------------------------------------ the rules fire


def test_status_rules_fire_exactly_when_they_should() -> None:
    rules = packaged_alert_rules("ewi_status")
    # current for six months, then 1-29 days past due, then 30+: newly late at month 7, nothing once 30+
    assert alerts(rules, status_rows([0, 0, 0, 0, 0, 0, 15, 45])) == [(6, "EWI_NEWLY_LATE")]
    # always current: nothing
    assert alerts(rules, status_rows([0] * 10)) == []
    # late, cured, late again: newly late at month 2; the second onset in 12 months is a relapse (month 4); the
    # third onset (month 6) is within the relapse rule's cool-down
    assert alerts(rules, status_rows([0, 15, 0, 15, 0, 15, 0, 0])) == [(1, "EWI_NEWLY_LATE"), (3, "EWI_CURE_RELAPSE")]
    # chronically 1-29 days late (a common pattern in Card Approval): only its first late month looks new
    assert alerts(rules, status_rows([0, 0, 0, 15, 15, 15, 15, 15])) == [(3, "EWI_NEWLY_LATE")]
    # the first month of a panel has no history: an account already 1-29 days late there looks newly late
    assert alerts(rules, status_rows([15, 15, 15, 15])) == [(0, "EWI_NEWLY_LATE")]


def test_revolving_rules_leave_a_usual_revolver_alone_and_catch_the_drop() -> None:
    revolving, installment = packaged_alert_rules("ewi_revolving"), packaged_alert_rules("ewi")
    steady = card_rows([5_000] * 8)  # pays 5 % of the bill every month: ordinary on a revolving card
    assert alerts(revolving, steady) == []
    assert (0, "EWI_PAY_RATIO_LOW") in alerts(installment, steady)  # the installment rules call it a warning
    # the same customer pays nothing in month 8: a statement left unpaid
    dropped = alerts(revolving, card_rows([5_000] * 7 + [0]))
    assert dropped == [(7, "EWI_PAYMENT_MISSED")]
    # pays 1 % against a 2 % minimum from month 7
    assert alerts(revolving, card_rows([5_000] * 6 + [1_000] * 2, min_due=2_000)) == [(6, "EWI_BELOW_MINIMUM")]
    # near the limit
    assert alerts(revolving, card_rows([5_000] * 3, util=0.95)) == [(0, "EWI_UTILISATION_HIGH")]
