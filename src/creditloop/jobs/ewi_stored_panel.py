"""The ledger's behaviour panel for ``ewi run``: the rows the day-end stored, the replay only where none are.

On the ledger's last closed date (the nightly case) and when every month end up to the date is stored back to each
line's opening (``behaviour_panel_months.from_open``), the rows are read as stored and each line's status and dpd
on the date are its stored ones (a quiet line has not changed since its last close). Otherwise (an older ledger whose
early months were closed before the table existed, or a run for an earlier date) every line is replayed
(``jobs.ewi_panel``) and the replay's rows fill the months not stored. Both paths build rows with the same
``monitoring.ledger_rows.panel_row``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from creditloop.app.panel_rows import PanelStore, StoredPanel, panel_store
from creditloop.core.dates import month_end
from creditloop.jobs.ewi_panel import LineAsOf, Row, ledger_panel
from creditloop.servicing.credit_line import LineStatus


def last_month_end(on: date) -> date:
    return on if month_end(on) == on else on.replace(day=1) - timedelta(days=1)


def run_panel(
    uow: Any, on: date, *, columnar: bool = False
) -> tuple[list[Row] | StoredPanel, dict[str, LineAsOf], bool]:
    """(rows, each line on ``on``, whether the stored rows served alone); inside ``uow``. ``columnar``: stored rows
    that serve alone are left for the feature engine to read (``StoredPanel``) instead of read into dicts here."""
    store = panel_store(uow)
    if store is None or uow.day_ends.last_done() != on:
        rows, states = ledger_panel(iter(uow.lines), on)
        return rows, states, False
    marks = store.months()
    upto = last_month_end(on)
    stored = sorted(m for m in marks if m <= upto)
    if marks.get(upto, False):
        if columnar:
            return StoredPanel(uow.connection, tuple(stored), store.count(stored)), _states(store), True
        return store.rows(stored), _states(store), True
    return (*_mixed(uow, store, stored, on), False)


def _states(store: PanelStore) -> dict[str, LineAsOf]:
    return {i: LineAsOf(i, LineStatus(s), d) for i, s, d in store.line_states()}


def _mixed(uow: Any, store: PanelStore, stored: list[date], on: date) -> tuple[list[Row], dict[str, LineAsOf]]:
    replayed, states = ledger_panel(iter(uow.lines), on)
    known = set(stored)
    return [*store.rows(stored), *(r for r in replayed if r["month_end_on"] not in known)], states
