"""Turning the numbers a risk calculator is given into floats, refusing bad ones with an error naming the field.

The calculators (``irb``, ``vasicek``) take probabilities and correlations as ``float``, ``int``, ``Decimal`` or
the text a user typed (``"0.01"``): text goes through ``Decimal`` so ``"1e400"``, ``"nan"`` and ``"abc"`` are
refused by name instead of turning into ``inf``/``nan`` floats that would poison every later result.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from creditloop.core.errors import ValidationError

Number = float | int | Decimal | str


def finite(value: Number, field: str) -> float:
    """``value`` as a finite float, or a ``ValidationError`` naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, float | int | Decimal | str):
        raise ValidationError(f"{field} must be a number, got {value!r}", field=field)
    if isinstance(value, str):
        text = value.strip()
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError(f"{field} must be a number, got {text!r}", field=field) from None
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValidationError(f"{field} must be a finite number, got {value}", field=field)
    try:
        number = float(value)
    except OverflowError:  # an int of thousands of digits
        raise ValidationError(f"{field} is too large", field=field) from None
    if not math.isfinite(number):
        raise ValidationError(f"{field} must be a finite number, got {value}", field=field)
    return number


def in_range(value: Number, field: str, low: float, high: float, *, high_open: bool = False) -> float:
    """A finite float in ``[low, high]`` (``[low, high)`` with ``high_open``), or an error naming ``field``."""
    number = finite(value, field)
    above = number >= high if high_open else number > high
    if number < low or above:
        bracket = ")" if high_open else "]"
        raise ValidationError(
            f"{field} must be in [{low:g}, {high:g}{bracket} as a decimal fraction (0.01 = 1 %), got {value}",
            field=field,
        )
    return number


def fraction(value: Number, field: str) -> float:
    """A probability or loss rate: a decimal fraction in [0, 1] (``0.45`` for 45 %)."""
    return in_range(value, field, 0.0, 1.0)
