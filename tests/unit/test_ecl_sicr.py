"""SICR by relative PD increase on the ECL panel (``portfolio.ecl.sicr``; docs/risk.md, IFRS 9 ECL)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl.panel_staging import PanelRow, stage_history
from creditloop.portfolio.ecl.run import TransitionCount, behavioural_pd, ecl_at
from creditloop.portfolio.ecl.scenarios import EclParameters, Scenario
from creditloop.portfolio.ecl.sicr import PdNow, lift, pd_now
from creditloop.portfolio.ecl.term_structure import CO_INDEX, TermStructure, matrix_from_counts, term_structure

JAN, FEB = date(2024, 1, 31), date(2024, 2, 29)
# M0: 98 % stay, 2 % roll to M1; M1: half charged off, half cured; deeper rows follow the DPD clock
COUNTS = {(0, 0): 98, (0, 1): 2, (1, CO_INDEX): 5, (1, 0): 5}


def _ts() -> TermStructure:
    return term_structure(matrix_from_counts(COUNTS), 12)


def test_pd_now_moves_the_origination_pd_by_the_bucket_lift() -> None:
    ts = _ts()
    m0, m1 = ts.pd(0, 12), ts.pd(1, 12)
    assert 0 < 2 * m0 < m1 < 1
    assert lift(ts, 0) == pytest.approx(1.0) and lift(ts, 1) == pytest.approx(m1 / m0)
    assert pd_now(0.02, 1, ts) == pytest.approx(min(1.0, 0.02 * m1 / m0))
    assert pd_now(0.9, 1, ts) == 1.0  # capped
    with pytest.raises(ValidationError) as exc:
        pd_now(1.5, 0, ts)
    assert exc.value.field == "pd"
    assert PdNow({JAN: ts})(FEB, 1, 0.02) is None  # no matrix known that month: no PD test


def _row(line: str, day: date, dpd: int, pd: float | None) -> PanelRow:
    state = 1 if dpd else 0
    return PanelRow(line, day, "ACTIVE", state, dpd, 100 if dpd else 0, 1_000, 2_000, pd_at_origination=pd)


def test_relative_pd_test_moves_a_delinquent_line_to_stage_two() -> None:
    rows = [
        _row("A", JAN, 0, 0.02), _row("A", FEB, 10, 0.02),  # 10 DPD: below the 30-DPD backstop
        _row("B", JAN, 0, None), _row("B", FEB, 10, None),  # no origination PD: backstops only
        _row("C", JAN, 0, 0.0005), _row("C", FEB, 10, 0.0005),  # ratio passed, absolute increase below 0.5 pp
        _row("D", JAN, 0, 0.02), _row("D", FEB, 0, 0.02),  # current: PD unchanged
    ]  # fmt: skip
    lookup = PdNow({JAN: _ts(), FEB: _ts()})
    assert pd_now(0.0005, 1, _ts()) - 0.0005 < 0.005
    stages = stage_history(rows, pd_now=lookup)
    assert stages[FEB] == {"A": 2, "B": 1, "C": 1, "D": 1}
    assert stage_history(rows)[FEB] == {"A": 1, "B": 1, "C": 1, "D": 1}  # without the lookup: backstops only


def test_ecl_run_applies_the_test_point_in_time() -> None:
    counts = [TransitionCount(JAN, "", i, j, n) for (i, j), n in COUNTS.items()]
    rows = [_row("A", JAN, 0, 0.02), _row("A", FEB, 10, 0.02), _row("D", JAN, 0, 0.02), _row("D", FEB, 0, 0.02)]
    params = EclParameters("t", (Scenario("base", 1.0, None, 1.0),), 0.04, Decimal("0.2"), Decimal(0), 36, 12)
    on = {a.line_id: a for a in ecl_at(rows, counts, FEB, params, 0.9).accounts}
    off = {a.line_id: a for a in ecl_at(rows, counts, FEB, params, 0.9, sicr_pd=False).accounts}
    assert (on["A"].stage, off["A"].stage, on["D"].stage) == (2, 1, 1)
    assert on["A"].ecl_minor > off["A"].ecl_minor == on["A"].ecl_12m_minor  # stage 2: lifetime
    lookup = behavioural_pd(counts, [JAN, FEB], 12)
    assert set(lookup.by_month) == {FEB}  # at the January month end no transition is known yet


def test_origination_pds_from_applications(tmp_path: Path) -> None:
    import duckdb

    from creditloop.adapters.analytics.ecl_inputs import origination_pds
    from creditloop.adapters.analytics.engines import connect

    path = tmp_path / "applications.parquet"
    duckdb.sql(
        "select * from (values ('C1', DATE '2024-01-01', true, 0.03), ('C1', DATE '2024-05-01', true, 0.05),"
        " ('C2', DATE '2024-01-01', false, 0.40), ('C3', DATE '2024-01-01', true, null))"
        " t(customer_id, applied_on, approved, pd)"
    ).write_parquet(str(path))
    assert origination_pds(connect("duckdb"), tmp_path) == {"C1": 0.05}
    assert origination_pds(connect("duckdb"), tmp_path / "missing") == {}


def test_own_experience_lgd_is_credibility_weighted() -> None:
    from creditloop.portfolio.ecl.lgd import own_experience

    lines = [(1_000, 100)] * 4 + [(2_000, 0)]  # 400 recovered of 6,000 charged off: own LGD 1 - 400 / 6,000
    out = own_experience(lines, prior=0.9, full_credibility_lines=100)
    z = (5 / 100) ** 0.5
    assert out["own_lgd"] == pytest.approx(1 - 400 / 6_000) and out["credibility"] == pytest.approx(z)
    assert out["lgd"] == pytest.approx(z * (1 - 400 / 6_000) + (1 - z) * 0.9) and out["lines"] == 5
    full = own_experience(lines, prior=0.9, full_credibility_lines=4)
    assert full["credibility"] == 1.0 and full["lgd"] == pytest.approx(full["own_lgd"])
    assert own_experience([], prior=0.9) == {"lgd": 0.9, "own_lgd": None, "credibility": 0.0, "lines": 0, "prior": 0.9}
    for bad, field in (([(100, 101)], "recovered_minor"), ([(100, -1)], "recovered_minor")):
        with pytest.raises(ValidationError) as exc:
            own_experience(bad, prior=0.9)
        assert exc.value.field == field
    with pytest.raises(ValidationError) as exc:
        own_experience(lines, prior=0.9, full_credibility_lines=0)
    assert exc.value.field == "full_credibility_lines"


def _backtest_tool() -> ModuleType:
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "tools" / "ecl_backtest.py"
    spec = importlib.util.spec_from_file_location("ecl_backtest", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_backtest_decomposition_multiplies_out_and_bootstrap_brackets() -> None:
    from creditloop.portfolio.ecl.calc import AccountEcl

    tool = _backtest_tool()
    accounts = [AccountEcl(f"L{i}", 1, "", 1_000, 0.05, 0.1, 45, 45) for i in range(20)]
    lost = {"L0": (1_500, 1_200), "L1": (500, 500)}  # two charged off: exposure 2,000, still owed 1,700
    d = tool.decompose(accounts, lost, 0.9)
    assert d["charged_off_lines"] == 2 and d["co_rate_ead"] == pytest.approx(0.1)
    assert d["pd_ratio"] == pytest.approx(0.5)
    assert d["ead_over_exposure_at_co"] == pytest.approx(1.0) and d["realised_loss_rate"] == pytest.approx(0.85)
    expected_loss = sum(a.pd_12m * a.ead_minor for a in accounts) * 0.9
    product = d["pd_ratio"] * d["ead_over_exposure_at_co"] * (0.9 / d["realised_loss_rate"])
    assert expected_loss / 1_700 == pytest.approx(product)
    b = tool.bootstrap(accounts, lost, 300)
    assert b["realised_p05_minor"] <= 1_700 <= b["realised_p95_minor"]
    assert b["ratio_p05"] <= 900 / 1_700 <= b["ratio_p95"]
