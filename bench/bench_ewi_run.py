"""``ewi run`` over a SQL ledger (issue 14): how long the nightly run takes on a book built through the bus.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_ewi_run.py [--lines 1000] [--data-dir DIR]``

A SQLite ledger of ``--lines`` lines opened 5 Jan 2024, six months of purchases (1/3/6/12 periods); one line in
five stops paying after two bills, one in seven pays 60 % of each bill, the rest pay in full; day-end to
31 Jul 2024 (not timed). Then, timed: the ledger as a panel (each line replayed to every month end), the features
of every month in DuckDB, the whole run (packaged rules and actions, no model), the same date again, and the
day-end's month-end panel write for every line (``app.panel_rows``, chunks of 500).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from creditloop.adapters.warehouse.ewi_ledger_features import ledger_features
from creditloop.app import commands as c
from creditloop.app.panel_rows import write_month_rows
from creditloop.bootstrap import build
from creditloop.config import Settings
from creditloop.jobs.ewi_panel import ledger_panel
from creditloop.jobs.ewi_run import run_ewi
from creditloop.monitoring.action_policies import default_action_policy
from creditloop.monitoring.alert_rules import default_alert_rules
from creditloop.monitoring.features import default_feature_set

ON = date(2024, 7, 31)


def book(data_dir: Path, n: int) -> Any:
    bus = build(Settings(data_dir=data_dir)).bus
    with bus.batch():
        for k in range(n):
            bus.handle(c.OpenLine(f"L{k:06d}", f"C{k}", 500_000, date(2024, 1, 5)))
        for m in range(1, 7):
            for k in range(n):
                amount = 20_000 + 50 * k % 30_000
                bus.handle(c.Purchase(f"b{k}-{m}", f"L{k:06d}", amount, (1, 3, 6, 12)[k % 4], date(2024, m, 6)))
            bus.handle(c.RunDayEnd(date(2024, m + 1, 5)))
            for k in range(n):
                if k % 5 == 4 and m > 2:
                    continue
                owed = bus.uow.lines.get(f"L{k:06d}").amount_due_minor * (6 if k % 7 == 3 else 10) // 10
                if owed:
                    bus.handle(c.Repay(f"p{k}-{m}", f"L{k:06d}", owed, date(2024, m + 1, 8)))
        bus.handle(c.RunDayEnd(ON))
    return bus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="ewi-run-bench-"))
    bus = book(data_dir, args.lines)
    fs, rules = default_feature_set(), default_alert_rules()
    policy = default_action_policy(rules)
    t0 = time.perf_counter()
    with bus.uow:
        rows, _ = ledger_panel(iter(bus.uow.lines), ON)
    t1 = time.perf_counter()
    ledger_features(rows, fs, None)
    t2 = time.perf_counter()
    first = run_ewi(bus, ON, rules, policy, lambda r, keep: ledger_features(r, fs, None, keep))
    t3 = time.perf_counter()
    again = run_ewi(bus, ON, rules, policy, lambda r, keep: ledger_features(r, fs, None, keep))
    t4 = time.perf_counter()
    with bus.uow:
        ids = bus.uow.lines.ids()
    for start in range(0, len(ids), 500):  # the day-end's month-end write again (idempotent), in chunks of 500
        with bus.uow:
            write_month_rows(bus.uow, bus.uow.panel, ON, ids[start : start + 500])
            bus.uow.commit()
    t5 = time.perf_counter()
    print(json.dumps({
        "lines": args.lines, "panel_rows": len(rows), "panel_s": round(t1 - t0, 2), "features_s": round(t2 - t1, 2),
        "run_s": round(t3 - t2, 2), "rerun_s": round(t4 - t3, 2),
        "month_end_write_s": round(t5 - t4, 2), "first": first.to_dict(), "again": again.to_dict(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
