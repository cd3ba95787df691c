"""The command boundary: client ids, amounts and business dates checked before a handler runs.

One rule per kind of field, chosen by the field's name (``*_id`` a client id, ``*_minor`` an amount, a
``date`` a business date), precompiled per command type so the check costs a few attribute reads.
Nothing has been loaded or written when a check refuses.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import Any

from creditloop.ledger.bounds import (
    MAX_AMOUNT_MINOR,
    MAX_BUSINESS_DATE,
    MIN_BUSINESS_DATE,
    check_amount,
    check_business_date,
)
from creditloop.ledger.ids import MAX_CLIENT_ID_CHARS, check_client_id

# Amounts that may be zero (a hardship applicant with no other debt).
_ZERO_ALLOWED = frozenset(
    {"monthly_other_debt_minor", "monthly_income_minor", "monthly_expenses_minor", "allowance_minor"}
)  # an allowance of zero: a book with no exposure left
_ID, _AMOUNT, _DATE = 0, 1, 2


def _kind(name: str, annotation: Any) -> int | None:
    text = str(annotation)
    if name.endswith("_id") and "str" in text:
        return _ID
    if name.endswith("_minor") and "int" in text:
        return _AMOUNT
    if "date" in text and "datetime" not in text:
        return _DATE
    return None


_PLANS: dict[type, tuple[tuple[str, int], ...]] = {}


def check_command(cmd: object) -> None:
    """Refuse a command whose ids, amounts or dates break the boundary rules (the error names the field).

    The common case is decided inline (a command per simulated payment passes through here); only a value
    that fails it goes to the full check, which raises the message naming the field and the rule."""
    plan = _PLANS.get(type(cmd))
    if plan is None:
        found = [(f.name, _kind(f.name, f.type)) for f in fields(cmd)]  # type: ignore[arg-type]
        plan = _PLANS[type(cmd)] = tuple((n, k) for n, k in found if k is not None)
    for name, kind in plan:
        v = getattr(cmd, name)
        if kind == _ID:
            if not (type(v) is str and 0 < len(v) <= MAX_CLIENT_ID_CHARS and v.isprintable() and v.strip() == v):
                check_client_id(v, name)
        elif kind == _AMOUNT:
            if v is not None and not (type(v) is int and 0 < v <= MAX_AMOUNT_MINOR):
                check_amount(v, name, allow_zero=name in _ZERO_ALLOWED)
        elif not (type(v) is date and MIN_BUSINESS_DATE <= v <= MAX_BUSINESS_DATE):
            check_business_date(v, name)
