"""Is an overdue record repaired, hidden or kept? One case against the rule documents (``record_rules``).

A case is the object of ``../shared/vectors/credit_repair.json`` without ``expected``: ``overdue_generated``
(``YYYY-MM``, or a day ``YYYY-MM-DD``), ``single_overdue_amount`` (yuan, a decimal string; principal, interest
and penalty together), ``repaid_on`` (``YYYY-MM-DD``, or null while it is owed) and an optional ``id``.

Every one-off repair rule is tried, oldest announcement first; the first that the record qualifies for says
when it stops being displayed (``hidden_from`` a fixed date, or ``hidden_by`` the end of a month). Otherwise the
retention rule applies: the record is deleted after ``retention_years`` from the end of the adverse behaviour,
taken as the repayment date (``delete_after``); while it is not repaid the behaviour has not ended, the record
stays and ``delete_after`` is null.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from creditloop.core.dates import add_months, month_end
from creditloop.core.errors import ValidationError
from creditloop.core.money import format_major, parse_major
from creditloop.reporting.record_rules import RepairRule, RuleBook, parse_day

CASE_FIELDS = ("overdue_generated", "single_overdue_amount", "repaid_on")
_OPTIONAL = frozenset({"id", "expected", "description", "note"})  # ``expected``: a whole vector file reads as is
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}", re.ASCII)

# Why a record does not qualify for a repair, in the customer's words.
REASON_TEXTS: dict[str, tuple[str, str]] = {
    "generated_outside_window": ("the record was generated outside the window", "逾期记录产生时间不在政策范围内"),
    "amount_above_threshold": ("the single overdue amount is above the threshold", "单笔逾期金额超过政策上限"),
    "not_repaid": ("the overdue amount has not been repaid in full", "逾期款项尚未全额归还"),
    "repaid_after_deadline": ("the overdue amount was repaid after the deadline", "逾期款项在截止日期之后才归还"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RepairCase:
    case_id: str | int | None  # as given
    generated_text: str  # as given: 'YYYY-MM' or 'YYYY-MM-DD'
    generated_first: date  # the first day the record can have been generated
    generated_last: date  # the last (the month's end for a month)
    amount_minor: int
    repaid_on: date | None


def _generated(value: Any, field: str) -> tuple[date, date]:
    if isinstance(value, str) and _MONTH.fullmatch(value):
        if not 1 <= int(value[5:]) <= 12:
            raise ValidationError(f"{field} is not a calendar month: {value!r}", field=field)
        first = parse_day(value + "-01", field)
        return first, month_end(first)
    if isinstance(value, str) and len(value) == 10:
        day = parse_day(value, field)
        return day, day
    raise ValidationError(f"{field} must be a month YYYY-MM or a date YYYY-MM-DD, got {value!r}", field=field)


def _amount(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValidationError(f'{field} must be an amount in yuan such as "3000.00", got {value!r}', field=field)
    text = repr(value) if isinstance(value, float) else str(value)  # a JSON number as it was written
    minor = parse_major(text, field=field)
    if minor <= 0:
        raise ValidationError(f"{field} must be positive (an overdue record owes something), got {text}", field=field)
    return minor


def read_case(doc: Any) -> RepairCase:
    """A case object, checked field by field; a missing or bad field raises ``ValidationError`` naming it."""
    if not isinstance(doc, Mapping):
        raise ValidationError("a case must be a JSON object", field="<case>")
    for key in doc:
        if key not in CASE_FIELDS and key not in _OPTIONAL:
            raise ValidationError(f"unknown field {key!r} (fields: id, {', '.join(CASE_FIELDS)})", field=str(key))
    for name in CASE_FIELDS:
        if name not in doc:
            raise ValidationError(f"missing field {name}" + (" (null when not repaid)" if name == "repaid_on" else ""),
                                  field=name)  # fmt: skip
    case_id = doc.get("id")
    if case_id is not None and (not isinstance(case_id, str | int) or isinstance(case_id, bool)):
        raise ValidationError(f"id must be a string, got {case_id!r}", field="id")
    first, last = _generated(doc["overdue_generated"], "overdue_generated")
    repaid = None if doc["repaid_on"] is None else parse_day(doc["repaid_on"], "repaid_on")
    if repaid is not None and repaid < first:
        raise ValidationError(
            f"repaid_on {repaid} is before the overdue record was generated ({doc['overdue_generated']})",
            field="repaid_on",
        )
    amount = _amount(doc["single_overdue_amount"], "single_overdue_amount")
    return RepairCase(case_id, doc["overdue_generated"], first, last, amount, repaid)


def repair_reasons(case: RepairCase, rule: RepairRule) -> tuple[str, ...]:
    """Why ``case`` does not qualify for ``rule`` (empty: it qualifies). Bounds are inclusive."""
    reasons = []
    if case.generated_first < rule.generated_from or case.generated_last > rule.generated_to:
        reasons.append("generated_outside_window")
    if case.amount_minor > rule.max_single_overdue_minor:
        reasons.append("amount_above_threshold")
    if case.repaid_on is None:
        reasons.append("not_repaid")
    elif case.repaid_on > rule.repaid_by:
        reasons.append("repaid_after_deadline")
    return tuple(reasons)


def _display_date(rule: RepairRule, repaid_on: date) -> tuple[str, date]:
    for w in rule.display:
        if (w.repaid_from is None or w.repaid_from <= repaid_on) and repaid_on <= w.repaid_to:
            if w.hidden_from is not None:
                return "hidden_from", w.hidden_from
            months = w.hidden_by_month_end_after or 0
            return "hidden_by", month_end(add_months(repaid_on.replace(day=1), months))
    # the document check guarantees the windows cover every date up to repaid_by
    raise ValidationError(f"rule {rule.head.key}: no display window holds {repaid_on}", field="display")


@dataclass(frozen=True, slots=True)
class RepairOutcome:
    case: RepairCase
    eligible: bool
    rule_key: str
    rule_en: str
    rule_zh: str
    shown_until: tuple[str, date] | None  # ('hidden_from' | 'hidden_by', day) for a repaired record
    delete_after: date | None  # the retention rule's end of display; None while the debt is owed
    general: bool  # decided by the retention rule
    checked: tuple[tuple[str, tuple[str, ...]], ...]  # every repair rule tried and why it did not apply

    def as_json(self) -> dict[str, Any]:
        """The result object: ``eligible``, then ``hidden_from`` or ``hidden_by``, or ``delete_after``."""
        c = self.case
        out: dict[str, Any] = {
            "id": c.case_id,
            "overdue_generated": c.generated_text,
            "single_overdue_amount": format_major(c.amount_minor),
            "repaid_on": None if c.repaid_on is None else c.repaid_on.isoformat(),
            "eligible": self.eligible,
            "rule": self.rule_en,
            "rule_zh": self.rule_zh,
            "rule_id": self.rule_key,
        }
        if self.shown_until is not None:
            out[self.shown_until[0]] = self.shown_until[1].isoformat()
        if self.general:
            out["delete_after"] = None if self.delete_after is None else self.delete_after.isoformat()
            out["record_stays"] = self.delete_after is None
        out["not_eligible_for"] = [{"rule_id": key, "reasons": list(reasons)} for key, reasons in self.checked]
        return out


def assess(case: RepairCase, book: RuleBook) -> RepairOutcome:
    """The first repair rule the case qualifies for, or the retention rule."""
    checked: list[tuple[str, tuple[str, ...]]] = []
    for rule in book.repairs:
        reasons = repair_reasons(case, rule)
        if not reasons and case.repaid_on is not None:
            head = rule.head
            shown = _display_date(rule, case.repaid_on)
            return RepairOutcome(case, True, head.key, head.name_en, head.name_zh, shown, None, False, tuple(checked))
        checked.append((rule.head.key, reasons))
    keep = book.retention
    delete_after = None if case.repaid_on is None else add_months(case.repaid_on, 12 * keep.retention_years)
    head = keep.head
    return RepairOutcome(case, False, head.key, head.name_en, head.name_zh, None, delete_after, True, tuple(checked))


def amount_text(minor: int) -> str:
    """Yuan with thousands separators for people (``10,000.00``); JSON keeps the plain decimal string."""
    return f"{Decimal(minor) / 100:,.2f}"
