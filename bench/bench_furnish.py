"""Furnishing one month for a whole book (issue 16: 1,000,000 accounts within a minute on 2 cores), columnar vs the
per-account functions, in the same run.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_furnish.py [--accounts 1000000] [--baseline 50000] [--out F]``

1. Not timed: 24 months of seeded month facts for ``--accounts`` accounts (mostly current, some late, some paid
   late within the month, some charged off or closed), and last month's grids (23 months rolled column-wise).
2. Timed, columnar (``adapters/warehouse/furnish_columns.py``): the month's PBoC codes, the grid rolled from last
   month's, the Metro 2 rating, and the fixed-width reporting file of every account written to ``--out``.
3. Timed, baseline on the first ``--baseline`` accounts: per account ``MonthFacts`` + ``pboc_status`` +
   ``history_string`` + ``metro2_rating`` + ``fixed_width`` — the per-account path of ``app/furnishing.py``
   without the ledger re-derivation — and its extrapolation to all accounts. The codes and grids of the
   baseline accounts are checked equal to the columnar ones.

Wall and CPU seconds of this process are printed (the machine is shared: CPU time is the steadier figure).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from creditloop.adapters.warehouse.furnish_columns import (
    ENDING_CODES,
    MonthColumns,
    grid_text,
    number_column,
    roll_grid,
    status_codes,
    text_column,
)
from creditloop.reporting import MonthFacts, history_string, metro2_rating, pboc_status
from creditloop.reporting.furnishing import FurnishedMonth, fixed_width


def month(rng: np.random.Generator, n: int) -> MonthColumns:
    kind = rng.choice(6, size=n, p=[0.86, 0.05, 0.03, 0.02, 0.02, 0.02])  # current, late, M, charged, closed, idle
    dpd = np.where(kind == 1, rng.integers(1, 400, size=n), 0).astype(np.int32)
    balance = np.where(kind == 4, 0, rng.integers(1, 5_000_000, size=n)).astype(np.int64)
    return MonthColumns(
        dpd=dpd,
        max_dpd_in_month=np.where(kind == 2, rng.integers(1, 20, size=n), dpd).astype(np.int32),
        due_in_month_minor=np.where(kind == 5, 0, rng.integers(1, 100_000, size=n)).astype(np.int64),
        balance_minor=balance,
        charged_off=kind == 3,
        ended=np.where(kind == 4, 1, 0).astype(np.int8),
        opened=np.ones(n, dtype=bool),
        known=np.ones(n, dtype=bool),
    )


def facts_of(m: MonthColumns, i: int) -> MonthFacts:
    return MonthFacts(
        int(m.dpd[i]), int(m.max_dpd_in_month[i]), int(m.due_in_month_minor[i]), int(m.balance_minor[i]),
        bool(m.charged_off[i]), ENDING_CODES[int(m.ended[i])],
    )  # fmt: skip


def columnar(m: MonthColumns, previous: np.ndarray, ids: np.ndarray, out: Path) -> tuple[np.ndarray, np.ndarray]:
    codes = status_codes(m)
    grid = roll_grid(previous, codes)
    rating = np.where(m.charged_off, ord("L"), ord("0") + np.minimum(6, m.dpd // 30)).astype(np.uint8)
    n = codes.shape[0]
    line = np.hstack([
        text_column(ids, 40), text_column(ids, 40), np.tile(np.frombuffer(b"2026-01", np.uint8), (n, 1)),
        codes[:, None], grid, number_column(m.dpd.astype(np.int64), 4), number_column(m.balance_minor, 15),
        rating[:, None], np.full((n, 1), ord("\n"), np.uint8),
    ])  # fmt: skip
    line.tofile(out)
    return codes, grid


def baseline(history: list[MonthColumns], ids: np.ndarray, k: int) -> list[tuple[str, str]]:
    out = []
    for i in range(k):
        statuses = [pboc_status(facts_of(m, i)) for m in history]  # the grid as the per-account path builds it
        f = facts_of(history[-1], i)
        grid = history_string(statuses)
        record = FurnishedMonth(str(ids[i]), str(ids[i]), "2026-01", statuses[-1], grid, f.dpd, f.balance_minor, 0,
                                metro2_rating(f.dpd, charged_off=f.charged_off), "11", "normal")  # fmt: skip
        fixed_width(record)
        out.append((statuses[-1], grid))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--baseline", type=int, default=50_000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    rng = np.random.default_rng(16)
    n = args.accounts
    ids = np.char.add("L", np.arange(n).astype("U10"))
    history = [month(rng, n) for _ in range(24)]
    previous = None
    for m in history[:-1]:
        previous = roll_grid(previous, status_codes(m))
    assert previous is not None
    out = args.out or Path(tempfile.mkdtemp()) / "furnish.txt"
    wall, cpu = time.perf_counter(), time.process_time()
    codes, grid = columnar(history[-1], previous, ids, out)
    col_wall, col_cpu = time.perf_counter() - wall, time.process_time() - cpu
    k = min(args.baseline, n)
    wall, cpu = time.perf_counter(), time.process_time()
    base = baseline(history, ids, k)
    base_wall, base_cpu = time.perf_counter() - wall, time.process_time() - cpu
    for i, (code, g) in enumerate(base):
        assert chr(codes[i]) == code and grid_text(grid, i) == g, i
    per_col, per_base = col_cpu / n * 1e6, base_cpu / k * 1e6
    result = {
        "accounts": n,
        "columnar": {"wall_s": round(col_wall, 2), "cpu_s": round(col_cpu, 2), "us_per_account_cpu": round(per_col, 3)},
        "baseline": {"accounts": k, "wall_s": round(base_wall, 2), "cpu_s": round(base_cpu, 2),
                     "us_per_account_cpu": round(per_base, 1), "extrapolated_cpu_s": round(per_base * n / 1e6, 1)},
        "ratio_per_account_cpu": round(per_base / per_col, 1),
        "file_bytes": out.stat().st_size,
        "load_average": os.getloadavg()[0],
    }  # fmt: skip
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
