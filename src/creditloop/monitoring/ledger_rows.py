"""One behaviour-panel row (``monitoring.panel.PANEL_COLUMNS``) of a credit line at a month end.

The one row builder for both ways the ledger becomes a panel: the replay in ``jobs.ewi_panel`` (a line re-derived
month end by month end) and the rows the day-end stores when it closes a month (``app.panel_rows``). One function,
two callers, so the two can never disagree. Column meanings are in ``jobs/ewi_panel.py`` and docs/early_warning.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from creditloop.core.dates import month_end
from creditloop.servicing import commands as sc
from creditloop.servicing.credit_line import CreditLine

Row = dict[str, Any]
Activity = list[tuple[str, date, int, int]]
_SPEND = (sc.Purchase.kind, sc.Capture.kind)
_SKIPPING = (sc.ReversePayment.kind, sc.Undo.kind)


def month_ends(first: date, last: date) -> list[date]:
    """Every month end from the month of ``first`` to the last month end on or before ``last``."""
    out, day = [], month_end(first)
    while day <= last:
        out.append(day)
        day = month_end(day + timedelta(days=1))
    return out


def activity(line: CreditLine) -> Activity:
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


def panel_row(view: CreditLine, day: date, done: Activity) -> Row:
    """The row of ``view`` (the line as it stood at the end of the month end ``day``); ``done`` is ``activity``
    of the line (later activity is ignored by date, so the current line's activity serves any earlier view)."""
    start = day.replace(day=1)
    due = [s for s in view.statements if start <= s.due_on <= day]
    statement = due[-1] if due else None
    spent = [(a, p) for k, d, a, p in done if k in _SPEND and start <= d <= day]
    paid_on = [d for k, d, _, _ in done if k == sc.Repay.kind and d <= day]
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
