"""ECL inputs read from a data directory on an ibis engine: the monthly panel rows and the transition counts.

The transition counts are the analytics' own ``rolls.transition_counts`` (one definition, run on DuckDB or
Spark); the panel rows are the snapshot columns staging needs. Both come back as plain Python values for the pure
ECL code (``portfolio.ecl``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from creditloop.adapters.analytics.engines import rows, snapshots
from creditloop.portfolio.analytics.panel import AnalyticsInputError, monthly_state
from creditloop.portfolio.analytics.rolls import transition_counts
from creditloop.portfolio.ecl.panel_staging import PanelRow
from creditloop.portfolio.ecl.run import TransitionCount

STAGING_COLUMNS = ("past_due_minor", "limit_minor", "restructured")


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def read_inputs(con: Any, data_dir: Path) -> tuple[list[PanelRow], list[TransitionCount]]:
    """Panel rows (with their roll state) and per-month transition counts of ``data_dir/snapshots.parquet``."""
    raw = snapshots(con, data_dir)
    missing = [c for c in STAGING_COLUMNS if c not in raw.columns]
    if missing:
        raise AnalyticsInputError(f"snapshots: missing column(s) {', '.join(missing)} (rule: ECL staging needs them)")
    state = monthly_state(raw)
    extra = raw.select("line_id", "month_end_on", "past_due_minor", "restructured")
    joined = state.join(extra, ["line_id", "month_end_on"])
    panel = joined.select(
        "line_id", "month_end_on", "status", "state_index", "dpd", "past_due_minor", "balance_minor",
        "limit_minor", "restructured",
    )  # fmt: skip
    panel_rows = [
        PanelRow(
            line_id=str(r["line_id"]),
            month_end_on=_day(r["month_end_on"]),
            status=str(r["status"]),
            state_index=int(r["state_index"]),
            dpd=int(r["dpd"]),
            past_due_minor=int(r["past_due_minor"]),
            balance_minor=int(r["balance_minor"]),
            limit_minor=int(r["limit_minor"]),
            restructured=bool(r["restructured"]),
        )
        for r in rows(panel)
    ]
    counts = [
        TransitionCount(_day(r["month_end_on"]), "", int(r["from_index"]), int(r["to_index"]), int(r["lines"]))
        for r in rows(transition_counts(state))
    ]
    return panel_rows, counts
