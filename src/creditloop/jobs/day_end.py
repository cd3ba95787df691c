"""Day-end for a production book: every missed business date in order, lines in committed chunks.

Exactly once per business date: a line's own closed date makes closing it again a no-op, and only lines
whose day-end changes something are loaded (``due_for_day_end``). A crash mid-run loses at most the chunk
in flight; running the job again carries on where it stopped. Each date ends with a reconciliation
record (trial balance zero, control accounts equal to the lines' own balances) and is marked DONE. A month's
last day also stores every line's behaviour-panel row (``app.panel_rows``), in chunks, marked complete with DONE.
``closing_steps`` (hardship plan tracking, promises to pay) run for each date in the transaction that marks it
RUNNING, before its lines close: they read the date's payments, and a line they act on (a broken plan freezes
it) is still open for that date. They are idempotent (a plan broken or a promise settled is not looked at
again), so a crash before DONE runs them again harmlessly with the date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from creditloop.app.handlers import DayEndResult, close_lines, reconcile
from creditloop.app.panel_rows import PanelStore, is_month_end, mark_month, panel_store, write_month_rows
from creditloop.app.ports import DayEndRecord, ReconciliationRecord, UnitOfWork
from creditloop.app.views import pending_dates

Progress = Callable[[date, int], None]
ClosingStep = Callable[[UnitOfWork, date], object]


def run_day_end_job(
    uow: UnitOfWork,
    business_date: date,
    *,
    chunk_size: int = 2_000,
    progress: Progress | None = None,
    publish: Callable[[], None] | None = None,
    closing_steps: Sequence[ClosingStep] = (),
) -> DayEndResult:
    """``publish`` (``MessageBus.publish_pending``) hands the domain events each chunk's lines recorded (dues
    missed, bucket moves, charge-offs) to the bus's subscribers, inside the chunk's transaction."""
    with uow:
        dates = pending_dates(uow, business_date)
    closed = 0
    rec: ReconciliationRecord | None = None
    for day in dates:
        with uow:
            uow.day_ends.mark(DayEndRecord(day, "RUNNING", 0))
            for step in closing_steps:
                step(uow, day)
            uow.commit()
        closed = 0
        after: str | None = None
        while True:
            with uow:
                ids = uow.lines.due_for_day_end(day, limit=chunk_size, after=after)
                if not ids:
                    break
                closed += close_lines(uow, day, ids)
                if publish is not None:
                    publish()
                uow.commit()
            after = ids[-1]  # keyset paging: each chunk is one indexed range scan, memory stays bounded
            if progress is not None:
                progress(day, closed)
        rows = _month_rows(uow, day, chunk_size)
        with uow:
            rec = reconcile(uow, day)
            if rows is not None:
                mark_month(*rows)
            uow.day_ends.mark(DayEndRecord(day, "DONE", closed))
            uow.commit()
    return DayEndResult(dates, closed, rec)


def _month_rows(uow: UnitOfWork, day: date, chunk_size: int) -> tuple[PanelStore, date, int, bool] | None:
    """On a month's last day, every line's behaviour row in committed chunks (issue 14); what marks the month."""
    store = panel_store(uow)
    if store is None or not is_month_end(day):
        return None
    with uow:
        ids = uow.lines.ids()
    written, older = 0, False
    for start in range(0, len(ids), chunk_size):
        with uow:
            n, old = write_month_rows(uow, store, day, ids[start : start + chunk_size])
            uow.commit()
        written, older = written + n, older or old
    return store, day, written, older
