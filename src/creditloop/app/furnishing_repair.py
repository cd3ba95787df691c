"""The one-off repair applied to a furnished grid: an overdue episode the repair rules hide is shown as normal.

An episode is a run of months reported overdue (``1``..``7``, ``M`` or ``B``) that ended before the furnishing month.
It is read as one overdue record for ``reporting.repair``: generated in its first month, its single overdue amount
the largest overdue amount reported in it (for an ``M`` month, what fell due), repaid on the last payment on or
before the month end at which it ended (an episode ended without a payment — a restructure, a write-off — is not
a repayment and is never repaired). When a repair rule makes it eligible and its display date (``hidden_from``, or
``hidden_by`` taken as the date it is hidden) is on or before the furnishing day, its months are shown ``N`` and
the record carries the ``repaired`` mark. Approximations: an episode that began before the 24-month window is read
from the window's first month; the overdue amount is taken at month ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from creditloop.core.dates import month_key
from creditloop.reporting.record_rules import RuleBook
from creditloop.reporting.repair import RepairCase, assess

OVERDUE_CODES = frozenset("1234567MB")


def _repaid_on(payments: Sequence[date], after: date, by: date) -> date | None:
    inside = [d for d in payments if after < d <= by]
    return max(inside) if inside else None


def repaired_grid(
    days: Sequence[date], statuses: Sequence[str], amounts: Sequence[int], payments: Sequence[date], day: date,
    book: RuleBook,
) -> tuple[list[str], bool]:  # fmt: skip
    """The statuses with every repaired episode shown ``N``, and whether any was (``days`` ascending month ends)."""
    out = list(statuses)
    repaired = False
    i = 0
    while i < len(out):
        if statuses[i] not in OVERDUE_CODES:
            i += 1
            continue
        j = i
        while j < len(statuses) and statuses[j] in OVERDUE_CODES:
            j += 1
        if j == len(statuses):
            break  # still overdue in the furnishing month: not repaid
        start = days[i].replace(day=1)
        repaid = _repaid_on(payments, start, days[j])
        amount = max(1, *amounts[i:j])
        if repaid is not None:
            case = RepairCase(None, month_key(days[i]), start, days[i], amount, repaid)
            outcome = assess(case, book)
            if outcome.eligible and outcome.shown_until is not None and outcome.shown_until[1] <= day:
                out[i:j] = ["N"] * (j - i)
                repaired = True
        i = j
    return out, repaired
