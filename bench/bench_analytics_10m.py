"""Portfolio analytics at 10,000,000 account-months: vintages, rolls, transitions and IFRS 9 staging on DuckDB and
on Spark local from the one ibis definition, with a per-account Python baseline on a subsample.

    .venv/bin/python bench/bench_analytics_10m.py --data-dir RUN [--rows 10000000] [--book /tmp/creditloop-10m]
        [--spark-master local[2]] [--spark-driver-memory 6g] [--no-spark] [--sample-every 200]

RUN is a simulation's output. Its snapshots are tiled (line ids suffixed ``#k``) until the book holds at least
``--rows`` account-months, written once to ``--book/snapshots.parquet`` (outside the repository; reused by later
runs with the same size). Each engine then does the whole job: the panel (state, worst-so-far, next month) is
materialised once, then the vintage curves and first-payment default, the roll and flow rates by month, the pooled
transition matrix, and the IFRS 9 stage summary and stage movements by month (``portfolio/analytics/staging.py``),
every result fully fetched (Arrow). Wall times per step and in total, and the CPU seconds of this process (all
DuckDB threads; on a loaded machine CPU / cores is what the wall time would be on an idle one, at best); Spark's
session start is timed apart, and its CPU is in the JVM (not counted). Spark caches lazily: its "panel" step only
defines the cache, which the first query (vintages) then fills.

The baseline: the same measures computed account by account in plain Python (the vintage and roll counters, the
transition counts, and ``ifrs9_staging.next_state`` month by month) on every ``--sample-every``-th line, checked
against DuckDB on the same subsample, and its time scaled to the whole book by rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from bench_analytics import tile
from creditloop.adapters.analytics.engines import connect, materialised, snapshots
from creditloop.portfolio.analytics.fpd import first_payment_default
from creditloop.portfolio.analytics.panel import monthly_state
from creditloop.portfolio.analytics.rolls import flow_rates, roll_rates
from creditloop.portfolio.analytics.staging import stage_movements, stage_summary, stages
from creditloop.portfolio.analytics.transitions import transition_matrix
from creditloop.portfolio.analytics.vintages import vintage_curves
from creditloop.portfolio.ifrs9_staging import INITIAL, MonthFacts, next_state


def make_book(data_dir: Path, rows: int, book: Path) -> int:
    """``book/snapshots.parquet`` with at least ``rows`` account-months (kept and reused if already that size)."""
    book.mkdir(parents=True, exist_ok=True)
    target = book / "snapshots.parquet"
    src_rows = _scalar(f"SELECT count(*) FROM '{data_dir / 'snapshots.parquet'}'")
    copies = -(-rows // src_rows)
    if target.is_file():
        have = _scalar(f"SELECT count(*) FROM '{target}'")
        if have == copies * src_rows:
            return have
    return tile(data_dir, copies, book)


def _scalar(sql: str) -> int:
    row = duckdb.connect().execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def engine_job(con: Any, book: Path) -> dict[str, float]:
    """Every table of the four analytics on ``con``, fetched; seconds per step."""
    times: dict[str, float] = {}
    c0 = time.process_time()  # CPU of this process, every thread: DuckDB's work (not Spark's: that is the JVM)
    t0 = time.perf_counter()
    with materialised(con, monthly_state(snapshots(con, book))) as panel:
        times["panel"] = time.perf_counter() - t0
        steps: dict[str, Callable[[], Any]] = {
            "vintages": lambda: (vintage_curves(panel).to_pyarrow(), first_payment_default(panel).to_pyarrow()),
            "rolls": lambda: (roll_rates(panel).to_pyarrow(), flow_rates(panel).to_pyarrow()),
            "transitions": lambda: transition_matrix(panel).to_pyarrow(),
            "staging": lambda: _staging(con, panel),
        }
        for name, step in steps.items():
            t = time.perf_counter()
            step()
            times[name] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    times["cpu_in_process"] = time.process_time() - c0
    return times


def _staging(con: Any, panel: Any) -> Any:
    with materialised(con, stages(panel)) as staged:
        return stage_summary(staged).to_pyarrow(), stage_movements(staged).to_pyarrow()


def python_baseline(book: Path) -> tuple[float, dict[str, Any]]:
    """Account by account in plain Python: vintage counts (ever 30+), forward rolls by month and bucket, the pooled
    transition counts and each month's IFRS 9 stage counts (``next_state``). Returns (seconds, the counts)."""
    t0 = time.perf_counter()
    con = duckdb.connect()
    has_restructured = "restructured" in [d[0] for d in con.execute(f"SELECT * FROM '{book}' LIMIT 0").description]
    cols = ["line_id", "month_end_on", "vintage", "mob", "status", "dpd"]
    # forbearance, as the columnar staging reads it
    cols.append("coalesce(restructured, false)" if has_restructured else "false")
    data = con.execute(f"SELECT {', '.join(cols)} FROM '{book}' ORDER BY line_id, month_end_on").fetchall()
    by_line: dict[str, list[tuple[Any, ...]]] = {}
    for row in data:
        by_line.setdefault(row[0], []).append(row)
    ever30: Counter[tuple[str, int]] = Counter()
    forward: Counter[tuple[Any, int]] = Counter()
    cells: Counter[tuple[int, int]] = Counter()
    staged: Counter[tuple[Any, int]] = Counter()
    for history in by_line.values():
        worst, state, was_restructured = 0, INITIAL, False
        idx = [_index(r[4], r[5]) for r in history]
        for i, r in enumerate(history):
            sev = 0 if idx[i] == 9 else idx[i]
            worst = max(worst, sev)
            ever30[(r[2], r[3])] += worst >= 2
            granted = r[6] and not was_restructured  # granted in the first restructured month (ecl.panel_staging)
            was_restructured = was_restructured or r[6]
            state = next_state(state, MonthFacts(dpd=r[5], charged_off=idx[i] == 8, forbearance_granted=granted))
            staged[(r[1], state.stage)] += 1
            nxt = history[i + 1] if i + 1 < len(history) else None
            if nxt is not None and _month_no(nxt[1]) == _month_no(r[1]) + 1:
                cells[(idx[i], idx[i + 1])] += 1
                nsev = 0 if idx[i + 1] == 9 else idx[i + 1]
                if idx[i] <= 7:
                    forward[(r[1], idx[i])] += nsev > sev
    return time.perf_counter() - t0, {"ever30": ever30, "forward": forward, "cells": cells, "staged": staged}


def _index(status: str, dpd: int) -> int:
    if status == "CHARGED_OFF":
        return 8
    if status == "CLOSED":
        return 9
    return 0 if dpd <= 0 else min(7, (dpd + 29) // 30)


def _month_no(d: Any) -> int:
    return int(d.year * 12 + d.month)


def check_baseline(counts: dict[str, Any], sample: Path) -> None:
    """The Python counts equal DuckDB's on the same subsample (so both did the same work)."""
    con = connect("duckdb")
    panel = monthly_state(snapshots(con, sample))
    v = vintage_curves(panel).to_pyarrow().to_pylist()
    assert {(r["vintage"], r["mob"]): r["ever30_lines"] for r in v} == dict(counts["ever30"])
    assert sum(r["forward_lines"] for r in roll_rates(panel).to_pyarrow().to_pylist()) == sum(
        counts["forward"].values()
    )
    m = transition_matrix(panel).to_pyarrow().to_pylist()
    assert {(r["from_index"], r["to_index"]): r["lines"] for r in m} == dict(counts["cells"])
    s = stage_summary(stages(panel)).to_pyarrow().to_pylist()
    assert {(r["month_end_on"], r["stage"]): r["lines"] for r in s} == dict(counts["staged"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--book", type=Path, default=Path("/tmp/creditloop-10m"))
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--spark-driver-memory", default="6g")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--sample-every", type=int, default=200, help="the Python baseline reads every N-th line")
    args = ap.parse_args()
    out: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "load_before": os.getloadavg()}
    t, out["rows"] = _timed(lambda: make_book(args.data_dir, args.rows, args.book))
    out["book_write_s"] = t
    path = args.book / "snapshots.parquet"
    out["lines"] = _scalar(f"SELECT count(DISTINCT line_id) FROM '{path}'")
    out["duckdb"] = engine_job(connect("duckdb"), args.book)
    out["load_after_duckdb"] = os.getloadavg()

    sample = args.book / "sample"
    sample.mkdir(exist_ok=True)
    duckdb.connect().execute(
        f"COPY (SELECT * FROM '{path}' WHERE hash(line_id) % {args.sample_every} = 0) "
        f"TO '{sample / 'snapshots.parquet'}' (FORMAT parquet)"
    )
    sample_rows = _scalar(f"SELECT count(*) FROM '{sample / 'snapshots.parquet'}'")
    py_s, counts = python_baseline(sample / "snapshots.parquet")
    check_baseline(counts, sample)
    duck_sample = engine_job(connect("duckdb"), sample)
    out["python_sample"] = {
        "rows": sample_rows,
        "python_s": py_s,
        "duckdb_s": duck_sample["total"],
        "python_extrapolated_s": py_s * out["rows"] / sample_rows,
    }
    out["python_extrapolated_over_duckdb"] = out["python_sample"]["python_extrapolated_s"] / out["duckdb"]["total"]

    if not args.no_spark:
        os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {args.spark_driver_memory} pyspark-shell"
        from creditloop.adapters.analytics.engines import spark_session

        t, session = _timed(lambda: spark_session(args.spark_master))
        session.sparkContext.setLogLevel("ERROR")
        out["spark_start_s"] = t
        out["spark"] = engine_job(connect("spark", session=session), args.book)
        out["spark_over_duckdb"] = out["spark"]["total"] / out["duckdb"]["total"]
        out["load_after_spark"] = os.getloadavg()
    json.dump(_rounded(out), sys.stdout, indent=2)
    print()


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn()
    return time.perf_counter() - t0, value


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


if __name__ == "__main__":
    main()
