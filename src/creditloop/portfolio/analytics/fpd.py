"""First-payment default by vintage: the first bill still unpaid 30+ days on.

A line's first billed month f is its first month end with ``statement_due_minor > 0``. It is a first-payment
default when, at the month end after f, it is in M2 or worse (over 30 DPD) or charged off. Lines not observed at
f + 1 are left out (too young to tell). By balance: the exposure at f of the defaulting lines over that of all.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import EVER_THRESHOLDS, indicator, rate


def first_payment_default(state: ir.Table) -> ir.Table:
    """One row per vintage: lines observed, FPD lines, exposures at the first bill (int) and the rates."""
    line = ibis.window(group_by="line_id")
    billed = state.mutate(
        first_bill_no=ibis.ifelse(state.statement_due_minor > 0, state.month_no, ibis.null("int64")).min().over(line)
    )
    first = billed.filter(billed.month_no == billed.first_bill_no)
    # next_severity is the same line one calendar month later (null when not observed)
    first = first.filter(first.next_severity.notnull())
    default = first.next_severity >= EVER_THRESHOLDS["ever30"]
    g = first.group_by("vintage").aggregate(
        lines=first.line_id.count(),
        exposure_minor=first.exposure_minor.sum(),
        fpd_lines=indicator(default).sum(),
        fpd_exposure_minor=(indicator(default) * first.exposure_minor).sum(),
    )
    g = g.mutate(fpd_rate=rate(g.fpd_lines, g.lines), fpd_balance_rate=rate(g.fpd_exposure_minor, g.exposure_minor))
    return g.order_by("vintage")
