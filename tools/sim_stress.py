"""Simulation-based stress: the simulator under baseline, pandemic and recession, side by side over seeds.

    PYTHONPATH=src python tools/sim_stress.py run   --runs DIR [--seeds 1 2 3] [--customers 2000] [--months 24]
    PYTHONPATH=src python tools/sim_stress.py table --runs DIR [--seeds 1 2 3] [--json]

``run`` simulates each scenario and seed into ``DIR/<scenario>-s<seed>`` (skipping runs already there; one at a
time, ``--workers 1``). ``table`` reads them and prints, per scenario, the mean and [min, max] over seeds of:
lines opened; credit losses booked (the ledger's ``Expenses:CreditLoss``) and gross charge-offs; the peak monthly
30+ DPD rate by lines and by balance and the peak 90+ rate by balance (on-book lines, report definitions); and at
the horizon, for the open book, EAD (drawn balance), the expected-loss proxy EL = PD x LGD x EAD and the QRRE IRB
capital, with the PDs from the run's own transition matrix and LGD observed in the run (``risk stress
--scenario`` with a neutral scenario: docs/risk.md), and the IFRS 9 ECL allowance at the horizon exactly as
``creditloop risk ecl --data-dir RUN`` computes it (the packaged probability-weighted scenarios and the Lending Club
LGD; docs/risk.md "IFRS 9 expected credit loss"). The last column of each metric is the ratio of the scenario's
mean to the baseline's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

SCENARIOS = ("baseline", "pandemic", "recession")
METRICS = (
    ("lines_opened", "lines opened", "n"),
    ("credit_loss_minor", "credit losses booked (yuan)", "yuan"),
    ("charged_off_minor", "gross charge-offs (yuan)", "yuan"),
    ("peak_30_lines", "peak monthly 30+ DPD, lines (%)", "pct"),
    ("peak_30_balance", "peak monthly 30+ DPD, balance (%)", "pct"),
    ("peak_90_balance", "peak monthly 90+ DPD, balance (%)", "pct"),
    ("ead_minor", "EAD at the horizon, open book (yuan)", "yuan"),
    ("el_minor", "EL proxy PD x LGD x EAD at the horizon (yuan)", "yuan"),
    ("capital_minor", "IRB capital (QRRE) at the horizon (yuan)", "yuan"),
    ("lgd", "observed LGD (%)", "pct"),
    ("ecl_minor", "IFRS 9 ECL allowance at the horizon (yuan)", "yuan"),
)


def run(runs: Path, seeds: list[int], customers: int, months: int) -> None:
    for seed in seeds:
        for scenario in SCENARIOS:
            out = runs / f"{scenario}-s{seed}"
            if (out / "summary.json").is_file():
                continue
            cmd = [
                sys.executable,
                "-m",
                "creditloop",
                "simulate",
                "--customers",
                str(customers),
                "--months",
                str(months),
                "--seed",
                str(seed),
                "--scenario",
                scenario,
                "--workers",
                "1",
                "--data-dir",
                str(out),
            ]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


LGD_FALLBACK = "0.9"  # used only for a run without any charge-off to observe LGD in (short horizons); reported


def measure(run_dir: Path) -> dict[str, Any]:
    """The metrics of one run (money in fen, rates as shares)."""
    from creditloop.adapters.warehouse import DuckDBWarehouse
    from creditloop.entrypoints.cli.risk_stress_cli import book_inputs, stress_document
    from creditloop.portfolio.stress import scenario_from_dict
    from creditloop.servicing.delinquency import BUCKETS

    wh = DuckDBWarehouse(run_dir)
    summary = wh.summary()
    months = wh.delinquency_by_month()

    def balance_share(row: Any, buckets: tuple[str, ...]) -> float:
        total = sum(row.balance_by_bucket.values())
        return sum(row.balance_by_bucket[b] for b in buckets) / total if total else 0.0

    inputs = book_inputs(run_dir, "duckdb", None)
    given = None if inputs["gross_charge_off_minor"] > 0 else LGD_FALLBACK
    doc = stress_document(scenario_from_dict({"name": "neutral", "z": 0}), inputs, given)
    lgd = doc["segments"][0]["lgd"] if doc["segments"] else 0.0
    return {
        "scenario": summary["scenario"],
        "seed": summary["seed"],
        "lines_opened": summary["lines_opened"],
        "credit_loss_minor": int(summary["trial_balance"].get("Expenses:CreditLoss", 0)),
        "charged_off_minor": wh.charged_off_total_minor(),
        "peak_30_lines": max((m.rate_30plus for m in months), default=0.0),
        "peak_30_balance": max((m.rate_30plus_balance for m in months), default=0.0),
        "peak_90_balance": max((balance_share(m, BUCKETS[4:]) for m in months), default=0.0),
        "ead_minor": doc["total"]["ead_minor"],
        "el_minor": doc["total"]["expected_loss_minor"],
        "capital_minor": doc["total"]["capital_minor"],
        "lgd": lgd,
        "lgd_source": "observed" if given is None else "fallback (no charge-off in the run)",
        "ecl_minor": horizon_ecl_minor(run_dir),
    }


def horizon_ecl_minor(run_dir: Path) -> int:
    """The run's ECL allowance at its last month end, as ``creditloop risk ecl --data-dir RUN`` reports it."""
    from creditloop.adapters.analytics.ecl_inputs import read_inputs, resolve_segment_by
    from creditloop.adapters.analytics.engines import connect
    from creditloop.portfolio.ecl import lgd, run, scenarios

    con = connect("duckdb", None)
    chain = resolve_segment_by(con, run_dir, "auto")  # risk ecl's default chain
    rows, counts = read_inputs(con, run_dir, chain)
    day = max(r.month_end_on for r in rows)
    result = run.ecl_at(rows, counts, day, scenarios.load(None), lgd.load().lgd, segmented=chain != "none")
    return int(result.by_stage[0]["ecl_minor"])


def _fmt(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "yuan":
        return f"{value / 100:,.0f}"
    if kind == "pct":
        return f"{100 * value:.2f}"
    return f"{value:,.0f}"


def table(results: list[dict[str, Any]], seeds: list[int]) -> str:
    by = {s: [r for r in results if r["scenario"] == s] for s in SCENARIOS}
    heads = " | ".join(f"{s}: mean [min, max]" for s in SCENARIOS)
    lines = [f"Seeds {', '.join(map(str, seeds))}; ratio = scenario mean / baseline mean.", "",
             f"| metric | {heads} | pandemic ÷ baseline | recession ÷ baseline |",
             "|---|" + "---|" * (len(SCENARIOS) + 2)]  # fmt: skip
    for key, label, kind in METRICS:
        cells, means = [], {}
        for s in SCENARIOS:
            values = [r[key] for r in by[s] if r[key] is not None]
            if not values:
                cells.append("—")
                continue
            means[s] = statistics.fmean(values)
            cells.append(f"{_fmt(means[s], kind)} [{_fmt(min(values), kind)}, {_fmt(max(values), kind)}]")
        ratios = [f"{means[s] / means['baseline']:.2f}" if means.get("baseline") and s in means else "—"
                  for s in SCENARIOS[1:]]  # fmt: skip
        lines.append(f"| {label} | {' | '.join(cells)} | {' | '.join(ratios)} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=("run", "table"))
    ap.add_argument("--runs", type=Path, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.command == "run":
        run(args.runs, args.seeds, args.customers, args.months)
        return
    results = [measure(args.runs / f"{s}-s{seed}") for seed in args.seeds for s in SCENARIOS]
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
        return
    print(table(results, args.seeds))


if __name__ == "__main__":
    main()
