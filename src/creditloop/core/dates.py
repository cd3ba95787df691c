"""Calendar helpers for monthly cycles."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int, *, day_of_month: int | None = None) -> date:
    """Move ``months`` calendar months, clamping the day to the month's length."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    wanted = day.day if day_of_month is None else day_of_month
    return date(year, month, min(wanted, calendar.monthrange(year, month)[1]))


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def month_key(day: date) -> str:
    """'YYYY-MM' of a business date."""
    return f"{day.year:04d}-{day.month:02d}"
