"""What a multi-lender run measured, per lender and for the system, and its intervals over seeds.

Per run: applications, approvals, refusals (by the consortium answer among them), refused customers who would have
defaulted and who would not (their shadow lines: ``accounts.py``), the multi-lending share, defaults (90+ days past
due, ever), money drawn and lost (written off, or in default at the horizon). Over seeds: the mean and a 95 %
Student-t interval of each figure with sharing off and on, and of the paired effect of sharing (on - off, seed by
seed: the same people and the same shock)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from creditloop.simulate.multilender.accounts import Account
from creditloop.simulate.multilender.world import World

SYSTEM = "system"
# Two-sided 95 % Student-t critical values by degrees of freedom (1..30); beyond, the normal 1.96.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131)
_T95_MORE = {20: 2.086, 25: 2.060, 30: 2.042}
EFFECT_METRICS = (
    "loss_minor",
    "loss_rate",
    "defaults",
    "approved",
    "refused_would_default",
    "refused_would_not",
    "refused_defaulted_elsewhere",
)


def _book_metrics(
    accounts: Iterable[Account], shadows: Iterable[Account], bad_elsewhere: Callable[[Account], bool]
) -> dict[str, Any]:
    real, shadow = list(accounts), list(shadows)
    drawn = sum(a.drawn_minor for a in real)
    loss = sum(a.horizon_loss_minor() for a in real)
    defaults = sum(1 for a in real if a.defaulted_month)
    return {
        "approved": len(real),
        "refused_would_default": sum(1 for a in shadow if a.defaulted_month),
        "refused_would_not": sum(1 for a in shadow if not a.defaulted_month),
        # A second reading of the ground truth, not hostage to how much the shadow line would have carried: the
        # refused customer defaulted (90+) on a real line at another member.
        "refused_defaulted_elsewhere": sum(1 for a in shadow if bad_elsewhere(a)),
        "multi_lending_share": _ratio(sum(1 for a in real if a.concurrent), len(real)),
        "defaults": defaults,
        "default_rate": _ratio(defaults, len(real)),
        "frozen_by_consortium": sum(1 for a in real if a.frozen_by_consortium),
        "drawn_minor": drawn,
        "loss_minor": loss,
        "loss_rate": _ratio(loss, drawn),
    }


def run_metrics(world: World) -> dict[str, Any]:
    """One run: each lender's figures and the system's (the sums; the multi-lending share counts customers)."""
    lenders: dict[str, dict[str, Any]] = {}
    bad = {i for i, lines in world.real.items() if any(a.defaulted_month for a in lines)}

    def bad_elsewhere(shadow: Account) -> bool:
        return shadow.customer in bad

    for book in world.books:
        row = {
            "applications": book.applications,
            "distress_applications": book.distress_applications,
            "refused_bad_id": book.refused_bad_id,
            "refused_by_consortium": book.refused_by_consortium,
            "decided_without_consortium": book.decided_without_consortium,
            **_book_metrics(book.accounts.values(), book.shadows.values(), bad_elsewhere),
        }
        lenders[book.profile.name] = row
    system = _book_metrics(
        (a for lines in world.real.values() for a in lines),
        (a for lines in world.shadow.values() for a in lines),
        bad_elsewhere,
    )
    for name in ("applications", "distress_applications", "refused_bad_id", "refused_by_consortium"):
        system[name] = sum(int(row[name]) for row in lenders.values())
    system["decided_without_consortium"] = sum(int(r["decided_without_consortium"]) for r in lenders.values())
    borrowers = [lines for lines in world.real.values() if lines]
    system["borrowers"] = len(borrowers)
    system["multi_lending_share"] = _ratio(
        sum(1 for lines in borrowers if any(a.concurrent for a in lines)), len(borrowers)
    )
    stats = world.consortium.stats
    return {
        "seed": world.cfg.seed,
        "sharing": world.cfg.sharing,
        "lenders": lenders,
        SYSTEM: system,
        "consortium": {
            "queries": stats.queries,
            "answered": stats.answered,
            "insufficient": stats.insufficient,
            "no_consent": stats.no_consent,
            "contributions": stats.contributions,
            "audit_records": len(world.consortium.audit.records),
        },
    }


def interval(values: Sequence[float]) -> dict[str, float]:
    """Mean and a two-sided 95 % Student-t interval (one value: the interval is the value itself)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return {"mean": round(mean, 6), "low": round(mean, 6), "high": round(mean, 6)}
    half = t95(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    return {"mean": round(mean, 6), "low": round(mean - half, 6), "high": round(mean + half, 6)}


def t95(df: int) -> float:
    if df <= len(_T95):
        return _T95[df - 1]
    for limit, value in sorted(_T95_MORE.items()):
        if df <= limit:
            return value
    return 1.96


def summarise(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Intervals over seeds for each scope (every lender and the system), off and on, and the paired effect."""
    off = {r["seed"]: r for r in runs if not r["sharing"]}
    on = {r["seed"]: r for r in runs if r["sharing"]}
    seeds = sorted(set(off) & set(on))
    scopes = [*runs[0]["lenders"], SYSTEM]
    out: dict[str, Any] = {"seeds": seeds, "scopes": {}}
    for scope in scopes:
        rows_off = [_scope(off[s], scope) for s in seeds]
        rows_on = [_scope(on[s], scope) for s in seeds]
        metrics = [k for k, v in rows_off[0].items() if isinstance(v, int | float)]
        entry: dict[str, Any] = {
            "off": {k: interval([float(r[k]) for r in rows_off]) for k in metrics},
            "on": {k: interval([float(r[k]) for r in rows_on]) for k in metrics},
            "effect": {
                f"{k}_change": interval([float(b[k]) - float(a[k]) for a, b in zip(rows_off, rows_on, strict=True)])
                for k in EFFECT_METRICS
            },
        }
        reductions = [
            100.0 * (a["loss_minor"] - b["loss_minor"]) / a["loss_minor"]
            for a, b in zip(rows_off, rows_on, strict=True)
            if a["loss_minor"]
        ]
        entry["effect"]["loss_reduction_pct"] = interval(reductions) if reductions else None
        out["scopes"][scope] = entry
    return out


def _scope(run: Mapping[str, Any], scope: str) -> Mapping[str, Any]:
    figures: Mapping[str, Any] = run[SYSTEM] if scope == SYSTEM else run["lenders"][scope]
    return figures


def _ratio(num: int, den: int) -> float:
    return round(num / den, 6) if den else 0.0


def summary_rows(summary: Mapping[str, Any]) -> list[tuple[str, ...]]:
    """One text row per scope: multi-lending share, defaults, loss (yuan), loss reduction, refusals (off -> on)."""
    rows: list[tuple[str, ...]] = []
    for scope, entry in summary["scopes"].items():
        off, on, eff = entry["off"], entry["on"], entry["effect"]
        red = eff["loss_reduction_pct"]
        rows.append(
            (
                scope,
                f"{off['multi_lending_share']['mean']:.1%} -> {on['multi_lending_share']['mean']:.1%}",
                f"{off['defaults']['mean']:.0f} -> {on['defaults']['mean']:.0f}",
                f"{off['loss_minor']['mean'] / 100:,.0f} -> {on['loss_minor']['mean'] / 100:,.0f}",
                "-" if red is None else f"{red['mean']:.1f} % [{red['low']:.1f}, {red['high']:.1f}]",
                f"{off['refused_would_default']['mean']:.0f} -> {on['refused_would_default']['mean']:.0f}",
                f"{off['refused_would_not']['mean']:.0f} -> {on['refused_would_not']['mean']:.0f}",
            )
        )
    return rows


SUMMARY_COLUMNS = (
    "lender",
    "multi-lending share",
    "defaults (90+)",
    "loss (yuan)",
    "loss reduction [95 % CI]",
    "refused, would default",
    "refused, would not",
)
