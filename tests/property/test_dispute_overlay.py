"""Property: a dispute correction overlays exactly its own months and fields, only from its effective day; the
furnishing month's amounts are the corrected ones and nothing else moves."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from creditloop.app.furnishing_corrections import apply_corrections
from creditloop.core.dates import month_end, month_key
from creditloop.reporting.disputes import CORRECTABLE_CODES, Correction

DAYS = [month_end(date(2024, m, 1)) for m in range(1, 13)]
CODES = st.sampled_from(CORRECTABLE_CODES)


@st.composite
def corrections(draw: st.DrawFn) -> list[Correction]:
    out = []
    for i in range(draw(st.integers(0, 6))):
        month = draw(st.sampled_from(DAYS))
        field = draw(st.sampled_from(("status", "balance", "overdue")))
        value = draw(CODES) if field == "status" else str(draw(st.integers(0, 10**9)))
        effective = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
        out.append(Correction(f"D{i}", "L1", month_key(month), field, value, effective))
    return out


@given(
    statuses=st.lists(CODES, min_size=12, max_size=12),
    amounts=st.lists(st.integers(0, 10**9), min_size=12, max_size=12),
    fixes=corrections(),
    k=st.integers(0, 11),
    dpd=st.integers(0, 400),
    balance=st.integers(0, 10**9),
)
def test_the_overlay_touches_only_what_was_corrected(
    statuses: list[str], amounts: list[int], fixes: list[Correction], k: int, dpd: int, balance: int
) -> None:
    day = DAYS[k]
    days = DAYS[: k + 1]
    s, a = list(statuses[: k + 1]), list(amounts[: k + 1])
    month = apply_corrections(days, s, a, fixes, day)
    live = sorted((c for c in fixes if c.effective_on <= day), key=lambda c: (c.effective_on, c.dispute_id))
    for i, d in enumerate(days):
        mine = [c for c in live if c.month == month_key(d)]
        want_status = next((c.value for c in reversed(mine) if c.field == "status"), statuses[i])
        want_amount = next((int(c.value) for c in reversed(mine) if c.field == "overdue"), amounts[i])
        assert (s[i], a[i]) == (want_status, want_amount)
    got_dpd, got_balance, got_overdue = month.month(dpd, balance, amounts[k])
    own = [c for c in live if c.month == month_key(day)]
    assert got_balance == next((int(c.value) for c in reversed(own) if c.field == "balance"), balance)
    assert got_overdue == a[k] or (got_overdue == 0 and s[k] not in "1234567B")
    assert got_dpd in (dpd, 0)
    assert got_overdue >= 0 and got_balance >= 0
