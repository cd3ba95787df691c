"""Dispute corrections overlaid on a furnished line (issue 16), and the disputed mark from credit disputes.

A ``corrected`` dispute leaves one ``Correction`` per disputed month (``reporting.disputes``). Furnishing derives
each month's facts from the ledger as before, then overlays the corrections effective by the furnishing day:

* ``status`` — the month's code in the 24-month grid (and the record's status when it is the furnishing month;
  a corrected code that is not overdue also reports 0 days past due and nothing overdue for that month);
* ``overdue`` — the month's overdue amount (the record's, and the amount a repair rule sizes an episode by);
* ``balance`` — the record's balance when it is the furnishing month (the grid carries no balances).

The ledger is never rewritten: a correction says what the record should have said, so the next file re-furnishes
the whole corrected history, and furnishing an earlier month again reproduces the file as it was sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from creditloop.app.ports import UnitOfWork
from creditloop.core.dates import month_key
from creditloop.reporting.disputes import Correction

_OVERDUE = frozenset("1234567B")


@dataclass(frozen=True, slots=True)
class MonthOverlay:
    """The corrections of the furnishing month itself."""

    status: str | None = None
    balance_minor: int | None = None
    overdue_minor: int | None = None

    def month(self, dpd: int, balance_minor: int, overdue_minor: int) -> tuple[int, int, int]:
        """(dpd, balance, overdue) of the furnishing month after its corrections."""
        if self.status is not None and self.status not in _OVERDUE:
            dpd, overdue_minor = 0, 0
        if self.balance_minor is not None:
            balance_minor = self.balance_minor
        if self.overdue_minor is not None:
            overdue_minor = self.overdue_minor
        return dpd, balance_minor, overdue_minor


def apply_corrections(
    days: Sequence[date], statuses: list[str], amounts: list[int], corrections: Sequence[Correction], day: date
) -> MonthOverlay:
    """Overlay the corrections effective by ``day`` on ``statuses`` and ``amounts`` (one per month end of
    ``days``, in place; later corrections of the same month and field win) and return the furnishing month's."""
    index = {month_key(d): i for i, d in enumerate(days)}
    current = month_key(day)
    overlay: dict[str, object] = {}
    for c in sorted(corrections, key=lambda c: (c.effective_on, c.dispute_id)):
        if c.effective_on > day or c.month not in index:
            continue
        i = index[c.month]
        if c.field == "status":
            statuses[i] = c.value
        elif c.field == "overdue":
            amounts[i] = int(c.value)
        if c.month == current:
            overlay[c.field] = c.value
    status = overlay.get("status")
    balance = overlay.get("balance")
    overdue = overlay.get("overdue")
    return MonthOverlay(
        None if status is None else str(status),
        None if balance is None else int(str(balance)),
        None if overdue is None else int(str(overdue)),
    )


def corrections_of(uow: UnitOfWork, line_id: str) -> tuple[Correction, ...]:
    store = getattr(uow, "credit_disputes", None)
    if store is None:
        return ()
    return tuple(c for d in store.disputes(line_id=line_id) for c in d.corrections())


def credit_disputed(uow: UnitOfWork, line_id: str, day: date) -> bool:
    """A credit-report dispute on the line is open at the end of ``day`` (the disputed mark, Metro 2 XB)."""
    store = getattr(uow, "credit_disputes", None)
    return store is not None and any(d.open_on(day) for d in store.disputes(line_id=line_id))


def credit_dispute_closed(uow: UnitOfWork, line_id: str, day: date) -> bool:
    """A credit-report dispute on the line closed in the month ending ``day`` (the ``dispute_closed`` mark, XH)."""
    store = getattr(uow, "credit_disputes", None)
    start = day.replace(day=1)
    return store is not None and any(
        d.closed_on is not None and start <= d.closed_on <= day for d in store.disputes(line_id=line_id)
    )
