"""Day-end throughput and single-account operations, side by side with a baseline, on SQLite (and PostgreSQL).

Run: ``.venv/bin/python bench/bench_dayend.py [--accounts 100000] [--postgres URL]``

A book of N accounts in mixed states (current, paid up, delinquent M1–M3, charged off, idle) is built
through the real commands. Then:

1. Day-end on a statement day (every active account has work: statement cut, fees) and on an ordinary day
   (only delinquent accounts accrue penalty) and a week of catch-up, timed with creditloop's job, which loads only the accounts
   whose day-end changes something, against a baseline that loads and closes every account every day
   (the way a per-loan nightly batch such as Fineract's Loan COB walks the book). Throughput is reported
   as accounts closed per second of wall time on one process (one core).
2. Single-account operations per second (purchase + repay, each its own transaction) on SQLite and, with
   ``--postgres``, PostgreSQL, beside the database's floor: one bare INSERT + COMMIT per operation.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date, timedelta

import sqlalchemy as sa

from creditloop.adapters.sqlalchemy import make_engine, migrate, sqlite_url
from creditloop.adapters.sqlalchemy.uow import SqlUnitOfWork
from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import close_lines, pending_dates
from creditloop.bootstrap import default_policies, product_lookup
from creditloop.jobs.day_end import run_day_end_job

OPENED = date(2024, 1, 2)


def build_book(engine: sa.Engine, accounts: int, batch: int = 5_000) -> MessageBus:
    policies = default_policies()
    bus = MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)
    for start in range(0, accounts, batch):
        with bus.batch():
            for k in range(start, min(accounts, start + batch)):
                line_id = f"L{k:07d}"
                bus.handle(c.OpenLine(line_id, f"C{k:07d}", 2_000_000, OPENED))
                kind = k % 20
                if kind == 0:
                    continue  # idle: never used
                for n, periods in enumerate((1, 3, 12)[: 1 + k % 3]):
                    bus.handle(c.Purchase(f"b{k}-{n}", line_id, 20_000 + 3_700 * (k % 50), periods, date(2024, 1, 5)))
                if kind <= 14:  # current: pays each bill in full on the due date
                    for month in (2, 3, 4):
                        bus.handle(c.Repay(f"p{k}-{month}", line_id, 400_000, date(2024, month, 10)))
                elif kind <= 17:  # delinquent: stopped paying after one to three bills
                    for month in range(2, 2 + (k % 3)):
                        bus.handle(c.Repay(f"p{k}-{month}", line_id, 400_000, date(2024, month, 10)))
                # kind 18-19: never paid -> charged off later in the bench horizon when run long enough
    return bus


def time_day_end(bus: MessageBus, day: date) -> tuple[int, float]:
    t0 = time.perf_counter()
    result = run_day_end_job(bus.uow, day, chunk_size=5_000)
    elapsed = time.perf_counter() - t0
    assert result.reconciliation is not None and result.reconciliation.ok, result.reconciliation
    return result.lines_closed, elapsed


def time_baseline(bus: MessageBus, day: date) -> tuple[int, float]:
    """Every account loaded and closed, whether or not anything happens to it (the per-loan batch)."""
    t0 = time.perf_counter()
    with bus.uow:
        dates = pending_dates(bus.uow, day)
    n = 0
    for d in dates:
        with bus.uow:
            ids = bus.uow.lines.ids()
        for i in range(0, len(ids), 5_000):
            with bus.uow:
                n += close_lines(bus.uow, d, ids[i : i + 5_000])
                for line_id in ids[i : i + 5_000]:
                    bus.uow.lines.get(line_id).version += 1  # the baseline rewrites every account it touched
                bus.uow.commit()
    return n, time.perf_counter() - t0


def ops_per_second(engine: sa.Engine, n: int) -> tuple[float, float]:
    policies = default_policies()
    bus = MessageBus(SqlUnitOfWork(engine, product_lookup(policies).__getitem__), policies)
    # Operations spread over 100 accounts, as a checkout and a payment gateway would send them.
    with bus.batch():
        for a in range(100):
            bus.handle(c.OpenLine(f"OPS{a}", f"OPS{a}", 100_000_000, OPENED))
    t0 = time.perf_counter()
    for k in range(n // 2):
        line_id = f"OPS{k % 100}"
        bus.handle(c.Purchase(f"ob{k}", line_id, 1_000, 1, OPENED + timedelta(days=1)))
        bus.handle(c.Repay(f"op{k}", line_id, 1_000, OPENED + timedelta(days=1)))
    ours = n / (time.perf_counter() - t0)
    meta = sa.MetaData()
    floor_table = sa.Table("bench_floor", meta, sa.Column("k", sa.Integer, primary_key=True), sa.Column("v", sa.Text))
    meta.create_all(engine)
    t0 = time.perf_counter()
    for k in range(n):
        with engine.begin() as conn:
            conn.execute(floor_table.insert().values(k=k, v="x" * 200))
    floor = n / (time.perf_counter() - t0)
    meta.drop_all(engine)
    return ours, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--ops", type=int, default=2_000)
    parser.add_argument("--dir", default="/tmp/creditloop-bench")
    parser.add_argument("--postgres", default=None, help="postgresql+psycopg://… to also measure PostgreSQL")
    args = parser.parse_args()

    import shutil
    from pathlib import Path

    shutil.rmtree(args.dir, ignore_errors=True)
    results: list[tuple[str, str]] = []
    for label in ("ours", "baseline"):
        engine = make_engine(sqlite_url(Path(args.dir) / label))
        migrate(engine)
        t0 = time.perf_counter()
        bus = build_book(engine, args.accounts)
        build_s = time.perf_counter() - t0
        # Close the book through 31 Mar once (both sides), so the timed dates start from the same state.
        run_day_end_job(bus.uow, date(2024, 3, 31), chunk_size=5_000)
        timer = time_day_end if label == "ours" else time_baseline
        stmt_n, stmt_s = timer(bus, date(2024, 4, 1))  # statement day: every active account has work
        _, day_s = timer(bus, date(2024, 4, 2))  # ordinary day: only delinquent accounts accrue
        _, month_s = timer(bus, date(2024, 4, 9))  # a week of catch-up (missed dates, in order)
        results.append(
            (
                label,
                f"build {build_s:7.1f} s | statement day {stmt_n:7d} accounts in {stmt_s:6.2f} s "
                f"({stmt_n / stmt_s:8.0f}/s) | ordinary day {day_s:6.2f} s | next 7 days {month_s:6.2f} s",
            )
        )
        if label == "ours":
            ours = (stmt_s, day_s, month_s)
        else:
            base = (stmt_s, day_s, month_s)
        engine.dispose()
    for label, text in results:
        print(f"{label:9s} {text}")
    print(
        f"ratio baseline/ours: statement day {base[0] / ours[0]:.1f}x, ordinary day {base[1] / ours[1]:.1f}x, "
        f"next 7 days {base[2] / ours[2]:.1f}x"
    )
    per_second = args.accounts / ours[0]
    print(
        f"statement-day throughput {per_second:,.0f} accounts/s on one core; a 1,000,000-account statement day "
        f"would take {1_000_000 / per_second / 60:.1f} min"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    engine = make_engine(sqlite_url(Path(args.dir) / "ops"))
    migrate(engine)
    ours_ops, floor = ops_per_second(engine, args.ops)
    print(
        f"SQLite     single-account ops {ours_ops:7.0f}/s | bare INSERT+COMMIT {floor:7.0f}/s | "
        f"ratio {floor / ours_ops:.1f}x"
    )
    if args.postgres:
        pg = make_engine(args.postgres, schema=None)
        with pg.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS bench CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA bench")
        pg.dispose()
        pg = make_engine(args.postgres, schema="bench")
        migrate(pg)
        ours_ops, floor = ops_per_second(pg, args.ops)
        print(
            f"PostgreSQL single-account ops {ours_ops:7.0f}/s | bare INSERT+COMMIT {floor:7.0f}/s | "
            f"ratio {floor / ours_ops:.1f}x"
        )
        with pg.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA bench CASCADE")


if __name__ == "__main__":
    main()
