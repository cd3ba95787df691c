"""``ewi run`` on the stored behaviour panel, SQLite and PostgreSQL side by side in one run (issue 14).

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_ewi_backends.py [--lines 100000] [--months 13]
[--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/perf_bench]``

The same seeded synthetic ledger as ``bench_ewi_stored.py`` (``credit_lines`` rows with an empty document, ``--months``
month-end rows a line in ``behaviour_panel``, every month marked complete from opening, the last month end's day-end
DONE) is written to a fresh SQLite file and to the PostgreSQL database (its ``public`` schema is dropped and migrated
again: use a scratch database). SQLite is filled with ``executemany``, PostgreSQL with ``COPY``; the fill is not
timed. Then, timed on each backend in turn, what ``ewi run`` does before its alert writes
(``bench_ewi_stored.stored_run``): ``run_panel`` (the stored months and every line's state), the Arrow read of the
stored rows, features of every month + the behaviour score in DuckDB, the packaged rules on each line's latest month.
One untimed warm-up run on SQLite goes first (DuckDB's first query pays its start-up).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench_ewi_stored import ends, stored_run
from creditloop.adapters.sqlalchemy.db import make_engine, migrate, sqlite_url

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/perf_bench"
_LINE_COLS = (
    "line_id, customer_id, status, version, limit_minor, principal_minor, fee_minor, penalty_minor, interest_minor, "
    "credit_balance_minor, charged_off_minor, dpd, last_closed_on, next_action_on, doc"
)


def synthetic(lines: int, months: int, seed: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], date]:
    """The rows of ``bench_ewi_stored.fill``, as tuples in the tables' column order (dates as ISO text)."""
    rnd = random.Random(seed)
    days = ends(months)
    last = days[-1]
    line_rows: list[tuple[Any, ...]] = []
    panel_rows: list[tuple[Any, ...]] = []
    for k in range(lines):
        limit, risky, dpd, paid_on = 500_000 + 100_000 * (k % 20), k % 10 == 9, 0, None
        balance = 0
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
                 0 if missed else 1, None if paid_on is None else paid_on.isoformat(), None, None, None)
            )  # fmt: skip
        line_rows.append(
            (f"L{k:08d}", f"C{k}", "ACTIVE", 1, limit, balance, 0, 0, 0, 0, 0, dpd, last.isoformat(),
             last.isoformat(), "{}")
        )  # fmt: skip
    return line_rows, panel_rows, last


def fill_sqlite(path: Path, data: tuple[list[Any], list[Any], date], months: list[date]) -> str:
    url = sqlite_url(path)
    engine = make_engine(url, durable=False)
    migrate(engine)
    con = engine.raw_connection()
    cur = con.cursor()
    lines, rows, last = data
    cur.executemany(f"INSERT INTO credit_lines ({_LINE_COLS}) VALUES ({', '.join('?' * 15)})", lines)
    cur.executemany(f"INSERT INTO behaviour_panel VALUES ({', '.join('?' * 15)})", rows)
    cur.executemany(
        "INSERT INTO behaviour_panel_months VALUES (?, ?, 1)", [(d.isoformat(), len(lines)) for d in months]
    )
    cur.execute(
        "INSERT INTO day_end_runs (business_date, status, lines_closed) VALUES (?, 'DONE', ?)", (last, len(lines))
    )
    con.commit()
    con.close()
    engine.dispose()
    return url


def fill_postgres(url: str, data: tuple[list[Any], list[Any], date], months: list[date]) -> str:
    engine = make_engine(url)
    with engine.begin() as conn:  # a scratch database: drop every table, then migrate to head
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    migrate(engine)
    lines, rows, last = data
    con = engine.raw_connection()
    with con.cursor() as cur:  # type: ignore[attr-defined]
        with cur.copy(f"COPY credit_lines ({_LINE_COLS}) FROM STDIN") as copy:
            for r in lines:
                copy.write_row(r)
        with cur.copy("COPY behaviour_panel FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        for d in months:
            cur.execute("INSERT INTO behaviour_panel_months VALUES (%s, %s, true)", (d, len(lines)))
        cur.execute(
            "INSERT INTO day_end_runs (business_date, status, lines_closed) VALUES (%s, 'DONE', %s)", (last, len(lines))
        )
    con.commit()
    with con.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute("ANALYZE")  # fresh statistics, as autovacuum would give a table of this size
    con.commit()
    con.close()
    engine.dispose()
    return url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--postgres-url", default=os.environ.get("CREDITLOOP_BENCH_POSTGRES_URL", PG_URL))
    args = parser.parse_args()
    months = ends(args.months)
    t0 = time.perf_counter()
    data = synthetic(args.lines, args.months, args.seed)
    urls = {
        "sqlite": fill_sqlite(Path(tempfile.mkdtemp(prefix="ewi-backends-")), data, months),
        "postgresql": fill_postgres(args.postgres_url, data, months),
    }
    filled = time.perf_counter() - t0
    out: dict[str, Any] = {"lines": args.lines, "months": args.months, "fill_s": round(filled, 1)}
    stored_run(urls["sqlite"], data[2])  # warm-up, not reported: DuckDB's first query pays its start-up
    for name, url in urls.items():
        out[name] = stored_run(url, data[2])
    out["postgresql_over_sqlite"] = round(out["postgresql"]["total_s"] / out["sqlite"]["total_s"], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
