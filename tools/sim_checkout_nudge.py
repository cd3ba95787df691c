"""Issue 16 item 5: impulse buyers meet the checkout nudge in the simulator — their delinquency with the nudge on vs
off, over seeds, with 95 % intervals; and the sensitivity to the (assumed) probability that a nudge is heeded.

    PYTHONPATH=src python tools/sim_checkout_nudge.py run --out DIR [--seeds 1 2 3] [--customers 2000] [--months 18]
        [--arms impulse-off impulse-nudge impulse-nudge-low impulse-nudge-high] [--jobs 2]
    PYTHONPATH=src python tools/sim_checkout_nudge.py table --out DIR [--seeds 1 2 3]

``run`` simulates every arm (``simulate/impulse.py`` CHECKOUT_PLANS: the baseline strategy with impulse buyers and
the named checkout plan) on every seed into ``DIR/{arm}-{seed}``, one block, one worker each (``--jobs`` runs at
once). Every arm of a seed is the same world (customers, incomes, wishes, shocks): only the checkout differs.
``table`` prints, per arm, for the impulse buyers (the summary's ``checkout.impulsive``, with a line) and for the
whole book: lines ever 30+ DPD (%), charged off (yuan), charged off per 100 yuan bought, purchases (yuan), and the
30+ rate at the last month end; mean ± 95 % t-interval over the seeds (n = 3: t = 4.30) [min, max], and each arm's
difference against ``impulse-off`` on the same seed, the same way.
"""

from __future__ import annotations

import argparse
import json
import statistics
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import duckdb

from creditloop.simulate.config import SimConfig
from creditloop.simulate.parallel import run_simulation
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import BASELINE

T95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776}
ARMS = ("impulse-off", "impulse-nudge", "impulse-nudge-low", "impulse-nudge-high")
METRICS = (  # key, label, decimals
    ("imp_lines", "impulse buyers with a line", 0),
    ("imp_ever30", "impulse buyers: lines ever 30+ (%)", 1),
    ("imp_co_yuan", "impulse buyers: charged off (yuan)", 0),
    ("imp_loss", "impulse buyers: charged off per 100 yuan bought", 2),
    ("imp_bought_yuan", "impulse buyers: bought (yuan)", 0),
    ("book_ever30", "book: lines ever 30+ (%)", 2),
    ("book_30_last", "book: 30+ rate at the last month end (%)", 2),
    ("book_co_yuan", "book: charged off (yuan)", 0),
    ("book_bought_yuan", "book: bought (yuan)", 0),
)


def _run(arm: str, seed: int, customers: int, months: int, out: str) -> str:
    strategy = replace(BASELINE, name=arm, checkout=arm)
    config = SimConfig(customers, months, seed, load_scenario("baseline"), strategy=strategy)
    run_simulation(config, Path(out), workers=1)
    return out


def outcome(run: Path) -> dict[str, float]:
    summary = json.loads((run / "summary.json").read_text())
    impulsive = summary["checkout"]["impulsive"]
    con = duckdb.connect()
    con.execute("CREATE TABLE imp(customer_id VARCHAR)")
    con.executemany("INSERT INTO imp VALUES (?)", [(c,) for c in impulsive])
    snaps, events = (f"read_parquet('{run / n}.parquet')" for n in ("snapshots", "events"))
    con.execute(f"""CREATE TABLE l AS SELECT line_id, any_value(customer_id) AS customer_id, max(dpd) AS worst,
                    arg_max(charged_off_minor, month_index) AS co, max(month_index) AS last_m FROM {snaps}
                    GROUP BY line_id""")  # fmt: skip
    con.execute(f"""CREATE TABLE b AS SELECT line_id, sum(amount_minor) AS bought FROM {events}
                    WHERE kind = 'purchase' GROUP BY line_id""")  # fmt: skip
    last = con.execute(f"SELECT max(month_index) FROM {snaps}").fetchone()
    assert last is not None
    out: dict[str, float] = {}
    for prefix, where in (("imp", "l.customer_id IN (SELECT customer_id FROM imp)"), ("book", "true")):
        row = con.execute(f"""SELECT count(*), count(*) FILTER (worst > 30), coalesce(sum(co), 0),
                              coalesce(sum(b.bought), 0) FROM l LEFT JOIN b USING (line_id) WHERE {where}""").fetchone()
        assert row is not None
        lines, ever30, co, bought = row
        out[f"{prefix}_lines"] = lines
        out[f"{prefix}_ever30"] = 100.0 * ever30 / lines if lines else 0.0
        out[f"{prefix}_co_yuan"] = co / 100
        out[f"{prefix}_loss"] = 100.0 * co / bought if bought else 0.0
        out[f"{prefix}_bought_yuan"] = bought / 100
    row = con.execute(f"""SELECT 100.0 * count(*) FILTER (dpd > 30) / count(*) FROM {snaps}
                          WHERE month_index = {last[0]} AND balance_minor + charged_off_minor > 0""").fetchone()
    assert row is not None
    out["book_30_last"] = float(row[0])
    out["counts"] = summary["checkout"]["counts"]  # type: ignore[assignment]
    return out


def interval(values: list[float], decimals: int) -> str:
    mean = statistics.fmean(values)
    half = T95[len(values)] * statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else float("nan")
    return f"{mean:.{decimals}f} ± {half:.{decimals}f} [{min(values):.{decimals}f}, {max(values):.{decimals}f}]"


def table(out: Path, seeds: list[int], arms: list[str]) -> None:
    results = {(a, s): outcome(out / f"{a}-{s}") for a in arms for s in seeds if (out / f"{a}-{s}").exists()}
    print(f"seeds {seeds}; mean ± 95 % t-interval [min, max]; Δ = arm − impulse-off on the same seed\n")
    print("| metric | " + " | ".join(arms) + " |")
    print("|---" * (len(arms) + 1) + "|")
    for key, label, dec in METRICS:
        cells = []
        for a in arms:
            vals = [float(results[(a, s)][key]) for s in seeds]
            cell = interval(vals, dec)
            if a != "impulse-off":
                diffs = [float(results[(a, s)][key]) - float(results[("impulse-off", s)][key]) for s in seeds]
                cell += f"<br>Δ {interval(diffs, dec)}"
            cells.append(cell)
        print(f"| {label} | " + " | ".join(cells) + " |")
    for a in arms:
        print(a, [results[(a, s)]["counts"] for s in seeds])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("run", "table"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--arms", nargs="+", default=list(ARMS))
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--months", type=int, default=18)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if args.what == "run":
        todo = [(a, s) for s in args.seeds for a in args.arms if not (args.out / f"{a}-{s}" / "summary.json").exists()]
        with ProcessPoolExecutor(args.jobs) as pool:
            dirs = {(a, s): str(args.out / f"{a}-{s}") for a, s in todo}
            futures = [pool.submit(_run, a, s, args.customers, args.months, d) for (a, s), d in dirs.items()]
            for f in futures:
                print("done", f.result(), flush=True)
    table(args.out, args.seeds, args.arms)


if __name__ == "__main__":
    main()
