"""Early-warning indicator: payment-ratio drop (DOMAIN.md §5.5), with the rule as versioned data.

The payment ratio of a statement cycle is what was paid toward that statement by its due date divided
by what was due. A customer who used to pay (almost) in full and suddenly pays little is the classic
early-warning pattern; a customer who never paid is already in collections, not "early".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from creditloop.core.documents import Schema, Spec, load_document, packaged_document, read_document
from creditloop.core.errors import ValidationError

Lang = Literal["zh", "en"]

INDICATOR_PAYMENT_RATIO = "payment_ratio"
REASON_PAYMENT_RATIO_DROP = "PAYMENT_RATIO_DROP"

REASON_TEXTS: dict[str, dict[str, str]] = {
    REASON_PAYMENT_RATIO_DROP: {
        "zh": "近期还款比例明显低于以往水平",
        "en": "Recent payments are a much smaller share of the statement balance than before",
    },
}


@dataclass(frozen=True, slots=True)
class CycleRecord:
    """One statement cycle: amount due on the statement and amount paid toward it by the due date."""

    cycle_on: date
    statement_due_minor: int
    paid_minor: int

    def __post_init__(self) -> None:
        for name in ("statement_due_minor", "paid_minor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"{name} must be an integer number of minor units", field=name)
            if value < 0:
                raise ValidationError(f"{name} must not be negative, got {value}", field=name)


def payment_ratio(rec: CycleRecord) -> Decimal | None:
    """Paid / due, capped at 1 (overpayment is not extra credit-worthiness); None when nothing was due."""
    if rec.statement_due_minor == 0:
        return None
    return min(Decimal(1), Decimal(rec.paid_minor) / Decimal(rec.statement_due_minor))


@dataclass(frozen=True, slots=True)
class PaymentRatioRule:
    rule_id: str
    version: str
    recent_cycles: int
    base_cycles: int
    min_base_ratio: Decimal
    max_recent_ratio: Decimal

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> PaymentRatioRule:
        """Build from a decoded rule document; a malformed one raises ``ValidationError(field=...)``."""
        return read_document(doc, RULE_SCHEMA)


def _build_rule(values: dict[str, Any]) -> PaymentRatioRule:
    if values["max_recent_ratio"] >= values["min_base_ratio"]:
        # Otherwise the rule would fire on a steady payer: it must describe a drop.
        raise ValidationError("max_recent_ratio must be below min_base_ratio", field="max_recent_ratio")
    return PaymentRatioRule(**values)


RULE_SCHEMA: Schema[PaymentRatioRule] = Schema(
    "early-warning rule",
    (
        Spec("min_base_ratio", "decimal", lo=Decimal(0), hi=Decimal(1)),
        Spec("max_recent_ratio", "decimal", lo=Decimal(0), hi=Decimal(1)),
        Spec("rule_id", "str"),
        Spec("version", "str"),
        Spec("recent_cycles", "int", lo=1, hi=24),
        Spec("base_cycles", "int", lo=1, hi=24),
    ),
    build=_build_rule,
)


def load_rule(path: str | Path) -> PaymentRatioRule:
    return load_document(path, RULE_SCHEMA)


def default_rule() -> PaymentRatioRule:
    """The packaged default rule (``rules/payment_ratio_v1.json``)."""
    return packaged_document("creditloop.monitoring", "rules/payment_ratio_v1.json", RULE_SCHEMA)


@dataclass(frozen=True, slots=True)
class Alert:
    rule_id: str
    rule_version: str
    raised_on: date  # the latest cycle_on in the evaluated history
    indicator: str
    value: Decimal  # mean ratio over the recent window
    baseline: Decimal  # mean ratio over the base window
    threshold: Decimal  # max_recent_ratio the value had to be at or below
    reason_code: str

    def text(self, lang: Lang = "zh") -> str:
        return alert_text(self, lang)


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def evaluate(rule: PaymentRatioRule, history: Sequence[CycleRecord]) -> Alert | None:
    """Raise an alert when a good payer's recent payment ratio has dropped; None otherwise.

    Cycles with nothing due carry no information about willingness to pay, so both windows count only
    cycles with something due. Too little history means no alert (we cannot tell a drop from noise).
    """
    if not history:
        return None
    ordered = sorted(history, key=lambda r: r.cycle_on)
    if any(a.cycle_on == b.cycle_on for a, b in pairwise(ordered)):
        raise ValidationError("history has two records for the same cycle_on", field="history")
    ratios = [r for r in (payment_ratio(rec) for rec in ordered) if r is not None]
    if len(ratios) < rule.recent_cycles + rule.base_cycles:
        return None
    recent = ratios[-rule.recent_cycles :]
    base = ratios[-(rule.recent_cycles + rule.base_cycles) : -rule.recent_cycles]
    recent_mean, base_mean = _mean(recent), _mean(base)
    if base_mean < rule.min_base_ratio or recent_mean > rule.max_recent_ratio:
        return None
    return Alert(
        rule_id=rule.rule_id,
        rule_version=rule.version,
        raised_on=ordered[-1].cycle_on,
        indicator=INDICATOR_PAYMENT_RATIO,
        value=recent_mean,
        baseline=base_mean,
        threshold=rule.max_recent_ratio,
        reason_code=REASON_PAYMENT_RATIO_DROP,
    )


def _pct(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal(1))}%"


def alert_text(alert: Alert, lang: Lang = "zh") -> str:
    """Bilingual explanation of an alert, with the observed numbers."""
    base = REASON_TEXTS[alert.reason_code]
    if lang == "zh":
        return f"{base['zh']}：近期平均还款比例 {_pct(alert.value)}，此前平均 {_pct(alert.baseline)}。"
    if lang == "en":
        return f"{base['en']}: recent average {_pct(alert.value)}, earlier average {_pct(alert.baseline)}."
    raise ValidationError(f"unsupported language {lang!r}; use 'zh' or 'en'", field="lang")
