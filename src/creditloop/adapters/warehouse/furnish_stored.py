"""Columnar furnishing from the stored day-end panel (issue 16): a month's records for the whole book without
re-deriving every line from its command log.

The grids come from the panel's columns (``furnish_panel_cols``): with ``grid_dir`` and last month's furnished grid
kept there (``furnish_grid``), from one month of stored rows rolled onto it — a month of 1,000,000 lines in seconds;
otherwise (a book's first furnished month) from the 24 stored month ends of the grid. Either way this month's grid
is kept in ``grid_dir`` for the next.

What the panel does not hold — the overdue amount as reported, penalty, charge-off and closure, restructures,
hardship plans, disputes and their corrections, repair episodes — only matters on a minority of lines, and those
lines are furnished by the per-account path (``app.furnishing.furnish_stored``), exactly as ``credit-record
furnish`` does: every line whose grid holds anything but ``N``, ``*`` or ``/``; every line not active or frozen
now; every line restructured (``restructured_on`` in its stored document), with a hardship plan, a credit-report
dispute or a collections case; every line whose stored rows were restated since last month's grid was kept. The
rest (the clean book: current, nothing overdue in 24 months, no marks) gets its record from the columns: DPD 0,
nothing overdue, Metro 2 rating 0 and status 11, class normal, no marks. Art. 15 notices are recorded for negative
records as the bus's ``FurnishMonth`` does (``app.credit_notices``).

Needs the SQL unit of work (the panel is stored there) with the month stored; without a kept grid, every month of
the grid stored for every line (the ``behaviour_panel_months`` marks); otherwise ``month_not_stored`` is raised and
the per-account path is the way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from creditloop.adapters.sqlalchemy.tables import credit_lines
from creditloop.adapters.warehouse.furnish_batch import BatchView, batch_view
from creditloop.adapters.warehouse.furnish_grid import GridMonth, read_grid, write_grid
from creditloop.adapters.warehouse.furnish_panel_cols import patch, previous_month_end, rolled_grids, window_grids
from creditloop.app.credit_notices import notify
from creditloop.app.furnishing import furnish_stored, grid_days
from creditloop.core.dates import month_end, month_key
from creditloop.core.errors import DomainError, ValidationError
from creditloop.reporting.disputes import is_negative
from creditloop.reporting.furnishing import FurnishedMonth
from creditloop.reporting.record_rules import rule_book

_CLEAN = np.zeros(256, dtype=bool)
_CLEAN[list(b"N*/")] = True  # a lookup by byte: np.isin on n x 24 bytes costs a second a million
_LIVE = ("ACTIVE", "FROZEN")  # servicing.model.LineStatus
NOT_STORED = "month_not_stored"


@dataclass(frozen=True, slots=True)
class StoredFurnishing:
    records: list[FurnishedMonth]
    columnar: int  # lines furnished from the stored panel's columns
    per_account: int  # lines furnished by the per-account path
    notices: list[str]
    rolled: bool = False  # rolled from last month's kept grid (one month of rows read), not rebuilt from 24
    restated: int = 0  # lines whose stored rows changed since last month's grid was kept (furnished per account)


def _window(uow: Any, day: date) -> list[date]:
    if month_end(day) != day:
        raise ValidationError(f"a furnishing month ends on its last day, got {day}", field="on")
    days = grid_days(day, date(1900, 1, 1))
    marks = uow.panel.months()  # month end -> its rows reach back to every line's opening
    missing = [d for d in days if d not in marks]
    if not marks.get(day, False) or any(d >= min(marks) for d in missing):
        raise DomainError(
            f"the panel is not stored complete through {day}: furnish per account", code="month_not_stored"
        )
    return [d for d in days if d in marks]


def _grids(uow: Any, day: date, grid_dir: Path | None) -> tuple[GridMonth, set[str], bool]:
    """(this month's grids, the lines restated since last month's grid was kept, whether it was rolled from it)."""
    marks = uow.panel.months()
    before = read_grid(grid_dir, previous_month_end(day)) if grid_dir is not None else None
    if before is None or not marks.get(day, False):
        return window_grids(uow.connection, _window(uow, day)), set(), False
    month, restated = rolled_grids(uow.connection, day, before)
    again = [str(i) for i in month.ids[restated]]
    if again:
        try:
            month = patch(month, window_grids(uow.connection, _window(uow, day), again))
        except DomainError:  # the window is not stored complete: kept as 'not stored', so restated again next month
            month = replace(month, stored=month.stored & ~restated)
    return month, set(again), True


def _book(uow: Any) -> tuple[dict[str, str], set[str], BatchView]:
    """(customer of every line, the lines the columns cannot tell everything about — see the module docstring —,
    the stores as the per-account path reads them, loaded once: ``stores_view``)."""
    conn = uow.connection
    sql = f'SELECT line_id, customer_id, status, doc LIKE \'%"restructured_on":"%\' FROM {credit_lines.name}'
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)  # no parameters: the driver leaves the % of LIKE alone
        rows = cursor.fetchall()
    finally:
        cursor.close()
    customers = {line_id: customer for line_id, customer, _, _ in rows}
    special = {line_id for line_id, _, status, restructured in rows if status not in _LIVE or restructured}
    more, view = stores_view(uow)
    return customers, special | more, view


def stores_view(uow: Any) -> tuple[set[str], BatchView]:
    """(the lines with a hardship plan, a credit dispute or a collections case; the stores read once for
    ``furnish_lines``)."""
    plans, disputes = uow.hardship.plans(), uow.credit_disputes.disputes()
    special = {p.line_id for p in plans} | {d.line_id for d in disputes}
    special |= {case.line_id for case in uow.collections.cases()}
    return special, batch_view(uow, disputes, plans)


def furnish_lines(uow: Any, view: BatchView, day: date, line_ids: Iterable[str]) -> list[FurnishedMonth]:
    """The per-account path (``app.furnishing.furnish_stored``) on ``line_ids``, its store reads served by ``view``
    (one read of each store for the run instead of five queries a line)."""
    book = rule_book()
    out = (furnish_stored(view, uow.lines.get(i), day, book) for i in line_ids)  # type: ignore[arg-type]
    return [r for r in out if r is not None]


def furnish_from_panel(uow: Any, day: date, *, notices: bool = True, grid_dir: Path | None = None) -> StoredFurnishing:
    """Every line's record for the month ending ``day``, in line-id order, inside the caller's open unit of work.
    ``grid_dir``: where the furnished months' grids are kept (last month's is rolled when there; this month's is
    written)."""
    month, restated, rolled = _grids(uow, day, grid_dir)
    customers, special, view = _book(uow)
    special |= restated
    clean = _CLEAN[month.grid].all(axis=1) & month.stored
    records: list[FurnishedMonth] = []
    columnar = 0
    key = month_key(day)
    texts = [t.decode("ascii") for t in month.grid.view(f"S{month.grid.shape[1]}").ravel()]
    balances = month.facts["balance"].tolist()
    for i, line_id in enumerate(month.ids.tolist()):
        if clean[i] and line_id not in special:
            codes = texts[i]
            records.append(FurnishedMonth(line_id, customers[line_id], key, codes[0], codes, 0, balances[i], 0,
                                          "0", "11", "normal"))  # fmt: skip
            columnar += 1
            continue
        records += furnish_lines(uow, view, day, (line_id,))
    noticed = [r.line_id for r in records if notices and is_negative(r.status) and notify(uow, r, day)]
    if grid_dir is not None:
        write_grid(grid_dir, day, month)
    return StoredFurnishing(records, columnar, len(month.ids) - columnar, noticed, rolled, len(restated))
