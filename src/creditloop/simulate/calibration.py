"""Calibration against real data: month-to-month delinquency transitions, simulated vs observed.

The reference is the monthly card status panel of the "Credit Card Approval Prediction" data set
(``../shared/datasets/credit_card_approval_credit_record.csv.gz``): STATUS 0 = 1–29 days past due,
1 = 30–59, 2 = 60–89, 3 = 90–119, 4 = 120–149, 5 = 150+ or written off, C = paid off that month,
X = no loan (left out). The simulator's month-end snapshots are put on the same grid (``C`` = nothing past due).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from creditloop.portfolio.metrics import roll_rate_matrix

GRID: tuple[str, ...] = ("C", "0", "1", "2", "3", "4", "5")

# What the comparison promises, and why (see docs/simulation.md):
# - "C" → "C" (current stays current) within 0.05: both books are mostly people who pay;
# - once 90+ days behind ("3", "4"), the share that rolls one bucket further is within 0.25 — late-stage
#   roll rates are driven by inability to pay, which both populations share;
# - "5" → "5" (written off stays written off) within 0.10.
# Early-stage cells ("0" → *) differ by construction: the card panel's status 0 includes revolving card
# holders who are a few days late every month, while installment plans are paid in full or roll forward.
TOLERANCES: dict[tuple[str, str], float] = {
    ("C", "C"): 0.05,
    ("3", "4"): 0.25,
    ("4", "5"): 0.25,
    ("5", "5"): 0.10,
}


@dataclass(frozen=True, slots=True)
class Comparison:
    reference: dict[str, dict[str, float]]
    simulated: dict[str, dict[str, float]]

    def difference(self, frm: str, to: str) -> float:
        return self.simulated[frm][to] - self.reference[frm][to]

    def breaches(self, tolerances: Mapping[tuple[str, str], float] = TOLERANCES) -> list[str]:
        out = []
        for (frm, to), tol in tolerances.items():
            diff = self.difference(frm, to)
            if abs(diff) > tol:
                out.append(
                    f"{frm}→{to}: simulated {self.simulated[frm][to]:.3f} vs observed "
                    f"{self.reference[frm][to]:.3f} (tolerance {tol})"
                )
        return out

    def table(self) -> list[tuple[str, str, float, float, float]]:
        return [
            (f, t, self.reference[f][t], self.simulated[f][t], self.difference(f, t))
            for f in GRID
            for t in GRID
            if self.reference[f][t] >= 0.01 or self.simulated[f][t] >= 0.01
        ]


def reference_transitions(credit_record: Path) -> dict[tuple[str, str], int]:
    con = duckdb.connect()
    rows = con.execute(
        """
        WITH s AS (SELECT ID, MONTHS_BALANCE AS m, CAST(STATUS AS VARCHAR) AS s
                   FROM read_csv_auto(?) WHERE CAST(STATUS AS VARCHAR) <> 'X')
        SELECT a.s, b.s, COUNT(*) FROM s a JOIN s b ON a.ID = b.ID AND b.m = a.m + 1 GROUP BY 1, 2
        """,
        [str(credit_record)],
    ).fetchall()
    return {(f, t): int(n) for f, t, n in rows}


def simulated_transitions(snapshots: Path) -> dict[tuple[str, str], int]:
    con = duckdb.connect()
    rows = con.execute(
        """
        WITH g AS (
            SELECT line_id, month_index AS m,
                   CASE WHEN status = 'CHARGED_OFF' OR dpd >= 150 THEN '5'
                        WHEN dpd = 0 THEN 'C'
                        ELSE CAST((dpd // 30) AS VARCHAR) END AS s
            FROM read_parquet(?) WHERE status <> 'CLOSED')
        SELECT a.s, b.s, COUNT(*) FROM g a JOIN g b ON a.line_id = b.line_id AND b.m = a.m + 1 GROUP BY 1, 2
        """,
        [str(snapshots)],
    ).fetchall()
    return {(f, t): int(n) for f, t, n in rows}


def compare(credit_record: Path, snapshots: Path) -> Comparison:
    return Comparison(
        roll_rate_matrix(reference_transitions(credit_record), GRID),
        roll_rate_matrix(simulated_transitions(snapshots), GRID),
    )
