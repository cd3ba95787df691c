"""The book's own drawdown experience at a reporting date, read from ``snapshots.parquet`` on an ibis engine.

Point in time: the lines charged off on or before ``on``; for each, the drawn balance and the limit at its
reference month (``CCF_HORIZON_MONTHS`` month ends before the first charged-off month end, or the line's first
month end if it is younger) and the exposure charged off. Nothing after ``on`` is read. The triples feed
``portfolio.ecl.ead.own_ccf``; ``creditloop risk ecl --own-ccf`` and ``tools/ecl_backtest.py --own-ccf`` share
this one query, on DuckDB or Spark.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import ibis

from creditloop.adapters.analytics.engines import rows, snapshots
from creditloop.portfolio.analytics.panel import month_number
from creditloop.portfolio.ecl.ead import CCF_HORIZON_MONTHS

CHARGED_OFF = "CHARGED_OFF"


def charge_off_drawdowns(con: Any, data_dir: Path, on: date) -> list[tuple[int, int, int]]:
    """``(drawn, limit, exposure at charge-off)`` in fen per line first charged off on or before ``on``."""
    day = ibis.literal(on, type="date")
    snap = snapshots(con, data_dir)
    snap = snap.filter(snap.month_end_on <= day).mutate(month_no=month_number(snap.month_end_on))
    co = snap.filter(snap.status == CHARGED_OFF)
    first_co = co.group_by("line_id").aggregate(co_no=co.month_no.min())
    first_seen = snap.group_by("line_id").aggregate(first_no=snap.month_no.min())
    ref = first_co.join(first_seen, "line_id")
    ref = ref.mutate(ref_no=ibis.greatest(ref.co_no - CCF_HORIZON_MONTHS, ref.first_no))
    at_ref = snap.select(line_id="line_id", ref_no="month_no", drawn="balance_minor", limit="limit_minor")
    at_co = snap.select(line_id="line_id", co_no="month_no", exposure="charged_off_minor")
    j = ref.join(at_ref, ["line_id", "ref_no"]).join(at_co, ["line_id", "co_no"])
    j = j.select("line_id", "drawn", "limit", "exposure")
    return [
        (int(r["drawn"] or 0), int(r["limit"] or 0), int(r["exposure"] or 0))
        for r in sorted(rows(j), key=lambda r: str(r["line_id"]))
    ]


def own_ccf_at(con: Any, data_dir: Path, on: date, prior: Any) -> dict[str, Any]:
    """``ead.own_ccf`` of the lines charged off by ``on``, blended with ``prior``."""
    from creditloop.portfolio.ecl.ead import own_ccf

    return own_ccf(charge_off_drawdowns(con, data_dir, on), prior)
