"""Vintage curves: by opening month and months on book, the share of lines (and of exposure) ever 30+/60+/90+.

Count: ``ever30_lines / lines`` over the vintage's lines observed at that month on book.
Balance: ``ever30_exposure_minor / exposure_minor``, the exposure (balance, or the charged-off amount once
charged off) at that month on book of the lines ever 30+ so far, over the exposure of all the vintage's lines then.
"""

from __future__ import annotations

import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import EVER_THRESHOLDS, indicator, rate


def vintage_curves(state: ir.Table) -> ir.Table:
    """One row per (vintage, mob): counts and exposures (int) and their ever-X+ shares (float64)."""
    sums: dict[str, ir.Value] = {"lines": state.line_id.count(), "exposure_minor": state.exposure_minor.sum()}
    for name, threshold in EVER_THRESHOLDS.items():
        ever = state.worst_severity >= threshold
        sums[f"{name}_lines"] = indicator(ever).sum()
        sums[f"{name}_exposure_minor"] = (indicator(ever) * state.exposure_minor).sum()
    g = state.group_by(["vintage", "mob"]).aggregate(**sums)
    rates = {}
    for name in EVER_THRESHOLDS:
        rates[f"{name}_rate"] = rate(g[f"{name}_lines"], g.lines)
        rates[f"{name}_balance_rate"] = rate(g[f"{name}_exposure_minor"], g.exposure_minor)
    return g.mutate(**rates).order_by(["vintage", "mob"])
