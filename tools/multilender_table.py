"""The markdown tables of docs/performance.md and docs/consortium.md from a ``creditloop multi-lender`` result.

    PYTHONPATH=src python tools/multilender_table.py DIR/multilender.json [DIR/multilender.json ...]

Per file: one row per lender and the system (means over the seeds, sharing off -> on; loss reduction and its 95 %
Student-t interval over the paired seeds), then the paired effects (on - off) with intervals, then the consortium's
counters per seed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HEAD = (
    "| lender | approved off → on | multi-lending share off / on | defaults off → on | loss, yuan: off → on | "
    "loss rate off → on | loss reduction, % [95 % CI] | refused, would default: off → on | refused, would not: "
    "off → on | refused, defaulted elsewhere: off → on | refused by the answer / lines frozen (on) |"
)


def _ci(d: dict[str, float], scale: float = 1.0, digits: int = 0) -> str:
    return f"{d['mean'] * scale:,.{digits}f} [{d['low'] * scale:,.{digits}f}, {d['high'] * scale:,.{digits}f}]"


def _row(scope: str, e: dict[str, Any]) -> str:
    off, on, red = e["off"], e["on"], e["effect"]["loss_reduction_pct"]
    cells = [
        scope,
        f"{off['approved']['mean']:,.0f} → {on['approved']['mean']:,.0f}",
        f"{off['multi_lending_share']['mean']:.1%} / {on['multi_lending_share']['mean']:.1%}",
        f"{off['defaults']['mean']:,.0f} → {on['defaults']['mean']:,.0f}",
        f"{off['loss_minor']['mean'] / 100:,.0f} → {on['loss_minor']['mean'] / 100:,.0f}",
        f"{off['loss_rate']['mean']:.2%} → {on['loss_rate']['mean']:.2%}",
        "-" if red is None else _ci(red, digits=1),
        f"{off['refused_would_default']['mean']:.0f} → {on['refused_would_default']['mean']:.0f}",
        f"{off['refused_would_not']['mean']:.0f} → {on['refused_would_not']['mean']:.0f}",
        f"{off['refused_defaulted_elsewhere']['mean']:.0f} → {on['refused_defaulted_elsewhere']['mean']:.0f}",
        f"{on['refused_by_consortium']['mean']:.0f} / {on['frozen_by_consortium']['mean']:.0f}",
    ]
    return "| " + " | ".join(cells) + " |"


def tables(result: dict[str, Any]) -> str:
    cfg, scopes = result["config"], result["summary"]["scopes"]
    lines = [
        f"**{len(cfg['lenders'])} lenders × {cfg['customers']:,} customers × {cfg['months']} months, "
        f"{cfg['scenario']}, seeds {', '.join(map(str, cfg['seeds']))}, threshold {cfg['min_members']} other members**",
        "",
        HEAD,
        "|" + "---|" * HEAD.count(" | ") + "---|",
        *(_row(scope, e) for scope, e in scopes.items()),
        "",
        "| paired effect, on − off [95 % CI] | loss, yuan | loss rate, pp | defaults | approved "
        "| refused, would default | refused, would not |",
        "|---|---|---|---|---|---|---|",
    ]
    for scope, e in scopes.items():
        eff = e["effect"]
        lines.append(
            f"| {scope} | {_ci(eff['loss_minor_change'], 0.01)} | {_ci(eff['loss_rate_change'], 100, 2)} | "
            f"{_ci(eff['defaults_change'])} | {_ci(eff['approved_change'])} | "
            f"{_ci(eff['refused_would_default_change'])} | {_ci(eff['refused_would_not_change'])} |"
        )
    lines += [
        "",
        "| seed | queries | answered | insufficient (threshold) | no consent | contributions |",
        "|---|---|---|---|---|---|",
    ]
    for run in result["runs"]:
        if run["sharing"]:
            c = run["consortium"]
            lines.append(
                f"| {run['seed']} | {c['queries']:,} | {c['answered']:,} | {c['insufficient']:,} | {c['no_consent']:,} "
                f"| {c['contributions']:,} |"
            )
    return "\n".join(lines)


def main(paths: list[str]) -> int:
    for path in paths:
        print(tables(json.loads(Path(path).read_text(encoding="utf-8"))))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
