"""The ``expired`` outcome of the nightly run (issue 14): an alert whose line neither cured nor rolled closes as
expired once its rule's condition has not held for the policy's ``expire_after_days``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from importlib import resources
from typing import Any

import pytest

from creditloop.app.alerts import StoredAlert
from creditloop.core.errors import ValidationError
from creditloop.jobs.ewi_panel import LineAsOf
from creditloop.jobs.ewi_run import _outcome
from creditloop.monitoring.action_policies import action_policy_from_dict, default_action_policy
from creditloop.monitoring.alert_rules import AlertOutcome, default_alert_rules, packaged_alert_rules
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
    # A null ledger feature (nothing billed) is quiet; a null consortium count is not (below).
    assert outcome(date(2024, 8, 31), 10, months([None] * 7)) is AlertOutcome.EXPIRED
    gone = alert("EWI_RETIRED")
    assert outcome(date(2024, 7, 28), 5, [], gone) is None
    assert outcome(date(2024, 7, 29), 5, [], gone) is AlertOutcome.EXPIRED


@pytest.mark.parametrize("bad", [29, 731, "180", True, 1.5])
def test_expire_after_days_out_of_range_is_refused(bad: Any) -> None:
    with pytest.raises(ValidationError) as err:
        policy(expire_after_days=bad)
    assert err.value.field == "expire_after_days"


# ------------------------------------------------------------------------ EWI_NEW_LENDER without a consortium count
V3 = packaged_alert_rules("ewi@3")
V3_RULES = {r.rule_id: r for r in V3.rules}
V3_POLICY = default_action_policy(V3)


def lender_months(changes: list[float | None]) -> list[tuple[date, dict[str, float | None]]]:
    return [(m, {"other_lenders_change_3m": v, "dpd": 0.0}) for m, v in zip(MONTH_ENDS, changes, strict=False)]


def new_lender(on: date, history: list[Any], dpd: int = 0) -> Any:
    raised = StoredAlert("ewi-2", "L-1", "EWI_NEW_LENDER", "ewi", "3", RAISED, "low", ("NEW_LENDER",), {})
    return _outcome(raised, LineAsOf("L-1", LineStatus.ACTIVE, dpd), history, V3_RULES, V3_POLICY, on)


def test_a_new_lender_alert_stays_open_while_later_months_have_no_consortium_count() -> None:
    assert V3_POLICY.cure_months <= 7 and V3_POLICY.expire_after_days <= 200
    # No count after the raising (the consortium was not asked, or did not answer): open, not cured, not expired.
    assert new_lender(date(2024, 8, 31), lender_months([None] * 7)) is None
    assert new_lender(date(2024, 8, 31), lender_months([None] * 7), dpd=10) is None
    # A count that still shows the new lender keeps it open too.
    assert new_lender(date(2024, 8, 31), lender_months([None] * 6 + [2.0])) is None


def test_a_real_count_showing_no_new_lender_cures_it() -> None:
    assert new_lender(date(2024, 8, 31), lender_months([None] * 6 + [0.0])) is AlertOutcome.CURED
    # The latest month unknown again: the earlier clear count alone does not cure it (before the expiry days).
    assert new_lender(date(2024, 7, 15), lender_months([None] * 4 + [0.0, None])) is None
    # Behind on payments (never cured): a real quiet count lets it expire once the policy's days have passed.
    days = V3_POLICY.expire_after_days
    assert new_lender(RAISED + timedelta(days=days), lender_months([None] * 6 + [0.0]), dpd=10) is AlertOutcome.EXPIRED
    assert new_lender(RAISED + timedelta(days=days - 1), lender_months([None] * 6 + [0.0]), dpd=10) is None
