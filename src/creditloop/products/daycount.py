"""Day counts and repayment frequencies: how much of a year one schedule period is.

Every interest calculation in ``pricing`` names one of these. Fineract's conventions are reproduced where its
acceptance vectors need them (LOAN_ENGINE §1.2–1.3): "360/30" counts every regular month as 30 days, weekly and
day-based periods by their nominal length; its cumulative DAILY engine divides by 365 even in leap years (ACT_365).
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from enum import StrEnum

from creditloop.core.dates import add_months


class DayCount(StrEnum):
    THIRTY_360 = "30/360"  # 30E/360 with month-end days counted as the 30th; Fineract "360 / 30"
    ACT_360 = "act/360"
    ACT_364 = "act/364"  # Fineract DAYS_364 (weekly products)
    ACT_365 = "act/365"  # fixed 365 even in leap years (Fineract cumulative DAILY quirk)
    ACT_ACT = "act/act"  # days in each year over its length, years split on 31 Dec as Fineract does


class Frequency(StrEnum):
    MONTHLY = "monthly"
    WEEKLY = "weekly"
    DAILY = "daily"  # "every N days" with ``every`` = N


_BASIS = {DayCount.THIRTY_360: 360, DayCount.ACT_360: 360, DayCount.ACT_364: 364, DayCount.ACT_365: 365}


def _is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def days_30e_360(start: date, end: date) -> int:
    """30E/360 days; a month-end day counts as the 30th so 31 Jan → 29 Feb → 31 Mar are 30-day months."""
    d1 = 30 if _is_month_end(start) else min(start.day, 30)
    d2 = 30 if _is_month_end(end) else min(end.day, 30)
    return (end.year - start.year) * 360 + (end.month - start.month) * 30 + (d2 - d1)


def year_fraction(start: date, end: date, day_count: DayCount) -> Decimal:
    """Fraction of a year between two dates under ``day_count`` (exact Decimal, never rounded)."""
    if day_count is DayCount.THIRTY_360:
        return Decimal(days_30e_360(start, end)) / 360
    if day_count is DayCount.ACT_ACT:
        return act_act_fineract(start, end)
    return Decimal((end - start).days) / _BASIS[day_count]


def act_act_fineract(start: date, end: date) -> Decimal:
    """Actual/actual as Fineract's progressive EMI splits a period that crosses a year end.

    ``ProgressiveEMICalculator.calculatePeriodFractions``: each year's slice ends on 31 December (not 1 January:
    interest is recognised from the day after disbursement), so 20 Dec 2024 → 20 Jan 2025 is 11/366 + 20/365 where
    ISDA says 12/366 + 19/365 — a fen on 5,000.00 at 7 %. Inside one year both are days / that year's length.
    """
    total = Decimal(0)
    cursor = start
    for year in range(start.year, end.year + 1):
        slice_end = end if year == end.year else date(year, 12, 31)
        total += Decimal((slice_end - cursor).days) / (366 if calendar.isleap(year) else 365)
        cursor = slice_end
    return total


def nominal_days(frequency: Frequency, every: int) -> int:
    """Days in one regular period under 30-day months (Fineract ``mult × repayEvery``)."""
    return {Frequency.MONTHLY: 30, Frequency.WEEKLY: 7, Frequency.DAILY: 1}[frequency] * every


def add_periods(anchor: date, k: int, frequency: Frequency, every: int) -> date:
    """The ``k``-th due date after ``anchor``, always measured from the anchor so month-end clamping never drifts."""
    if frequency is Frequency.MONTHLY:
        return add_months(anchor, k * every)
    step = 7 if frequency is Frequency.WEEKLY else 1
    return date.fromordinal(anchor.toordinal() + k * every * step)


def period_fraction(
    start: date, end: date, day_count: DayCount, frequency: Frequency, every: int, *, regular: bool
) -> Decimal:
    """Year fraction of one schedule period.

    A *regular* period (exactly one repayment interval) under 30/360 is worth ``nominal_days / 360`` whatever the
    calendar says (so a monthly rate is exactly ``annual / 12``, Fineract SAME_AS_REPAYMENT_PERIOD). Irregular
    periods and the actual-day conventions measure the real dates.
    """
    if regular and day_count is DayCount.THIRTY_360:
        return Decimal(nominal_days(frequency, every)) / 360
    return year_fraction(start, end, day_count)
