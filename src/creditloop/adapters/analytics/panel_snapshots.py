"""A behaviour panel file (docs/early_warning.md: ``account_id, month_end_on, dpd`` and optional amounts) or the
Credit Card Approval status record, as the snapshot table the portfolio analytics read (``snapshots.parquet``).

The mapping, for panels that carry no lifecycle: ``line_id`` = ``account_id``; ``vintage`` = the month of the
account's first row (its first *observed* month: real panels rarely start at opening); ``mob`` = 1 + calendar
months since that first row; ``status`` = ``ACTIVE`` (a panel has no charge-off or closure flag, so every state is
an M-bucket from ``dpd``); ``balance_minor`` and ``statement_due_minor`` from the panel when present, else 0;
``charged_off_minor`` = 0. Amount-weighted tables are then all zero for a panel without amounts, and the count
tables (vintages by count, roll rates, the transition matrix) are what it is for.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from creditloop.adapters.datasets.credit_card_approval import FILE_NAME as APPROVAL_FILE
from creditloop.adapters.datasets.credit_card_approval import approval_panel
from creditloop.adapters.files.panel import read_panel

SNAPSHOTS = "snapshots.parquet"


def read_status_panel(path: Path) -> pa.Table:
    """The Credit Card Approval record by its published file name, any other file as a behaviour panel."""
    if path.name == APPROVAL_FILE:
        return approval_panel(path)
    return read_panel(path)


def panel_snapshots(panel: pa.Table) -> pa.Table:
    """The panel in the snapshot schema (one row per account and month end; see the module doc)."""
    names = set(panel.column_names)
    balance = "CAST(balance_minor AS BIGINT)" if "balance_minor" in names else "CAST(0 AS BIGINT)"
    due = "CAST(statement_due_minor AS BIGINT)" if "statement_due_minor" in names else "CAST(0 AS BIGINT)"
    con = duckdb.connect()
    try:
        con.register("panel", panel)
        return con.sql(f"""
            SELECT account_id AS line_id, month_end_on,
                   strftime(min(month_end_on) OVER w, '%Y-%m') AS vintage,
                   CAST(1 + (year(month_end_on) * 12 + month(month_end_on))
                        - (year(min(month_end_on) OVER w) * 12 + month(min(month_end_on) OVER w)) AS BIGINT) AS mob,
                   'ACTIVE' AS status, CAST(dpd AS BIGINT) AS dpd, coalesce({balance}, 0) AS balance_minor,
                   CAST(0 AS BIGINT) AS charged_off_minor, coalesce({due}, 0) AS statement_due_minor
            FROM panel WINDOW w AS (PARTITION BY account_id)
            ORDER BY line_id, month_end_on
        """).to_arrow_table()
    finally:
        con.close()


def write_snapshots(path: Path, directory: Path) -> Path:
    """``directory/snapshots.parquet`` from the panel at ``path``; returns ``directory``."""
    pq.write_table(panel_snapshots(read_status_panel(path)), directory / SNAPSHOTS)
    return directory
