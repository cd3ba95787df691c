"""The ``expired`` outcome of the nightly run (issue 14): an alert whose line neither cured nor rolled closes as
expired once its rule's condition has not held for the policy's ``expire_after_days``."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from typing import Any

import pytest

from creditloop.app.alerts import StoredAlert
from creditloop.core.errors import ValidationError
from creditloop.jobs.ewi_panel import LineAsOf
from creditloop.jobs.ewi_run import _outcome
from creditloop.monitoring.action_policies import action_policy_from_dict, default_action_policy
from creditloop.monitoring.alert_rules import AlertOutcome, default_alert_rules
from creditloop.servicing.credit_line import LineStatus

RULES = default_alert_rules()
BY_RULE = {r.rule_id: r for r in RULES.rules}
RAISED = date(2024, 1, 31)
MONTH_ENDS = [date(2024, m, d) for m, d in ((2, 29), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31), (8, 31))]


def policy(**extra: Any) -> Any:
    doc = json.loads(
        resources.files("creditloop.monitoring").joinpath("action_policies/ewi_actions_v1.json").read_text("utf-8")
    )
    return action_policy_from_dict({**doc, **extra}, RULES)


def alert(rule_id: str = "EWI_PAY_RATIO_LOW") -> StoredAlert:
    return StoredAlert("ewi-1", "L-1", rule_id, "ewi", "1", RAISED, "medium", ("PAYMENT_RATIO_LOW",), {})


def months(pay_ratios: list[float | None]) -> list[tuple[date, dict[str, float | None]]]:
    return [(m, {"pay_ratio_3m": r, "dpd": 15.0}) for m, r in zip(MONTH_ENDS, pay_ratios, strict=False)]


def outcome(on: date, dpd: int, history: list[Any], a: StoredAlert | None = None, **pol: Any) -> Any:
    return _outcome(a or alert(), LineAsOf("L-1", LineStatus.ACTIVE, dpd), history, BY_RULE, policy(**pol), on)


def test_packaged_policy_expires_after_180_days() -> None:
    assert default_action_policy(RULES).expire_after_days == 180


def test_a_quiet_rule_on_a_line_still_behind_expires_after_the_policy_days() -> None:
    quiet = months([1.0] * 7)  # the pay ratio recovered at once, but the line stays at 15 DPD (never cured)
    assert outcome(date(2024, 7, 28), 15, quiet[:6]) is None  # 179 days after raising
    assert outcome(date(2024, 7, 29), 15, quiet[:6]) is AlertOutcome.EXPIRED  # 180 days


def test_the_clock_restarts_at_the_last_month_end_the_condition_held() -> None:
    held_in_march = months([1.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0])  # 0.5 <= 0.9: the rule held on 31 March
    assert outcome(date(2024, 8, 31), 15, held_in_march) is None  # 153 days since 31 March
    assert outcome(date(2024, 9, 27), 15, held_in_march) is AlertOutcome.EXPIRED  # 180 days
    assert outcome(date(2024, 7, 31), 15, held_in_march, expire_after_days=120) is AlertOutcome.EXPIRED


def test_rolled_and_cured_come_before_expired() -> None:
    quiet = months([1.0] * 7)
    assert outcome(date(2024, 8, 31), 31, quiet) is AlertOutcome.ROLLED
    assert outcome(date(2024, 8, 31), 0, quiet) is AlertOutcome.CURED


def test_a_null_indicator_counts_as_quiet_and_a_rule_gone_from_the_set_expires_from_its_raising() -> None:
    assert outcome(date(2024, 8, 31), 10, months([None] * 7)) is AlertOutcome.EXPIRED
    gone = alert("EWI_RETIRED")
    assert outcome(date(2024, 7, 28), 5, [], gone) is None
    assert outcome(date(2024, 7, 29), 5, [], gone) is AlertOutcome.EXPIRED


@pytest.mark.parametrize("bad", [29, 731, "180", True, 1.5])
def test_expire_after_days_out_of_range_is_refused(bad: Any) -> None:
    with pytest.raises(ValidationError) as err:
        policy(expire_after_days=bad)
    assert err.value.field == "expire_after_days"
