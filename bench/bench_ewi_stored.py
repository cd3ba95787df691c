"""``ewi run`` on the day-end's stored behaviour panel (issue 14): read + features + score + rules at scale.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_ewi_stored.py [--lines 100000] [--months 13] [--replay-lines 200]``

1. A SQLite ledger (migrated to head) gets ``--lines`` synthetic lines: their ``credit_lines`` rows (status, dpd;
   an empty document) and ``--months`` month-end rows each in ``behaviour_panel``, bulk-inserted (not through the
   bus), every month marked complete from opening, the last month end's day-end DONE. Seeded; not timed.
2. Timed, as ``ewi run`` does it: ``jobs.ewi_stored_panel.run_panel`` (the stored rows and the lines' states), the
   features of every month + the behaviour score in DuckDB (``ledger_features``, the hand-set scorecard of
   ``bench_ewi_nightly.py``), and the packaged ``ewi_v1`` rules on each line's latest month (``evaluate_rules``,
   no prior alerts; the alert writes through the bus are not timed: they scale with alerts, not lines). Peak RSS.
3. The replay path on a small book built through the bus (``bench_ewi_run.book``, ``--replay-lines`` lines,
   7 month ends): seconds per panel row, extrapolated to ``--lines`` × ``--months`` rows; the ratio to step 2's read.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench_ewi_nightly import scorecard
from bench_ewi_run import ON as REPLAY_ON
from bench_ewi_run import book
from creditloop.adapters.sqlalchemy.db import make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.adapters.warehouse.ewi_ledger_features import ledger_features
from creditloop.adapters.warehouse.stored_panel import stored_panel_table
from creditloop.app.panel_rows import StoredPanel
from creditloop.core.dates import month_end
from creditloop.jobs.ewi_panel import ledger_panel
from creditloop.jobs.ewi_stored_panel import run_panel
from creditloop.monitoring.alert_rules import SCORE, default_alert_rules, evaluate_rules
from creditloop.monitoring.features import default_feature_set
from creditloop.products.terms import default_product

FIRST = date(2025, 1, 31)
_LINE = (
    "INSERT INTO credit_lines (line_id, customer_id, status, version, limit_minor, principal_minor, fee_minor, "
    "penalty_minor, interest_minor, credit_balance_minor, charged_off_minor, dpd, last_closed_on, next_action_on, "
    "doc) VALUES (?, ?, 'ACTIVE', 1, ?, ?, 0, 0, 0, 0, 0, ?, ?, ?, '{}')"
)
_ROW = "INSERT INTO behaviour_panel VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)"


def ends(months: int) -> list[date]:
    out = [FIRST]
    while len(out) < months:
        out.append(month_end(out[-1] + timedelta(days=1)))
    return out


def fill(path: Path, lines: int, months: int, seed: int) -> date:
    """The synthetic ledger: one risky line in ten misses payments and goes past due; the rest pay most bills."""
    engine = make_engine(sqlite_url(path), durable=False)
    migrate(engine)
    rnd = random.Random(seed)
    days = ends(months)
    last = days[-1]
    con = engine.raw_connection()
    cur = con.cursor()
    for start in range(0, lines, 50_000):
        line_rows, panel_rows = [], []
        for k in range(start, min(lines, start + 50_000)):
            limit, risky, dpd, paid_on = 500_000 + 100_000 * (k % 20), k % 10 == 9, 0, None
            for day in days:
                spend = int(limit * rnd.random() * 0.2)
                balance = min(limit, int(limit * rnd.random() * (0.9 if risky else 0.4)))
                due = balance * 3 // 10
                missed = rnd.random() < (0.2 if risky else 0.01)
                paid = 0 if missed else (due if rnd.random() < (0.6 if risky else 0.99) else due // 2)
                dpd = dpd + 30 if missed and due else 0
                paid_on = paid_on if missed else day - timedelta(days=rnd.randrange(20, 25))
                plans = int(rnd.random() < 0.05)
                panel_rows.append(
                    (f"L{k:08d}", day.isoformat(), dpd, limit, balance, due, due // 10, paid, spend, plans,
                     0 if missed else 1, None if paid_on is None else paid_on.isoformat())
                )  # fmt: skip
            line_rows.append((f"L{k:08d}", f"C{k}", limit, balance, dpd, last.isoformat(), last.isoformat()))
        cur.executemany(_LINE, line_rows)
        cur.executemany(_ROW, panel_rows)
    cur.executemany("INSERT INTO behaviour_panel_months VALUES (?, ?, 1)", [(d.isoformat(), lines) for d in days])
    cur.execute("INSERT INTO day_end_runs (business_date, status, lines_closed) VALUES (?, 'DONE', ?)", (last, lines))
    con.commit()
    con.close()
    engine.dispose()
    return last


def stored_run(where: Path | str, on: date) -> dict[str, float | int]:
    """``where``: a SQLite data directory, or a database URL (``bench_ewi_backends.py`` passes PostgreSQL's)."""
    fs, rules, model = default_feature_set(), default_alert_rules(), scorecard()
    url = sqlite_url(where) if isinstance(where, Path) else where
    engine = make_engine(url, durable=False) if url.startswith("sqlite") else make_engine(url)
    uow = SqlUnitOfWork(engine, lambda _key: default_product())
    t0, c0 = time.perf_counter(), time.process_time()
    with uow:  # as ``jobs.ewi_run.run_ewi``: the engine reads the stored rows inside the transaction
        panel, states, alone = run_panel(uow, on, columnar=True)
        assert alone and isinstance(panel, StoredPanel), "the stored rows should serve alone"
        t1 = time.perf_counter()
        stored_panel_table(panel.connection, panel.months)  # the breakdown only: the read the engine makes below
        t2 = time.perf_counter()
        features = ledger_features(panel, fs, model, frozenset())  # no unclosed alerts: latest months only
        t3 = time.perf_counter()
    alerts = sum(len(evaluate_rules(rules, v, v.get(SCORE), on, {})) for v in features.values())
    t4, c4 = time.perf_counter(), time.process_time()
    engine.dispose()
    read, engine_s, rules_s = t2 - t1, t3 - t2, t4 - t3  # engine_s reads the rows again, then computes
    return {
        "panel_rows": panel.rows, "lines_as_of": len(states), "scored": len(features),
        "run_panel_s": round(t1 - t0, 2), "arrow_read_s": round(read, 2),
        "features_score_s": round(engine_s - read, 2), "rules_s": round(rules_s, 2),
        "total_s": round(t1 - t0 + engine_s + rules_s, 2), "alerts": alerts,
        "wall_s": round(t4 - t0 - read, 2), "cpu_s": round(c4 - c0, 2),  # cpu_s includes the breakdown's extra read
    }  # fmt: skip


def replay_per_row(n: int) -> tuple[float, int]:
    bus = book(Path(tempfile.mkdtemp(prefix="ewi-replay-")), n)
    t0 = time.perf_counter()
    with bus.uow:
        rows, _ = ledger_panel(iter(bus.uow.lines), REPLAY_ON)
    return (time.perf_counter() - t0) / len(rows), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--replay-lines", type=int, default=200)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp(prefix="ewi-stored-"))
    t0 = time.perf_counter()
    on = fill(path, args.lines, args.months, args.seed)
    filled = time.perf_counter() - t0
    out = stored_run(path, on)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_row, replay_rows = replay_per_row(args.replay_lines) if args.replay_lines else (0.0, 0)
    replay_s = per_row * args.lines * args.months
    print(json.dumps({
        "lines": args.lines, "months": args.months, "fill_s": round(filled, 1), **out, "peak_rss_mb": round(rss_mb),
        "replay_rows": replay_rows, "replay_ms_per_row": round(per_row * 1000, 3),
        "replay_extrapolated_s": round(replay_s), "replay_over_panel": round(replay_s / (out["run_panel_s"] + out["arrow_read_s"]), 1),
        "run_with_replay_s": round(replay_s + out["features_score_s"] + out["rules_s"]),
        "run_with_replay_over_total": round((replay_s + out["features_score_s"] + out["rules_s"]) / out["total_s"], 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
