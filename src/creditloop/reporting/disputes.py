"""Credit-report disputes (异议, DOMAIN.md §2.4.1 Art. 25; FCRA §611/§623): the disputed item, the investigation
clock, the outcomes and the correction a ``corrected`` outcome leaves on the record.

A dispute names one reported item: a line, one or more reported months, and a field — ``status`` (the month's
PBoC code), ``balance`` or ``overdue`` (amounts as reported). It is open from the filing day; the investigation is
due ``days`` calendar days after it (``dispute_clocks.json``: 20 in China, 30 under the FCRA — jurisdiction as
data). It closes with one outcome:

* ``corrected`` — the item was wrong: a :class:`Correction` per month overlays the facts derived from the ledger
  in every file furnished for a month ending on or after the closing day (the ledger itself is not rewritten:
  the record is re-furnished, so the next file carries the corrected grid and amounts);
* ``confirmed`` — the item was right: the disputed mark goes, nothing else changes;
* ``undeterminable`` — it could not be verified either way: recorded as such (Art. 25), the mark goes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.reporting.status_codes import PBOC_CODES

FIELDS = ("status", "balance", "overdue")
OUTCOMES = ("corrected", "confirmed", "undeterminable")
CHANNELS = ("customer", "agent")
MAX_CLAIM_CHARS = 2000
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])", re.ASCII)
# Codes a correction may set: the month codes a furnisher reports (not '/', the line had not opened).
CORRECTABLE_CODES = tuple(c for c in PBOC_CODES if c != "/")


@dataclass(frozen=True, slots=True)
class DisputeClock:
    jurisdiction: str
    days: int
    source: str
    complaint_days: int
    complaint_to: dict[str, str]

    def due_on(self, filed_on: date) -> date:
        return filed_on + timedelta(days=self.days)


@cache
def _clock_doc() -> dict[str, Any]:
    text = resources.files("creditloop.reporting").joinpath("dispute_clocks.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)["jurisdictions"]
    return doc


def jurisdictions() -> tuple[str, ...]:
    return tuple(sorted(_clock_doc()))


def dispute_clock(jurisdiction: str) -> DisputeClock:
    doc = _clock_doc().get(jurisdiction)
    if doc is None:
        raise ValidationError(
            f"jurisdiction must be one of {', '.join(jurisdictions())}, got {jurisdiction!r}", field="jurisdiction"
        )
    return DisputeClock(
        jurisdiction, int(doc["days"]), str(doc["source"]), int(doc["complaint_days"]), dict(doc["complaint_to"])
    )


def check_month(month: str, field: str = "months") -> str:
    if not isinstance(month, str) or not _MONTH.fullmatch(month) or not 1900 <= int(month[:4]) <= 2999:
        raise ValidationError(f"expected a month YYYY-MM (years 1900-2999), got {month!r}", field=field)
    return month


def check_field(name: str) -> str:
    if name not in FIELDS:
        raise ValidationError(f"field must be one of {', '.join(FIELDS)}, got {name!r}", field="field")
    return name


def check_outcome(outcome: str) -> str:
    if outcome not in OUTCOMES:
        raise ValidationError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}", field="outcome")
    return outcome


def check_corrected_value(field: str, value: str | None) -> str:
    """The value a ``corrected`` outcome sets: a PBoC code for ``status``, whole fen (>= 0) for an amount."""
    if value is None or value == "":
        raise ValidationError("a corrected outcome needs the corrected value", field="corrected_value")
    if field == "status":
        if value not in CORRECTABLE_CODES:
            raise ValidationError(
                f"a status is one of {' '.join(CORRECTABLE_CODES)}, got {value!r}",
                field="corrected_value",
            )
        return value
    if not value.isascii() or not value.isdigit() or len(value) > 15:
        raise ValidationError(f"an amount is whole fen, 0 or more, got {value!r}", field="corrected_value")
    return str(int(value))


@dataclass(frozen=True, slots=True)
class Correction:
    """One month's reported field replaced by a dispute's ``corrected`` outcome, from ``effective_on`` on."""

    dispute_id: str
    line_id: str
    month: str
    field: str
    value: str
    effective_on: date


def is_negative(code: str) -> bool:
    """A month code that reports a failure to pay (Art. 44 negative information): overdue (1..7, and M, overdue
    in the month though paid by its end) or bad debt."""
    return code in "1234567MB" and len(code) == 1
