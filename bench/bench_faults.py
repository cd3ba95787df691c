"""Fault-injecting simulation at scale: seeds of ``simulate.faults`` until ``--ops`` ledger operations are done.

Run: ``.venv/bin/python bench/bench_faults.py --ops 1000000 [--first-seed 1] [--workers 2] [--lines 40] [--days 45] [--max-seconds S]``

Each seed drives a fresh in-memory book through every money command with crashes mid-batch, lost
acknowledgements, serialisation failures, duplicates and late (back-dated) payments, audited after every
fault and every day-end. Reports operations (commands delivered to the bus, retries and duplicates
included), accepted commands by kind, refusals by code, faults injected per kind, the summed imbalance
(trial balance, which must be 0), audits and wall time. A failing seed is printed and the exit code is 1;
``run_chaos(FaultPlan(lines=..., days=...), seed)`` reproduces it alone.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from creditloop.simulate.fault_plan import FAULT_KINDS, FaultPlan
from creditloop.simulate.faults import ChaosFailure, run_chaos


def _one(args: tuple[int, int, int]) -> dict[str, Any]:
    seed, lines, days = args
    try:
        return run_chaos(FaultPlan(lines=lines, days=days), seed).as_dict()
    except ChaosFailure as exc:
        return {"seed": seed, "failure": str(exc)}


def _seeds(first: int, count: int, lines: int, days: int) -> Iterator[tuple[int, int, int]]:
    # Bounded: the pool's feeder thread reads the whole iterable ahead of the workers.
    for seed in range(first, first + count):
        yield seed, lines, days


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=1_000_000)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--lines", type=int, default=40)
    ap.add_argument("--days", type=int, default=45)
    ap.add_argument("--max-seconds", type=float, default=None, help="stop early and report the completed seeds")
    args = ap.parse_args()
    began = time.perf_counter()
    total: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    failures: list[dict[str, Any]] = []
    seeds: list[int] = []
    imbalance = 0
    with mp.get_context("fork").Pool(args.workers) as pool:
        for row in pool.imap_unordered(_one, _seeds(args.first_seed, args.ops // 50 + 10, args.lines, args.days)):
            seeds.append(row["seed"])
            if "failure" in row:
                failures.append(row)
                print(f"FAILED seed {row['seed']}: {row['failure']}", file=sys.stderr, flush=True)
            else:
                for key in ("operations", "accepted", "audits"):
                    total[key] += row[key]
                faults.update(row["faults"])
                kinds.update(row["accepted_by_kind"])
                refused.update(row["refused"])
                imbalance += row["imbalance_minor"]
            if len(seeds) % 25 == 0:
                print(
                    f"{len(seeds)} seeds, {total['operations']} operations, {time.perf_counter() - began:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
            out_of_time = args.max_seconds is not None and time.perf_counter() - began > args.max_seconds
            if total["operations"] >= args.ops or failures or out_of_time:
                pool.terminate()  # seeds still running are dropped: only completed seeds count
                break
    wall = time.perf_counter() - began
    report = {
        "operations": total["operations"],
        "accepted": total["accepted"],
        "audits": total["audits"],
        "seeds": len(seeds),
        "seed_range": [min(seeds), max(seeds)] if seeds else [],
        "lines_per_seed": args.lines,
        "days_per_seed": args.days,
        "faults": {k: faults[k] for k in FAULT_KINDS},
        "accepted_by_kind": dict(sorted(kinds.items())),
        "refused": dict(sorted(refused.items())),
        "imbalance_minor": imbalance,
        "failures": [f["seed"] for f in failures],
        "workers": args.workers,
        "stopped_at_max_seconds": total["operations"] < args.ops and not failures,
        "wall_s": round(wall, 1),
        "operations_per_s": round(total["operations"] / wall, 1) if wall else None,
    }
    print(json.dumps(report, indent=2))
    return 1 if failures or imbalance else 0


if __name__ == "__main__":
    sys.exit(main())
