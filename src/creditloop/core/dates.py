"""Calendar helpers for monthly cycles."""

from __future__ import annotations

import calendar
from datetime import date

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def month_length(year: int, month: int) -> int:
    if month == 2 and calendar.isleap(year):
        return 29
    return _MONTH_DAYS[month - 1]


def add_months(day: date, months: int, *, day_of_month: int | None = None) -> date:
    """Move ``months`` calendar months, clamping the day to the month's length."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    wanted = day.day if day_of_month is None else day_of_month
    if wanted > 28:  # every month has 28 days: only later days need the month's length (schedules call this a lot)
        wanted = min(wanted, month_length(year, month))
    return date(year, month, wanted)


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def month_key(day: date) -> str:
    """'YYYY-MM' of a business date."""
    return f"{day.year:04d}-{day.month:02d}"
