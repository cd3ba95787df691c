"""The relative PD test of SICR (IFRS 9 5.5.9) on a monthly panel: a behavioural PD now against the PD at origination.

The PD at origination is the application scorecard's PD of the line (``applications.parquet`` ``pd``, carried on
each panel row). The PD now moves that origination PD by what the line's delinquency state says at the month end,
through the same transition matrix the ECL uses, known at that month end (point in time):

    PD_now = min(1, PD_origination x PD12(state now) / PD12(M0))

with ``PD12`` the 12-month charge-off PD of the matrix pooled up to that month. The ratio keeps both PDs on the
scorecard's scale (the matrix PD is a charge-off PD, the scorecard's is its own bad definition; only their
movement is compared), so ``ifrs9_staging`` applies its rule unchanged: stage 2 when PD_now >= ``sicr_pd_ratio``
x PD_origination and PD_now - PD_origination >= ``sicr_pd_abs``. A line with no origination PD is left to the
backstops.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl.term_structure import TermStructure

TWELVE = 12


def lift(ts: TermStructure, state: int) -> float:
    """PD12(state) / PD12(M0) of one term structure (1.0 when the current row's PD is zero: nothing to compare)."""
    base = ts.pd(0, TWELVE)
    if state >= ts.default_from:
        return 1.0 / base if base > 0 else 1.0
    return ts.pd(state, TWELVE) / base if base > 0 else 1.0


def pd_now(pd_at_origination: float, state: int, ts: TermStructure) -> float:
    if not 0.0 <= pd_at_origination <= 1.0:
        raise ValidationError(f"pd_at_origination must be in [0, 1], got {pd_at_origination}", field="pd")
    return min(1.0, pd_at_origination * lift(ts, state))


class PdNow:
    """``(month end, state, PD at origination) -> PD now`` with the term structure known at that month end."""

    def __init__(self, by_month: Mapping[date, TermStructure]) -> None:
        self.by_month = dict(by_month)

    def __call__(self, on: date, state: int, pd_at_origination: float) -> float | None:
        ts = self.by_month.get(on)
        return None if ts is None else pd_now(pd_at_origination, state, ts)
