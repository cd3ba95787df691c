"""A simulation's outputs as the behaviour panel (``monitoring/panel.py``), built in DuckDB.

Where each column comes from (what a lender running the simulated book would know at each month end):

- ``snapshots.parquet``: ``dpd``, ``limit_minor``, ``balance_minor``, ``statement_due_minor`` (the month's
  statement), ``paid_minor`` — the simulator records what was paid **in the month** (late payments of the month
  included), not strictly by the due date: the nearest it writes;
- ``events.parquet`` (kinds ``purchase`` and ``repayment``): ``spend_minor`` (purchases in the month),
  ``payments`` (repayments in the month), ``last_payment_on`` (latest repayment up to the month end);
- ``shock``: the lender's *declared* shock — the line's stated sector (``applications.parquet``, what the form
  said) is one the scenario names as hit, in a month of the shock window. Never ``ground_truth.parquet``: who was
  actually hit is not something a lender knows. Null when no declaration is given (the source says nothing);
- ``min_due_minor``: the snapshot's ``statement_min_due_minor`` (the month's statement minimum); null on a product
  without a minimum payment, and in the outputs of runs made before the column existed;
- ``other_lenders``: the snapshot's ``other_lenders`` — what a credit consortium would report at the month end
  (``simulate.liquidity.consortium_lenders``: the stated lenders plus a loss-time loan still being repaid); null
  for outputs written before the simulator recorded it;
- null: ``new_plans`` (events do not record a purchase's plan length), ``payment_source`` (the simulator has one
  source).

A line's months run from its first snapshot to the month before it first leaves ACTIVE / FROZEN (charge-off or
close): contiguous, because the simulator snapshots every line every month.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from creditloop.adapters.warehouse.duckdb_warehouse import WarehouseError
from creditloop.monitoring.panel import PANEL_COLUMNS

OPEN_STATUSES = ("ACTIVE", "FROZEN")
Panel = dict[str, list[dict[str, Any]]]  # account_id -> its rows in month order


@dataclass(frozen=True, slots=True)
class DeclaredShock:
    """A shock the lender was told about: which stated sectors, in which simulated months (1-based, inclusive)."""

    sectors: tuple[str, ...]
    first_month: int
    last_month: int

    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)


NO_SHOCK = DeclaredShock((), 1, 0)  # a scenario without a shock: the flag is known false, not unknown


def _files(data_dir: Path, names: Sequence[str]) -> dict[str, str]:
    paths = {n: data_dir / f"{n}.parquet" for n in names}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise WarehouseError(f"{data_dir} is not a simulation's output: missing {', '.join(missing)}")
    return {n: str(p) for n, p in paths.items()}


def panel_sql(
    files: dict[str, str], shock: DeclaredShock | None, has_min_due: bool = True, lenders: bool = False
) -> tuple[str, list[Any]]:
    """``has_min_due`` / ``lenders``: the snapshots carry ``statement_min_due_minor`` / ``other_lenders`` (outputs
    older than a column do not: it is then null)."""
    min_due = "o.statement_min_due_minor" if has_min_due else "NULL"
    lenders_expr = "o.other_lenders::BIGINT" if lenders else "NULL::BIGINT"
    if shock is None:
        shock_expr, params = "NULL::BOOLEAN", []
    else:
        shock_expr = (
            "(coalesce(a.stated_sector IN (SELECT unnest(?::VARCHAR[])), false) AND o.month_index BETWEEN ? AND ?)"
        )
        params = [list(shock.sectors), shock.first_month, shock.last_month]
    sql = f"""
    WITH snap AS (SELECT * FROM read_parquet('{files["snapshots"]}')),
    stop AS (
        SELECT line_id, min(month_end_on) AS stop_on FROM snap
        WHERE status NOT IN {OPEN_STATUSES} GROUP BY line_id
    ),
    o AS (
        SELECT s.* FROM snap s LEFT JOIN stop USING (line_id)
        WHERE stop.stop_on IS NULL OR s.month_end_on < stop.stop_on
    ),
    ev AS (
        SELECT line_id, last_day(occurred_on) AS month_end_on,
               sum(amount_minor) FILTER (WHERE kind = 'purchase') AS spend,
               count(*) FILTER (WHERE kind = 'repayment') AS payments,
               max(occurred_on) FILTER (WHERE kind = 'repayment') AS last_pay
        FROM read_parquet('{files["events"]}') GROUP BY ALL
    ),
    a AS (
        SELECT customer_id, any_value(stated_sector) AS stated_sector
        FROM read_parquet('{files["applications"]}') WHERE approved GROUP BY customer_id
    )
    SELECT o.line_id AS account_id, o.month_end_on, o.dpd, o.limit_minor, o.balance_minor,
           o.statement_due_minor, {min_due}::BIGINT AS min_due_minor, o.paid_minor,
           coalesce(ev.spend, 0)::BIGINT AS spend_minor, NULL::BIGINT AS new_plans,
           coalesce(ev.payments, 0)::BIGINT AS payments,
           max(ev.last_pay) OVER (PARTITION BY o.line_id ORDER BY o.month_end_on) AS last_payment_on,
           NULL::VARCHAR AS payment_source, {shock_expr} AS shock, {lenders_expr} AS other_lenders
    FROM o LEFT JOIN ev USING (line_id, month_end_on) LEFT JOIN a ON a.customer_id = o.customer_id
    ORDER BY account_id, month_end_on
    """
    return sql, params


def sim_panel(data_dir: str | Path, shock: DeclaredShock | None = None) -> Panel:
    """Every line's panel rows (PANEL_COLUMNS, in month order), from a simulation's data directory."""
    files = _files(Path(data_dir), ("snapshots", "events", "applications"))
    names = [c.name for c in PANEL_COLUMNS]
    panel: Panel = {}
    with duckdb.connect() as con:
        snap_columns = {
            r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{files['snapshots']}')").fetchall()
        }
        sql, params = panel_sql(
            files, shock, "statement_min_due_minor" in snap_columns, "other_lenders" in snap_columns
        )
        cursor = con.execute(sql, params)
        assert [d[0] for d in cursor.description] == names  # the query keeps the contract's order
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            panel.setdefault(row["account_id"], []).append(row)
    return panel


def active_lines_by_month(panel: Panel) -> dict[date, int]:
    """Lines with a panel row (open) at each month end: the alert rate's denominator."""
    counts: dict[date, int] = {}
    for rows in panel.values():
        for row in rows:
            counts[row["month_end_on"]] = counts.get(row["month_end_on"], 0) + 1
    return dict(sorted(counts.items()))
