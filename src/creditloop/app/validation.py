"""The command boundary: client ids, amounts and business dates checked before a handler runs.

One rule per kind of field, chosen by the field's name (``*_id`` a client id, ``*_minor`` an amount, a
``date`` a business date), precompiled per command type so the check costs a few attribute reads.
Nothing has been loaded or written when a check refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import Any

from creditloop.ledger.bounds import check_amount, check_business_date
from creditloop.ledger.ids import check_client_id

# Amounts that may be zero (a hardship applicant with no other debt).
_ZERO_ALLOWED = frozenset({"monthly_other_debt_minor", "monthly_income_minor"})


def _checker(name: str, annotation: Any) -> Callable[[Any], object] | None:
    text = str(annotation)
    if name.endswith("_id") and "str" in text:
        return lambda v: check_client_id(v, name)
    if name.endswith("_minor") and "int" in text:
        zero = name in _ZERO_ALLOWED
        return lambda v: v is None or check_amount(v, name, allow_zero=zero)
    if "date" in text and "datetime" not in text:
        return lambda v: check_business_date(v, name)
    return None


_PLANS: dict[type, tuple[tuple[str, Callable[[Any], object]], ...]] = {}


def check_command(cmd: object) -> None:
    """Refuse a command whose ids, amounts or dates break the boundary rules (the error names the field)."""
    plan = _PLANS.get(type(cmd))
    if plan is None:
        found = [(f.name, _checker(f.name, f.type)) for f in fields(cmd)]  # type: ignore[arg-type]
        plan = _PLANS[type(cmd)] = tuple((n, c) for n, c in found if c is not None)
    for name, check in plan:
        check(getattr(cmd, name))
