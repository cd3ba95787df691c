"""Exposure at default: the drawn balance plus a credit conversion factor (CCF) of the undrawn revolving limit.

``EAD = drawn + CCF x max(0, limit - drawn)``, rounded once to the fen (``core.money.round_minor``). The CCF is
the share of today's unused limit a customer is expected to draw before defaulting; it is a parameter of the
scenario file (``ccf``), not a constant. Credit-impaired (stage 3) lines are frozen by the servicing rules, so
their EAD is the drawn balance alone (``undrawn_usable=False``).
"""

from __future__ import annotations

from decimal import Decimal

from creditloop.core.errors import ValidationError
from creditloop.core.money import round_minor


def check_ccf(ccf: Decimal) -> Decimal:
    if not isinstance(ccf, Decimal) or not ccf.is_finite() or not Decimal(0) <= ccf <= Decimal(1):
        raise ValidationError(f"ccf must be a decimal fraction in [0, 1], got {ccf!r}", field="ccf")
    return ccf


def ead_minor(drawn_minor: int, limit_minor: int, ccf: Decimal, *, undrawn_usable: bool = True) -> int:
    for name, value in (("drawn_minor", drawn_minor), ("limit_minor", limit_minor)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{name} must be a non-negative integer, got {value!r}", field=name)
    check_ccf(ccf)
    undrawn = max(0, limit_minor - drawn_minor) if undrawn_usable else 0
    return drawn_minor + round_minor(ccf * undrawn)
