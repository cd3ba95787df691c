"""Money is an ``int`` of minor units (fen). This module is the only place that rounds.

Rates are ``Decimal``. ``round_minor`` turns an exact ``Decimal`` amount of minor units into an int;
``allocate`` splits an amount into parts that sum exactly (largest remainder).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from enum import StrEnum

from creditloop.core.errors import ValidationError

MINOR_PER_MAJOR = 100


class Rounding(StrEnum):
    """Rounding modes a product may name."""

    HALF_UP = "half_up"
    HALF_EVEN = "half_even"
    DOWN = "down"
    UP = "up"


_DECIMAL_MODES = {
    Rounding.HALF_UP: ROUND_HALF_UP,
    Rounding.HALF_EVEN: ROUND_HALF_EVEN,
    Rounding.DOWN: ROUND_DOWN,
    Rounding.UP: ROUND_UP,
}


def round_minor(amount_minor: Decimal, rounding: Rounding = Rounding.HALF_UP) -> int:
    """Round an exact amount of minor units to a whole minor unit."""
    return int(amount_minor.quantize(Decimal(1), rounding=_DECIMAL_MODES[rounding]))


def allocate(total_minor: int, weights: Sequence[int | Decimal]) -> list[int]:
    """Split ``total_minor`` in proportion to ``weights`` so that the parts sum exactly.

    Largest-remainder method: every part gets the floor of its share, the leftover minor units go
    one each to the parts with the largest remainders (earliest first on ties), so the result is
    deterministic and never off by a fen.
    """
    if not weights:
        raise ValidationError("weights must not be empty", field="weights")
    if any(w < 0 for w in weights):
        raise ValidationError("weights must not be negative", field="weights")
    weight_sum = sum(Decimal(w) for w in weights)
    if weight_sum == 0:
        raise ValidationError("weights must not all be zero", field="weights")
    sign = -1 if total_minor < 0 else 1
    magnitude = abs(total_minor)
    shares = [Decimal(magnitude) * Decimal(w) / weight_sum for w in weights]
    parts = [int(s) for s in shares]  # floor for non-negative values
    leftover = magnitude - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[:leftover]:
        parts[i] += 1
    return [sign * p for p in parts]


def split_evenly(total_minor: int, parts: int) -> list[int]:
    """Split into ``parts`` near-equal amounts; earlier parts carry the extra fen."""
    if parts <= 0:
        raise ValidationError("parts must be positive", field="parts")
    base, extra = divmod(total_minor, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


# Larger amounts are certainly typing errors, and would overflow a 64-bit database column.
MAX_MINOR = 10**15
# ASCII digits only: ``\d`` and ``Decimal`` also take full-width (１２) and Arabic-Indic (١٢) digits.
_DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def parse_major(text: str, *, field: str = "amount") -> int:
    """Parse a decimal string in major units ("12.34") into minor units, refusing sub-fen input."""
    raw = str(text).strip()
    if not _DECIMAL_TEXT.fullmatch(raw):
        raise ValidationError(f"{field} must be a plain decimal number like 12.34, got {text!r}", field=field)
    try:
        value = Decimal(raw)
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{field} must be a decimal number, got {text!r}", field=field) from None
    if not value.is_finite():
        raise ValidationError(f"{field} must be a finite number, got {text!r}", field=field)
    minor = value * MINOR_PER_MAJOR
    if minor != minor.to_integral_value():
        raise ValidationError(f"{field} has more than two decimal places: {text!r}", field=field)
    if abs(minor) > MAX_MINOR:
        raise ValidationError(f"{field} is too large: {text!r}", field=field)
    return int(minor)


def format_major(amount_minor: int) -> str:
    """Format minor units as a plain major-unit string: 123456 -> '1234.56'."""
    sign = "-" if amount_minor < 0 else ""
    whole, frac = divmod(abs(amount_minor), MINOR_PER_MAJOR)
    return f"{sign}{whole}.{frac:02d}"


def require_positive(amount_minor: int, field: str) -> None:
    """Refuse zero, negative and non-integer amounts with an error that names the field."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int):
        raise ValidationError(f"{field} must be an integer number of minor units", field=field)
    if amount_minor <= 0:
        raise ValidationError(f"{field} must be positive, got {amount_minor}", field=field)
