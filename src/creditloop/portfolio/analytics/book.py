"""The open book at its last month end: lines and exposure (int fen) by delinquency state M0..M7."""

from __future__ import annotations

import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import OPEN_MAX_INDEX


def open_book_by_state(state: ir.Table) -> ir.Table:
    """One row per state index 0..7 present at the panel's last month end: ``lines``, ``exposure_minor``."""
    last = state.filter(state.month_end_on == state.month_end_on.max())
    last = last.filter(last.state_index <= OPEN_MAX_INDEX)
    return (
        last.group_by("state_index")
        .aggregate(lines=last.line_id.count(), exposure_minor=last.exposure_minor.sum())
        .order_by("state_index")
    )
