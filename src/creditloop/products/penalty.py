"""Daily penalty accrual in whole fen, carrying the sub-fen remainder to the next day."""

from __future__ import annotations

from decimal import Decimal

from creditloop.products.terms import PenaltyRule


def accrue_penalty(overdue_minor: int, rule: PenaltyRule, carry: Decimal) -> tuple[int, Decimal]:
    """Penalty for one day on ``overdue_minor``: returns (whole fen to post, new sub-fen carry).

    The exact amount plus yesterday's carry is posted in whole fen and the fraction carried, so a month
    of daily postings equals the month's exact total to within one fen. When the exact daily amount is
    below the product's minimum per day, the minimum is charged instead and the carry is left untouched
    (JD Baitiao's "minimum 0.01 yuan per day").
    """
    if overdue_minor <= 0:
        return 0, carry
    exact = Decimal(overdue_minor) * rule.daily_rate
    if exact < rule.min_per_day_minor:
        return rule.min_per_day_minor, carry
    total = exact + carry
    posted = int(total)  # floor: total is non-negative
    return posted, total - posted
