from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from creditloop.core.errors import ValidationError
from creditloop.monitoring import CycleRecord, PaymentRatioRule, alert_text, default_rule, evaluate, payment_ratio

RULE = default_rule()


def history(pairs: list[tuple[int, int]]) -> list[CycleRecord]:
    """(due, paid) per month, cycles on the 1st of consecutive months of 2024."""
    return [CycleRecord(date(2024, i + 1, 1), due, paid) for i, (due, paid) in enumerate(pairs)]


def rule_doc(**overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "rule_id": "EWI_PAYMENT_RATIO_DROP",
        "version": "1",
        "recent_cycles": 2,
        "base_cycles": 3,
        "min_base_ratio": "0.9",
        "max_recent_ratio": "0.5",
    }
    doc.update(overrides)
    return doc


def test_default_rule() -> None:
    assert PaymentRatioRule.from_dict(rule_doc()) == RULE


def test_payment_ratio() -> None:
    assert payment_ratio(CycleRecord(date(2024, 1, 1), 10_000, 2_500)) == Decimal("0.25")
    assert payment_ratio(CycleRecord(date(2024, 1, 1), 10_000, 15_000)) == Decimal(1)  # capped
    assert payment_ratio(CycleRecord(date(2024, 1, 1), 0, 500)) is None  # nothing due


def test_good_payer_who_drops_is_caught() -> None:
    h = history([(10_000, 10_000), (10_000, 9_000), (10_000, 10_000), (10_000, 5_000), (10_000, 4_000)])
    alert = evaluate(RULE, h)
    assert alert is not None
    assert alert.rule_id == "EWI_PAYMENT_RATIO_DROP"
    assert alert.rule_version == "1"
    assert alert.raised_on == date(2024, 5, 1)
    assert alert.indicator == "payment_ratio"
    assert alert.value == Decimal("0.45")
    assert alert.baseline.quantize(Decimal("0.0001")) == Decimal("0.9667")
    assert alert.threshold == Decimal("0.5")
    assert alert.reason_code == "PAYMENT_RATIO_DROP"
    assert "45%" in alert_text(alert, "zh") and "97%" in alert_text(alert, "zh")
    assert alert_text(alert, "en").startswith("Recent payments")
    assert alert.text("en") == alert_text(alert, "en")


def test_edges_are_inclusive() -> None:
    # base mean exactly 0.9, recent mean exactly 0.5 -> fires
    h = history([(10_000, 9_000)] * 3 + [(10_000, 5_000)] * 2)
    assert evaluate(RULE, h) is not None
    # recent mean just above 0.5 -> no alert
    assert evaluate(RULE, history([(10_000, 9_000)] * 3 + [(10_000, 5_000), (10_000, 5_001)])) is None
    # base mean just below 0.9 -> no alert
    assert evaluate(RULE, history([(10_000, 9_000)] * 2 + [(10_000, 8_999)] + [(10_000, 0)] * 2)) is None


def test_never_paid_is_not_early_warning() -> None:
    assert evaluate(RULE, history([(10_000, 0)] * 5)) is None


def test_steady_payer_no_alert() -> None:
    assert evaluate(RULE, history([(10_000, 10_000)] * 8)) is None


def test_too_little_history_no_alert() -> None:
    assert evaluate(RULE, history([(10_000, 10_000)] * 3 + [(10_000, 0)])) is None
    assert evaluate(RULE, []) is None


def test_cycles_with_nothing_due_are_skipped_but_raised_on_is_last_cycle() -> None:
    h = history([(10_000, 10_000)] * 3 + [(10_000, 0), (0, 0), (10_000, 1_000), (0, 0)])
    alert = evaluate(RULE, h)
    assert alert is not None
    assert alert.value == Decimal("0.05")
    assert alert.baseline == Decimal(1)
    assert alert.raised_on == date(2024, 7, 1)


def test_only_the_window_just_before_recent_is_baseline() -> None:
    # Old bad cycles outside both windows do not matter.
    h = history([(10_000, 0)] * 4 + [(10_000, 10_000)] * 3 + [(10_000, 1_000)] * 2)
    alert = evaluate(RULE, h)
    assert alert is not None and alert.baseline == Decimal(1)


def test_history_order_does_not_matter_and_duplicates_refused() -> None:
    h = history([(10_000, 10_000)] * 3 + [(10_000, 0)] * 2)
    assert evaluate(RULE, list(reversed(h))) == evaluate(RULE, h)
    with pytest.raises(ValidationError):
        evaluate(RULE, [*h, h[0]])


def test_cycle_record_rejects_negative() -> None:
    with pytest.raises(ValidationError) as exc:
        CycleRecord(date(2024, 1, 1), -1, 0)
    assert exc.value.field == "statement_due_minor"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"recent_cycles": 0}, "recent_cycles"),
        ({"base_cycles": "3"}, "base_cycles"),
        ({"min_base_ratio": 0.9}, "min_base_ratio"),
        ({"min_base_ratio": "1.2"}, "min_base_ratio"),
        ({"max_recent_ratio": "0.95"}, "max_recent_ratio"),  # not a drop
        ({"rule_id": ""}, "rule_id"),
        ({"threshold": "0.5"}, "threshold"),
    ],
)
def test_malformed_rule_names_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        PaymentRatioRule.from_dict(rule_doc(**overrides))
    assert exc.value.field == field


def test_missing_field_is_named() -> None:
    doc = rule_doc()
    del doc["version"]
    with pytest.raises(ValidationError) as exc:
        PaymentRatioRule.from_dict(doc)
    assert exc.value.field == "version"
