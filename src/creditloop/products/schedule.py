"""Installment schedules for flat-fee plans aligned to the statement cycle.

``ScheduledInstallment`` is also the row type of every pricing method in ``products.pricing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from creditloop.core.dates import add_months
from creditloop.core.money import Rounding, round_minor


@dataclass(frozen=True, slots=True)
class ScheduledInstallment:
    seq: int
    statement_on: date
    due_on: date
    principal_minor: int
    fee_minor: int
    interest_minor: int = 0  # declining-balance methods (EMI, equal principal); flat-fee plans keep it 0
    is_down_payment: bool = False  # paid at checkout on the disbursement date

    @property
    def total_minor(self) -> int:
        return self.principal_minor + self.fee_minor + self.interest_minor


def next_statement_on(after: date, statement_day: int) -> date:
    """First statement date strictly after ``after`` (purchases on a statement day go to the next bill)."""
    candidate = (
        after.replace(day=statement_day)
        if after.day < statement_day
        else add_months(after, 1, day_of_month=statement_day)
    )
    return candidate


def flat_fee_schedule(
    principal_minor: int,
    periods: int,
    monthly_fee_bps: int,
    first_statement_on: date,
    due_days_after_statement: int,
    rounding: Rounding = Rounding.HALF_UP,
) -> list[ScheduledInstallment]:
    """Equal principal per period (the last absorbs the rounding) plus a flat fee on the original principal.

    This is the Baitiao / bank-card rule: fee per period = principal × monthly fee rate, e.g. 1,000 yuan over
    3 periods at 0.7 % → 7.00 yuan per period; 1,000 over 12 at 0.6 % → 83.33 + 6.00 a month, last 83.37.
    """
    base = principal_minor // periods
    fee = round_minor(Decimal(principal_minor) * monthly_fee_bps / Decimal(10_000), rounding)
    out = []
    for k in range(periods):
        statement_on = add_months(first_statement_on, k)
        principal = base if k < periods - 1 else principal_minor - base * (periods - 1)
        out.append(
            ScheduledInstallment(
                k + 1, statement_on, statement_on + timedelta(days=due_days_after_statement), principal, fee
            )
        )
    return out
