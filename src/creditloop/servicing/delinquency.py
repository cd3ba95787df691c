"""Days past due and M-buckets (China convention, aligned with PBoC status codes 1-7).

M0 current; M1 1-30 DPD; M2 31-60; ... M6 151-180; M7 181 and over.
"""

from __future__ import annotations

from datetime import date

BUCKETS: tuple[str, ...] = ("M0", "M1", "M2", "M3", "M4", "M5", "M6", "M7")


def days_past_due(oldest_unpaid_due_on: date | None, business_date: date) -> int:
    """DPD on ``business_date``: 0 when nothing is unpaid past its due date."""
    if oldest_unpaid_due_on is None or business_date <= oldest_unpaid_due_on:
        return 0
    return (business_date - oldest_unpaid_due_on).days


def bucket_index(dpd: int) -> int:
    """0 for current, k for DPD in (30(k-1), 30k], 7 for 181 and over."""
    if dpd < 0:
        raise ValueError(f"dpd must not be negative, got {dpd}")
    if dpd == 0:
        return 0
    return min(7, (dpd + 29) // 30)


def bucket(dpd: int) -> str:
    """'M0'..'M7' for a DPD."""
    return BUCKETS[bucket_index(dpd)]
