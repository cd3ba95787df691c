"""Behaviour-score labels (issue 14): bad = dpd reaches the threshold within the horizon; rows without a full
horizon of future, and rows already bad, are not labelled."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from creditloop.adapters.files.panel import check_panel
from creditloop.adapters.warehouse.behaviour_labels import behaviour_labels
from creditloop.core.errors import ValidationError

MONTHS = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31),
          date(2024, 6, 30)]  # fmt: skip


def panel(dpd: dict[str, list[int]]) -> pa.Table:
    ids = [a for a, values in dpd.items() for _ in values]
    months = [MONTHS[i] for values in dpd.values() for i in range(len(values))]
    values = [d for v in dpd.values() for d in v]
    return check_panel(pa.table({"account_id": ids, "month_end_on": months, "dpd": values}))


def labels(table: pa.Table, **kw: int) -> dict[tuple[str, int], int]:
    out = behaviour_labels(table, **kw).to_pylist()
    return {(r["account_id"], MONTHS.index(r["month_end_on"])): r["bad"] for r in out}


def test_three_month_horizon_thirty_dpd() -> None:
    got = labels(panel({"good": [0, 0, 0, 0, 0, 0], "late": [0, 0, 10, 0, 45, 0]}))
    assert got == {
        ("good", 0): 0, ("good", 1): 0, ("good", 2): 0,
        # late: months 1..3 see the 45 in month 4; month 0's window (1..3) does not; month 4 is bad already.
        ("late", 0): 0, ("late", 1): 1, ("late", 2): 1,
    }  # fmt: skip


def test_rows_without_a_full_horizon_are_unlabelled_even_when_bad() -> None:
    # The 60 in month 3 is 2 months after month 1 and 1 after month 2, but neither has three months ahead.
    got = labels(panel({"short": [0, 0, 0, 60]}))
    assert got == {("short", 0): 1}


def test_horizon_and_threshold_are_parameters() -> None:
    table = panel({"x": [0, 15, 45, 75, 0, 0]})
    assert labels(table, horizon_months=6, dpd_threshold=60) == {}
    assert labels(table, horizon_months=2, dpd_threshold=60) == {("x", 0): 0, ("x", 1): 1, ("x", 2): 1}
    assert labels(table, horizon_months=1, dpd_threshold=60) == {("x", 0): 0, ("x", 1): 0, ("x", 2): 1, ("x", 4): 0}


def test_bad_parameters_are_refused() -> None:
    table = panel({"x": [0, 0]})
    with pytest.raises(ValidationError, match="horizon_months"):
        behaviour_labels(table, horizon_months=0)
    with pytest.raises(ValidationError, match="dpd_threshold"):
        behaviour_labels(table, dpd_threshold=0)
