"""APR calculators against every case of tests/data/apr.json (a copy of the shared design vectors), plus input
refusals and the root finder."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import pytest

from creditloop.core.dates import add_months
from creditloop.core.errors import DomainError, ValidationError
from creditloop.products.apr import (
    CashFlow,
    EuTimeBasis,
    Flows,
    Regime,
    UnitPeriod,
    annual_rate,
    eu_rate,
    eu_years,
    flows_of,
    infer_unit_period,
    months_and_days,
    pboc_rate,
    percent,
    reg_z_rate,
    solve_bracketed,
    unit_position,
)

VECTORS = Path(__file__).resolve().parents[1] / "data" / "apr.json"  # sources: tests/data/README.md


@pytest.fixture(scope="module")
def vectors() -> dict[str, Any]:
    return json.loads(VECTORS.read_text("utf-8"))  # type: ignore[no-any-return]


def test_reg_z_appendix_j_every_case(vectors: dict[str, Any]) -> None:
    cases = vectors["us_reg_z_appendix_j"]["cases"]
    assert [c["id"] for c in cases] == ["J1", "J2", "J6", "J8"]
    for case in cases:
        flows = Flows.from_dict(case)
        rate = reg_z_rate(flows, UnitPeriod(case["unit_period"]))
        assert str(percent(rate.nominal)) == case["expected_apr_percent"], case["id"]
        assert infer_unit_period(flows) is UnitPeriod.MONTH  # the regime's own unit period choice agrees
        assert rate.headline == rate.nominal


def test_eu_aprc_every_case(vectors: dict[str, Any]) -> None:
    basis = {"calendar days / 365": EuTimeBasis.DAYS_365, "whole years": EuTimeBasis.CALENDAR}
    for case in vectors["eu_aprc"]["cases"]:
        rate = eu_rate(Flows.from_dict(case), basis[case["time_basis"]])
        assert str(percent(rate.effective)) == case["expected_aprc_percent"], case["id"]
        if "expected_rate" in case:  # 98/7/EC prints 7 decimals, truncated (0.13066238… → 0.1306623)
            assert str(rate.period_rate.quantize(Decimal("1e-7"), rounding=ROUND_DOWN)) == case["expected_rate"]


def test_eu_e1_under_the_directives_calendar_convention() -> None:
    """Derived, not a vector: 1994-01-01 → 1995-07-01 is 18 whole months = 1.5 years → 1.2^(2/3) − 1 = 12.92 %."""
    flows = flows_of(date(1994, 1, 1), 100000, [(date(1995, 7, 1), 120000)])
    assert percent(eu_rate(flows).effective) == Decimal("12.92")
    assert percent(eu_rate(flows, EuTimeBasis.DAYS_365).effective) == Decimal("12.96")


def test_pboc_c1(vectors: dict[str, Any]) -> None:
    (case,) = vectors["cn_pboc_2021_no3"]["cases"]
    start = date(2024, 1, 1)
    count, amount = case["payments_monthly"]["count"], case["payments_monthly"]["amount"]
    doc = {
        "advances": [{"date": start.isoformat(), "amount": case["net_advance"]}],
        "payments": [{"date": add_months(start, k).isoformat(), "amount": amount} for k in range(1, count + 1)],
    }
    rate = pboc_rate(Flows.from_dict(doc))
    assert str(percent(rate.period_rate, 4)) == case["expected_monthly_irr_percent"]
    assert str(percent(rate.nominal)) == case["expected_nominal_percent"]
    assert str(percent(rate.effective)) == case["expected_effective_percent"]


def test_pboc_flat_fee_conversion_table(vectors: dict[str, Any]) -> None:
    """Each month pays P/n + f·P on P = 2,400.00 (so every flow is exact in fen); all 12 cells × 2 figures."""
    principal, start, checked = 240000, date(2024, 1, 1), 0
    for row in vectors["cn_pboc_2021_no3"]["flat_fee_conversion"]["rows"]:
        fee = principal * Decimal(row["monthly_fee_percent"]) / 100
        assert fee == int(fee)
        for n in (3, 6, 12, 24):
            pay = principal // n + int(fee)
            rate = pboc_rate(flows_of(start, principal, [(add_months(start, k), pay) for k in range(1, n + 1)]))
            assert [str(percent(rate.nominal)), str(percent(rate.effective))] == row[f"n{n}"], (row, n)
            checked += 1
    assert checked == 12


# ------------------------------------------------------------------------------------------------ time positions


def test_appendix_j_counts_whole_periods_back_from_the_payment() -> None:
    assert months_and_days(date(1978, 2, 10), date(1978, 4, 1)) == (1, 19)  # J2 long first period
    assert unit_position(date(1978, 2, 10), date(1978, 4, 1), UnitPeriod.MONTH) == (1, Decimal(19) / 30)
    assert unit_position(date(2024, 1, 1), date(2024, 1, 24), UnitPeriod.WEEK) == (3, Decimal(2) / 7)
    assert unit_position(date(2024, 1, 1), date(2024, 5, 11), UnitPeriod.QUARTER) == (1, Decimal(40) / 90)


def test_eu_calendar_years_use_365_or_366_for_odd_days() -> None:
    # 12 whole months counted back from the payment; the odd days sit at the start, in the year that ends with them.
    assert eu_years(date(2024, 2, 20), date(2025, 3, 1), EuTimeBasis.CALENDAR) == 1 + Decimal(10) / 366
    assert eu_years(date(2023, 2, 20), date(2024, 3, 1), EuTimeBasis.CALENDAR) == 1 + Decimal(9) / 365


def test_infer_unit_period() -> None:
    weekly = flows_of(date(2024, 1, 1), 1000, [(date(2024, 1, 8), 600), (date(2024, 1, 15), 600)])
    assert infer_unit_period(weekly) is UnitPeriod.WEEK
    pay_in_4 = flows_of(date(2024, 1, 1), 1000, [(date(2024, 1, 15), 400), (date(2024, 1, 29), 700)])
    assert infer_unit_period(pay_in_4) is UnitPeriod.BIWEEK
    assert reg_z_rate(weekly).periods_per_year == 52


# ------------------------------------------------------------------------------------------------ edge cases


def test_zero_cost_is_exactly_zero_in_every_regime() -> None:
    flows = flows_of(date(2024, 1, 1), 100000, [(date(2024, 2, 1), 50000), (date(2024, 3, 1), 50000)])
    for regime in Regime:
        rate = annual_rate(flows, regime)
        assert rate.period_rate == 0 and rate.nominal == 0 and rate.effective == 0


def test_down_payment_on_the_advance_date_is_allowed() -> None:
    flows = flows_of(date(2024, 1, 1), 100000, [(date(2024, 1, 1), 25000), (date(2024, 2, 1), 76000)])
    assert percent(pboc_rate(flows).period_rate, 4) == Decimal("1.3333")  # 1,000 on 750 for a month


def test_multiple_advances() -> None:
    flows = Flows(
        (CashFlow(date(2024, 1, 1), 50000), CashFlow(date(2024, 2, 1), 50000)),
        (CashFlow(date(2024, 3, 1), 101000),),
    )
    rate = pboc_rate(flows)
    assert Decimal("0.0066") < rate.period_rate < Decimal("0.0067")  # ~ 10 on 500 × 2 months + 500 × 1 month


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"advances": [{"date": "2024-01-01", "amount": "100.00"}], "payments": []}, "payments"),
        ({"advances": [], "payments": [{"date": "2024-02-01", "amount": "100.00"}]}, "advances"),
        ({"advances": [{"date": "2024-01-01", "amount": "100.00"}]}, "payments"),
        (
            {
                "advances": [{"date": "2024-01-01", "amount": "100.00"}],
                "payments": [{"date": "2024-02-01", "amount": "99.99"}],
            },
            "payments",
        ),
        (
            {
                "advances": [{"date": "2024-02-01", "amount": "100"}],
                "payments": [{"date": "2024-01-31", "amount": "101"}],
            },
            "payments[0].date",
        ),
        (
            {
                "advances": [{"date": "2024-02-30", "amount": "100"}],
                "payments": [{"date": "2024-03-01", "amount": "101"}],
            },
            "advances[0].date",
        ),
        (
            {
                "advances": [{"date": "2024-01-01", "amount": "-100"}],
                "payments": [{"date": "2024-03-01", "amount": "101"}],
            },
            "advances[0].amount",
        ),
        (
            {
                "advances": [{"date": "2024-01-01", "amount": "abc"}],
                "payments": [{"date": "2024-03-01", "amount": "101"}],
            },
            "advances[0].amount",
        ),
        (
            {
                "advances": [{"date": "2024-01-01", "amount": 100.5}],
                "payments": [{"date": "2024-03-01", "amount": "101"}],
            },
            "advances[0].amount",
        ),
        ({"advances": [{"date": "2024-01-01"}], "payments": [{"date": "2024-03-01", "amount": "101"}]}, "advances[0]"),
        ([1, 2], "input"),
    ],
)
def test_bad_flows_are_refused_naming_the_field(doc: Any, field: str) -> None:
    with pytest.raises(ValidationError) as e:
        Flows.from_dict(doc)
    assert e.value.field == field


def test_payments_at_the_start_that_exceed_the_advance_have_no_root() -> None:
    flows = flows_of(date(2024, 1, 1), 100000, [(date(2024, 1, 1), 100000), (date(2024, 2, 1), 100)])
    with pytest.raises(DomainError) as e:
        pboc_rate(flows)
    assert e.value.code == "apr_no_root"


def test_solver_refuses_a_bracket_without_sign_change_and_reports_non_convergence() -> None:
    with pytest.raises(DomainError) as e:
        solve_bracketed(lambda x: x + 1, Decimal(0), Decimal(1))
    assert e.value.code == "apr_no_root"
    with pytest.raises(DomainError) as e:
        solve_bracketed(lambda x: x * x * x - Decimal(2), Decimal(0), Decimal(2), max_iter=3)
    assert e.value.code == "apr_not_converged"
    root = solve_bracketed(lambda x: x * x * x - Decimal(2), Decimal(0), Decimal(2))
    assert abs(root - Decimal(2) ** (Decimal(1) / 3)) < Decimal("1e-20")


def test_result_dict_labels_every_figure() -> None:
    start = date(2024, 1, 1)
    rate = pboc_rate(flows_of(start, 9900000, [(add_months(start, k), 883330) for k in range(1, 13)]))
    assert rate.to_dict() == {
        "regime": "pboc",
        "unit_period": "month",
        "period_rate_percent": "1.0670",
        "nominal_percent": "12.80",
        "effective_percent": "13.58",
        "headline_percent": "12.80",
    }
