"""Month-by-month movements between states: the transition counts, roll rates and flow rates, by count and balance.

Each pair is a line at month end t in ``from_state`` and the same line at t + 1 in ``to_state``
(:func:`.panel.monthly_state`); ``month_end_on`` is t. By balance a pair weighs its exposure at t.

- Roll rates (per month and delinquency bucket M0..M7): the share that rolls forward (to a worse severity, a
  charge-off included), stays, or cures (to a better one, closing counted as current).
- Flow rates (per month, bucket k to k + 1 or charged off, which the simulator does from M6): by count, the share
  of bucket k at t that is in k + 1 or CO at t + 1; by balance, the exposure of those lines at t + 1 over the
  exposure of bucket k at t (the classic net flow: interest and fees on a rolling balance can push it above 1).
"""

from __future__ import annotations

import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import CO_INDEX, OPEN_MAX_INDEX, indicator, rate


def pairs(state: ir.Table) -> ir.Table:
    """Rows of ``state`` with a next month (t, t + 1 both observed)."""
    return state.filter(state.next_state_index.notnull())


def transition_counts(state: ir.Table) -> ir.Table:
    """Per month, from-state and to-state: ``lines`` and ``exposure_minor`` (at t) and ``next_exposure_minor``."""
    p = pairs(state)
    return (
        p.group_by(["month_end_on", "state_index", "state", "next_state_index", "next_state"])
        .aggregate(
            lines=p.line_id.count(),
            exposure_minor=p.exposure_minor.sum(),
            next_exposure_minor=p.next_exposure_minor.sum(),
        )
        .rename(from_index="state_index", from_state="state", to_index="next_state_index", to_state="next_state")
        .order_by(["month_end_on", "from_index", "to_index"])
    )


def roll_rates(state: ir.Table) -> ir.Table:
    """Per month and bucket M0..M7: lines and exposure rolling forward, staying and curing, with their shares."""
    p = pairs(state)
    p = p.filter(p.state_index <= OPEN_MAX_INDEX)
    moves = {
        "forward": p.next_severity > p.severity,
        "stay": p.next_severity == p.severity,
        "cure": p.next_severity < p.severity,
    }
    sums: dict[str, ir.Value] = {"lines": p.line_id.count(), "exposure_minor": p.exposure_minor.sum()}
    for name, cond in moves.items():
        sums[f"{name}_lines"] = indicator(cond).sum()
        sums[f"{name}_exposure_minor"] = (indicator(cond) * p.exposure_minor).sum()
    g = p.group_by(["month_end_on", "state_index", "state"]).aggregate(**sums)
    rates = {}
    for name in moves:
        rates[f"{name}_rate"] = rate(g[f"{name}_lines"], g.lines)
        rates[f"{name}_balance_rate"] = rate(g[f"{name}_exposure_minor"], g.exposure_minor)
    return (
        g.mutate(**rates).rename(bucket_index="state_index", bucket="state").order_by(["month_end_on", "bucket_index"])
    )


def flow_rates(state: ir.Table) -> ir.Table:
    """Per month and bucket k (M0..M7): the flow into k + 1 or CO one month later, by count and balance."""
    p = pairs(state)
    p = p.filter(p.state_index <= OPEN_MAX_INDEX)
    step = (p.next_state_index == p.state_index + 1) | (p.next_state_index == CO_INDEX)
    g = p.group_by(["month_end_on", "state_index", "state"]).aggregate(
        lines=p.line_id.count(),
        exposure_minor=p.exposure_minor.sum(),
        flowed_lines=indicator(step).sum(),
        flowed_next_exposure_minor=(indicator(step) * p.next_exposure_minor).sum(),
    )
    g = g.mutate(
        flow_rate=rate(g.flowed_lines, g.lines),
        flow_balance_rate=rate(g.flowed_next_exposure_minor, g.exposure_minor),
    )
    return g.rename(bucket_index="state_index", bucket="state").order_by(["month_end_on", "bucket_index"])
