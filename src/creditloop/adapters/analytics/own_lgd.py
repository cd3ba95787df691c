"""The book's own loss experience at a reporting date, read from ``snapshots.parquet`` on an ibis engine.

Point in time: the lines charged off on or before ``on``, each with its gross charge-off (``charged_off_minor`` in
the month it was first charged off) and what was recovered on it by ``on`` (that amount less ``charged_off_minor``
still owed at ``on``; a line with no row at ``on`` counts as nothing recovered). Nothing after ``on`` is read.
The pairs feed ``portfolio.ecl.lgd.own_experience``; ``creditloop risk ecl --own-lgd`` and
``tools/ecl_backtest.py --own-lgd`` share this one query, on DuckDB or Spark.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import ibis

from creditloop.adapters.analytics.engines import rows, snapshots

CHARGED_OFF = "CHARGED_OFF"


def charged_off_pairs(con: Any, data_dir: Path, on: date) -> list[tuple[int, int]]:
    """``(gross charged off, recovered by on)`` in fen per line first charged off on or before ``on``; the
    recovery is kept within ``0..gross`` (a balance that grew after the charge-off recovered nothing)."""
    day = ibis.literal(on, type="date")
    snap = snapshots(con, data_dir)
    snap = snap.filter(snap.month_end_on <= day)
    co = snap.filter(snap.status == CHARGED_OFF)
    first = co.group_by("line_id").aggregate(first_co=co.month_end_on.min())
    j = snap.join(first, "line_id")
    per_line = j.group_by("line_id").aggregate(
        gross=ibis.cases((j.month_end_on == j.first_co, j.charged_off_minor)).max(),
        owed=ibis.cases((j.month_end_on == day, j.charged_off_minor)).max(),
    )
    out = []
    for r in sorted(rows(per_line), key=lambda r: str(r["line_id"])):
        gross = int(r["gross"] or 0)
        owed = gross if r["owed"] is None else int(r["owed"])
        out.append((gross, min(max(gross - owed, 0), gross)))
    return out


def own_lgd_at(con: Any, data_dir: Path, on: date, prior: float) -> dict[str, Any]:
    """``lgd.own_experience`` of the lines charged off by ``on``, blended with ``prior``."""
    from creditloop.portfolio.ecl.lgd import own_experience

    return own_experience(charged_off_pairs(con, data_dir, on), prior)
