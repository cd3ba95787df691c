"""Furnishing a month from the stored day-end panel (issue 16): ``adapters/warehouse/furnish_stored.py`` reading
24 months of ``behaviour_panel`` rows from SQLite, vs the per-account path on the same run's lines.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_furnish_stored.py [--lines 50000] [--baseline 200]``

1. Not timed: a migrated SQLite ledger whose ``credit_lines`` and ``behaviour_panel`` hold ``--lines`` current lines
   with 24 stored month ends each (synthetic rows written directly: clean lines, each month a statement paid in
   full), and ``--baseline`` real lines (opened, bought on, paid, closed day by day through the bus) for the
   per-account figure.
2. Timed: ``furnish_from_panel`` for the month (all lines), and ``furnish_records`` (the per-account path) on the
   ``--baseline`` real lines only; CPU µs per line of each and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy import SqlUnitOfWork, make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.tables import behaviour_panel, behaviour_panel_months, credit_lines
from creditloop.adapters.warehouse.furnish_stored import furnish_from_panel
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.furnishing import furnish_records
from creditloop.bootstrap import default_policies
from creditloop.core.dates import month_end
from creditloop.products.terms import Product, default_product

FIRST = date(2024, 1, 31)


def _products(_key: str) -> Product:
    return default_product()


def _ends(k: int) -> list[date]:
    out, day = [], FIRST
    for _ in range(k):
        out.append(day)
        day = month_end(day + timedelta(days=1))
    return out


def real_lines(bus: MessageBus, n: int, last: date) -> None:
    bus.handle(c.RunDayEnd(date(2024, 1, 4)))
    for i in range(n):
        bus.handle(c.OpenLine(f"R{i:06d}", f"RC{i}", 2_000_000, date(2024, 1, 5)))
        bus.handle(c.Purchase(f"rb{i}", f"R{i:06d}", 120_000, 12, date(2024, 1, 6)))
    bus.handle(c.RunDayEnd(last))


def synthetic(eng: sa.Engine, n: int, ends: list[date]) -> None:
    with eng.begin() as conn:
        lines = [{"line_id": f"S{i:07d}", "customer_id": f"SC{i}", "status": "ACTIVE", "version": 1,
                  "limit_minor": 2_000_000, "principal_minor": 100_000, "fee_minor": 0, "penalty_minor": 0,
                  "interest_minor": 0, "credit_balance_minor": 0, "charged_off_minor": 0, "dpd": 0,
                  "last_closed_on": ends[-1], "next_action_on": ends[-1] + timedelta(days=1), "doc": "{}"}
                 for i in range(n)]  # fmt: skip
        conn.execute(sa.insert(credit_lines), lines)
        for day in ends:
            rows = [{"account_id": f"S{i:07d}", "month_end_on": day, "dpd": 0, "limit_minor": 2_000_000,
                     "balance_minor": 100_000 + i % 7, "statement_due_minor": 10_000, "min_due_minor": 0,
                     "paid_minor": 10_000, "spend_minor": 0, "new_plans": 0, "payments": 1} for i in range(n)]  # fmt: skip
            conn.execute(sa.insert(behaviour_panel), rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=50_000)
    ap.add_argument("--baseline", type=int, default=200)
    args = ap.parse_args()
    ends = _ends(24)
    eng = make_engine(sqlite_url(Path(tempfile.mkdtemp()) / "data"))
    migrate(eng)
    bus = MessageBus(SqlUnitOfWork(eng, _products), default_policies())
    real_lines(bus, args.baseline, ends[-1])
    with eng.begin() as conn:  # the real lines' day-end stored these months; the synthetic ones join them
        stored = {r[0] for r in conn.execute(sa.select(behaviour_panel_months.c.month_end_on))}
        conn.execute(sa.update(behaviour_panel_months).values(from_open=True))
        assert set(ends) <= stored, "every month end is stored"
    synthetic(eng, args.lines, ends)
    uow = SqlUnitOfWork(eng, _products)
    with uow:
        wall, cpu = time.perf_counter(), time.process_time()
        got = furnish_from_panel(uow, ends[-1], notices=False)
        col_wall, col_cpu = time.perf_counter() - wall, time.process_time() - cpu
    reals = [f"R{i:06d}" for i in range(args.baseline)]
    with uow:
        wall, cpu = time.perf_counter(), time.process_time()
        base = list(furnish_records(uow, ends[-1], reals))
        base_wall, base_cpu = time.perf_counter() - wall, time.process_time() - cpu
    by_line = {r.line_id: r for r in got.records}
    assert all(by_line[r.line_id] == r for r in base), "the stored-panel records of the real lines are per-account's"
    total = args.lines + args.baseline
    per_col, per_base = col_cpu / total * 1e6, base_cpu / args.baseline * 1e6
    print(json.dumps({
        "lines": total, "columnar_lines": got.columnar, "per_account_lines": got.per_account,
        "stored_panel": {"wall_s": round(col_wall, 2), "cpu_s": round(col_cpu, 2), "us_per_line_cpu": round(per_col, 1),
                         "extrapolated_1m_cpu_s": round(per_col, 1)},
        "per_account": {"lines": args.baseline, "wall_s": round(base_wall, 2), "cpu_s": round(base_cpu, 2),
                        "us_per_line_cpu": round(per_base, 1), "extrapolated_1m_cpu_s": round(per_base, 1)},
        "ratio_per_line_cpu": round(per_base / per_col, 1), "load_average": os.getloadavg()[0],
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
