"""Commands of credit-report disputes, statements and the month's furnishing (issue 16). Plain immutable data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class FileCreditDispute:
    """A dispute on a reported item (line, months, field) by the customer or an agent. ``claim`` is stored only
    with ``consent``; without consent it is dropped unread. Never logged either way."""

    dispute_id: str
    line_id: str
    months: tuple[str, ...]  # 'YYYY-MM'
    field: str  # status | balance | overdue
    channel: str  # customer | agent
    on: date
    consent: bool
    claim: str | None = None
    jurisdiction: str = "cn"
    lang: str = "zh"


@dataclass(frozen=True, slots=True)
class ResolveCreditDispute:
    """Close an open dispute with one outcome; ``corrected_value`` only (and always) for ``corrected``."""

    dispute_id: str
    outcome: str  # corrected | confirmed | undeterminable
    on: date
    corrected_value: str | None = None


@dataclass(frozen=True, slots=True)
class AddCreditStatement:
    """An explanatory statement (个人声明) the customer adds to their report, about one line (``about_line``) or
    the whole report (None)."""

    statement_id: str
    customer_id: str
    text: str
    on: date
    about_line: str | None = None
    lang: str = "zh"


@dataclass(frozen=True, slots=True)
class FurnishMonth:
    """Every line's record for the month ending ``on``, recording the Art. 15 notice of a line's first negative
    month before the file is written."""

    on: date
