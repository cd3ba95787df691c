"""The stored day-end panel as columns for furnishing (issue 16): rows read through the driver's cursor into arrays,
and the 24-month grids derived from them — from 24 stored month ends (a book's first furnished month), or from one
month of rows rolled onto last month's furnished grid (``furnish_grid``), which is what makes a month of 1,000,000
lines cost seconds.

Per line and month end the panel gives what ``app.furnishing.month_facts`` reads from a month-end view: DPD,
balance, and the statement falling due in the month (asked: its minimum, else its total; missed: paid by the due
date less than that); ``furnish_columns.status_codes`` turns a month of them into codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from creditloop.adapters.sqlalchemy.tables import behaviour_panel
from creditloop.adapters.warehouse.furnish_columns import U8, MonthColumns, roll_grid, status_codes
from creditloop.adapters.warehouse.furnish_grid import FACTS, GridMonth
from creditloop.core.dates import month_end
from creditloop.reporting.credit_record import HISTORY_MONTHS

I64 = NDArray[np.int64]
_CHUNK = 500


def previous_month_end(day: date) -> date:
    return month_end(day.replace(day=1) - timedelta(days=1))


def _raw_rows(conn: Any, days: Sequence[date], only: Sequence[str] | None) -> list[tuple[Any, ...]]:
    """The panel rows from ``days[0]`` to ``days[-1]`` as the driver's own tuples (no result-row objects, no date
    parsing: reading is most of the cost), in the caller's transaction; ``only``: these lines alone."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"SELECT account_id, month_end_on, dpd, balance_minor, statement_due_minor, min_due_minor, paid_minor "
           f"FROM {behaviour_panel.name} WHERE month_end_on >= {mark} AND month_end_on <= {mark}")  # fmt: skip
    params: list[Any] = [days[0], days[-1]]
    if conn.dialect.name == "sqlite":
        params = [days[0].isoformat(), days[-1].isoformat()]
    cursor = conn.connection.driver_connection.cursor()
    try:
        if only is None:
            cursor.execute(sql, tuple(params))
            return list(cursor.fetchall())
        out: list[tuple[Any, ...]] = []
        for i in range(0, len(only), _CHUNK):  # SQLite takes at most 999 parameters in old builds
            part = list(only[i : i + _CHUNK])
            cursor.execute(f"{sql} AND account_id IN ({', '.join([mark] * len(part))})", tuple(params + part))
            out.extend(cursor.fetchall())
        return out
    finally:
        cursor.close()


def panel_columns(
    conn: Any, days: Sequence[date], only: Sequence[str] | None = None
) -> tuple[NDArray[np.str_], dict[str, I64], NDArray[np.bool_]]:
    """(sorted line ids, n x months arrays named by ``FACTS``, n x months 'row stored' mask) for the month ends
    ``days`` (consecutive). ``dpd`` is 0 where nothing is owed, as ``month_facts`` has it."""
    rows = _raw_rows(conn, days, only) if only is None or only else []
    k = len(days)
    if not rows:
        empty = np.zeros((0, k), dtype=np.int64)
        return np.zeros(0, dtype=str), {n: empty for n in FACTS}, np.zeros((0, k), bool)
    account, on, dpd, balance, due, minimum, paid = zip(*rows, strict=True)
    ids, row_of = np.unique(np.asarray(account, dtype=str), return_inverse=True)
    ends = np.asarray([d.isoformat() for d in days])
    month_of = np.searchsorted(ends, np.asarray(on).astype(str))  # ISO dates sort as text
    n = len(ids)

    def column(values: tuple[Any, ...]) -> I64:
        out = np.zeros((n, k), dtype=np.int64)
        out[row_of, month_of] = np.nan_to_num(np.asarray(values, dtype=np.float64)).astype(np.int64)
        return out

    minimum_col, due_col, balance_col = column(minimum), column(due), column(balance)
    cols = {"dpd": np.where(balance_col == 0, 0, column(dpd)), "balance": balance_col, "paid": column(paid),
            "asked": np.where(minimum_col > 0, minimum_col, due_col)}  # fmt: skip
    stored = np.zeros((n, k), dtype=bool)
    stored[row_of, month_of] = True
    return ids, cols, stored


def month_codes(facts: dict[str, I64], stored: NDArray[np.bool_], previous_dpd: I64) -> U8:
    """One month's codes from its facts and the DPD stored a month before (0 when that row was not stored)."""
    n = stored.shape[0]
    dpd, asked = facts["dpd"], facts["asked"]
    missed = (asked > 0) & (facts["paid"] < asked)
    overdue_in_month = np.where(previous_dpd > 0, previous_dpd + 1, missed.astype(np.int64))
    month = MonthColumns(
        dpd=dpd.astype(np.int32), max_dpd_in_month=np.maximum(dpd, overdue_in_month).astype(np.int32),
        due_in_month_minor=asked, balance_minor=facts["balance"], charged_off=np.zeros(n, dtype=bool),
        ended=np.zeros(n, dtype=np.int8), opened=stored, known=np.ones(n, dtype=bool),
    )  # fmt: skip
    return status_codes(month)


def _at(cols: dict[str, I64], j: int) -> dict[str, I64]:
    return {name: cols[name][:, j] for name in FACTS}


def window_grids(conn: Any, days: Sequence[date], only: Sequence[str] | None = None) -> GridMonth:
    """Each line's grid from the stored rows of the grid's month ends ``days`` (up to 24, the month last)."""
    ids, cols, stored = panel_columns(conn, days, only)
    grid = None
    previous = np.zeros(len(ids), dtype=np.int64)
    for j in range(len(days)):
        grid = roll_grid(grid, month_codes(_at(cols, j), stored[:, j], previous))
        previous = np.where(stored[:, j], cols["dpd"][:, j], 0)
    if grid is None:
        grid = np.zeros((0, HISTORY_MONTHS), dtype=np.uint8)
    return GridMonth(ids, grid, _at(cols, len(days) - 1), stored[:, -1])


def rolled_grids(conn: Any, day: date, before: GridMonth) -> tuple[GridMonth, NDArray[np.bool_]]:
    """This month's grids from last month's furnished ``before`` and two month ends of stored rows: last month's,
    to find the lines restated since ``before`` was written (returned as a mask: their grids must be rebuilt), and
    this month's, for the codes."""
    ids_now, cols, stored = panel_columns(conn, [previous_month_end(day), day])
    same = np.array_equal(ids_now, before.ids)  # the usual month: no line opened, none left the panel
    ids = ids_now if same else np.union1d(ids_now, before.ids)
    n = len(ids)
    at_now, at_before = np.searchsorted(ids, ids_now), np.searchsorted(ids, before.ids)

    def spread(values: NDArray[Any], where: NDArray[np.intp]) -> NDArray[Any]:
        out = np.zeros((n, *values.shape[1:]), dtype=values.dtype)
        out[where] = values
        return out

    kept = {name: spread(before.facts[name], at_before) for name in FACTS}
    kept_stored = spread(before.stored, at_before)
    last = {name: spread(cols[name][:, 0], at_now) for name in FACTS}
    restated = spread(stored[:, 0], at_now) != kept_stored
    for name in FACTS:
        restated |= last[name] != kept[name]
    grid_before = np.full((n, HISTORY_MONTHS), ord("/"), dtype=np.uint8)
    grid_before[at_before] = before.grid
    this = {name: spread(cols[name][:, 1], at_now) for name in FACTS}
    stored_now = spread(stored[:, 1], at_now)
    codes = month_codes(this, stored_now, np.where(kept_stored, kept["dpd"], 0))
    return GridMonth(ids, roll_grid(grid_before, codes), this, stored_now), restated


def patch(month: GridMonth, fresh: GridMonth) -> GridMonth:
    """``month`` with the lines of ``fresh`` (a subset, rebuilt from the window) replaced."""
    at = np.searchsorted(month.ids, fresh.ids)
    grid, stored = month.grid.copy(), month.stored.copy()
    grid[at], stored[at] = fresh.grid, fresh.stored
    facts = {name: month.facts[name].copy() for name in FACTS}
    for name in FACTS:
        facts[name][at] = fresh.facts[name]
    return GridMonth(month.ids, grid, facts, stored)
