"""Strict readers for the values in pricing inputs (schedule terms, APR flows, disclosure options).

The documented formats are narrow on purpose: dates are ``YYYY-MM-DD`` (no ``20240210``, no week dates such as
``2024-W06-6``, which ``date.fromisoformat`` would take) inside the business range below, so no schedule or
Appendix J count back can step outside ``date``'s years 1–9999; amounts are decimal strings (or JSON integers) of
ASCII digits — never a JSON float, a boolean, or full-width / Arabic-Indic digits that ``Decimal`` would read.
"""

from __future__ import annotations

import re
from datetime import date

from creditloop.core.errors import ValidationError
from creditloop.core.money import parse_major

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
MAX_FLOWS = 10_000  # advances or payments in one APR input: 800 years of monthly payments
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value: object, field: str, *, label: str = "") -> date:
    """A ``YYYY-MM-DD`` calendar day between ``MIN_DATE`` and ``MAX_DATE``; ``label`` prefixes the message."""
    text = value if isinstance(value, str) else None
    if text is None or not _ISO_DATE.fullmatch(text):
        raise ValidationError(f"{label}expected a date YYYY-MM-DD, got {value!r}", field=field)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{label}expected a date YYYY-MM-DD that exists, got {value!r}", field=field) from None
    if not MIN_DATE <= day <= MAX_DATE:
        raise ValidationError(f"{label}expected a date between {MIN_DATE} and {MAX_DATE}, got {value!r}", field=field)
    return day


def amount_minor(value: object, field: str, *, label: str = "", positive: bool = True) -> int:
    """A decimal string in major units (``"12.34"``; a JSON integer is exact too) as minor units."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        kind = "a float" if isinstance(value, float) else type(value).__name__
        raise ValidationError(f'{label}must be a decimal string like "12.34", not {kind}', field=field)
    text = value if isinstance(value, str) else str(value)
    if not text.isascii():
        raise ValidationError(f"{label}must be written with the digits 0-9, got {value!r}", field=field)
    minor = parse_major(text, field=field)
    if positive and minor <= 0:
        raise ValidationError(f"{label}must be positive, got {value!r}", field=field)
    return minor
