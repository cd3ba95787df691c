"""The behaviour panel stored at day-end (issue 14): when a month's last day closes, one row per line.

Each line opened on or before the month end gets the row of ``monitoring.ledger_rows.panel_row`` (the replay's own
row builder) from its state at that close. A line the day-end did not load is quiet (nothing changed since its last
close), so its stored state is its state at the month end; a line already moved past the date (a command of a later
value date, a late catch-up) is re-derived to it, as the replay does. Rows are replaced per line and month, so closing
a date again writes the same rows. The month is marked once all its rows are in; ``from_open`` says every line's
rows reach back to its opening month, which is what lets ``ewi run`` skip the replay.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from creditloop.core.dates import month_end
from creditloop.monitoring.ledger_rows import Row, activity, panel_row
from creditloop.servicing.credit_line import CreditLine


class PanelStore(Protocol):
    def replace(self, day: date, line_ids: Sequence[str], rows: Sequence[Row]) -> None: ...

    def mark_month(self, day: date, lines: int, from_open: bool) -> None: ...

    def months(self) -> dict[date, bool]: ...

    def rows(self, months: Sequence[date]) -> list[Row]: ...

    def line_states(self) -> list[tuple[str, str, int]]: ...

    def count(self, months: Sequence[date]) -> int: ...


@dataclass(frozen=True, slots=True)
class StoredPanel:
    """The stored rows of ``months``, left in the database for the feature engine to read in columns (no Python
    object per row); ``connection`` is the open unit of work's, so it is read inside that transaction."""

    connection: Any
    months: tuple[date, ...]
    rows: int


def panel_store(uow: Any) -> PanelStore | None:
    """The unit of work's panel store, or None where none is kept (the memory fake, a simulation's file)."""
    return getattr(uow, "panel", None)


def is_month_end(day: date) -> bool:
    return month_end(day) == day


def month_end_rows(lines: Iterable[CreditLine], day: date) -> tuple[list[Row], bool]:
    """The rows at ``day`` of the lines opened by then, and whether one of them opened before ``day``'s month."""
    rows: list[Row] = []
    older = False
    after = day.isoformat()
    for line in lines:
        if line.opened_on > day:
            continue
        older = older or line.opened_on < day.replace(day=1)
        view = line
        if line.last_closed_on > day or any(str(r["on"]) > after for r in line.events):
            view = next(iter(line.at_ends_of([day])))[1]  # moved past the date: re-derived to it
        rows.append(panel_row(view, day, activity(line)))
    return rows, older


def write_month_rows(uow: Any, store: PanelStore, day: date, line_ids: Sequence[str]) -> tuple[int, bool]:
    """Store the rows of ``line_ids`` at ``day`` inside the caller's transaction: (rows written, an older line)."""
    uow.lines.load_many(line_ids)
    rows, older = month_end_rows((uow.lines.get(i) for i in line_ids), day)
    store.replace(day, line_ids, rows)
    return len(rows), older


def mark_month(store: PanelStore, day: date, lines: int, older: bool) -> None:
    """Mark ``day``'s rows complete; they reach back to every line's opening when no line is older than the month
    or the month before is itself complete back to opening."""
    before = month_end(day.replace(day=1) - timedelta(days=1))
    store.mark_month(day, lines, not older or store.months().get(before, False))
