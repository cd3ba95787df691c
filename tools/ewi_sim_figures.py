"""Issue 14 figures on simulations: the back-test with and without the behaviour score, the speed of the
back-test's features (DuckDB vs the reference evaluator), and whether the early-warning actions work.

    PYTHONPATH=src python tools/ewi_sim_figures.py speed --data-dir RUN
    PYTHONPATH=src python tools/ewi_sim_figures.py backtests --dir DIR          # DIR/bt-{nomodel,model}-SC-S.json
    PYTHONPATH=src python tools/ewi_sim_figures.py interventions --runs DIR --strategies ewi-remind ewi-hardship

Run directories are named ``{strategy}-{scenario}-{seed}`` (``base`` for the baseline strategy). Intervals over
seeds are the mean and a 95 % t-interval of the per-seed difference against the baseline strategy (same seed:
the same world, customers and shocks; only the lender's actions and the customers' answers to them differ).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import duckdb

from creditloop.adapters.warehouse import DuckDBWarehouse
from creditloop.adapters.warehouse.ewi_backtest import panel_features, reference_features
from creditloop.adapters.warehouse.sim_panel import sim_panel
from creditloop.entrypoints.cli.ewi_backtest_cli import declared_shock
from creditloop.monitoring.features import default_feature_set

T95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776}  # two-sided 95 % t quantiles by sample size


def speed(data_dir: Path) -> None:
    panel, fs = sim_panel(data_dir, declared_shock(data_dir)), default_feature_set()
    t0 = time.perf_counter()
    reference_features(panel, fs)
    t1 = time.perf_counter()
    panel_features(panel, fs)
    t2 = time.perf_counter()
    rows = sum(len(r) for r in panel.values())
    print(f"{rows} line-months: reference {t1 - t0:.2f} s, DuckDB {t2 - t1:.2f} s, {(t1 - t0) / (t2 - t1):.1f}x")


def backtests(d: Path) -> None:
    head = ("scenario", "seed", "policy", "30+ lines", "warned >= 30 d", "lead p25/p50/p75", "precision (base)",
            "rate mean/max")  # fmt: skip
    print("| " + " | ".join(head) + " |\n" + "|---" * len(head) + "|")
    for sc in ("baseline", "pandemic"):
        for s in (1, 2, 3):
            no, yes = (json.loads((d / f"bt-{k}-{sc}-{s}.json").read_text()) for k in ("nomodel", "model"))
            rows = [("rules without the score", no["policies"][0]), ("rules with the score", yes["policies"][0])]
            rows.append(("current single rule", no["policies"][1]))
            rows += [
                (f"score >= {p['threshold']:g} alone", p) for p in yes["sweep"] if p["rule_id"] == "EWI_SCORE_HIGH"
            ]
            for name, p in rows:
                q = p["lead_quantiles"]
                lead = "/".join(f"{q[k]:.0f}" for k in ("p25", "p50", "p75")) if q else "-"
                print(
                    f"| {sc} | {s}{' (train)' if s == 1 else ''} | {name} | {p['bad_lines']} | {p['warned_early']} "
                    f"({p['early_share']:.1%}) | {lead} | {p['precision']:.1%} ({no['base_rate']:.1%}) | "
                    f"{p['rate_mean']:.1%} / {p['rate_max']:.1%} |"
                )


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row


def outcome(run: Path) -> dict[str, float]:
    wh = DuckDBWarehouse(run)
    rates = [m.rate_30plus for m in wh.delinquency_by_month()]
    snaps, acts, hs = (f"read_parquet('{run / n}.parquet')" for n in ("snapshots", "actions", "hardship"))
    con = duckdb.connect()
    lines, ever30 = _one(con, f"SELECT count(DISTINCT line_id), count(DISTINCT line_id) FILTER (dpd > 30) FROM {snaps}")
    # EWI actions (reason code = an ewi_v1 rule id): past due at the month end before and current at the month
    # end after (cured), or 30+ within the action's month and the two after (rolled).
    cured, acted, rolled = _one(
        con,
        f"""
        WITH a AS (SELECT DISTINCT line_id, month_index FROM {acts} WHERE reason_code IN
                   ('EWI_PAY_RATIO_LOW', 'EWI_PARTIAL_STREAK', 'EWI_UTILISATION_HIGH', 'EWI_SCORE_HIGH',
                    'EWI_NEW_LENDER'))
        SELECT count(*) FILTER (b.dpd > 0 AND n.dpd = 0), count(*),
               count(*) FILTER (EXISTS (SELECT 1 FROM {snaps} s WHERE s.line_id = a.line_id AND s.dpd > 30
                                        AND s.month_index BETWEEN a.month_index AND a.month_index + 2))
        FROM a LEFT JOIN {snaps} b ON b.line_id = a.line_id AND b.month_index = a.month_index - 1
               LEFT JOIN {snaps} n ON n.line_id = a.line_id AND n.month_index = a.month_index""",
    )
    acc, early, ok = _one(
        con,
        f"""
        SELECT count(*) FILTER (accepted), count(*) FILTER (accepted AND request_id LIKE 'HE-%'),
               count(*) FILTER (accepted AND outcome IN ('current', 'repaid')) FROM {hs}""",
    )
    return {
        "lines": lines, "ever30": ever30 / lines, "peak30": max(rates), "final30": rates[-1],
        "charged_off_yuan": wh.charged_off_total_minor() / 100, "ewi_actions": acted, "cured_after_action": cured,
        "rolled_30_after_action": rolled, "hardship_accepted": acc, "hardship_early": early, "hardship_ok": ok,
    }  # fmt: skip


def _interval(diffs: list[float]) -> str:
    m = statistics.fmean(diffs)
    half = T95[len(diffs)] * statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else float("nan")
    return f"{m:+.3g} ± {half:.2g} [{min(diffs):+.3g}, {max(diffs):+.3g}]"


def interventions(runs: Path, strategies: list[str]) -> None:
    keys = ("ever30", "peak30", "charged_off_yuan", "hardship_accepted", "ewi_actions", "cured_after_action",
            "rolled_30_after_action", "hardship_early", "hardship_ok")  # fmt: skip
    for sc in ("baseline", "pandemic"):
        base = {s: outcome(runs / f"base-{sc}-{s}") for s in (1, 2, 3)}
        print(f"\n{sc}")
        print("| strategy | seed | " + " | ".join(keys) + " |")
        print("|---|---|" + "---|" * len(keys))
        for st in ["base", *strategies]:
            res = {s: base[s] if st == "base" else outcome(runs / f"{st}-{sc}-{s}") for s in (1, 2, 3)
                   if (runs / f"{st}-{sc}-{s}" / "summary.json").is_file()}  # fmt: skip
            for s, o in res.items():
                print(f"| {st} | {s} | " + " | ".join(_fmt(o[k]) for k in keys) + " |")
            if st != "base" and res:
                diffs = {k: [res[s][k] - base[s][k] for s in res] for k in keys[:4]}
                print(
                    f"| {st} − base | mean ± t95 [range] | " + " | ".join(_interval(diffs[k]) for k in keys[:4]) + " |"
                )


def _fmt(v: Any) -> str:
    return f"{v:.4f}" if isinstance(v, float) and v < 1 else f"{v:,.0f}" if isinstance(v, float) else str(v)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("speed").add_argument("--data-dir", type=Path, required=True)
    sub.add_parser("backtests").add_argument("--dir", type=Path, required=True)
    i = sub.add_parser("interventions")
    i.add_argument("--runs", type=Path, required=True)
    i.add_argument("--strategies", nargs="+", required=True)
    a = p.parse_args()
    if a.cmd == "speed":
        speed(a.data_dir)
    elif a.cmd == "backtests":
        backtests(a.dir)
    else:
        interventions(a.runs, a.strategies)


if __name__ == "__main__":
    main()
