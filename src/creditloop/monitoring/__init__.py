"""Early-warning indicators with rules as versioned data."""

from creditloop.monitoring.ewi import (
    Alert,
    CycleRecord,
    PaymentRatioRule,
    alert_text,
    default_rule,
    evaluate,
    load_rule,
    payment_ratio,
)

__all__ = [
    "Alert",
    "CycleRecord",
    "PaymentRatioRule",
    "alert_text",
    "default_rule",
    "evaluate",
    "load_rule",
    "payment_ratio",
]
