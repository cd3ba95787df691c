"""Losses: net charge-off by month and recoveries over the months since charge-off.

Net charge-off (month t): ``gross_charge_off_minor`` (amounts first charged off in t) minus ``recovered_minor``
(falls of the charged-off amounts in t); the rate is over the average receivable, ``(open exposure at t-1 + open
exposure at t) / 2``, open meaning M0..M7; ``nco_rate`` is monthly, ``nco_rate_annualised`` is 12 times it.

Recoveries over time: for every charged-off line observed k months after its charge-off month, the share of its
gross charge-off recovered by then, ``(gross - still owed) / gross`` summed over lines (by amount).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import CO_INDEX, OPEN_MAX_INDEX, indicator, rate


def net_charge_off(state: ir.Table) -> ir.Table:
    """One row per month end: gross charge-off, recoveries, net (int fen), open exposure and the NCO rates."""
    g = state.group_by("month_end_on").aggregate(
        month_no=state.month_no.max(),
        gross_charge_off_minor=state.gross_charge_off_minor.sum(),
        recoveries_minor=state.recovered_minor.sum(),
        open_exposure_minor=(indicator(state.state_index <= OPEN_MAX_INDEX) * state.exposure_minor).sum(),
    )
    months = ibis.window(order_by="month_no")
    prev_no = g.month_no.lag().over(months)
    prev_open = g.open_exposure_minor.lag().over(months)
    average = ibis.ifelse(
        prev_no == g.month_no - 1, (prev_open + g.open_exposure_minor).cast("float64") / 2.0, ibis.null("float64")
    )
    g = g.mutate(net_charge_off_minor=g.gross_charge_off_minor - g.recoveries_minor, average_open_exposure=average)
    nco = rate(g.net_charge_off_minor, g.average_open_exposure)
    return g.mutate(nco_rate=nco, nco_rate_annualised=nco * 12.0).drop("month_no").order_by("month_end_on")


def recovery_curve(state: ir.Table) -> ir.Table:
    """One row per months since charge-off (0 = the charge-off month): lines, gross, recovered to date, share."""
    line = ibis.window(group_by="line_id")
    co = state.filter(state.state_index == CO_INDEX)
    co = co.mutate(
        co_month_no=co.month_no.min().over(line),
        gross_minor=co.gross_charge_off_minor.max().over(line),
    )
    co = co.filter(co.gross_minor > 0)
    co = co.mutate(months_since_charge_off=co.month_no - co.co_month_no)
    g = co.group_by("months_since_charge_off").aggregate(
        lines=co.line_id.count(),
        gross_charge_off_minor=co.gross_minor.sum(),
        recovered_to_date_minor=(co.gross_minor - co.charged_off_minor).sum(),
        recovered_in_month_minor=co.recovered_minor.sum(),
    )
    g = g.mutate(cumulative_recovery_rate=rate(g.recovered_to_date_minor, g.gross_charge_off_minor))
    return g.order_by("months_since_charge_off")
