"""Monthly credit-record status codes for bureau reporting.

PBoC 2nd-generation report (DOMAIN.md §2.4.3): N normal; 1..7 = overdue 1-30, 31-60, ..., 151-180,
>180 days; C settled/closed; B bad debt (the rest of the set: ``status_codes``). Metro 2 payment rating
(§3.2.3) counts whole 30-day cycles: 0 = 0-29, 1 = 30-59, ..., 6 = 180+. Note the two disagree at the
edges (30 DPD is PBoC '1' but Metro 2 '1'; 29 DPD is PBoC '1' but Metro 2 '0'), so each has its own function.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from creditloop.core.errors import ValidationError
from creditloop.servicing.delinquency import bucket_index

PBOC_CURRENT = "N"
PBOC_CLOSED = "C"
PBOC_BAD_DEBT = "B"
PBOC_NOT_OPENED = "/"
HISTORY_MONTHS = 24
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _check_non_negative(value: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be an integer", field=field)
    if value < 0:
        raise ValidationError(f"{field} must not be negative, got {value}", field=field)


def pboc_code(dpd: int) -> str:
    """'N' for current, '1'..'7' for DPD 1-30, 31-60, ..., 151-180, 181 and over."""
    _check_non_negative(dpd, "dpd")
    index = bucket_index(dpd)  # same 30-day bands as the M-buckets, M7 = '7'
    return PBOC_CURRENT if index == 0 else str(index)


def metro2_payment_rating(dpd: int) -> str:
    """Metro 2 Payment Rating '0'..'6' in whole 30-day cycles past due (180+ is '6')."""
    _check_non_negative(dpd, "dpd")
    return str(min(6, dpd // 30))


def monthly_status(dpd: int, balance_minor: int, closed: bool, *, charged_off: bool = False) -> str:
    """The PBoC status for one month from month-end figures (``status_codes.pboc_status`` has the whole set).

    'C' only for a closed line with nothing left to pay; a closed line that still owes keeps reporting
    its delinquency (closing must not hide arrears). An open line at 0 DPD is 'N' even with a zero
    balance: it is in good standing, not settled. A charged-off line reports 'B' (bad debt) while its
    debt is owed, whatever the DPD, and 'C' once recovered in full (issue 16: it used to say '7', then 'N').
    """
    _check_non_negative(dpd, "dpd")
    _check_non_negative(balance_minor, "balance_minor")
    if dpd > 0 and balance_minor == 0:
        raise ValidationError("a line cannot be past due with a zero balance", field="dpd")
    if charged_off:
        return PBOC_BAD_DEBT if balance_minor > 0 else PBOC_CLOSED
    if closed and balance_minor == 0:
        return PBOC_CLOSED
    return pboc_code(dpd)


@dataclass(frozen=True, slots=True)
class CreditRecordMonth:
    line_id: str
    month: str  # 'YYYY-MM'
    status: str
    dpd: int
    balance_minor: int

    def __post_init__(self) -> None:
        if not _MONTH_RE.match(self.month):
            raise ValidationError(f"month must be 'YYYY-MM', got {self.month!r}", field="month")
        if len(self.status) != 1:
            raise ValidationError(f"status must be one character, got {self.status!r}", field="status")
        _check_non_negative(self.dpd, "dpd")
        _check_non_negative(self.balance_minor, "balance_minor")

    @classmethod
    def of(cls, line_id: str, month: str, dpd: int, balance_minor: int, closed: bool) -> CreditRecordMonth:
        """Build a month with its status derived by ``monthly_status``."""
        return cls(line_id, month, monthly_status(dpd, balance_minor, closed), dpd, balance_minor)


def history_string(statuses: Sequence[str], months: int = HISTORY_MONTHS, pad: str = PBOC_NOT_OPENED) -> str:
    """The repayment grid, most recent month first, like the PBoC 24-month grid / Metro 2 profile.

    ``statuses`` run oldest to newest (chronological, as they are produced). Months before the line
    existed are padded with ``pad`` ('/' not opened for PBoC; pass 'B' for a Metro 2 profile).
    """
    if months <= 0:
        raise ValidationError("months must be positive", field="months")
    if len(pad) != 1:
        raise ValidationError("pad must be one character", field="pad")
    for status in statuses:
        if len(status) != 1:
            raise ValidationError(f"each status must be one character, got {status!r}", field="statuses")
    recent_first = "".join(reversed(statuses[-months:]))
    return recent_first.ljust(months, pad)
