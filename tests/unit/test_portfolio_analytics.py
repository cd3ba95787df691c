"""Each analytic on a hand-made three-line book (tests/conftest.py BOOK_ROWS) with the answers worked out by hand,
run on DuckDB; tests/simulation/test_analytics_parity.py runs the same on Spark and compares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("ibis", reason="the portfolio analytics need the 'analytics' extra (ibis)")

from creditloop.adapters.analytics.engines import EngineError, connect, rows, snapshots
from creditloop.portfolio.analytics import fpd, losses, panel, rolls, transitions, vintages


@pytest.fixture(scope="module")
def state(analytics_book: Path) -> Any:
    return panel.monthly_state(snapshots(connect("duckdb"), analytics_book))


def by(data: list[dict[str, Any]], *keys: str) -> dict[Any, dict[str, Any]]:
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in data}


def test_the_monthly_state_has_buckets_exposure_and_the_month_after(state: Any) -> None:
    b = by([r for r in rows(state) if r["line_id"] == "B"], "month_end_on")
    assert [b[m]["state"] for m in sorted(b)] == ["M0", "M1", "M2", "CO", "CO"]
    assert [b[m]["exposure_minor"] for m in sorted(b)] == [2000, 2000, 2100, 2200, 2000]
    assert [b[m]["worst_severity"] for m in sorted(b)] == [0, 1, 2, 8, 8]
    assert b["2024-04-30"]["gross_charge_off_minor"] == 2200 and b["2024-05-31"]["gross_charge_off_minor"] == 0
    assert b["2024-05-31"]["recovered_minor"] == 200 and b["2024-05-31"]["next_state"] is None
    a_last = by([r for r in rows(state) if r["line_id"] == "A"], "month_end_on")["2024-04-30"]
    assert a_last["next_state_index"] is None  # A is not seen in May: no pair, not a move to "nothing"


def test_vintage_curves_by_count_and_balance(state: Any) -> None:
    v = by(rows(vintages.vintage_curves(state)), "vintage", "mob")
    assert v["2024-01", 2]["ever30_lines"] == 0  # B is M1 (10 DPD): not 30+
    mar = v["2024-01", 3]
    assert (mar["lines"], mar["ever30_lines"], mar["ever60_lines"], mar["exposure_minor"]) == (2, 1, 0, 2700)
    assert mar["ever30_rate"] == 0.5 and mar["ever30_balance_rate"] == pytest.approx(2100 / 2700, abs=1e-15)
    apr = v["2024-01", 4]  # a charge-off counts as ever 90+
    assert (apr["ever90_lines"], apr["ever90_exposure_minor"], apr["exposure_minor"]) == (1, 2200, 2500)
    assert apr["ever90_balance_rate"] == pytest.approx(0.88, abs=1e-15)
    assert v["2024-01", 5]["ever90_rate"] == 1.0  # only B is left at five months on book
    assert all(v["2024-02", m]["ever30_lines"] == 0 for m in (1, 2, 3, 4))  # C was 5 DPD at worst


def test_transition_counts_by_month(state: Any) -> None:
    t = by(rows(rolls.transition_counts(state)), "month_end_on", "from_state", "to_state")
    assert t["2024-01-31", "M0", "M1"]["lines"] == 1 and t["2024-01-31", "M0", "M0"]["exposure_minor"] == 1000
    assert t["2024-03-31", "M2", "CO"]["next_exposure_minor"] == 2200
    assert t["2024-04-30", "M0", "CL"]["lines"] == 1
    assert sum(r["lines"] for r in t.values()) == 10  # 13 rows less the three lines' last months


def test_roll_rates_forward_stay_cure(state: Any) -> None:
    r = by(rows(rolls.roll_rates(state)), "month_end_on", "bucket")
    jan = r["2024-01-31", "M0"]
    assert (jan["lines"], jan["forward_lines"], jan["stay_lines"], jan["cure_lines"]) == (2, 1, 1, 0)
    assert jan["forward_rate"] == 0.5 and jan["forward_balance_rate"] == pytest.approx(2000 / 3000, abs=1e-15)
    assert r["2024-02-29", "M1"]["forward_rate"] == 1.0
    assert r["2024-03-31", "M1"]["cure_rate"] == 1.0
    assert r["2024-04-30", "M0"]["stay_rate"] == 1.0  # closing from current is not a roll
    assert ("2024-04-30", "CO") not in r  # charged-off lines have no roll rate


def test_flow_rates_use_next_month_balances(state: Any) -> None:
    f = by(rows(rolls.flow_rates(state)), "month_end_on", "bucket")
    assert f["2024-01-31", "M0"]["flow_rate"] == 0.5
    assert f["2024-01-31", "M0"]["flow_balance_rate"] == pytest.approx(2000 / 3000, abs=1e-15)
    m2 = f["2024-03-31", "M2"]  # M2 -> CO is a flow; its balance grew from 2100 to 2200
    assert (m2["flowed_lines"], m2["flowed_next_exposure_minor"]) == (1, 2200)
    assert m2["flow_balance_rate"] == pytest.approx(2200 / 2100, abs=1e-15)


def test_the_pooled_transition_matrix_and_its_wilson_intervals(state: Any) -> None:
    m = by(rows(transitions.transition_matrix(state)), "from_state", "to_state")
    stay = m["M0", "M0"]
    assert (stay["lines"], stay["row_lines"], stay["exposure_minor"], stay["row_exposure_minor"]) == (3, 6, 2500, 5400)
    assert stay["p"] == 0.5 and stay["balance_share"] == pytest.approx(2500 / 5400, abs=1e-15)
    # Wilson 95 % for 3 of 6: the textbook (0.1876, 0.8124)
    assert stay["p_low"] == pytest.approx(0.187616, abs=1e-6) and stay["p_high"] == pytest.approx(0.812384, abs=1e-6)
    assert m["M1", "M2"]["p"] == 0.5 and m["M1", "M0"]["p"] == 0.5
    one = m["M2", "CO"]  # 1 of 1: the interval is (0.2065, 1], not a point
    assert one["p"] == 1.0 and one["p_high"] == 1.0 and one["p_low"] == pytest.approx(0.206549, abs=1e-6)
    assert sum(r["p"] for r in m.values() if r["from_state"] == "M0") == pytest.approx(1.0, abs=1e-15)
    with pytest.raises(ValueError, match="z: must be positive"):
        transitions.transition_matrix(state, z=0.0)


def test_net_charge_off_by_month(state: Any) -> None:
    n = by(rows(losses.net_charge_off(state)), "month_end_on")
    assert [n[m]["open_exposure_minor"] for m in sorted(n)] == [3000, 3400, 3200, 700, 0]
    apr, may = n["2024-04-30"], n["2024-05-31"]
    assert (apr["gross_charge_off_minor"], apr["recoveries_minor"], apr["net_charge_off_minor"]) == (2200, 0, 2200)
    assert apr["average_open_exposure"] == 1950.0 and apr["nco_rate"] == pytest.approx(2200 / 1950, abs=1e-15)
    assert apr["nco_rate_annualised"] == pytest.approx(12 * 2200 / 1950, abs=1e-14)
    assert (may["recoveries_minor"], may["net_charge_off_minor"]) == (200, -200)
    assert n["2024-01-31"]["nco_rate"] is None  # no previous month: no average balance


def test_recoveries_over_time_since_charge_off(state: Any) -> None:
    c = by(rows(losses.recovery_curve(state)), "months_since_charge_off")
    assert (c[0]["gross_charge_off_minor"], c[0]["recovered_to_date_minor"]) == (2200, 0)
    assert (c[1]["recovered_in_month_minor"], c[1]["recovered_to_date_minor"]) == (200, 200)
    assert c[1]["cumulative_recovery_rate"] == pytest.approx(200 / 2200, abs=1e-15)


def test_first_payment_default_by_vintage(state: Any) -> None:
    f = by(rows(fpd.first_payment_default(state)), "vintage")
    jan = f["2024-01"]  # first bills in February: A paid (M0 in March), B did not (M2 in March)
    assert (jan["lines"], jan["fpd_lines"], jan["exposure_minor"], jan["fpd_exposure_minor"]) == (2, 1, 2900, 2000)
    assert jan["fpd_rate"] == 0.5 and jan["fpd_balance_rate"] == pytest.approx(2000 / 2900, abs=1e-15)
    assert (f["2024-02"]["lines"], f["2024-02"]["fpd_lines"]) == (1, 0)


def test_bad_input_names_the_option(tmp_path: Path, analytics_book: Path) -> None:
    with pytest.raises(EngineError, match=r"--data-dir: .* has no snapshots\.parquet"):
        snapshots(connect("duckdb"), tmp_path)
    with pytest.raises(EngineError, match="--engine: unknown engine 'oracle'"):
        connect("oracle")
    with pytest.raises(EngineError, match="--spark-master: only with --engine spark"):
        connect("duckdb", "local[1]")
    table = snapshots(connect("duckdb"), analytics_book).drop("dpd")
    with pytest.raises(panel.AnalyticsInputError, match="snapshots: missing column\\(s\\) dpd"):
        panel.monthly_state(table)
