"""The dashboard's portfolio arithmetic (app/dashboard_views.py) on hand-made panels: buckets, the balance-weighted
30+ rate, vintages and roll rates; Hypothesis: the buckets split each month's balance exactly and the roll shares of
a bucket add up to one."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from creditloop.app.dashboard_views import bucket_of, delinquency_by_month, roll_rates, vintages

JAN, FEB, MAR = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)


def row(line: str, on: date, dpd: int, balance: int) -> dict[str, Any]:
    return {"account_id": line, "month_end_on": on, "dpd": dpd, "balance_minor": balance}


def test_buckets_follow_the_readme_boundaries() -> None:
    cases = {0: "M0", 1: "M1", 30: "M1", 31: "M2", 60: "M2", 61: "M3", 180: "M6", 181: "M7", 999: "M7"}
    assert {dpd: bucket_of(dpd) for dpd in cases} == cases


def test_the_30_plus_rate_weighs_balances_not_lines() -> None:
    rows = [row("A", JAN, 0, 90_000), row("B", JAN, 45, 10_000), row("C", JAN, 20, 0)]
    (m,) = delinquency_by_month(rows)
    assert (m["dpd30_minor"], m["dpd30_balance_rate"]) == (10_000, 0.1)
    assert m["dpd30_count_rate"] == round(1 / 3, 6)


def test_vintage_ever_30_stays_once_reached_and_rolls_pair_consecutive_month_ends() -> None:
    rows = [row("A", JAN, 0, 100), row("A", FEB, 40, 100), row("A", MAR, 0, 50), row("B", FEB, 0, 300)]
    v = {(r["vintage"], r["mob"]): r["ever30_balance_rate"] for r in vintages(rows)}
    assert v == {("2026-01", 1): 0.0, ("2026-01", 2): 1.0, ("2026-01", 3): 1.0, ("2026-02", 1): 0.0}
    rolls = {r["bucket"]: r for r in roll_rates(rows)}
    # M0 at t: A in Jan (100, rolls to M2) and B in Feb (300, no row in March: not a pair). M2: A in Feb cures.
    assert (rolls["M0"]["balance_minor"], rolls["M0"]["roll_forward_rate"]) == (100, 1.0)
    assert rolls["M2"]["cure_rate"] == 1.0


panels = st.lists(
    st.tuples(st.sampled_from("ABCDE"), st.sampled_from((JAN, FEB, MAR)), st.integers(0, 400), st.integers(0, 10**9)),
    max_size=40,
    unique_by=lambda t: (t[0], t[1]),
)


@given(panels)
def test_buckets_split_every_balance_exactly_and_roll_shares_add_up(raw: list[tuple[str, date, int, int]]) -> None:
    rows = [row(*r) for r in raw]
    for m in delinquency_by_month(rows):
        assert sum(m["buckets"].values()) == m["balance_minor"]
    for r in roll_rates(rows):
        assert abs(r["roll_forward_rate"] + r["stay_rate"] + r["cure_rate"] - 1) < 1e-5
