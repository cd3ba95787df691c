"""Issue 15 item 5: the simulator's hardship A/B, the offer early (at the first behaviour-v1 alert) vs late (31–90
DPD, today) vs never.

    PYTHONPATH=src python tools/hardship_ab.py --runs DIR [--scenarios pandemic baseline] [--seeds 1 2 3]

DIR holds one simulation per strategy, scenario and seed, named ``{run}-{scenario}-{seed}`` with ``base`` for the
``baseline`` strategy (late), ``ewi-hardship`` (early) and ``no-outreach`` (never: the baseline with the hardship
outreach off), each from ``creditloop simulate --customers 3000 --months 24 --workers 1 --strategy ST --scenario SC
--seed S --data-dir DIR/{run}-{SC}-{S}`` (or, with hardship through the request/options workflow, from
``tools/collections_ab.py run --plan hardship``). For each metric the table gives every arm's range over the seeds
and the difference against ``baseline`` on the same seed (same world, customers and shocks): mean ± 95 %
t-interval (n = 3: t = 4.30; n = 5: t = 2.78) [min, max], the method of ``ewi_sim_figures.py interventions``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path
from typing import Any

import duckdb

from creditloop.adapters.warehouse import DuckDBWarehouse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ewi_sim_figures import T95

ARMS = (("early", "ewi-hardship"), ("late", "base"), ("never", "no-outreach"))
METRICS = (  # key, label, scale, decimals
    ("ever30", "ever 30+ (% of lines)", 100.0, 2),
    ("peak30", "peak monthly 30+ rate (%)", 100.0, 2),
    ("charged_off_yuan", "charged off (yuan)", 1.0, 0),
    ("accepted", "plans accepted", 1.0, 0),
    ("helped", "accepted, current or repaid at the horizon", 1.0, 0),
    ("redefault", "re-defaults (accepted, then 30+ again or charged off)", 1.0, 0),
    ("redefault_share", "re-defaults (% of accepted plans)", 100.0, 1),
    ("broken", "plans broken (the workflow's broken-plan rule; runs with hardship_plans.parquet)", 1.0, 0),
    ("cured", "cured (ever 30+, current or repaid at the horizon)", 1.0, 0),
    ("cured_share", "cured (% of ever-30+ lines)", 100.0, 1),
)


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def lines_ever30_cured(con: duckdb.DuckDBPyConnection, snaps: str) -> tuple[Any, ...]:
    """Lines, lines ever past 30 DPD, and of those the ones current (not charged off) at their last month end."""
    return _one(
        con,
        f"""
        WITH l AS (SELECT line_id, max(dpd) AS worst, arg_max(dpd, month_index) AS last_dpd,
                          arg_max(status, month_index) AS last_status FROM {snaps} GROUP BY line_id)
        SELECT count(*), count(*) FILTER (worst > 30),
               count(*) FILTER (worst > 30 AND last_dpd = 0 AND last_status <> 'CHARGED_OFF') FROM l""",
    )


def outcome(run: Path) -> dict[str, float]:
    """One run's figures from its Parquet outputs and warehouse."""
    wh = DuckDBWarehouse(run)
    peak30 = max(m.rate_30plus for m in wh.delinquency_by_month())
    snaps, hs = (f"read_parquet('{run / n}.parquet')" for n in ("snapshots", "hardship"))
    con = duckdb.connect()
    lines, ever30, cured = lines_ever30_cured(con, snaps)
    # A plan is re-defaulted when its line is charged off by the horizon or is at dpd > 30 at a month end after the
    # month it was accepted in (a late plan's own month end can still show the arrears it was offered at).
    accepted, early, helped, redefault = _one(
        con,
        f"""
        SELECT count(*), count(*) FILTER (request_id LIKE 'HE-%'), count(*) FILTER (outcome IN ('current', 'repaid')),
               count(*) FILTER (outcome = 'charged_off' OR EXISTS (SELECT 1 FROM {snaps} s WHERE s.line_id = h.line_id
                                AND s.month_index > h.month_index AND s.dpd > 30))
        FROM {hs} h WHERE accepted""",
    )
    plans = run / "hardship_plans.parquet"  # the request/options workflow's plans (hardship_path "workflow")
    (broken,) = (
        _one(con, f"SELECT count(*) FILTER (status = 'broken') FROM read_parquet('{plans}')")
        if plans.is_file()
        else (0,)
    )
    return {
        "lines": lines, "ever30": ever30 / lines, "broken": broken, "peak30": peak30, "accepted": accepted,
        "early": early,
        "charged_off_yuan": wh.charged_off_total_minor() / 100, "helped": helped, "redefault": redefault,
        "redefault_share": redefault / accepted if accepted else math.nan, "cured": cured,
        "cured_share": cured / ever30 if ever30 else math.nan,
    }  # fmt: skip


def interval(diffs: list[float], decimals: int = 2) -> str:
    """Mean ± 95 % t-interval [min, max] of per-seed differences."""
    m = statistics.fmean(diffs)
    half = T95[len(diffs)] * statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else math.nan
    n = decimals
    return f"{_num(m, n, True)} ± {_num(half, n)} [{_num(min(diffs), n, True)}, {_num(max(diffs), n, True)}]"


def _num(v: float, decimals: int, sign: bool = False) -> str:
    s = f"{v:+,.{decimals}f}"
    return (s if sign else s.lstrip("+")).replace("-", "−")


def table(runs: Path, scenario: str, seeds: list[int]) -> None:
    done = {(d, s) for _, d in ARMS for s in seeds if (runs / f"{d}-{scenario}-{s}" / "summary.json").is_file()}
    res = {arm: {s: outcome(runs / f"{d}-{scenario}-{s}") for s in seeds if (d, s) in done} for arm, d in ARMS}
    base = res["late"]
    print(f"\n### {scenario}: seeds {', '.join(map(str, sorted(base)))}\n")
    lines = {arm: sorted(int(o["lines"]) for o in r.values()) for arm, r in res.items() if r}
    print("Lines opened per seed: " + "; ".join(f"{a} {v[0]:,}–{v[-1]:,}" for a, v in lines.items()) + ".")
    early = sorted(int(o["early"]) for o in res["early"].values())
    if early:
        print(f"Early arm: {early[0]}–{early[-1]} of its accepted plans were brought forward by an alert (`HE-`).\n")
    print("| metric | early: range | late (baseline): range | never: range | early − late | never − late |")
    print("|---|---|---|---|---|---|")
    for key, label, scale, n in METRICS:
        levels = []
        for arm, _ in ARMS:
            vals = sorted(o[key] * scale for o in res[arm].values() if not math.isnan(o[key]))
            levels.append(f"{_num(vals[0], n)} … {_num(vals[-1], n)}" if vals else "—")
        cells = []
        for arm in ("early", "never"):
            diffs = [(res[arm][s][key] - base[s][key]) * scale for s in res[arm] if s in base]
            cells.append(interval(diffs, n) if diffs and not any(map(math.isnan, diffs)) else "—")
        print(f"| {label} | {' | '.join(levels)} | {cells[0]} | {cells[1]} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=Path, required=True)
    p.add_argument("--scenarios", nargs="+", default=["pandemic", "baseline"])
    p.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    a = p.parse_args()
    for sc in a.scenarios:
        table(a.runs, sc, a.seeds)


if __name__ == "__main__":
    main()
