"""Behaviour-score labels over a panel, in DuckDB: did an account that is not yet bad become bad soon after?

For each (account, month t) with ``dpd < dpd_threshold`` at t (an account already bad is not scored for
becoming bad) and all of the next ``horizon_months`` month ends in the panel, ``bad`` is 1 when
``dpd >= dpd_threshold`` at any of them and 0 when at none. A row with less future than that is unlabelled
(left out), bad or not: counting the bads seen in a cut-short window but not its goods makes "little future
left" itself predictive (on the six-month UCI panel, ``utilisation_change_3m`` exists only from July, the
months that would then be labelled only when bad: IV 3.7, a pure artefact). The cost: an account that leaves
the panel right after going bad is not counted for its last months.

The default is the behaviour score's target (30+ DPD within three months ≈ 90 days); Credit Card Approval uses
60+ within six. An account's months are contiguous (``adapters/files/panel.py`` refuses gaps), so "the next k
rows" are the next k months.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from creditloop.core.errors import ValidationError

DEFAULT_HORIZON_MONTHS = 3
DEFAULT_DPD_THRESHOLD = 30


def behaviour_labels(
    panel: pa.Table,
    *,
    horizon_months: int = DEFAULT_HORIZON_MONTHS,
    dpd_threshold: int = DEFAULT_DPD_THRESHOLD,
) -> pa.Table:
    """``account_id, month_end_on, bad`` (int8) for every labelled row of a checked panel, sorted."""
    if isinstance(horizon_months, bool) or not 1 <= int(horizon_months) <= 36:
        raise ValidationError(f"horizon_months must be 1..36, got {horizon_months}", field="horizon_months")
    if isinstance(dpd_threshold, bool) or int(dpd_threshold) < 1:
        raise ValidationError(f"dpd_threshold must be at least 1, got {dpd_threshold}", field="dpd_threshold")
    h, d = int(horizon_months), int(dpd_threshold)
    query = f"""
        WITH w AS (
            SELECT account_id, month_end_on, dpd,
                   max(dpd) OVER ahead AS worst_ahead,
                   count(*) OVER ahead AS months_ahead
            FROM panel_rows
            WINDOW ahead AS (PARTITION BY account_id ORDER BY month_end_on
                             ROWS BETWEEN 1 FOLLOWING AND {h} FOLLOWING)
        )
        SELECT account_id, month_end_on,
               CAST(CASE WHEN worst_ahead >= {d} THEN 1 ELSE 0 END AS TINYINT) AS bad
        FROM w
        WHERE dpd < {d} AND months_ahead = {h}
        ORDER BY account_id, month_end_on
    """
    con = duckdb.connect()
    try:
        con.register("panel_rows", panel.select(["account_id", "month_end_on", "dpd"]))
        return con.sql(query).to_arrow_table()
    finally:
        con.close()
