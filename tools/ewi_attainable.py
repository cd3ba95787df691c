"""Issue 14: how early *could* any detector warn on the simulator? The cause of each first 30+ line, and when
that cause began, against the first missed due date the 60 % / 30-day target counts from.

    PYTHONPATH=src python tools/ewi_attainable.py run --runs DIR [--seeds 1 2 3] [--scenarios baseline pandemic]
    PYTHONPATH=src python tools/ewi_attainable.py table --runs DIR

``run`` simulates each seed and scenario in process (one worker, as ``creditloop simulate --workers 1``; the same
configuration as "Early warning (issue 14): alert budget and multi-lending": 3,000 customers, 24 months) while it
records, at every month end, the state of each customer with a line that only the simulator knows: an individual
job loss, the scenario's income cut, a month carried by savings, a spell of falling behind, a strategic default,
a fabricated application. It reads those attributes; it draws nothing and writes nothing into the run, so the run's
outputs are those of the same command without the tool. Then it runs the ewi@1 back-test on the run (the packaged
behaviour score, horizon 90 days) and writes ``DIR/attainable-SC-S.json``.

For each line that reaches 30+ (the back-test's outcomes), the **trouble run** is the months, ending with the month
of its first missed due date, in which the customer was in any of those states, without a gap; its first month is
when the cause began. A panel detector sees a month at its month end at the earliest, so the **causal lead** is
the first missed due date minus the month end of that first month. A line whose causal lead is under 30 days can
be warned 30 days ahead only by ranking it risky before anything happened to it (a static risk score): what the
lines of the same kind that never go bad look like at the same time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from creditloop.adapters.warehouse.ewi_backtest import AlertHit, measure, open_base_rate, panel_features, replay
from creditloop.adapters.warehouse.ewi_outcomes import LineOutcome, line_outcomes
from creditloop.adapters.warehouse.sim_panel import Panel, active_lines_by_month, sim_panel
from creditloop.core.dates import add_months, month_end
from creditloop.entrypoints.cli._ewi_model import packaged_behaviour_model
from creditloop.entrypoints.cli.ewi_backtest_cli import declared_shock
from creditloop.monitoring.alert_rules import packaged_alert_rules
from creditloop.monitoring.features import default_feature_set
from creditloop.simulate.config import SimConfig
from creditloop.simulate.parallel import run_simulation
from creditloop.simulate.runner import Simulation
from creditloop.simulate.scenario import load_scenario

EARLY_DAYS = 30
STATES = ("fraud", "strategic_default", "job_loss", "shock_cut", "savings", "falling_behind")


def _states(sim: Simulation, cid: str, m: int) -> list[str]:
    cu = sim.by_id[cid]
    shock = sim.cfg.scenario.shock
    out = []
    if cu.fraud:
        out.append("fraud")
    if cu.defaulted:
        out.append("strategic_default")
    if cu.job_loss_until >= m:
        out.append("job_loss")
    if cu.shock_cut and shock is not None and shock.income_factor(m, Decimal(str(cu.shock_cut))) < 1:
        out.append("shock_cut")
    if cu.buffer_phase:
        out.append("savings")
    if cu.drift:
        out.append("falling_behind")
    return out


def simulate_recording(cfg: SimConfig, out_dir: Path) -> dict[str, dict[int, list[str]]]:
    """Run ``cfg`` into ``out_dir`` and return line id -> month -> the customer's states at that month end."""
    seen: dict[str, dict[int, list[str]]] = {}
    original = Simulation._snapshot

    def recording(self: Simulation, m: int, last: date) -> None:
        for cid, line_id in self.line_of.items():
            states = _states(self, cid, m)
            if states:
                seen.setdefault(line_id, {})[m] = states
        original(self, m, last)

    Simulation._snapshot = recording  # type: ignore[method-assign]
    try:
        run_simulation(cfg, out_dir, workers=1)
    finally:
        Simulation._snapshot = original  # type: ignore[method-assign]
    return seen


def _month_of(on: date, start: date) -> int:
    return (on.year - start.year) * 12 + on.month - start.month + 1


def attribution(data_dir: Path, seen: dict[str, dict[int, list[str]]], start: date) -> list[dict[str, Any]]:
    rows = []
    for line_id, o in sorted(line_outcomes(data_dir).items()):
        if o.missed_on is None:
            continue
        miss_m = _month_of(o.missed_on, start)
        months = seen.get(line_id, {})
        first = miss_m
        while months.get(first - 1):
            first -= 1
        states = sorted({s for m in range(first, miss_m + 1) for s in months.get(m, [])})
        began_end = month_end(add_months(start, first - 1))
        rows.append({
            "line_id": line_id,
            "missed_on": o.missed_on.isoformat(),
            "trouble_from_month": first,
            "miss_month": miss_m,
            "causal_lead_days": (o.missed_on - began_end).days,
            "daily_lead_days": (o.missed_on - add_months(start, first - 1)).days,
            "cause": _cause(states),
            "states": states,
        })  # fmt: skip
    return rows


def _cause(states: list[str]) -> str:
    for s in ("fraud", "strategic_default", "job_loss", "shock_cut", "savings", "falling_behind"):
        if s in states:
            return {"job_loss": "income_loss", "shock_cut": "income_loss", "savings": "income_loss"}.get(s, s)
    return "none_seen"


def run(runs: Path, seeds: list[int], scenarios: list[str], customers: int, months: int) -> None:
    for scenario in scenarios:
        for seed in seeds:
            d = runs / f"base-{scenario}-{seed}"
            cfg = SimConfig(customers, months, seed, load_scenario(scenario))
            seen = simulate_recording(cfg, d)
            rows = attribution(d, seen, cfg.start_on)
            warned = warned_early(d, line_outcomes(d))
            for r in rows:
                r["ewi1_warned_early"] = r["line_id"] in warned
            out = runs / f"attainable-{scenario}-{seed}.json"
            out.write_text(json.dumps({"scenario": scenario, "seed": seed, "lines": rows}, indent=1), "utf-8")
            print(out, len(rows), "first-30+ lines")


def warned_early(d: Path, outcomes: dict[str, LineOutcome]) -> set[str]:
    """The lines ewi@1 (with the packaged behaviour score, as ``ewi backtest`` by default) first alerts at least
    EARLY_DAYS before their first missed due date, and before their first 30+ month end (``measure``'s rule)."""
    panel = sim_panel(d, declared_shock(d))
    model = json.loads(packaged_behaviour_model().read_text("utf-8"))
    feats, scores = panel_features(panel, default_feature_set(), model)
    first: dict[str, date] = {}
    for h in replay(panel, feats, packaged_alert_rules("ewi@1"), None, scores).hits:
        if h.account_id not in first or h.on < first[h.account_id]:
            first[h.account_id] = h.on
    out = set()
    for line_id, on in first.items():
        o = outcomes[line_id]
        early = o.missed_on is not None and (o.missed_on - on).days >= EARLY_DAYS
        if early and o.first_bad_on is not None and on < o.first_bad_on:
            out.add(line_id)
    return out


def first_alerts(hits: list[AlertHit]) -> dict[str, date]:
    first: dict[str, date] = {}
    for h in hits:
        if h.account_id not in first or h.on < first[h.account_id]:
            first[h.account_id] = h.on
    return first


def rotation_hits(panel: Panel, outcomes: dict[str, LineOutcome], max_rate: float) -> list[AlertHit]:
    """A policy that knows nothing: each month, alert the next ``max_rate`` of the open lines not alerted yet (in
    a fixed pseudo-random order of line ids), skipping lines already 30+. What the 60 % target counts rewards it."""
    months: dict[date, list[str]] = {}
    for line_id, rows in panel.items():
        for row in rows:
            months.setdefault(row["month_end_on"], []).append(line_id)
    alerted: set[str] = set()
    hits = []
    for on in sorted(months):
        cap = int(max_rate * len(months[on]))
        fresh = [a for a in months[on] if a not in alerted and not outcomes[a].bad_by(on)]
        for a in sorted(fresh, key=lambda a: hashlib.sha256(a.encode()).hexdigest())[:cap]:
            alerted.add(a)
            hits.append(AlertHit(a, on, "ROTATION"))
    return hits


def window_warned(
    hits: list[AlertHit], outcomes: dict[str, LineOutcome], lo: int = EARLY_DAYS, hi: int = 120
) -> set[str]:
    """Lines that reach 30+ with *some* alert between ``hi`` and ``lo`` days before their first missed due date (and
    before their first 30+ month end): a warning about the episode, whatever older alerts the line had."""
    out = set()
    for h in hits:
        o = outcomes[h.account_id]
        if o.missed_on is None or o.first_bad_on is None or h.on >= o.first_bad_on:
            continue
        if lo <= (o.missed_on - h.on).days <= hi:
            out.add(h.account_id)
    return out


def rotation(runs: Path, max_rate: float) -> None:
    """ewi@1 against the rotation policy on each run: the share warned 30 days ahead (any earlier alert counts,
    as in the target), the share with an alert 30-120 days before the miss (a warning about this episode),
    precision, line rate."""
    print(
        "| scenario | seed | policy | warned >= 30 d | warned 30-120 d ahead | precision (base) "
        "| lines alerted mean / max |"
    )
    print("|---|---|---|---|---|---|---|")
    for d in sorted(runs.glob("base-*-*")):
        _, scenario, seed = d.name.split("-")
        panel = sim_panel(d, declared_shock(d))
        outcomes = line_outcomes(d)
        active = active_lines_by_month(panel)
        model = json.loads(packaged_behaviour_model().read_text("utf-8"))
        feats, scores = panel_features(panel, default_feature_set(), model)
        base = open_base_rate(panel, outcomes, 90)
        policies = {
            "ewi@1": replay(panel, feats, packaged_alert_rules("ewi@1"), None, scores).hits,
            "ewi@2 (budget)": replay(panel, feats, packaged_alert_rules("ewi@2"), None, scores).hits,
            f"rotation {max_rate:.0%}": rotation_hits(panel, outcomes, max_rate),
        }
        for name, hits in policies.items():
            m = measure(name, hits, outcomes, active, 90)
            fresh = len(window_warned(hits, outcomes))
            print(
                f"| {scenario} | {seed} | {name} | {m.warned_early} of {m.bad_lines} ({m.early_share:.1%}) | {fresh} "
                f"({fresh / m.bad_lines:.1%}) | {m.precision:.1%} ({base:.1%}) | {m.line_rate_mean:.1%} / "
                f"{m.line_rate_max:.1%} |"
            )


def table(runs: Path) -> None:
    files = sorted(runs.glob("attainable-*.json"))
    pooled: dict[str, Counter[str]] = {}
    print(
        "| scenario | seed | first-30+ lines | causal lead >= 30 d (month end) | (first day) | ewi@1 warned >= 30 d "
        "| of them causal-early |"
    )
    print("|---|---|---|---|---|---|---|")
    for f in files:
        doc = json.loads(f.read_text("utf-8"))
        lines = doc["lines"]
        n = len(lines)
        early = sum(1 for r in lines if r["causal_lead_days"] >= EARLY_DAYS)
        daily = sum(1 for r in lines if r["daily_lead_days"] >= EARLY_DAYS)
        warned = [r for r in lines if r["ewi1_warned_early"]]
        w_early = sum(1 for r in warned if r["causal_lead_days"] >= EARLY_DAYS)
        print(
            f"| {doc['scenario']} | {doc['seed']} | {n} | {early} ({early / n:.1%}) | {daily} ({daily / n:.1%}) "
            f"| {len(warned)} ({len(warned) / n:.1%}) | {w_early} |"
        )
        for r in lines:
            c = pooled.setdefault(f"{doc['scenario']}:{r['cause']}", Counter())
            c["lines"] += 1
            c["causal_early"] += r["causal_lead_days"] >= EARLY_DAYS
            c["warned"] += r["ewi1_warned_early"]
    print()
    print("| scenario | cause | first-30+ lines | causal lead >= 30 d | ewi@1 warned >= 30 d |")
    print("|---|---|---|---|---|")
    for key in sorted(pooled):
        sc, cause = key.split(":")
        c = pooled[key]
        n = c["lines"]
        print(
            f"| {sc} | {cause} | {n} | {c['causal_early']} ({c['causal_early'] / n:.0%}) | {c['warned']} "
            f"({c['warned'] / n:.0%}) |"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--runs", type=Path, required=True)
    r.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    r.add_argument("--scenarios", nargs="+", default=["baseline", "pandemic"])
    r.add_argument("--customers", type=int, default=3000)
    r.add_argument("--months", type=int, default=24)
    t = sub.add_parser("table")
    t.add_argument("--runs", type=Path, required=True)
    o = sub.add_parser("rotation")
    o.add_argument("--runs", type=Path, required=True)
    o.add_argument("--max-rate", type=float, default=0.10)
    a = ap.parse_args()
    if a.cmd == "run":
        a.runs.mkdir(parents=True, exist_ok=True)
        run(a.runs, a.seeds, a.scenarios, a.customers, a.months)
    elif a.cmd == "rotation":
        rotation(a.runs, a.max_rate)
    else:
        table(a.runs)


if __name__ == "__main__":
    main()
