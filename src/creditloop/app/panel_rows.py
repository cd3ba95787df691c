"""The behaviour panel stored at day-end (issue 14): when a month's last day closes, one row per line.

Each line opened on or before the month end gets the row of ``monitoring.ledger_rows.panel_row`` (the replay's own
row builder) from its state at that close. A line the day-end did not load is quiet (nothing changed since its last
close), so its stored state is its state at the month end; a line already moved past the date (a command of a later
value date, a late catch-up) is re-derived to it, as the replay does. Rows are replaced per line and month, so closing
a date again writes the same rows. The month is marked once all its rows are in; ``from_open`` says every line's
rows reach back to its opening month, which is what lets ``ewi run`` skip the replay.

A command that changes a month already stored (a back-dated purchase, refund or payment, a payment booked late with
an earlier value date, a reversed payment, an undone restructure, a line opened in a closed month) restates that
line's stored rows from the month it changes, in the same transaction (``restate``, called by the SQL unit of work
at commit): the stored panel stays what a replay gives, and a refused command, which never commits, writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from creditloop.core.dates import month_end
from creditloop.monitoring.ledger_rows import Row, activity, panel_row
from creditloop.servicing.commands import seq_of
from creditloop.servicing.credit_line import CreditLine


class PanelStore(Protocol):
    def replace(self, day: date, line_ids: Sequence[str], rows: Sequence[Row]) -> None: ...

    def mark_month(self, day: date, lines: int, from_open: bool) -> None: ...

    def months(self) -> dict[date, bool]: ...

    def rows(self, months: Sequence[date]) -> list[Row]: ...

    def line_states(self) -> list[tuple[str, str, int]]: ...

    def count(self, months: Sequence[date]) -> int: ...

    def latest(self) -> date | None:
        """The latest month end with any stored row (marked or still being written), None when there is none."""
        ...

    def line_months(self, line_ids: Sequence[str], since: date) -> dict[str, list[date]]:
        """The month ends on or after ``since`` at which each of ``line_ids`` has a stored row."""
        ...

    def replace_line(self, line_id: str, days: Sequence[date], rows: Sequence[Row]) -> None: ...

    def clear_from_open(self) -> None:
        """No month is complete back to every line's opening any more (a line opened before the first month)."""
        ...


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


def changed_since(line: CreditLine, known: int | None) -> date | None:
    """The earliest date whose panel row the commands logged on ``line`` after its first ``known`` may change (None:
    no new command); a line added in this unit (``known`` None) from its opening. A command counts from its date,
    its value date (a late payment) and the date of the command it reverses or undoes (a reversed payment vanishes
    from the whole replay, ``CreditLine.at_ends_of``), whichever is earliest."""
    if known is None:
        return line.opened_on
    if len(line.events) == known:
        return None  # the common case: a day-end close, no new command
    by_id = {r["id"]: r for r in line.events}
    days: list[date] = []
    for record in line.events:
        if seq_of(record) <= known:
            continue
        target = by_id.get(record.get("target_id"))
        for r in (record,) if target is None else (record, target):
            days.extend(date.fromisoformat(str(r[k])) for k in ("on", "value_on") if r.get(k) is not None)
    return min(days, default=None)


def restate(store: PanelStore, changed: Iterable[tuple[CreditLine, int | None]]) -> int:
    """Rewrite the stored rows the changes of this unit made stale; ``changed`` is each line changed here with the
    length of its command log as loaded (None: new). Returns the rows written. Only one small query when nothing
    changed a stored month (the nightly and online cases: commands on the open business date)."""
    since = {line.line_id: (line, day) for line, known in changed if (day := changed_since(line, known)) is not None}
    if not since:
        return 0
    latest = store.latest()
    stale = {i: (line, day) for i, (line, day) in since.items() if latest is not None and day <= latest}
    if not stale:
        return 0
    marked = store.months()
    held = store.line_months(sorted(stale), min(day for _, day in stale.values()))
    written = 0
    for line_id, (line, day) in sorted(stale.items()):
        days = sorted({d for d in held.get(line_id, []) if d >= day} | {m for m in marked if m >= day})
        if not days:
            continue
        done = activity(line)
        rows = [panel_row(view, d, done) for d, view in line.at_ends_of(days)]
        store.replace_line(line_id, days, rows)
        written += len(rows)
        if marked and line.opened_on < min(marked).replace(day=1):
            store.clear_from_open()  # its months before the first stored one were never stored: replay them
    return written


def restate_from(store: PanelStore | None, lines: Mapping[str, CreditLine], known: Mapping[str, int]) -> int:
    """``restate`` for a unit of work's identity map: ``lines`` seen, ``known`` their command logs' lengths as
    loaded (a line missing from it was added in the unit)."""
    if store is None:
        return 0
    return restate(store, ((line, known.get(i)) for i, line in lines.items()))
