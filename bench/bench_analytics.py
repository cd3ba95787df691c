"""Portfolio analytics speed: the same ibis definitions on DuckDB and on Spark local, against a pandas baseline.

    .venv/bin/python bench/bench_analytics.py --data-dir RUN [--copies 20] [--spark-master local[2]] [--no-spark] [--no-pandas]

RUN is a simulation's output (``creditloop simulate ... --data-dir RUN``). Its snapshots are tiled ``--copies``
times (line ids suffixed ``#k``: the same book repeated, so 1,000 simulated lines become 20,000) into one Parquet
file that every engine reads. Each engine computes the vintage curves (ever 30+/60+/90+ by count and balance) and
the month-by-month roll and flow rates, results fully materialised; each is run twice (cold, then warm). Spark's
session start is timed apart. The pandas baseline computes the vintage curves and roll rates with groupby/shift
and is checked against DuckDB's counts, so all three did the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from creditloop.adapters.analytics.engines import connect, snapshots, spark_session
from creditloop.portfolio.analytics.panel import monthly_state
from creditloop.portfolio.analytics.rolls import flow_rates, roll_rates
from creditloop.portfolio.analytics.vintages import vintage_curves


def tile(data_dir: Path, copies: int, out_dir: Path) -> int:
    """``copies`` copies of the run's snapshots in ``out_dir/snapshots.parquet``; returns the row count."""
    src = str(data_dir / "snapshots.parquet")
    con = duckdb.connect()
    con.execute(
        f"COPY (SELECT * REPLACE (line_id || '#' || k::VARCHAR AS line_id) FROM read_parquet('{src}'), "
        f"range({copies}) r(k)) TO '{out_dir / 'snapshots.parquet'}' (FORMAT parquet)"
    )
    return int(con.execute(f"SELECT count(*) FROM '{out_dir / 'snapshots.parquet'}'").fetchone()[0])  # type: ignore[index]


def ibis_job(con: Any, data_dir: Path) -> dict[str, Any]:
    state = monthly_state(snapshots(con, data_dir))
    return {
        "vintages": vintage_curves(state).to_pyarrow(),
        "roll_rates": roll_rates(state).to_pyarrow(),
        "flow_rates": flow_rates(state).to_pyarrow(),
    }


def pandas_job(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The baseline: the same definitions written directly in pandas (vintage curves and roll rates)."""
    s = pd.read_parquet(data_dir / "snapshots.parquet")
    dpd = s["dpd"].clip(lower=0)
    bucket = ((dpd + 29) // 30).clip(upper=7)
    s["idx"] = bucket.where(s["status"] != "CHARGED_OFF", 8).where(s["status"] != "CLOSED", 9)
    s["sev"] = s["idx"].where(s["idx"] != 9, 0)
    s["exposure"] = s["balance_minor"].where(s["status"] != "CHARGED_OFF", s["charged_off_minor"])
    s = s.sort_values(["line_id", "month_end_on"])
    s["worst"] = s.groupby("line_id")["sev"].cummax()
    for name, th in (("ever30", 2), ("ever60", 3), ("ever90", 4)):
        s[f"{name}_lines"] = (s["worst"] >= th).astype("int64")
        s[f"{name}_exposure_minor"] = s[f"{name}_lines"] * s["exposure"]
    agg = {c: "sum" for c in s.columns if c.startswith("ever")}
    v = s.groupby(["vintage", "mob"]).agg(
        lines=("line_id", "size"), exposure_minor=("exposure", "sum"), **{k: (k, "sum") for k in agg}
    )
    for name in ("ever30", "ever60", "ever90"):
        v[f"{name}_rate"] = v[f"{name}_lines"] / v["lines"]
        v[f"{name}_balance_rate"] = v[f"{name}_exposure_minor"] / v["exposure_minor"]
    month_no = pd.to_datetime(s["month_end_on"]).dt.year * 12 + pd.to_datetime(s["month_end_on"]).dt.month
    g = s.groupby("line_id")
    nxt_no, nxt_sev = month_no.groupby(s["line_id"]).shift(-1), g["sev"].shift(-1)
    p = s[(nxt_no == month_no + 1) & (s["idx"] <= 7)].assign(nsev=nxt_sev)
    p["forward"] = (p["nsev"] > p["sev"]).astype("int64")
    p["forward_exposure"] = p["forward"] * p["exposure"]
    r = p.groupby(["month_end_on", "idx"]).agg(
        lines=("line_id", "size"), forward_lines=("forward", "sum"), exposure=("exposure", "sum"),
        forward_exposure=("forward_exposure", "sum"),
    )  # fmt: skip
    r["forward_rate"] = r["forward_lines"] / r["lines"]
    r["forward_balance_rate"] = r["forward_exposure"] / r["exposure"]
    return {"vintages": v.reset_index(), "roll_rates": r.reset_index()}


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--spark-master", default="local[2]")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline (large books: memory)")
    args = ap.parse_args()
    result: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores (shared, loaded)"}
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp)
        result["rows"] = tile(args.data_dir, args.copies, book)
        result["lines"] = int(
            duckdb.connect().execute(f"SELECT count(DISTINCT line_id) FROM '{book}/snapshots.parquet'").fetchone()[0]
        )  # type: ignore[index]
        duck = connect("duckdb")
        result["duckdb_cold_s"], ref = timed(lambda: ibis_job(duck, book))
        result["duckdb_warm_s"], _ = timed(lambda: ibis_job(duck, book))
        if not args.no_pandas:
            result["pandas_s"], pd_out = timed(lambda: pandas_job(book))
            v = ref["vintages"].to_pandas().sort_values(["vintage", "mob"]).reset_index(drop=True)
            pv = pd_out["vintages"].sort_values(["vintage", "mob"]).reset_index(drop=True)
            assert (v["ever30_lines"].to_numpy() == pv["ever30_lines"].to_numpy()).all(), "pandas disagrees with DuckDB"
            assert int(ref["roll_rates"]["forward_lines"].to_pandas().sum()) == int(
                pd_out["roll_rates"]["forward_lines"].sum()
            )
        if not args.no_spark:
            result["spark_start_s"], session = timed(lambda: spark_session(args.spark_master))
            session.sparkContext.setLogLevel("ERROR")
            spark = connect("spark", session=session)
            result["spark_cold_s"], sp = timed(lambda: ibis_job(spark, book))
            result["spark_warm_s"], _ = timed(lambda: ibis_job(spark, book))
            assert sp["vintages"].num_rows == ref["vintages"].num_rows
            result["spark_warm_over_duckdb_warm"] = result["spark_warm_s"] / result["duckdb_warm_s"]
        if not args.no_pandas:
            result["pandas_over_duckdb_warm"] = result["pandas_s"] / result["duckdb_warm_s"]
    json.dump({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
