"""The checkout policy as data (issue 16, item 5): first-hit rows on the obligations / disposable-income ratio,
edges inclusive, pay-next-month not checked, nothing disposable per the policy; bad documents refused naming the
field."""

from __future__ import annotations

import pytest

from creditloop.core.errors import ValidationError
from creditloop.strategy.checkout_policy import (
    CheckoutFacts,
    decide,
    packaged_checkout_policy,
    read_checkout_policy,
)

POLICY = packaged_checkout_policy()


def _facts(new: int, periods: int = 6, income: int = 1_000_000, living: int = 0) -> CheckoutFacts:
    return CheckoutFacts(new, 0, 0, income, living, periods)


@pytest.mark.parametrize(
    ("new", "outcome"),
    [(300_000, "pass"), (300_001, "nudge"), (500_000, "nudge"), (500_001, "cool_off"), (700_000, "cool_off"),
     (700_001, "decline")],
)  # fmt: skip
def test_rows_are_first_hit_with_inclusive_maxima(new: int, outcome: str) -> None:
    assert decide(POLICY, _facts(new)).outcome == outcome


def test_pay_next_month_and_no_disposable_income() -> None:
    assert decide(POLICY, _facts(2_000_000, periods=1)).reason == "checkout.not_installment"
    none = decide(POLICY, _facts(1, income=100, living=200))
    assert (none.outcome, none.reason, none.ratio_bps) == ("decline", "checkout.no_disposable_income", None)
    assert decide(POLICY, _facts(700_000)).cool_off_hours == 24


def _doc(**kw: object) -> dict[str, object]:
    doc: dict[str, object] = {"policy_id": "x", "version": "1", "min_periods": 2, "late_days_example": 30,
                              "reminder_days_before_due": [1], "no_disposable_income": "decline",
                              "rows": [{"outcome": "pass", "max_ratio_bps": 10}, {"outcome": "decline"}]}  # fmt: skip
    return {**doc, **kw}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rows": [{"outcome": "pass", "max_ratio_bps": 10}]}, "rows"),
        ({"rows": [{"outcome": "pass"}, {"outcome": "decline"}]}, "rows[0].max_ratio_bps"),
        ({"rows": [{"outcome": "maybe"}]}, "rows[0].outcome"),
        ({"rows": [{"outcome": "cool_off", "max_ratio_bps": 5}, {"outcome": "decline"}]}, "rows[0].cool_off_hours"),
        ({"no_disposable_income": "shrug"}, "no_disposable_income"),
    ],
)
def test_bad_policies_are_refused_naming_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        read_checkout_policy(_doc(**change))
    assert exc.value.field == field


def test_negative_facts_are_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        CheckoutFacts(1, -1, 0, 0, 0, 6)
    assert exc.value.field == "lender_installments_minor"
