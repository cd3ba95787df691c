"""Discount factors at the effective interest rate (IFRS 9 5.5.17(b), B5.5.44).

The effective interest rate is an annual effective rate ``eir`` (a ``Decimal`` fraction); a loss in month ``k``
is discounted by ``(1 + eir) ** (-k / 12)``. An interest-free product (pay next month, or instalments whose only
price is a fee) has an EIR set by its own cash flows: with no fee it is zero, and the losses are not discounted
(factor 1) — our choice, documented in docs/risk.md; a fee-bearing product passes its APR as ``eir``.
"""

from __future__ import annotations

from decimal import Decimal

from creditloop.core.errors import ValidationError


def check_eir(eir: Decimal) -> Decimal:
    if not isinstance(eir, Decimal) or not eir.is_finite() or not Decimal(0) <= eir <= Decimal(5):
        raise ValidationError(f"eir must be an annual decimal fraction in [0, 5], got {eir!r}", field="eir")
    return eir


def factors(eir: Decimal, months: int) -> tuple[float, ...]:
    """Discount factors for months 1..``months``."""
    base = 1.0 + float(check_eir(eir))
    return tuple(base ** (-k / 12.0) for k in range(1, months + 1))
