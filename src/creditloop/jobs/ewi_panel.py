"""The ledger as a behaviour panel (``monitoring.panel.PANEL_COLUMNS``): one row per line and month end, as of a
business date, for the nightly early-warning run.

Each line is re-derived from its command log month end by month end (``CreditLine.at_ends_of``), so every value is
what the ledger knew at that month end, from the month of opening to the last month end on or before the date
(contiguous by construction). What the ledger gives:

- ``dpd``, ``limit_minor``, ``balance_minor``: the line at the month end;
- ``statement_due_minor``, ``min_due_minor``, ``paid_minor``: the statement whose **due date** falls in the month
  (its total due, minimum due, and what was paid by that due date: known at the month end); 0 when none fell due;
- ``spend_minor``, ``new_plans``: purchases and captures in the month, amounts summed; those of more than one
  period count as new installment plans;
- ``payments``, ``last_payment_on``: payments with a value date in the month (reversed ones left out): the count,
  and the latest value date so far;
- ``payment_source``, ``shock``, ``other_lenders``: null. The ledger records no payment source, no declared
  sector or region shock and no consortium data.

A replay costs a line's whole history each night: ``jobs.ewi_stored_panel`` reads the rows the day-end stored at
each month's close instead (``app.panel_rows``, the same ``monitoring.ledger_rows.panel_row``) and replays only the
months not stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from creditloop.monitoring.ledger_rows import Row, activity, month_ends, panel_row
from creditloop.servicing.credit_line import CreditLine, LineStatus

__all__ = ["LineAsOf", "Row", "ledger_panel", "line_panel", "month_ends"]


@dataclass(frozen=True, slots=True)
class LineAsOf:
    """A line on the run date itself (not a month end): what closing and eligibility read."""

    line_id: str
    status: LineStatus
    dpd: int


def line_panel(line: CreditLine, on: date) -> tuple[list[Row], LineAsOf]:
    """The line's panel rows up to ``on`` and the line as it stood at the end of ``on``."""
    ends = month_ends(line.opened_on, on)
    days = ends if ends and ends[-1] == on else [*ends, on]
    done = activity(line)
    rows: list[Row] = []
    status = LineAsOf(line.line_id, line.status, line.dpd)
    for day, view in line.at_ends_of(days):
        if day == on:
            status = LineAsOf(line.line_id, view.status, view.dpd)
        if ends and day <= ends[-1]:
            rows.append(panel_row(view, day, done))
    return rows, status


def ledger_panel(lines: Iterator[CreditLine], on: date) -> tuple[list[Row], dict[str, LineAsOf]]:
    """Panel rows of every line opened on or before ``on``, and each such line as of ``on``."""
    rows: list[Row] = []
    states: dict[str, LineAsOf] = {}
    for line in lines:
        if line.opened_on > on:
            continue
        line_rows, states[line.line_id] = line_panel(line, on)
        rows.extend(line_rows)
    return rows, states
