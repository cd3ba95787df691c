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

A replay costs a line's whole history each night; a book of millions would keep month-end snapshots instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from creditloop.core.dates import month_end
from creditloop.servicing import commands as sc
from creditloop.servicing.credit_line import CreditLine, LineStatus

Row = dict[str, Any]
_SPEND = (sc.Purchase.kind, sc.Capture.kind)
_SKIPPING = (sc.ReversePayment.kind, sc.Undo.kind)


@dataclass(frozen=True, slots=True)
class LineAsOf:
    """A line on the run date itself (not a month end): what closing and eligibility read."""

    line_id: str
    status: LineStatus
    dpd: int


def month_ends(first: date, last: date) -> list[date]:
    """Every month end from the month of ``first`` to the last month end on or before ``last``."""
    out, day = [], month_end(first)
    while day <= last:
        out.append(day)
        day = month_end(day + timedelta(days=1))
    return out


def line_panel(line: CreditLine, on: date) -> tuple[list[Row], LineAsOf]:
    """The line's panel rows up to ``on`` and the line as it stood at the end of ``on``."""
    ends = month_ends(line.opened_on, on)
    days = ends if ends and ends[-1] == on else [*ends, on]
    activity = _activity(line)
    rows: list[Row] = []
    status = LineAsOf(line.line_id, line.status, line.dpd)
    for day, view in line.at_ends_of(days):
        if day == on:
            status = LineAsOf(line.line_id, view.status, view.dpd)
        if ends and day <= ends[-1]:
            rows.append(_row(view, day, activity))
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


def _activity(line: CreditLine) -> list[tuple[str, date, int, int]]:
    """(kind, value date, amount, periods) of purchases, captures and payments still standing."""
    skipped = {r["target_id"] for r in line.events if r["kind"] in _SKIPPING}
    out = []
    for record in line.events:
        if record["id"] in skipped or record["kind"] not in (*_SPEND, sc.Repay.kind):
            continue
        day = date.fromisoformat(str(record.get("value_on") or record["on"]))
        amount, periods = record["amount_minor"], record.get("periods", 0)
        assert isinstance(amount, int) and isinstance(periods, int)  # the command log stores them as integers
        out.append((str(record["kind"]), day, amount, periods))
    return out


def _row(view: CreditLine, day: date, activity: list[tuple[str, date, int, int]]) -> Row:
    start = day.replace(day=1)
    due = [s for s in view.statements if start <= s.due_on <= day]
    statement = due[-1] if due else None
    spent = [(a, p) for k, d, a, p in activity if k in _SPEND and start <= d <= day]
    paid_on = [d for k, d, _, _ in activity if k == sc.Repay.kind and d <= day]
    return {
        "account_id": view.line_id,
        "month_end_on": day,
        "dpd": view.dpd,
        "limit_minor": view.limit_minor,
        "balance_minor": view.balance_minor,
        "statement_due_minor": statement.total_due_minor if statement else 0,
        "min_due_minor": statement.minimum_due_minor if statement else 0,
        "paid_minor": statement.paid_by_due_minor if statement else 0,
        "spend_minor": sum(a for a, _ in spent),
        "new_plans": sum(1 for _, p in spent if p > 1),
        "payments": sum(1 for d in paid_on if d >= start),
        "last_payment_on": max(paid_on) if paid_on else None,
        "payment_source": None,
        "shock": None,
        "other_lenders": None,
    }
