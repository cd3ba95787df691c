"""What happened to each line of a simulation, for the early-warning back-test: when it first missed a due date
and when it first reached 30+ DPD, from the month-end snapshots (all of them, charge-off months included).

Definitions (docs/early_warning.md):
- **30+ DPD**: a month end with ``dpd > 30`` (the warehouse's ``rate_30plus``);
- **first missed due date** of a line that reaches 30+: the delinquency episode that reached it is the run of
  consecutive month ends with ``dpd > 0`` ending at the first 30+ month end; at the episode's first month end
  ``month_end_on - dpd`` is the due date of the oldest statement not paid in full by its due date — the miss
  that led to dpd > 0. (A miss cured before its month end never shows in month-end snapshots.)

``line_outcomes`` reads a simulation's snapshots; ``panel_outcomes`` the rows of a behaviour panel file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from creditloop.adapters.warehouse.duckdb_warehouse import WarehouseError

BAD_DPD = 30  # 30+ means dpd > BAD_DPD at a month end


@dataclass(frozen=True, slots=True)
class LineOutcome:
    line_id: str
    first_bad_on: date | None  # first month end with dpd > 30
    missed_on: date | None  # first missed due date of the episode that reached 30+
    bad_month_ends: tuple[date, ...]  # every month end with dpd > 30 (precision within a horizon)

    def bad_within(self, on: date, horizon_days: int) -> bool:
        """Whether a month end in (on, on + horizon] finds the line 30+."""
        end = on + timedelta(days=horizon_days)
        return any(on < d <= end for d in self.bad_month_ends)

    def bad_by(self, on: date) -> bool:
        return self.first_bad_on is not None and self.first_bad_on <= on


def line_outcomes(data_dir: str | Path) -> dict[str, LineOutcome]:
    path = Path(data_dir) / "snapshots.parquet"
    if not path.is_file():
        raise WarehouseError(f"{data_dir} is not a simulation's output: missing {path}")
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT line_id, month_end_on, dpd FROM read_parquet('{path}') ORDER BY line_id, month_end_on"
        ).fetchall()
    by_line: dict[str, list[tuple[date, int]]] = {}
    for line_id, on, dpd in rows:
        by_line.setdefault(line_id, []).append((on, int(dpd)))
    return {line_id: _outcome(line_id, series) for line_id, series in by_line.items()}


def _outcome(line_id: str, series: list[tuple[date, int]]) -> LineOutcome:
    bad = tuple(on for on, dpd in series if dpd > BAD_DPD)
    if not bad:
        return LineOutcome(line_id, None, None, ())
    first = next(i for i, (_, dpd) in enumerate(series) if dpd > BAD_DPD)
    start = first
    while start > 0 and series[start - 1][1] > 0:
        start -= 1
    on, dpd = series[start]
    return LineOutcome(line_id, bad[0], on - timedelta(days=dpd), bad)


def panel_outcomes(panel: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, LineOutcome]:
    """The same outcomes from a behaviour panel's own rows (a panel file: there are no snapshots beyond it). An
    account that leaves the panel is seen no further, so a 30+ after its last row is not counted."""
    return {a: _outcome(a, [(r["month_end_on"], int(r["dpd"])) for r in rows]) for a, rows in panel.items()}
