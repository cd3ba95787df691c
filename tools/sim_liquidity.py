"""Issue 14: the savings-buffer model (simulate/liquidity.py) measured with the packaged early-warning rules.

    PYTHONPATH=src python tools/sim_liquidity.py run --out DIR [--median 2] [--seeds 1 2 3]
        [--scenarios baseline pandemic] [--customers 3000] [--months 24]
    PYTHONPATH=src python tools/sim_liquidity.py table DIR/PREFIX [DIR/PREFIX ...]

``run`` simulates ``{out}/m{median}-{scenario}-{seed}`` (one worker, the default strategy) with the buffer median
given (0: nobody holds a buffer, the model before) and writes ``creditloop ewi backtest --data-dir D --json``
next to it as ``….bt.json``. ``table`` prints one row per run and policy (ewi@1 and the run's single rule), then
the pooled share per prefix, from the ``{prefix}-{scenario}-{seed}.bt.json`` files.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from creditloop.simulate.config import SimConfig
from creditloop.simulate.liquidity import LiquidityParams
from creditloop.simulate.parallel import run_simulation
from creditloop.simulate.scenario import load_scenario


def run(out: Path, median: float, seeds: list[int], scenarios: list[str], customers: int, months: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for sc in scenarios:
        for seed in seeds:
            d = out / f"m{median:g}-{sc}-{seed}"
            cfg = SimConfig(
                customers, months, seed, load_scenario(sc), liquidity=LiquidityParams(buffer_median_months=median)
            )
            t0 = time.perf_counter()
            run_simulation(cfg, d, workers=1)
            t1 = time.perf_counter()
            bt = subprocess.run(
                [sys.executable, "-m", "creditloop", "ewi", "backtest", "--data-dir", str(d), "--json"],
                check=True,
                capture_output=True,
                text=True,
            )
            d.with_name(d.name + ".bt.json").write_text(bt.stdout, encoding="utf-8")
            print(f"{d.name}: simulate {t1 - t0:.0f} s, back-test {time.perf_counter() - t1:.0f} s", flush=True)


def _row(sc: str, seed: int, name: str, p: dict[str, Any], base: float) -> str:
    q = p["lead_quantiles"]
    lead = " / ".join(f"{q[k]:.0f}" for k in ("p25", "p50", "p75")) if q else "-"
    return (
        f"| {sc} | {seed} | {name} | {p['bad_lines']} | {p['warned_early']} ({p['early_share']:.1%}) | {lead} | "
        f"{p['precision']:.1%} ({base:.1%}) | {p['rate_mean']:.1%} / {p['rate_max']:.1%} |"
    )


def table(prefixes: list[str]) -> None:
    head = ("scenario", "seed", "policy", "30+ lines", "warned >= 30 d", "lead p25 / p50 / p75 (days)",
            "precision (base rate)", "alert rate mean / max")  # fmt: skip
    print("| " + " | ".join(head) + " |\n" + "|---" * len(head) + "|")
    pooled: dict[str, list[int]] = {}
    for prefix in prefixes:
        for sc in ("baseline", "pandemic"):
            for seed in (1, 2, 3):
                f = Path(f"{prefix}-{sc}-{seed}.bt.json")
                if not f.exists() or not f.stat().st_size:
                    continue  # not run, or its back-test still running
                bt = json.loads(f.read_text(encoding="utf-8"))
                ewi, single = bt["policies"][0], bt["policies"][1]
                print(_row(sc, seed, f"{Path(prefix).name} ewi@1", ewi, bt["base_rate"]))
                print(_row(sc, seed, f"{Path(prefix).name} single rule", single, bt["base_rate"]))
                for key, p in ((f"{Path(prefix).name} {sc}", ewi), (f"{Path(prefix).name} all", ewi)):
                    acc = pooled.setdefault(key, [0, 0, 0])
                    acc[0] += p["warned_early"]
                    acc[1] += p["bad_lines"]
                    acc[2] = max(acc[2], round(p["rate_max"] * 1000))
    print()
    for key, (warned, bad, rate_max) in pooled.items():
        share = warned / max(bad, 1)
        print(f"pooled {key}: {warned} of {bad} warned >= 30 d ({share:.1%}), worst month {rate_max / 10:.1f} %")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--out", type=Path, required=True)
    r.add_argument("--median", type=float, default=LiquidityParams().buffer_median_months)
    r.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    r.add_argument("--scenarios", nargs="+", default=["baseline", "pandemic"])
    r.add_argument("--customers", type=int, default=3000)
    r.add_argument("--months", type=int, default=24)
    t = sub.add_parser("table")
    t.add_argument("prefixes", nargs="+")
    a = ap.parse_args()
    if a.cmd == "run":
        run(a.out, a.median, a.seeds, a.scenarios, a.customers, a.months)
    else:
        table(a.prefixes)


if __name__ == "__main__":
    main()
