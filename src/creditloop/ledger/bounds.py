"""Bounds on amounts and running totals, so that no sum the ledger keeps can leave a signed 64-bit integer.

SQLite silently turns an integer sum past 2**63 - 1 into a float (and loses fen); PostgreSQL raises. Every
amount a command carries is at most ``MAX_AMOUNT_MINOR`` (checked at the command boundary), and every running
per-account total is checked against ``MAX_TOTAL_MINOR`` before it is written, so a write that would pass it
is refused and its transaction leaves nothing behind. The total bound leaves ~9x headroom below 2**63 for the
sums that reconciliation and reports take over the lines' own balances.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from creditloop.core.errors import DomainError, ValidationError

MAX_AMOUNT_MINOR = 10**11  # 1,000,000,000.00 in a currency with two decimals: one amount or one credit limit
MAX_TOTAL_MINOR = 10**18  # any running total (an account, a sum over lines)
# Business dates the books accept: wide enough for any real account, far enough from date.max that a
# 60-period schedule, its statements, due dates and ageing can never overflow the calendar.
MIN_BUSINESS_DATE = date(1900, 1, 1)
MAX_BUSINESS_DATE = date(2999, 12, 31)


def check_amount(value: object, field: str, *, allow_zero: bool = False) -> int:
    """An amount in minor units: an integer in [1, MAX_AMOUNT_MINOR] ([0, ...] with ``allow_zero``)."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_AMOUNT_MINOR:
        raise ValidationError(
            f"{field} must be an integer number of minor units in [{low}, {MAX_AMOUNT_MINOR}], got {value!r}",
            field=field,
        )
    return value


def check_business_date(value: object, field: str) -> date:
    if not isinstance(value, date):
        raise ValidationError(f"{field} must be a date", field=field)
    if not MIN_BUSINESS_DATE <= value <= MAX_BUSINESS_DATE:
        raise ValidationError(
            f"{field} must be between {MIN_BUSINESS_DATE} and {MAX_BUSINESS_DATE}, got {value}", field=field
        )
    return value


def check_totals(current: Mapping[str, int], deltas: Mapping[str, int]) -> None:
    """Refuse running totals that would leave [-MAX_TOTAL_MINOR, MAX_TOTAL_MINOR] (named per account)."""
    for account, delta in deltas.items():
        total = current.get(account, 0) + delta
        if not -MAX_TOTAL_MINOR <= total <= MAX_TOTAL_MINOR:
            raise DomainError(
                f"the running total of {account} would reach {total}, past the ledger bound of "
                f"{MAX_TOTAL_MINOR} minor units; nothing was written",
                code="ledger_total_bound",
            )
