"""Early warning at scale (issue 14): the nightly batch over a million accounts and the online update's latency.

Run: ``PYTHONPATH=src .venv/bin/python bench/bench_ewi_nightly.py [--accounts 1000000] [--months 13]
[--sample 5000] [--updates 10000] [--threads 2] [--seed 14]``

1. A synthetic behaviour panel (``--accounts`` × ``--months``, seeded, every panel column, some nulls) is written
   to Parquet with DuckDB (hash-based values: the same for a seed whatever the thread count). Not timed.
2. **Nightly** in a child process (its own peak RSS): ``features_as_of`` over the Parquet file (the packaged
   feature set as DuckDB window SQL) + the behaviour scorecard in SQL (points, PD, top reasons) + five threshold
   rules, the scored rows written to Parquet and the alerts counted by rule. Wall time and peak RSS.
3. **Python baseline**, same run: ``--sample`` accounts read into Python, the reference evaluator
   (``latest_features``) + the Python scorecard runtime + the same rules per account; wall time extrapolated to
   every account; the ratio baseline / nightly. Its alert counts on the sample are checked against the SQL's.
4. **Online**: ``--updates`` updates on warm ``AccountState`` s (13 closed months each): fold one event
   (purchases, payments, statements, plans; one in 30 a month end), recompute every feature, score. p50 / p99.

The scorecard is a hand-set one over thirteen behaviour features (bins and points like a fitted one's): speed
does not depend on where the points came from.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from creditloop.adapters.warehouse.behaviour_sql import as_of_query
from creditloop.adapters.warehouse.scorecard_sql import score_query
from creditloop.monitoring.features import default_feature_set, latest_features
from creditloop.monitoring.online import AccountState
from creditloop.scoring.runtime import ScorecardRuntime

FIRST_MONTH = date(2025, 1, 31)

# (feature, splits, points per regular bin; missing scores like the riskiest regular bin)
CARD: list[tuple[str, list[float], list[float]]] = [
    ("utilisation", [0.3, 0.7, 0.95], [40, 30, 15, 0]),
    ("utilisation_change_3m", [0.0, 0.2], [30, 20, 5]),
    ("pay_ratio_3m", [0.2, 0.6, 0.99], [0, 10, 25, 40]),
    ("pay_ratio_trend_3m", [-0.3, 0.0], [0, 15, 25]),
    ("min_only_streak", [1, 3], [30, 15, 0]),
    ("partial_streak", [1, 3, 6], [35, 20, 8, 0]),
    ("missed_3m", [1, 2], [40, 10, 0]),
    ("days_since_payment", [35, 65], [30, 12, 0]),
    ("spend_spike_6m", [1.5, 3.0], [20, 12, 0]),
    ("stacking_3m", [1], [20, 0]),
    ("limit_hits_6m", [1, 3], [25, 12, 0]),
    ("max_dpd_6m", [1, 30], [45, 15, 0]),
    ("other_lenders", [2, 4], [20, 10, 0]),
]
RULES = {
    "score_band_high": "pd >= 0.15",
    "missed_payment": "missed_3m >= 1",
    "limit_and_rising": "utilisation >= 0.95 AND utilisation_change_3m >= 0.2",
    "minimum_only": "min_only_streak >= 3",
    "stacking": "stacking_3m >= 1",
}


def scorecard() -> dict[str, Any]:
    chars = []
    for name, splits, points in CARD:
        chars.append(
            {"name": name, "kind": "numeric", "splits": splits, "point_masses": [], "special_codes": [],
             "points": [*points, min(points), min(points)], "reason_code": name.upper(), "coef": 1.0}
        )  # fmt: skip
    return {
        "format": "creditloop.scorecard",
        "format_version": 1,
        "model_version": "bench",
        "scaling": {"offset": 235.0, "factor": 28.85, "round_points": True},
        "calibration": {"a": -1.0, "b": 1.0},
        "n_reasons": 4,
        "characteristics": chars,
    }


def rule_hits(row: dict[str, Any]) -> list[str]:
    """The same rules in Python (a null never passes a threshold, as in SQL)."""

    def ge(name: str, x: float) -> bool:
        return row[name] is not None and row[name] >= x

    hits = {
        "score_band_high": ge("pd", 0.15),
        "missed_payment": ge("missed_3m", 1),
        "limit_and_rising": ge("utilisation", 0.95) and ge("utilisation_change_3m", 0.2),
        "minimum_only": ge("min_only_streak", 3),
        "stacking": ge("stacking_3m", 1),
    }
    return [r for r, hit in hits.items() if hit]


# --------------------------------------------------------------------------------------------- the panel


def generate(path: Path, accounts: int, months: int, seed: int) -> None:
    """The synthetic panel: a risk tier per account drives missed payments, utilisation and delinquency."""

    def u(k: int) -> str:  # a uniform in [0, 1) from (seed, account, month, k)
        return f"(hash({seed}, a, m, {k}) % 1000000) / 1000000.0"

    risk = f"(hash({seed}, a, 0, 99) % 100)"  # 0..99; >= 90 the risky tenth
    miss = "CASE WHEN risk >= 90 THEN 0.15 ELSE 0.005 END"  # the chance a month's statement goes unpaid
    sql = f"""
    COPY (
      WITH base AS (
        SELECT a, m, {risk} AS risk,
               last_day(DATE '{FIRST_MONTH.isoformat()}' + INTERVAL (m) MONTH) AS month_end_on,
               CAST(1000000 + (hash({seed}, a, 0, 1) % 20) * 500000 AS BIGINT) AS limit_minor,
               {u(2)} AS u2, {u(3)} AS u3, {u(4)} AS u4, {u(5)} AS u5, {u(6)} AS u6, {u(7)} AS u7
        FROM range({accounts}) t(a), range({months}) s(m)
      )
      SELECT 'A' || lpad(CAST(a AS VARCHAR), 8, '0') AS account_id, month_end_on,
             CAST(CASE WHEN risk >= 90 AND u2 < 0.25 + m * 0.03 THEN floor(u3 * 95) ELSE 0 END AS BIGINT) AS dpd,
             limit_minor,
             CAST(limit_minor * LEAST(1.0, u4 * (0.4 + risk / 120.0)) AS BIGINT) AS balance_minor,
             CAST(limit_minor * u4 * 0.3 AS BIGINT) AS statement_due_minor,
             CAST(limit_minor * u4 * 0.03 AS BIGINT) AS min_due_minor,
             CAST(CASE WHEN u5 < {miss} THEN 0 WHEN u5 < 0.3 THEN limit_minor * u4 * 0.03
                       ELSE limit_minor * u4 * 0.3 * LEAST(1.0, u5 + 0.2) END AS BIGINT) AS paid_minor,
             CAST(limit_minor * u6 * 0.2 * (CASE WHEN u7 < 0.03 THEN 4 ELSE 1 END) AS BIGINT) AS spend_minor,
             CAST(CASE WHEN u7 < 0.05 THEN 1 ELSE 0 END AS BIGINT) AS new_plans,
             CAST(CASE WHEN u5 < {miss} THEN 0 ELSE 1 + (u6 < 0.2)::INT END AS BIGINT) AS payments,
             month_end_on - CAST(floor(u3 * 40) AS INT) AS last_payment_on,
             ['bank', 'wallet', 'card'][1 + CAST(u7 > 0.9 AS INT) + CAST(u7 > 0.97 AS INT)] AS payment_source,
             (risk % 17 = 0 AND m >= {months - 3}) AS shock,
             CASE WHEN u2 < 0.3 THEN NULL ELSE CAST(floor(u6 * 5) AS BIGINT) END AS other_lenders
      FROM base ORDER BY a, m
    ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """
    duckdb.connect().execute(sql)


# ------------------------------------------------------------------------------------------------ nightly


def nightly_sql(panel: Path, out: Path, as_of: date) -> tuple[str, str]:
    fs = default_feature_set()
    features = as_of_query(fs, as_of, f"read_parquet('{panel}')")
    scored = score_query(scorecard(), f"({features})")
    counts = ", ".join(f"count(*) FILTER (WHERE {cond}) AS {name}" for name, cond in RULES.items())
    return f"COPY ({scored}) TO '{out}' (FORMAT parquet)", f"SELECT count(*) AS accounts, {counts} FROM '{out}'"


def run_nightly(panel: Path, as_of: date, threads: int) -> dict[str, Any]:
    con = duckdb.connect(config={"threads": threads})
    out = panel.with_name("nightly.parquet")
    write, count = nightly_sql(panel, out, as_of)
    t0 = time.perf_counter()
    con.execute(write)
    row = con.execute(count).fetchone()
    wall = time.perf_counter() - t0
    assert row is not None
    return {"wall_s": wall, "accounts": row[0], "alerts": dict(zip(RULES, row[1:], strict=True))}


def nightly_in_child(panel: Path, as_of: date, threads: int) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child-nightly", str(panel), as_of.isoformat(), str(threads)]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result


# ------------------------------------------------------------------------------------------------ baseline


def read_sample(panel: Path, accounts: int, sample: int, seed: int) -> list[list[dict[str, Any]]]:
    ids = sorted(random.Random(seed).sample(range(accounts), min(sample, accounts)))
    names = ", ".join(f"'A{i:08d}'" for i in ids)
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_parquet('{panel}') WHERE account_id IN ({names}) ORDER BY 1, 2")
    out: dict[str, list[dict[str, Any]]] = {}
    for row in rel.to_arrow_table().to_pylist():
        out.setdefault(row["account_id"], []).append(row)
    return list(out.values())


def run_baseline(samples: list[list[dict[str, Any]]]) -> tuple[float, dict[str, int]]:
    fs, runtime = default_feature_set(), ScorecardRuntime(scorecard())
    alerts = dict.fromkeys(RULES, 0)
    t0 = time.perf_counter()
    for rows in samples:
        values: dict[str, Any] = latest_features(rows, fs)
        values["pd"] = runtime.score_one(values).pd
        for rule in rule_hits(values):
            alerts[rule] += 1
    return time.perf_counter() - t0, alerts


def sql_alerts_on(panel: Path, samples: list[list[dict[str, Any]]], as_of: date) -> dict[str, int]:
    ids = ", ".join(f"'{rows[0]['account_id']}'" for rows in samples)
    out = panel.with_name("nightly.parquet")
    counts = ", ".join(f"count(*) FILTER (WHERE {cond})" for cond in RULES.values())
    row = duckdb.connect().execute(f"SELECT {counts} FROM '{out}' WHERE account_id IN ({ids})").fetchone()
    assert row is not None
    return dict(zip(RULES, row, strict=True))


# -------------------------------------------------------------------------------------------------- online


def run_online(samples: list[list[dict[str, Any]]], updates: int, seed: int) -> tuple[float, float, float]:
    """(p50, p99) wall ms and the p99 of this thread's CPU ms (what preemption by other processes leaves out)."""
    fs, runtime = default_feature_set(), ScorecardRuntime(scorecard())
    rng = random.Random(seed)
    states = []
    for rows in samples[:200]:
        state = AccountState(rows[0]["account_id"], fs)
        for r in rows:
            state.statement(r["statement_due_minor"], r["min_due_minor"], r["month_end_on"] - timedelta(days=20))
            if r["paid_minor"]:
                state.payment(r["paid_minor"], r["month_end_on"] - timedelta(days=5), r["payment_source"])
            state.month_end(r["month_end_on"], r["dpd"], r["balance_minor"], r["limit_minor"])
        states.append(state)
    times, cpu = [], []
    for _ in range(updates):
        state = rng.choice(states)
        last = state.rows[-1]
        on = last["month_end_on"] + timedelta(days=rng.randint(1, 27))
        t0, c0 = time.perf_counter(), time.thread_time()
        kind = rng.random()
        if kind < 1 / 30:
            nxt = on.replace(day=1) + timedelta(days=32)
            state.month_end(nxt.replace(day=1) - timedelta(days=1), rng.choice([0, 0, 0, 12]), 300_000, 1_000_000)
        elif kind < 0.5:
            state.purchase(rng.randint(100, 50_000), on)
        elif kind < 0.8:
            state.payment(rng.randint(100, 50_000), on, "bank")
        elif kind < 0.95:
            state.statement(40_000, 4_000, on)
        else:
            state.plan_opened(on)
        runtime.score_one(state.features())
        times.append(time.perf_counter() - t0)
        cpu.append(time.thread_time() - c0)
    q, qc = statistics.quantiles(times, n=100), statistics.quantiles(cpu, n=100)
    return q[49] * 1000, q[98] * 1000, qc[98] * 1000


# ---------------------------------------------------------------------------------------------------- main


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-nightly":
        panel, on, threads = Path(sys.argv[2]), date.fromisoformat(sys.argv[3]), int(sys.argv[4])
        print(json.dumps(run_nightly(panel, on, threads)))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        panel = Path(tmp) / "panel.parquet"
        t0 = time.perf_counter()
        generate(panel, args.accounts, args.months, args.seed)
        rows = args.accounts * args.months
        size = panel.stat().st_size / 2**20
        print(f"panel: {args.accounts:,} accounts x {args.months} months = {rows:,} rows, {size:.0f} MiB Parquet, "
              f"generated in {time.perf_counter() - t0:.1f} s (not timed below)")  # fmt: skip
        last = duckdb.connect().execute(f"SELECT max(month_end_on) FROM '{panel}'").fetchone()
        assert last is not None
        as_of: date = last[0]
        night = nightly_in_child(panel, as_of, args.threads)
        per_s = night["accounts"] / night["wall_s"]
        print(f"nightly (features_as_of + scorecard SQL + {len(RULES)} rules, {args.threads} threads): "
              f"{night['wall_s']:.1f} s wall for {night['accounts']:,} accounts ({per_s:,.0f}/s), "
              f"peak RSS {night['peak_rss_mb']:.0f} MB")  # fmt: skip
        print("  alerts by rule: " + ", ".join(f"{k} {v:,}" for k, v in night["alerts"].items()))
        samples = read_sample(panel, args.accounts, args.sample, args.seed)
        base_s, base_alerts = run_baseline(samples)
        assert base_alerts == sql_alerts_on(panel, samples, as_of), "Python and SQL disagree on the sample"
        extrapolated = base_s * args.accounts / len(samples)
        print(f"python baseline (reference evaluator + runtime, 1 core): {base_s:.2f} s for {len(samples):,} "
              f"accounts -> {extrapolated:.0f} s extrapolated to {args.accounts:,}; "
              f"ratio baseline / nightly {extrapolated / night['wall_s']:.1f}x (same alerts on the sample)")  # fmt: skip
        p50, p99, p99_cpu = run_online(samples, args.updates, args.seed)
        print(f"online update (fold one event + all features + score), {args.updates:,} updates: "
              f"p50 {p50:.3f} ms, p99 {p99:.3f} ms wall (p99 CPU {p99_cpu:.3f} ms); "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip


if __name__ == "__main__":
    main()
