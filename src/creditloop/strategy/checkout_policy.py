"""Education at checkout (issue 16, item 5): the affordability check of an installment purchase, as data.

The customer's monthly obligations after the purchase — the new plan's installment, this lender's installments
still running and known debt payments elsewhere — are set against monthly disposable income (income − living
costs). The policy (``policies/checkout_v1.json``) is a first-hit table on that ratio in basis points: ``pass``,
``nudge`` (the purchase goes on once the customer has seen the cost in plain words), ``cool_off`` (it can be
confirmed only ``cool_off_hours`` later) or ``decline``. Every decision carries its trace for the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditloop.core.documents import Schema, Spec, load_document, packaged_document, read_document
from creditloop.core.errors import ValidationError

OUTCOMES = ("pass", "nudge", "cool_off", "decline")
BPS = 10_000


@dataclass(frozen=True, slots=True)
class CheckoutRow:
    outcome: str
    max_ratio_bps: int | None  # None: the catch-all last row
    cool_off_hours: int


@dataclass(frozen=True, slots=True)
class CheckoutPolicy:
    policy_id: str
    version: str
    min_periods: int  # purchases over fewer periods (pay next month) are not checked
    late_days_example: int  # the "N days late" of the plain-words cost
    reminder_days_before_due: tuple[int, ...]
    no_disposable_income: str
    rows: tuple[CheckoutRow, ...]


@dataclass(frozen=True, slots=True)
class CheckoutFacts:
    """The customer's month in fen: what the check reads (no personal data)."""

    new_installment_minor: int
    lender_installments_minor: int  # this lender's installments still running, a month
    other_debts_minor: int  # known debt payments elsewhere, a month
    income_minor: int
    living_costs_minor: int
    periods: int

    def __post_init__(self) -> None:
        for name in ("new_installment_minor", "lender_installments_minor", "other_debts_minor", "income_minor",
                     "living_costs_minor"):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationError(f"{name} must be a whole number of fen, 0 or more, got {value!r}", field=name)

    @property
    def disposable_minor(self) -> int:
        return max(0, self.income_minor - self.living_costs_minor)

    @property
    def obligations_minor(self) -> int:
        return self.new_installment_minor + self.lender_installments_minor + self.other_debts_minor


@dataclass(frozen=True, slots=True)
class CheckoutDecision:
    outcome: str
    ratio_bps: int | None  # None when nothing is disposable or the purchase is not checked
    cool_off_hours: int
    reason: str  # a stable reason code
    trace: dict[str, Any]


def decide(policy: CheckoutPolicy, facts: CheckoutFacts) -> CheckoutDecision:
    """The first row of ``policy`` the ratio does not exceed (a ratio is rounded up to the basis point)."""
    trace: dict[str, Any] = {
        "policy": f"{policy.policy_id}@{policy.version}", "periods": facts.periods,
        "new_installment_minor": facts.new_installment_minor,
        "lender_installments_minor": facts.lender_installments_minor, "other_debts_minor": facts.other_debts_minor,
        "disposable_minor": facts.disposable_minor, "obligations_minor": facts.obligations_minor,
    }  # fmt: skip
    if facts.periods < policy.min_periods:
        return CheckoutDecision("pass", None, 0, "checkout.not_installment", {**trace, "row": None})
    if facts.disposable_minor == 0:
        outcome = policy.no_disposable_income
        return CheckoutDecision(outcome, None, 0, "checkout.no_disposable_income", {**trace, "row": None})
    ratio = -(-facts.obligations_minor * BPS // facts.disposable_minor)
    for i, row in enumerate(policy.rows):
        if row.max_ratio_bps is None or ratio <= row.max_ratio_bps:
            hit = {**trace, "ratio_bps": ratio, "row": i}
            return CheckoutDecision(row.outcome, ratio, row.cool_off_hours, f"checkout.{row.outcome}", hit)
    raise AssertionError("unreachable: the last row has no maximum")  # the schema enforces a catch-all row


def _build_row(v: dict[str, Any]) -> CheckoutRow:
    if v["outcome"] not in OUTCOMES:
        raise ValidationError(f"outcome must be one of {list(OUTCOMES)}, got {v['outcome']!r}", field="outcome")
    if v["outcome"] == "cool_off" and v["cool_off_hours"] < 1:
        raise ValidationError("a cool_off row needs cool_off_hours of 1 or more", field="cool_off_hours")
    return CheckoutRow(v["outcome"], v["max_ratio_bps"], v["cool_off_hours"])


ROW_SCHEMA: Schema[CheckoutRow] = Schema(
    "checkout policy row",
    (
        Spec("outcome", "str"),
        Spec("max_ratio_bps", "int", lo=0, hi=1_000_000, default=None),
        Spec("cool_off_hours", "int", lo=0, hi=24 * 30, default=0),
    ),
    build=_build_row,
)


def _build_policy(v: dict[str, Any]) -> CheckoutPolicy:
    rows: list[CheckoutRow] = v["rows"]
    last = -1
    for i, row in enumerate(rows):
        if row.max_ratio_bps is None and i != len(rows) - 1:
            raise ValidationError(f"rows[{i}] has no maximum but is not the last row", field=f"rows[{i}].max_ratio_bps")
        if row.max_ratio_bps is not None and row.max_ratio_bps <= last:
            raise ValidationError(f"rows[{i}].max_ratio_bps must rise row by row", field=f"rows[{i}].max_ratio_bps")
        last = row.max_ratio_bps if row.max_ratio_bps is not None else last
    if rows[-1].max_ratio_bps is not None:
        raise ValidationError("the last row must have no maximum (it catches the rest)", field="rows")
    if v["no_disposable_income"] not in OUTCOMES:
        raise ValidationError(f"no_disposable_income must be one of {list(OUTCOMES)}", field="no_disposable_income")
    days = tuple(v["reminder_days_before_due"])
    return CheckoutPolicy(v["policy_id"], v["version"], v["min_periods"], v["late_days_example"], days,
                          v["no_disposable_income"], tuple(rows))  # fmt: skip


POLICY_SCHEMA: Schema[CheckoutPolicy] = Schema(
    "checkout policy",
    (
        Spec("policy_id", "str"),
        Spec("version", "str"),
        Spec("min_periods", "int", lo=1, hi=60),
        Spec("late_days_example", "int", lo=1, hi=365),
        Spec("reminder_days_before_due", "int_set", lo=0, hi=60),
        Spec("no_disposable_income", "str"),
        Spec("rows", "list", lo=1, schema=ROW_SCHEMA),
    ),
    build=_build_policy,
)


def read_checkout_policy(doc: dict[str, Any]) -> CheckoutPolicy:
    return read_document(doc, POLICY_SCHEMA)


def load_checkout_policy(path: str | Path) -> CheckoutPolicy:
    return load_document(path, POLICY_SCHEMA)


def packaged_checkout_policy(name: str = "checkout_v1") -> CheckoutPolicy:
    return packaged_document("creditloop.strategy", f"policies/{name}.json", POLICY_SCHEMA)
