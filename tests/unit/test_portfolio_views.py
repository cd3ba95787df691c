"""``app.portfolio_views`` on hand-made stored-panel rows: what the stored panel lacks (status, amount past due) is
derived as documented, transitions pair consecutive months only, rolls by month are balance-weighted, and the ECL
view's stages add up (or say why there are none)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from creditloop.app.portfolio_views import (
    CHARGE_OFF_DPD,
    CL_INDEX,
    CO_INDEX,
    ecl_view,
    panel_rows_of,
    rolls_by_month,
    transition_counts,
)
from creditloop.core.errors import ValidationError

ENDS = (date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30), date(2024, 5, 31))


def _row(line: str, k: int, dpd: int, balance: int, due: int = 0, paid: int = 0) -> dict[str, Any]:
    return {"account_id": line, "month_end_on": ENDS[k], "dpd": dpd, "balance_minor": balance, "limit_minor": 500_000,
            "statement_due_minor": due, "paid_minor": paid}  # fmt: skip


STORED = [
    *[_row("A", k, 0, 100_000) for k in range(5)],  # always current
    _row("B", 0, 0, 200_000), _row("B", 1, 20, 200_000, due=50_000, paid=10_000), _row("B", 2, 50, 200_000),
    _row("B", 3, 110, 200_000), _row("B", 4, CHARGE_OFF_DPD + 1, 200_000),  # charged off in May
    _row("C", 0, 0, 30_000), _row("C", 1, 0, 10_000), _row("C", 2, 0, 0), _row("C", 3, 0, 0),  # repaid, closed
    _row("D", 0, 0, 50_000), _row("D", 2, 0, 50_000),  # no row in February: no pair across the gap
]  # fmt: skip
STATUSES = {"A": "ACTIVE", "B": "CHARGED_OFF", "C": "CLOSED", "D": "ACTIVE"}


def test_status_and_past_due_are_derived_from_what_the_stored_panel_has() -> None:
    rows = {(r.line_id, r.month_end_on): r for r in panel_rows_of(STORED, STATUSES)}
    b = [rows[("B", d)] for d in ENDS]
    assert [r.status for r in b] == ["ACTIVE"] * 4 + ["CHARGED_OFF"] and b[-1].state_index == CO_INDEX
    assert [r.state_index for r in b[:4]] == [0, 1, 2, 4]  # M0, M1 (1-30), M2 (31-60), M4 (91-120)
    assert b[1].past_due_minor == 40_000 and b[2].past_due_minor == 200_000  # no statement due: the whole balance
    c = [rows[("C", d)] for d in ENDS[:4]]
    assert [r.status for r in c] == ["ACTIVE", "ACTIVE", "CLOSED", "CLOSED"] and c[-1].state_index == CL_INDEX


def test_transitions_pair_consecutive_months_only() -> None:
    pairs = transition_counts(panel_rows_of(STORED, STATUSES))
    counts = {(c.month_end_on, c.from_index, c.to_index): c.lines for c in pairs}
    assert counts[(ENDS[3], 4, CO_INDEX)] == 1 and counts[(ENDS[1], 0, CL_INDEX)] == 1
    assert sum(n for (m, *_), n in counts.items() if m == ENDS[0]) == 3  # A, B, C; D has no February row


def test_rolls_by_month_are_balance_weighted_and_leave_out_closed_lines() -> None:
    rolls = {(r["month"], r["bucket"]): r for r in rolls_by_month(panel_rows_of(STORED, STATUSES))}
    jan = rolls[("2024-01", "M0")]  # A and C stay, B rolls; D has no February row
    assert (jan["lines"], jan["balance_minor"], jan["roll_forward_rate"]) == (3, 330_000, round(20 / 33, 6))
    assert rolls[("2024-02", "M0")]["lines"] == 1  # A; C closes in March (left out), B is in M1
    assert rolls[("2024-04", "M4")]["roll_forward_rate"] == 1.0  # B: to charge-off


def test_ecl_view_stages_add_up_and_a_named_month_must_be_stored() -> None:
    rows = panel_rows_of(STORED, STATUSES)
    doc = ecl_view((rows, transition_counts(rows)), "book", date(2024, 4, 30))
    stages = {r["stage"]: r for r in doc["stages"]}
    assert stages[1]["accounts"] == 1 and stages[3]["accounts"] == 1  # A; B at 110 DPD is credit-impaired
    assert stages["total"]["ecl_minor"] == sum(stages[s]["ecl_minor"] for s in (1, 2, 3)) > 0
    with pytest.raises(ValidationError) as err:
        ecl_view((rows, transition_counts(rows)), "book", date(2024, 4, 15))
    assert err.value.field == "on"
    first = ecl_view(([r for r in rows if r.month_end_on == ENDS[0]], []), "book")
    assert first["available"] is False and "two month ends" in first["reason"]
