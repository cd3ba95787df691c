"""The loss–approval frontier of the scored underwriting against today's rule policy, same seeds, same world.

Run: ``.venv/bin/python bench/bench_origination_frontier.py [--customers 4000] [--months 15] [--seeds 11 12 13]
[--out docs/img/origination_frontier.png] [--json FILE]``

Every point is a whole simulation (the lender's decisions change who gets a line, and so the book):
- **scored**: ``underwriting_v1`` (checks, the packaged starter scorecard, affordability limits) with the PD
  cut-off swept — approve at PD <= c, everything above is not booked (refer counts as not approved here);
- **rules**: the issue #1 rule policy on the self-declared fields (no checks, no model), its thresholds swept
  from loose to strict (minimum income, maximum debt-to-income, maximum other lenders).
For each run: the approval rate, and the **12-month loss rate** = principal charged off within twelve months on
book / principal purchased, over applications old enough to be observed twelve months (``simulate/fraud_eval``).
Pooled over the seeds, with the per-seed spread. The scored policy must lose less at every approval rate tried:
the script interpolates each curve at the other's approval rates and prints the differences. It also prints the
fabricated-application detection of the scored default (cut-off 0.10) per seed and kind.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from creditloop.simulate.config import SimConfig
from creditloop.simulate.fraud_eval import evaluate
from creditloop.simulate.parallel import run_simulation
from creditloop.simulate.scenario import load_scenario
from creditloop.simulate.strategies import BASELINE
from creditloop.strategy.origination import packaged_policy
from creditloop.strategy.underwriting_policy import packaged_underwriting_policy, with_cutoffs

PD_CUTOFFS = (0.04, 0.07, 0.10, 0.20)
# (min monthly income yuan, max debt-to-income %, max other lenders): loose -> strict; v1 is (2000, 50, 5).
RULE_VARIANTS = ((1000, 70, 8), (2000, 50, 5), (3000, 35, 3), (4500, 25, 2))


def scored_strategy(cutoff: float) -> Any:
    policy = with_cutoffs(packaged_underwriting_policy("underwriting_v1"), cutoff, min(1.0, cutoff + 1e-9))
    return replace(BASELINE, name=f"scored-{cutoff}", underwriting_policy=policy)


def rule_strategy(variant: tuple[int, int, int]) -> Any:
    income, dti, lenders = variant
    policy = replace(
        packaged_policy("origination_v1"),
        version=f"frontier-{income}-{dti}-{lenders}",
        min_monthly_income_minor=income * 100,
        max_debt_to_income_bps=dti * 100,
        max_lenders=lenders,
    )
    return replace(BASELINE, name=f"rules-{income}", origination=policy, decision="rules")


def run(strategy: Any, seed: int, customers: int, months: int, workers: int) -> dict[str, Any]:
    config = SimConfig(customers, months, seed, load_scenario("baseline"), strategy=strategy)
    with tempfile.TemporaryDirectory() as tmp:
        run_simulation(config, Path(tmp), workers=workers)
        result = evaluate(tmp)
    pols = result["policies"]
    applications = sum(p["applications"] for p in pols)
    approved = sum(p["approved"] for p in pols)
    purchased = sum(p.get("purchased_minor", 0) for p in pols)
    charged = sum(p.get("charged_off_minor", 0) for p in pols)
    return {
        "approval_rate": approved / applications if applications else 0.0,
        "loss_rate_12m": charged / purchased if purchased else 0.0,
        "fraud": result["fraud"],
        "fraud_kinds": result["fraud_kinds"],
        "genuine": result["genuine"],
    }


def interpolate(points: list[tuple[float, float]], x: float) -> float | None:
    """Loss at approval rate ``x`` on a curve of (approval, loss), linear between neighbours; None outside."""
    pts = sorted(points)
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return None


def pooled(runs: list[dict[str, Any]]) -> tuple[float, float, float, float]:
    a = [r["approval_rate"] for r in runs]
    loss = [r["loss_rate_12m"] for r in runs]
    return statistics.mean(a), statistics.mean(loss), min(loss), max(loss)


def chart(curves: dict[str, list[tuple[float, float, float, float]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, pts in curves.items():
        pts = sorted(pts)
        xs = [p[0] * 100 for p in pts]
        ys = [p[1] * 100 for p in pts]
        ax.plot(xs, ys, marker="o", label=name)
        ax.fill_between(xs, [p[2] * 100 for p in pts], [p[3] * 100 for p in pts], alpha=0.15)
    ax.set_xlabel("approval rate %")  # ASCII in the image: no CJK font by default (see adapters/report/charts.py)
    ax.set_ylabel("12-month loss rate %")
    ax.set_title("Loss-approval frontier (seeds pooled; band: min-max over seeds)")
    ax.grid(alpha=0.3)
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=4_000)
    parser.add_argument("--months", type=int, default=15)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("docs/img/origination_frontier.png"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    jobs: list[tuple[str, str, Any, int]] = [
        ("scored", str(c), scored_strategy(c), seed) for c in PD_CUTOFFS for seed in args.seeds
    ] + [("rules", "-".join(map(str, v)), rule_strategy(v), seed) for v in RULE_VARIANTS for seed in args.seeds]
    results: dict[str, dict[str, list[dict[str, Any]]]] = {"scored": {}, "rules": {}}
    # One simulation per process (each is one block at these sizes), --workers at a time.
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(run, strategy, seed, args.customers, args.months, 1) for _, _, strategy, seed in jobs]
        for (kind, key, _, _), future in zip(jobs, futures, strict=True):
            results[kind].setdefault(key, []).append(future.result())
    for kind, by in results.items():
        for key, runs in by.items():
            a, loss, lo, hi = pooled(runs)
            print(f"{kind:<6} {key:<12} approval {a:6.1%}  loss12 {loss:6.2%}  [{lo:.2%}, {hi:.2%}]", flush=True)
    curves = {name: [pooled(runs) for runs in by.values()] for name, by in results.items()}
    chart({"scored (checks + PD cut-off)": curves["scored"], "rules (issue #1 thresholds)": curves["rules"]}, args.out)
    scored_pts = [(p[0], p[1]) for p in curves["scored"]]
    rule_pts = [(p[0], p[1]) for p in curves["rules"]]
    print("at each approval rate tried (interpolated on the other curve): scored loss - rules loss")
    for x, _ in sorted(scored_pts + rule_pts):
        s, r = interpolate(scored_pts, x), interpolate(rule_pts, x)
        if s is not None and r is not None:
            print(f"  approval {x:6.1%}: scored {s:6.2%}  rules {r:6.2%}  difference {s - r:+.2%}")
    default = results["scored"][str(0.10)]
    print("fabricated applications, scored default (PD <= 0.10), per seed:")
    for seed, r in zip(args.seeds, default, strict=True):
        kinds = ", ".join(f"{k} {v['recall']:.0%}" for k, v in sorted(r["fraud_kinds"].items()))
        print(
            f"  seed {seed}: recall {r['fraud']['recall']:.1%} ({kinds}); genuine flagged "
            f"{r['genuine']['false_positive_rate']:.2%}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(f"chart: {args.out}")


if __name__ == "__main__":
    main()
