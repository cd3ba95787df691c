"""The full PBoC repayment-status code set for one account month, and its M-bucket, card class and Metro 2 twins.

PBoC 2nd-generation report (DOMAIN.md §2.4.3): N normal; 1..7 overdue 1-30 ... >180 days; C settled/closed;
G ended other than settlement; D guarantor repaid; Z repaid with assets; B bad debt; M overdue in the month but
paid before month end; * no payment due this month; # status unknown; / not opened. Which one a month gets is
decided by :func:`pboc_status` from what happened in the month (:class:`MonthFacts`), in this order:

1. ``/`` before the line opened, ``#`` when the month's facts are unknown (a gap in the data, never guessed);
2. the line ended with nothing owed: ``D`` / ``Z`` by who or what paid, ``G`` when it ended other than by
   full repayment (settled for less, the rest forgiven), ``C`` when repaid in full — also a charged-off line
   whose debt was later recovered in full: its earlier months keep their ``B``, the last says it was settled;
3. ``B`` while a charged-off balance is still owed (a bad debt is not "181+ days", it has left the books);
4. ``1``..``7`` by the days past due at month end;
5. ``M`` when something was overdue during the month but all of it was paid by month end;
6. ``*`` when nothing fell due in the month, otherwise ``N``.

Card regulatory classes (§2.7.2): normal; special mention 1-90 DPD; substandard 91-120; doubtful 121-180;
loss over 180. Metro 2 (§3.2.3): payment rating 0-6 in 30-day cycles, ``L`` charge-off, ``G`` collection;
account status 11/71/78/80/82/83/84 by DPD, 97 charge-off, 13 paid or closed, 64 paid in full after charge-off.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from creditloop.core.errors import ValidationError
from creditloop.reporting.credit_record import metro2_payment_rating, pboc_code
from creditloop.servicing.delinquency import bucket

# Code -> (English, Chinese) meaning; the English matches ../shared/vectors/delinquency_codes.json.
PBOC_CODES: dict[str, tuple[str, str]] = {
    "N": ("normal", "正常"),
    "1": ("overdue 1-30 days", "逾期1-30天"),
    "2": ("overdue 31-60 days", "逾期31-60天"),
    "3": ("overdue 61-90 days", "逾期61-90天"),
    "4": ("overdue 91-120 days", "逾期91-120天"),
    "5": ("overdue 121-150 days", "逾期121-150天"),
    "6": ("overdue 151-180 days", "逾期151-180天"),
    "7": ("overdue over 180 days", "逾期180天以上"),
    "C": ("settled/closed", "结清"),
    "G": ("ended other than settlement", "结束（除结清外的其他原因）"),
    "D": ("guarantor repaid", "担保人代还"),
    "Z": ("repaid with assets", "以资抵债"),
    "B": ("bad debt", "呆账"),
    "M": ("overdue but paid before month end", "约定还款日后月底前还款"),
    "*": ("no payment due this month", "当月不需要还款"),
    "#": ("status unknown", "账户状态未知"),
    "/": ("not opened", "未开立"),
}

CARD_CLASSES: dict[str, str] = {
    "normal": "正常",
    "special mention": "关注",
    "substandard": "次级",
    "doubtful": "可疑",
    "loss": "损失",
}


class Ending(StrEnum):
    """How a line that owes nothing any more came to an end."""

    SETTLED = "settled"  # repaid in full (also a charged-off debt recovered in full): C
    OTHER = "other"  # ended other than by full repayment, e.g. settled for less: G
    GUARANTOR = "guarantor"  # the guarantor repaid: D
    ASSETS = "assets"  # repaid with assets: Z


_ENDING_CODE = {Ending.SETTLED: "C", Ending.OTHER: "G", Ending.GUARANTOR: "D", Ending.ASSETS: "Z"}


def _non_negative(value: int, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{field} must be an integer", field=field)
    if value < 0:
        raise ValidationError(f"{field} must not be negative, got {value}", field=field)


@dataclass(frozen=True, slots=True)
class MonthFacts:
    """What one account did in one reporting month (amounts in fen, DPD at month end)."""

    dpd: int = 0  # days past due at month end (stops at charge-off: see ``charged_off``)
    max_dpd_in_month: int = 0  # the most days past due reached at any time in the month
    due_in_month_minor: int = 0  # what fell due in the month; 0 -> '*'
    balance_minor: int = 0  # owed at month end (for a charged-off line: the charged-off debt still owed)
    charged_off: bool = False
    ended: Ending | None = None  # the line ended this month or earlier and owes nothing
    opened: bool = True
    known: bool = True

    def __post_init__(self) -> None:
        for name in ("dpd", "max_dpd_in_month", "due_in_month_minor", "balance_minor"):
            _non_negative(getattr(self, name), name)
        if self.max_dpd_in_month < self.dpd:
            raise ValidationError("max_dpd_in_month must be at least the month-end dpd", field="max_dpd_in_month")
        if self.dpd > 0 and self.balance_minor == 0:
            raise ValidationError("a line cannot be past due with a zero balance", field="dpd")
        if self.ended is not None and self.balance_minor > 0:
            raise ValidationError("an ended line owes nothing: balance_minor must be 0", field="balance_minor")


def pboc_status(facts: MonthFacts) -> str:
    """The month's PBoC status code, by the rules in the module docstring."""
    if not facts.opened:
        return "/"
    if not facts.known:
        return "#"
    if facts.ended is not None:
        return _ENDING_CODE[facts.ended]
    if facts.charged_off:
        if facts.balance_minor == 0:  # recovered in full but not marked ended: it is settled, never 'N'
            return "C"
        return "B"
    if facts.dpd > 0:
        return pboc_code(facts.dpd)
    if facts.max_dpd_in_month > 0:
        return "M"
    return "*" if facts.due_in_month_minor == 0 else "N"


def card_class(dpd: int) -> str:
    """The card regulatory class (§2.7.2) of a DPD: normal, special mention, substandard, doubtful, loss."""
    _non_negative(dpd, "dpd")
    if dpd == 0:
        return "normal"
    if dpd <= 90:
        return "special mention"
    if dpd <= 120:
        return "substandard"
    return "doubtful" if dpd <= 180 else "loss"


def m_bucket(dpd: int) -> str:
    """'M0'..'M7' (the servicing buckets; PBoC codes 1..7 use the same 30-day bands)."""
    _non_negative(dpd, "dpd")
    return bucket(dpd)


def metro2_rating(dpd: int, *, charged_off: bool = False, in_collection: bool = False) -> str:
    """Metro 2 payment rating: 'L' for a charge-off, 'G' for collection, else '0'..'6' by 30-day cycles."""
    _non_negative(dpd, "dpd")
    if charged_off:
        return "L"
    if in_collection:
        return "G"
    return metro2_payment_rating(dpd)


_METRO2_BY_RATING = ("11", "71", "78", "80", "82", "83", "84")


def metro2_account_status(dpd: int, balance_minor: int, *, charged_off: bool = False, closed: bool = False) -> str:
    """Metro 2 account status: 97 charged off and owing, 64 paid in full after a charge-off, 13 paid or closed
    with a zero balance, else 11 (0-29 DPD), 71, 78, 80, 82, 83, 84 (180+) by 30-day cycles."""
    _non_negative(dpd, "dpd")
    _non_negative(balance_minor, "balance_minor")
    if charged_off:
        return "97" if balance_minor > 0 else "64"
    if closed and balance_minor == 0:
        return "13"
    return _METRO2_BY_RATING[int(metro2_payment_rating(dpd))]
