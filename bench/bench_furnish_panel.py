"""Furnishing a month for 1,000,000 lines from the stored day-end panel (issue 16), one month of rows rolled onto
last month's kept grid, vs the per-account path on the real lines of the same run.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_furnish_panel.py [--lines 1000000] [--baseline 200]``

1. Not timed: a migrated SQLite ledger with ``--baseline`` real lines (opened 2024-01-05, bought on, paid on the due
   date day by day through the bus for 12 months; every 10th never pays and is charged off in August, every 7th
   pays September late) and ``--lines`` synthetic clean lines written straight into ``credit_lines`` and
   ``behaviour_panel`` (opened in November 2024, a statement paid in full at each of November's and December's
   month ends), through the driver.
2. Timed, in order: November furnished with the grid rebuilt from the stored window (a book's first month; its
   grid is kept as Parquet), December rolled from it (**the figure**: one month of rows), the fixed-width file of
   December's records, the per-account path (``furnish_records``) on the real lines, and the same path with the
   stores read once (``furnish_lines``, what the panel path uses for its exceptional lines). The rolled records of
   the real lines must equal the per-account ones. CPU seconds of the process are the figure on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.tables import behaviour_panel_months
from creditloop.adapters.warehouse.furnish_stored import furnish_from_panel, furnish_lines, stores_view
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.furnishing import furnish_records
from creditloop.bootstrap import default_policies
from creditloop.products.terms import Product, default_product
from creditloop.reporting.furnishing import fixed_width_file

NOV, DEC = date(2024, 11, 30), date(2024, 12, 31)


def _products(_key: str) -> Product:
    return default_product()


def real_lines(bus: MessageBus, n: int) -> None:
    bus.handle(c.OpenLine("R000000", "RC0", 2_000_000, date(2024, 1, 5)))
    bus.handle(c.RunDayEnd(date(2024, 1, 5)))
    for i in range(1, n):
        bus.handle(c.OpenLine(f"R{i:06d}", f"RC{i}", 2_000_000, date(2024, 1, 5)))
    for i in range(n):
        bus.handle(c.Purchase(f"rb{i}", f"R{i:06d}", 120_000, 12, date(2024, 1, 6)))
    for month in range(2, 13):
        due_on = date(2024, month, 10)
        bus.handle(c.RunDayEnd(due_on))
        with bus.uow:
            due = {i: bus.uow.lines.get(f"R{i:06d}").amount_due_minor for i in range(n) if i % 10}
        for i, amount in due.items():
            late = i % 7 == 0 and month == 9
            if amount > 0 and not late:
                bus.handle(c.Repay(f"p{i}-{month}", f"R{i:06d}", amount, due_on))
    bus.handle(c.RunDayEnd(DEC))


def synthetic(eng: sa.Engine, n: int) -> None:
    line_sql = ("INSERT INTO credit_lines (line_id, customer_id, status, version, limit_minor, principal_minor, "
                "fee_minor, penalty_minor, interest_minor, credit_balance_minor, charged_off_minor, dpd, "
                "last_closed_on, next_action_on, doc) VALUES (?, ?, 'ACTIVE', 1, 2000000, 100000, 0, 0, 0, 0, 0, 0, "
                "?, ?, '{}')")  # fmt: skip
    panel_sql = ("INSERT INTO behaviour_panel (account_id, month_end_on, dpd, limit_minor, balance_minor, "
                 "statement_due_minor, min_due_minor, paid_minor, spend_minor, new_plans, payments) "
                 "VALUES (?, ?, 0, 2000000, ?, 10000, 0, 10000, 0, 0, 1)")  # fmt: skip
    after = (DEC + timedelta(days=1)).isoformat()
    with eng.begin() as conn:
        cur = conn.connection.driver_connection.cursor()
        cur.executemany(line_sql, ((f"S{i:07d}", f"SC{i}", DEC.isoformat(), after) for i in range(n)))
        for day in (NOV, DEC):
            cur.executemany(panel_sql, ((f"S{i:07d}", day.isoformat(), 100_000 + i % 7) for i in range(n)))
        cur.close()


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--baseline", type=int, default=200)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp())
    eng = make_engine(sqlite_url(work / "data"))
    migrate(eng)
    bus = MessageBus(SqlUnitOfWork(eng, _products), default_policies())
    real_lines(bus, args.baseline)
    with eng.begin() as conn:  # the real lines' day-end stored every month end; the synthetic lines join them
        conn.execute(sa.update(behaviour_panel_months).values(from_open=True))
    synthetic(eng, args.lines)
    load = [os.getloadavg()[0]]
    grids, uow = work / "grids", SqlUnitOfWork(eng, _products)
    with uow:
        nov, nov_wall, nov_cpu = timed(lambda: furnish_from_panel(uow, NOV, notices=False, grid_dir=grids))
    del nov
    load.append(os.getloadavg()[0])
    with uow:
        dec, dec_wall, dec_cpu = timed(lambda: furnish_from_panel(uow, DEC, notices=False, grid_dir=grids))
    assert dec.rolled and dec.restated == 0
    text, file_wall, file_cpu = timed(lambda: fixed_width_file(dec.records))
    load.append(os.getloadavg()[0])
    reals = [f"R{i:06d}" for i in range(args.baseline)]
    with uow:
        base, base_wall, base_cpu = timed(lambda: list(furnish_records(uow, DEC, reals)))
    with uow:
        batch, batch_wall, batch_cpu = timed(lambda: furnish_lines(uow, stores_view(uow)[1], DEC, reals))
    by_line = {r.line_id: r for r in dec.records}
    assert all(by_line[r.line_id] == r for r in base), "the rolled records of the real lines are per-account's"
    assert batch == base, "the per-account path with the stores read once gives the same records"
    load.append(os.getloadavg()[0])
    total = args.lines + args.baseline
    per_line, per_base = dec_cpu / total * 1e6, base_cpu / args.baseline * 1e6
    print(json.dumps({
        "lines": total, "columnar_lines": dec.columnar, "per_account_lines": dec.per_account,
        "first_month_rebuilt": {"wall_s": round(nov_wall, 2), "cpu_s": round(nov_cpu, 2)},
        "rolled_month": {"wall_s": round(dec_wall, 2), "cpu_s": round(dec_cpu, 2), "us_per_line_cpu": round(per_line, 2)},
        "fixed_width_file": {"wall_s": round(file_wall, 2), "cpu_s": round(file_cpu, 2), "mb": round(len(text) / 1e6, 1)},
        "per_account": {"lines": args.baseline, "wall_s": round(base_wall, 2), "cpu_s": round(base_cpu, 2),
                        "us_per_line_cpu": round(per_base, 1), "extrapolated_1m_cpu_s": round(per_base, 1)},
        "per_account_stores_read_once": {"wall_s": round(batch_wall, 2), "cpu_s": round(batch_cpu, 2),
                                         "us_per_line_cpu": round(batch_cpu / args.baseline * 1e6, 1)},
        "ratio_per_line_cpu": round(per_base / per_line, 1), "load_average": load,
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
