"""Columnar furnishing from the stored day-end panel (issue 16): a month's records for the whole book without
re-deriving every line from its command log.

The day-end stores one behaviour-panel row per line and month end (``app.panel_rows``, table ``behaviour_panel``).
For the 24 month ends of the grid those rows give, per line and month, what ``app.furnishing.month_facts`` reads
from a month-end view: DPD, balance, and the statement falling due in the month (asked: its minimum, else its total;
missed: paid by the due date less than that). ``furnish_columns.status_codes`` turns them into codes a month at a
time and the grid is rolled month by month, all in NumPy.

What the panel does not hold — the overdue amount as reported, penalty, charge-off and closure, restructures,
hardship plans, disputes and their corrections, repair episodes — only matters on a minority of lines, and those
lines are furnished by the per-account path (``app.furnishing.furnish_stored``), exactly as ``credit-record
furnish`` does: every line whose grid holds anything but ``N``, ``*`` or ``/``; every line not active or frozen
now; every line restructured (``restructured_on`` in its stored document), with a hardship plan, a credit-report
dispute or a collections case. The rest (the clean book: current, nothing overdue in 24 months, no marks) gets its
record from the columns: DPD 0, nothing overdue, Metro 2 rating 0 and status 11, class normal, no marks.
Art. 15 notices are recorded for negative records as the bus's ``FurnishMonth`` does (``app.credit_notices``).

Needs the SQL unit of work (the panel is stored there) with every month of the grid stored for every line (the
``behaviour_panel_months`` marks); otherwise ``month_not_stored`` is raised and the per-account path is the way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa

from creditloop.adapters.sqlalchemy.tables import behaviour_panel, credit_lines
from creditloop.adapters.warehouse.furnish_columns import MonthColumns, roll_grid, status_codes
from creditloop.app.credit_notices import notify
from creditloop.app.furnishing import furnish_stored, grid_days
from creditloop.core.dates import month_end, month_key
from creditloop.core.errors import DomainError, ValidationError
from creditloop.reporting.disputes import is_negative
from creditloop.reporting.furnishing import FurnishedMonth
from creditloop.reporting.record_rules import rule_book

_CLEAN = np.frombuffer(b"N*/", dtype=np.uint8)
_LIVE = ("ACTIVE", "FROZEN")  # servicing.model.LineStatus
NOT_STORED = "month_not_stored"


@dataclass(frozen=True, slots=True)
class StoredFurnishing:
    records: list[FurnishedMonth]
    columnar: int  # lines furnished from the stored panel's columns
    per_account: int  # lines furnished by the per-account path
    notices: list[str]


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


def _raw_rows(conn: Any, days: list[date]) -> list[tuple[Any, ...]]:
    """The panel rows of the window as the driver's own tuples (no result-row objects, no date parsing: reading is
    most of the cost), in the caller's transaction."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"SELECT account_id, month_end_on, dpd, balance_minor, statement_due_minor, min_due_minor, paid_minor "
           f"FROM {behaviour_panel.name} WHERE month_end_on >= {mark} AND month_end_on <= {mark}")  # fmt: skip
    params: tuple[Any, ...] = (days[0], days[-1])
    if conn.dialect.name == "sqlite":
        params = (days[0].isoformat(), days[-1].isoformat())
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _columns(conn: Any, days: list[date]) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """(line ids, n x months arrays of dpd / balance / asked / missed, n x months 'row stored' mask)."""
    rows = _raw_rows(conn, days)
    k = len(days)
    if not rows:
        return (
            [],
            {n: np.zeros((0, k), dtype=np.int64) for n in ("dpd", "balance", "asked", "paid")},
            np.zeros((0, k), bool),
        )
    account, on, dpd, balance, due, minimum, paid = zip(*rows, strict=True)
    ids_arr, row_of = np.unique(np.asarray(account, dtype=str), return_inverse=True)
    ends = np.asarray([d.isoformat() for d in days])
    month_of = np.searchsorted(ends, np.asarray(on).astype(str))  # ISO dates sort as text
    n = len(ids_arr)

    def column(values: tuple[Any, ...]) -> np.ndarray:
        out = np.zeros((n, k), dtype=np.int64)
        out[row_of, month_of] = np.nan_to_num(np.asarray(values, dtype=np.float64)).astype(np.int64)
        return out

    minimum_col, due_col = column(minimum), column(due)
    cols = {"dpd": column(dpd), "balance": column(balance), "paid": column(paid),
            "asked": np.where(minimum_col > 0, minimum_col, due_col)}  # fmt: skip
    stored = np.zeros((n, k), dtype=bool)
    stored[row_of, month_of] = True
    ids = [str(i) for i in ids_arr]
    return ids, cols, stored


def _grids(cols: dict[str, np.ndarray], stored: np.ndarray) -> np.ndarray:
    """Each line's 24-month grid (this month first), the rules of ``month_facts`` and ``pboc_status`` as columns."""
    n, k = stored.shape
    grid = None
    previous = np.zeros(n, dtype=np.int64)
    for j in range(k):
        balance = cols["balance"][:, j]
        dpd = np.where(balance == 0, 0, cols["dpd"][:, j])
        missed = (cols["asked"][:, j] > 0) & (cols["paid"][:, j] < cols["asked"][:, j])
        overdue_in_month = np.where(previous > 0, previous + 1, missed.astype(np.int64))
        month = MonthColumns(
            dpd=dpd.astype(np.int32), max_dpd_in_month=np.maximum(dpd, overdue_in_month).astype(np.int32),
            due_in_month_minor=cols["asked"][:, j], balance_minor=balance, charged_off=np.zeros(n, dtype=bool),
            ended=np.zeros(n, dtype=np.int8), opened=stored[:, j], known=np.ones(n, dtype=bool),
        )  # fmt: skip
        grid = roll_grid(grid, status_codes(month))
        previous = np.where(stored[:, j], dpd, 0)
    assert grid is not None
    return grid


def _special(uow: Any, conn: Any) -> set[str]:
    """Lines the columns cannot tell everything about (see the module docstring)."""
    c = credit_lines.c
    out = {i for i, s in conn.execute(sa.select(c.line_id, c.status)) if s not in _LIVE}
    out |= set(conn.execute(sa.select(c.line_id).where(c.doc.like('%"restructured_on":"%'))).scalars())
    out |= {p.line_id for p in uow.hardship.plans()}
    out |= {d.line_id for d in uow.credit_disputes.disputes()}
    out |= {case.line_id for case in uow.collections.cases()}
    return out


def furnish_from_panel(uow: Any, day: date, *, notices: bool = True) -> StoredFurnishing:
    """Every line's record for the month ending ``day``, in line-id order, inside the caller's open unit of work."""
    days = _window(uow, day)
    conn = uow.connection
    ids, cols, stored = _columns(conn, days)
    grid = _grids(cols, stored)
    customers = dict(conn.execute(sa.select(credit_lines.c.line_id, credit_lines.c.customer_id)).all())
    clean = np.isin(grid, _CLEAN).all(axis=1) & stored[:, -1]
    special = _special(uow, conn)
    book = rule_book()
    records: list[FurnishedMonth] = []
    columnar = 0
    key = month_key(day)
    text = grid.view(f"S{grid.shape[1]}").ravel()
    for i, line_id in enumerate(ids):
        if clean[i] and line_id not in special:
            codes = text[i].decode("ascii")
            balance = int(cols["balance"][i, -1])
            records.append(FurnishedMonth(line_id, customers[line_id], key, codes[0], codes, 0, balance, 0, "0",
                                          "11", "normal"))  # fmt: skip
            columnar += 1
            continue
        record = furnish_stored(uow, uow.lines.get(line_id), day, book)
        if record is not None:
            records.append(record)
    noticed = [r.line_id for r in records if notices and is_negative(r.status) and notify(uow, r, day)]
    return StoredFurnishing(records, columnar, len(ids) - columnar, noticed)
