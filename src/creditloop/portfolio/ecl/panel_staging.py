"""IFRS 9 stages over a monthly panel: ``ifrs9_staging.next_state`` run line by line, month by month.

What the panel says feeds the staging facts: DPD, the past-due amount against the exposure (materiality: the
relative 1 % test, plus ``absolute_minor``, 0 by default: BNPL balances are small), charge-off, and a
restructure first seen this month as a forbearance measure, and, when the rows carry the PD at origination and the
caller passes ``pd_now`` (``ecl.sicr.PdNow``), the relative PD test of SICR. A line charged off or closed is off
the book: it has no stage from that month on (a charge-off derecognises the receivable; recoveries are income).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from creditloop.portfolio.ifrs9_staging import (
    INITIAL,
    MonthFacts,
    StagingRules,
    StagingState,
    is_material,
    next_state,
    stage_movements,
)

OFF_BOOK = frozenset({"CHARGED_OFF", "CLOSED"})


@dataclass(frozen=True, slots=True)
class PanelRow:
    line_id: str
    month_end_on: date
    status: str
    state_index: int
    dpd: int
    past_due_minor: int
    balance_minor: int
    limit_minor: int
    restructured: bool = False
    segment: str = ""
    pd_at_origination: float | None = None  # the application scorecard's PD of the line


PdNowFn = Callable[[date, int, float], float | None]


def stage_history(
    rows: Iterable[PanelRow],
    rules: StagingRules = StagingRules(),
    absolute_minor: int = 0,
    pd_now: PdNowFn | None = None,
) -> dict[date, dict[str, int]]:
    """``{month end: {line_id: stage}}`` for the lines on the book that month; with ``pd_now`` the relative PD test
    runs on the rows that carry a PD at origination."""
    by_line: dict[str, list[PanelRow]] = defaultdict(list)
    for row in rows:
        by_line[row.line_id].append(row)
    out: dict[date, dict[str, int]] = defaultdict(dict)
    for line_id, history in by_line.items():
        state: StagingState = INITIAL
        was_restructured = False
        for row in sorted(history, key=lambda r: r.month_end_on):
            charged_off = row.status == "CHARGED_OFF"
            origination = row.pd_at_origination if pd_now is not None else None
            current = (
                None
                if origination is None or pd_now is None
                else pd_now(row.month_end_on, row.state_index, origination)
            )
            facts = MonthFacts(
                dpd=max(0, row.dpd),
                material=is_material(
                    max(0, row.past_due_minor), max(0, row.balance_minor), absolute_minor=absolute_minor
                ),
                charged_off=charged_off,
                forbearance_granted=row.restructured and not was_restructured,
                pd=current,
                pd_at_origination=origination if current is not None else None,
            )
            was_restructured = was_restructured or row.restructured
            state = next_state(state, facts, rules)
            if row.status not in OFF_BOOK:
                out[row.month_end_on][line_id] = state.stage
    return dict(out)


def movements_by_month(
    stages: Mapping[date, Mapping[str, int]], weights: Mapping[date, Mapping[str, int]]
) -> list[dict[str, object]]:
    """Rows ``{month_end_on, from_stage, to_stage, accounts, exposure_minor}`` for each month against the previous
    one (``None``: new to the book, or gone: repaid and closed or charged off). A gone line weighs its exposure of
    the month before, every other its exposure of the month."""
    months = sorted(stages)
    out: list[dict[str, object]] = []
    for before_on, after_on in pairwise(months):
        before: dict[Hashable, int] = {k: v for k, v in stages[before_on].items()}
        after: dict[Hashable, int] = {k: v for k, v in stages[after_on].items()}
        w: dict[Hashable, int] = {}
        for k in before.keys() | after.keys():
            w[k] = (weights[after_on] if k in after else weights[before_on]).get(str(k), 0)
        counts = stage_movements(before, after)
        sums = stage_movements(before, after, w)
        for key in sorted(counts, key=lambda k: (k[0] or 0, k[1] or 0)):
            out.append(
                {
                    "month_end_on": after_on,
                    "from_stage": key[0],
                    "to_stage": key[1],
                    "accounts": counts[key],
                    "exposure_minor": sums[key],
                }
            )
    return out
