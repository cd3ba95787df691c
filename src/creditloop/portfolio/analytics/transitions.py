"""The pooled Markov transition matrix: every month's pairs summed, row-normalised, with Wilson intervals.

Cell (i, j): ``lines`` pairs from state i to j over all months; ``p = lines / row_lines``; by balance
``balance_share = exposure_minor / row_exposure_minor`` (exposure at t). The interval is Wilson's score interval
for a binomial share, cell by cell (each cell against the rest of its row), at ``z`` (1.96: 95 %):
``centre = (p + z²/2n) / (1 + z²/n)``, ``half = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n)``. They are marginal
intervals, not simultaneous over a row. Only cells with at least one pair are rows of the result; a reader fills
the rest with zeros (ECL builds its matrices from this table).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from creditloop.portfolio.analytics.panel import rate
from creditloop.portfolio.analytics.rolls import pairs

Z_95 = 1.959963984540054


def transition_matrix(state: ir.Table, z: float = Z_95) -> ir.Table:
    """One row per observed (from, to) cell: counts, exposures (int), p, Wilson bounds and balance share (float)."""
    if not z > 0:
        raise ValueError(f"z: must be positive, got {z}")
    p = pairs(state)
    cells = p.group_by(["state_index", "state", "next_state_index", "next_state"]).aggregate(
        lines=p.line_id.count(), exposure_minor=p.exposure_minor.sum()
    )
    row = ibis.window(group_by="state_index")
    cells = cells.mutate(row_lines=cells.lines.sum().over(row), row_exposure_minor=cells.exposure_minor.sum().over(row))
    n = cells.row_lines.cast("float64")
    share = rate(cells.lines, cells.row_lines)
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (share + z2 / (2.0 * n)) / denom
    half = z * ((share * (1.0 - share) / n + z2 / (4.0 * n * n)).sqrt()) / denom
    cells = cells.mutate(p=share, p_low=(centre - half).clip(lower=0.0), p_high=(centre + half).clip(upper=1.0))
    cells = cells.mutate(balance_share=rate(cells.exposure_minor, cells.row_exposure_minor))
    return cells.rename(
        from_index="state_index", from_state="state", to_index="next_state_index", to_state="next_state"
    ).order_by(["from_index", "to_index"])
