"""The columnar furnishing (adapters/warehouse/furnish_columns.py) gives exactly the per-account codes and grids of
``reporting.status_codes.pboc_status`` and ``history_string`` on any valid month facts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.adapters.warehouse.furnish_columns import (
    ENDING_CODES,
    MonthColumns,
    grid_text,
    number_column,
    roll_grid,
    status_codes,
    text_column,
)
from creditloop.reporting import MonthFacts, history_string, pboc_status


@st.composite
def month_facts(draw: st.DrawFn) -> MonthFacts:
    ended = ENDING_CODES[draw(st.sampled_from(sorted(ENDING_CODES)))]
    balance = 0 if ended is not None else draw(st.sampled_from([0, 1, 50_000]))
    dpd = 0 if balance == 0 else draw(st.sampled_from([0, 1, 29, 30, 31, 90, 91, 180, 181, 400]))
    mostly = st.sampled_from([True, True, False])
    return MonthFacts(
        dpd=dpd, max_dpd_in_month=dpd + draw(st.sampled_from([0, 0, 3])),
        due_in_month_minor=draw(st.sampled_from([0, 7])), balance_minor=balance, charged_off=draw(st.booleans()),
        ended=ended, opened=draw(mostly), known=draw(mostly),
    )  # fmt: skip


def columns(facts: list[MonthFacts]) -> MonthColumns:
    back = {v: k for k, v in ENDING_CODES.items()}
    return MonthColumns(
        np.array([f.dpd for f in facts], dtype=np.int32),
        np.array([f.max_dpd_in_month for f in facts], dtype=np.int32),
        np.array([f.due_in_month_minor for f in facts], dtype=np.int64),
        np.array([f.balance_minor for f in facts], dtype=np.int64),
        np.array([f.charged_off for f in facts]),
        np.array([back[f.ended] for f in facts], dtype=np.int8),
        np.array([f.opened for f in facts]),
        np.array([f.known for f in facts]),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(month_facts(), min_size=3, max_size=3), min_size=1, max_size=30))
def test_codes_and_grids_match_the_per_account_rules(months_by_account: list[list[MonthFacts]]) -> None:
    n_months = 30
    history = [(facts * 10)[:n_months] for facts in months_by_account]  # 30 months: the grid keeps 24
    grid = None
    for m in range(n_months):
        month = [h[m] for h in history]
        codes = status_codes(columns(month))
        assert [chr(b) for b in codes] == [pboc_status(f) for f in month]
        grid = roll_grid(grid, codes)
    assert grid is not None
    for i, h in enumerate(history):
        assert grid_text(grid, i) == history_string([pboc_status(f) for f in h])


def test_not_opened_and_unknown() -> None:
    facts = [MonthFacts(opened=False), MonthFacts(known=False), MonthFacts()]
    assert bytes(status_codes(columns(facts))).decode() == "/#*"


def test_fixed_width_columns() -> None:
    assert bytes(text_column(["L1", "L22"], 4).ravel()).decode() == "L1  L22 "
    assert bytes(number_column(np.array([7, 1234], dtype=np.int64), 4).ravel()).decode() == "00071234"
