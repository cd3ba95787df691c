"""Issue 14: the alert budget (ewi@2) and the multi-lending rule (ewi@3) measured on simulations, against ewi@1.

    PYTHONPATH=src python tools/ewi_budget_figures.py measure --runs DIR [--scenarios baseline pandemic] [--seeds 1 2 3]
    PYTHONPATH=src python tools/ewi_budget_figures.py table --runs DIR

``measure`` reads each ``DIR/base-{scenario}-{seed}`` (a ``creditloop simulate --workers 1`` run of the default
strategy), builds its behaviour panel and features once, with the packaged behaviour score (as ``creditloop ewi
backtest`` does by default), and replays on them: ewi@1, ewi@2 (ewi@1 + a 10 % budget), ewi@3 without its budget,
ewi@3, and the EWI_NEW_LENDER rule alone (no budget). It writes ``DIR/base-{scenario}-{seed}.budget.json``;
``table`` prints the rows for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from creditloop.adapters.warehouse.ewi_backtest import Replay, _measure_dict, open_base_rate, panel_features
from creditloop.adapters.warehouse.ewi_outcomes import line_outcomes
from creditloop.adapters.warehouse.sim_panel import active_lines_by_month, sim_panel
from creditloop.entrypoints.cli._ewi_model import packaged_behaviour_model
from creditloop.entrypoints.cli.ewi_backtest_cli import declared_shock
from creditloop.monitoring.alert_rules import packaged_alert_rules
from creditloop.monitoring.features import default_feature_set

NEW_LENDER = "EWI_NEW_LENDER"


def policies() -> list[tuple[str, Any]]:
    v1, v2, v3 = (packaged_alert_rules(f"ewi@{v}") for v in (1, 2, 3))
    alone = v3.with_rules(tuple(r for r in v3.rules if r.rule_id == NEW_LENDER))
    return [
        ("ewi@1", v1),
        ("ewi@2 (budget)", v2),
        ("ewi@3 without budget", replace(v3, budget=None)),
        ("ewi@3 (budget + new lender)", v3),
        ("new lender alone", replace(alone, budget=None)),
    ]


def measure_run(d: Path) -> dict[str, Any]:
    fs = default_feature_set()
    model = json.loads(packaged_behaviour_model().read_text("utf-8"))
    t0 = time.perf_counter()
    panel = sim_panel(d, declared_shock(d))
    feats, scores = panel_features(panel, fs, model)
    outcomes, active = line_outcomes(d), active_lines_by_month(panel)
    replay = Replay(panel, feats, outcomes, active, 90, None, scores)
    out = {"run": d.name, "base_rate": open_base_rate(panel, outcomes, 90), "policies": []}
    for name, rules in policies():
        m = replay.run(name, rules)
        out["policies"].append(_measure_dict(m))
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def table(runs: Path) -> None:
    head = ("scenario", "seed", "policy", "30+ lines", "warned >= 30 d", "precision (base)", "first alerts",
            "alert rate mean / max", "lines alerted mean / max", "suppressed alerts (line-months)")  # fmt: skip
    print("| " + " | ".join(head) + " |\n" + "|---" * len(head) + "|")
    pooled: dict[str, list[int]] = {}
    for f in sorted(runs.glob("base-*.budget.json")):
        r = json.loads(f.read_text())
        _, sc, seed = r["run"].split("-")
        for p in r["policies"]:
            acc = pooled.setdefault(f"{sc} {p['policy']}", [0, 0])
            acc[0] += p["warned_early"]
            acc[1] += p["bad_lines"]
            print(
                f"| {sc} | {seed} | {p['policy']} | {p['bad_lines']} | {p['warned_early']} ({p['early_share']:.1%}) | "
                f"{p['precision']:.1%} ({r['base_rate']:.1%}) | {p['first_alerts']} | "
                f"{p['rate_mean']:.1%} / {p['rate_max']:.1%} | {p['line_rate_mean']:.1%} / {p['line_rate_max']:.1%} | "
                f"{p['suppressed_alerts']} ({p['suppressed_lines']}) |"
            )
    print()
    for k, (w, b) in pooled.items():
        print(f"- pooled {k}: {w} of {b} ({w / b:.1%})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--runs", type=Path, required=True)
    m.add_argument("--scenarios", nargs="+", default=["baseline", "pandemic"])
    m.add_argument("--seeds", nargs="+", type=int, default=[1, 2, 3])
    sub.add_parser("table").add_argument("--runs", type=Path, required=True)
    a = p.parse_args()
    if a.cmd == "table":
        table(a.runs)
        return
    for sc in a.scenarios:
        for seed in a.seeds:
            d = a.runs / f"base-{sc}-{seed}"
            result = measure_run(d)
            d.with_name(d.name + ".budget.json").write_text(json.dumps(result, indent=1, default=str), "utf-8")
            print(f"{d.name}: {result['seconds']} s", flush=True)


if __name__ == "__main__":
    main()
