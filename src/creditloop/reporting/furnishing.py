"""One account's monthly furnishing record and the reporting file it is written to (fixed width, or CSV).

A record is what the bureau is told for one account and month: the PBoC status code (``status_codes``), the
balance and overdue amount as reported, the 24-month grid (most recent first, ``/`` before the line opened), the
Metro 2 payment rating and account status, the card class, and special marks:

* ``restructured`` — terms changed under a restructure (term extension, re-age, re-amortisation, fee reduction,
  penalty waiver); Metro 2 special comment CO;
* ``forborne`` — a payment holiday (forbearance); Metro 2 CP;
* ``settled_for_less`` — paid under a settlement, the rest forgiven; Metro 2 AU;
* ``disputed`` — a dispute is open at month end; Metro 2 compliance condition XB;
* ``dispute_closed`` — a credit-report dispute on the line was investigated and closed in the month (any outcome;
  a corrected one also changes the reported values); Metro 2 XH, reported in that month's file only;
* ``repaired`` — a one-off repair rule (``reporting/rules``) hides a repaid overdue episode: its months show 'N'.

Fixed-width layout (one line per record, fields left-aligned and space-padded unless marked right; amounts are
fen, right-aligned, zero-padded; no separators): see ``LAYOUT``. The CSV has the same fields, header first.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from creditloop.core.errors import ValidationError

MARKS: dict[str, tuple[str, str]] = {  # mark -> (Metro 2 code, Chinese)
    "restructured": ("CO", "已重组"),
    "forborne": ("CP", "延期还款"),
    "settled_for_less": ("AU", "协商结清"),
    "disputed": ("XB", "异议中"),
    "dispute_closed": ("XH", "异议已办结"),
    "repaired": ("", "信用修复"),  # a one-off repair hid a repaid overdue episode (no Metro 2 equivalent)
}


@dataclass(frozen=True, slots=True)
class FurnishedMonth:
    line_id: str
    customer_id: str
    month: str  # 'YYYY-MM'
    status: str  # PBoC code of the month
    grid: str  # 24 characters, this month first
    dpd: int
    balance_minor: int
    overdue_minor: int
    metro2_rating: str
    metro2_status: str
    card_class: str
    marks: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for mark in self.marks:
            if mark not in MARKS:
                raise ValidationError(f"unknown mark {mark!r} (one of {', '.join(MARKS)})", field="marks")

    def fields(self) -> dict[str, str]:
        """Every field as the text written to the file."""
        return {
            "line_id": self.line_id,
            "customer_id": self.customer_id,
            "month": self.month,
            "status": self.status,
            "grid": self.grid,
            "dpd": str(self.dpd),
            "balance_minor": str(self.balance_minor),
            "overdue_minor": str(self.overdue_minor),
            "metro2_rating": self.metro2_rating,
            "metro2_status": self.metro2_status,
            "card_class": self.card_class,
            "marks": ",".join(self.marks),
        }


# (field, width, right-aligned zero-padded number?)
LAYOUT: tuple[tuple[str, int, bool], ...] = (
    ("line_id", 40, False),
    ("customer_id", 40, False),
    ("month", 7, False),
    ("status", 1, False),
    ("grid", 24, False),
    ("dpd", 4, True),
    ("balance_minor", 15, True),
    ("overdue_minor", 15, True),
    ("metro2_rating", 1, False),
    ("metro2_status", 2, False),
    ("card_class", 15, False),
    ("marks", 80, False),  # 60 before issue 16 part 2 added dispute_closed (every mark at once: 71)
)
RECORD_WIDTH = sum(width for _, width, _ in LAYOUT)


def fixed_width(record: FurnishedMonth) -> str:
    """One record in the fixed-width layout; a value too wide for its field is refused naming the field."""
    values = record.fields()
    parts = []
    for name, width, number in LAYOUT:
        value = values[name]
        if len(value) > width:
            raise ValidationError(f"{name} is {len(value)} characters, the field holds {width}", field=name)
        parts.append(value.rjust(width, "0") if number else value.ljust(width))
    return "".join(parts)


def fixed_width_file(records: Iterable[FurnishedMonth]) -> str:
    return "".join(fixed_width(r) + "\n" for r in records)


def csv_file(records: Iterable[FurnishedMonth]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _, _ in LAYOUT])
    for r in records:
        values = r.fields()
        writer.writerow([values[name] for name, _, _ in LAYOUT])
    return buffer.getvalue()
