"""Issue 15 item 5: run the simulator A/Bs with hardship through the request/options workflow, and tabulate the
collection strategies.

    PYTHONPATH=src python tools/collections_ab.py run --runs DIR [--customers 3000 --months 24] \
        [--plan hardship|collections] [--scenarios pandemic baseline] [--seeds 1 2 3 4 5]
    PYTHONPATH=src python tools/collections_ab.py table --runs DIR [--scenario pandemic] [--seeds 1 2 3]

``run`` runs one simulation at a time on one worker into ``DIR/{run}-{scenario}-{seed}``: for ``hardship`` the
three arms of tools/hardship_ab.py (``ewi-hardship`` early, ``base`` late, ``no-outreach`` never) with
``hardship_path="workflow"``; for ``collections`` the ``collections-standard`` and ``collections-intensive``
strategies (the ``base`` run of the hardship plan is their no-collections arm: the same baseline, same workflow).
An existing run (summary.json present) is skipped. ``table`` prints, per strategy, the range over seeds and the
difference against ``base`` on the same seed: mean ± 95 % t-interval [min, max] (tools/hardship_ab.py's method).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hardship_ab import _num, _one, interval, lines_ever30_cured

ARMS = {
    "hardship": (("ewi-hardship", "ewi-hardship"), ("base", "baseline"), ("no-outreach", "no-outreach")),
    "collections": (("coll-standard", "collections-standard"), ("coll-intensive", "collections-intensive")),
}
COLL_ARMS = (("none (baseline)", "base"), ("standard", "coll-standard"), ("intensive", "coll-intensive"))
METRICS = (  # key, label, scale, decimals
    ("ever30", "ever 30+ (% of lines)", 100.0, 2),
    ("cured", "cured (ever 30+, current or repaid at the horizon)", 1.0, 0),
    ("cured_share", "cured (% of ever-30+ lines)", 100.0, 1),
    ("episodes_cured", "30+ episodes back to current (month-end to month-end)", 1.0, 0),
    ("charged_off_yuan", "charged off (yuan)", 1.0, 0),
    ("made", "contacts made", 1.0, 0),
    ("connected", "calls connected", 1.0, 0),
    ("refused", "contacts refused by the conduct rules", 1.0, 0),
    ("promises", "promises to pay", 1.0, 0),
    ("kept", "promises kept", 1.0, 0),
    ("broken", "promises broken", 1.0, 0),
)


def run_all(runs: Path, plan: str, scenarios: list[str], seeds: list[int], customers: int, months: int) -> None:
    from creditloop.simulate.parallel import run_simulation
    from creditloop.simulate.runner import SimConfig
    from creditloop.simulate.scenario import load_scenario
    from creditloop.simulate.strategies import get_strategy

    for sc in scenarios:
        for seed in seeds:
            for short, name in ARMS[plan]:
                out = runs / f"{short}-{sc}-{seed}"
                if (out / "summary.json").is_file():
                    continue
                strategy = replace(get_strategy(name), hardship_path="workflow")
                cfg = SimConfig(customers, months, seed, load_scenario(sc), strategy=strategy)
                started = time.perf_counter()
                run_simulation(cfg, out, workers=1)
                print(f"{out.name}: {time.perf_counter() - started:.0f} s (shared, loaded machine)", flush=True)


def outcome(run: Path) -> dict[str, float]:
    from creditloop.adapters.warehouse import DuckDBWarehouse

    summary: dict[str, Any] = json.loads((run / "summary.json").read_text(encoding="utf-8"))
    coll = summary.get("collections", {})
    snaps = f"read_parquet('{run / 'snapshots.parquet'}')"
    con = duckdb.connect()
    lines, ever30, cured = lines_ever30_cured(con, snaps)
    (episodes,) = _one(
        con,
        f"""SELECT count(*) FROM (SELECT dpd, status, lag(dpd) OVER (PARTITION BY line_id ORDER BY month_index)
            AS prev FROM {snaps}) WHERE prev > 30 AND dpd = 0 AND status <> 'CHARGED_OFF'""",
    )
    return {
        "lines": lines, "ever30": ever30 / lines, "cured": cured, "cured_share": cured / ever30 if ever30 else 0.0,
        "episodes_cured": episodes, "charged_off_yuan": DuckDBWarehouse(run).charged_off_total_minor() / 100,
        "made": coll.get("made", 0), "connected": coll.get("connected", 0), "refused": coll.get("refused", 0),
        "promises": coll.get("promises", 0), "kept": coll.get("promises_kept", 0),
        "broken": coll.get("promises_broken", 0), "rules": summary.get("contacts_refused_by_rule", {}),
    }  # fmt: skip


def table(runs: Path, scenario: str, seeds: list[int]) -> None:
    dirs = {(arm, s): runs / f"{d}-{scenario}-{s}" for arm, d in COLL_ARMS for s in seeds}
    res = {
        arm: {s: outcome(dirs[arm, s]) for s in seeds if (dirs[arm, s] / "summary.json").is_file()}
        for arm, _ in COLL_ARMS
    }
    base = res["none (baseline)"]
    print(f"\n### Collections, {scenario}: seeds {', '.join(map(str, sorted(base)))}\n")
    print("| metric | " + " | ".join(f"{a}: range" for a, _ in COLL_ARMS) + " | standard − none | intensive − none |")
    print("|---|---|---|---|---|---|")
    for key, label, scale, n in METRICS:
        levels = []
        for arm, _ in COLL_ARMS:
            vals = sorted(float(o[key]) * scale for o in res[arm].values())
            levels.append(f"{_num(vals[0], n)} … {_num(vals[-1], n)}" if vals else "—")
        cells = []
        for arm in ("standard", "intensive"):
            diffs = [(float(res[arm][s][key]) - float(base[s][key])) * scale for s in res[arm] if s in base]
            cells.append(interval(diffs, n) if diffs else "—")
        print(f"| {label} | {' | '.join(levels)} | {cells[0]} | {cells[1]} |")
    for arm in ("standard", "intensive"):
        rules: dict[str, list[int]] = {}
        for o in res[arm].values():
            for code, k in o["rules"].items():
                rules.setdefault(code, []).append(int(k))
        shown = "; ".join(f"`{c}` {min(v)}–{max(v)}" for c, v in sorted(rules.items())) or "none"
        print(f"\nRefused by rule, {arm} (range over seeds): {shown}.")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("action", choices=("run", "table"))
    p.add_argument("--runs", type=Path, required=True)
    p.add_argument("--plan", choices=tuple(ARMS), default="hardship")
    p.add_argument("--scenarios", nargs="+", default=["pandemic", "baseline"])
    p.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3, 4, 5])
    p.add_argument("--customers", type=int, default=3000)
    p.add_argument("--months", type=int, default=24)
    a = p.parse_args()
    if a.action == "run":
        run_all(a.runs, a.plan, a.scenarios, a.seeds, a.customers, a.months)
    else:
        for sc in a.scenarios:
            table(a.runs, sc, a.seeds)


if __name__ == "__main__":
    main()
