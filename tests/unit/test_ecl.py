"""IFRS 9 ECL building blocks with answers worked out by hand: the PD term structure of a hand-built matrix, EAD
with a CCF, discounting at the EIR, scenario weighting, per-account ECL by stage, the parameter files and refusals."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl import lgd as lgd_file
from creditloop.portfolio.ecl import scenarios as scenario_file
from creditloop.portfolio.ecl.calc import AccountInput, account_ecl, by_stage, discounted_loss_rate
from creditloop.portfolio.ecl.discount import factors
from creditloop.portfolio.ecl.ead import ead_minor
from creditloop.portfolio.ecl.scenarios import Scenario
from creditloop.portfolio.ecl.term_structure import (
    CL_INDEX,
    CO_INDEX,
    N_STATES,
    TermStructure,
    matrix_from_counts,
    term_structure,
)
from creditloop.portfolio.vasicek import conditional_pd

DATASETS = Path(__file__).resolve().parents[2] / "../shared/datasets"


def _params(**changes: object) -> scenario_file.EclParameters:
    return replace(scenario_file.load(), **changes)  # type: ignore[arg-type]


def test_term_structure_of_a_hand_built_matrix() -> None:
    # M0: 90 % stay, 10 % straight to charge-off; every other row unobserved (follows the DPD clock)
    ts = term_structure(matrix_from_counts({(0, 0): 9, (0, CO_INDEX): 1}), 36)
    assert ts.pd(0, 12) == pytest.approx(1 - 0.9**12, abs=1e-12)
    assert ts.pd(0, 36) == pytest.approx(1 - 0.9**36, abs=1e-12)
    # an unobserved M1 pays nothing: M2 .. M7, charged off in month 7
    assert ts.curve(1, 8) == (0.0,) * 6 + (1.0, 1.0)


def test_closing_is_absorbing_and_regulatory_default_option() -> None:
    counts = {(0, 0): 8, (0, 1): 1, (0, CL_INDEX): 1, (1, 0): 1, (1, 4): 1}
    m = matrix_from_counts(counts)
    ts = term_structure(m, 12, default_from=4)
    # month 1: none; month 2: 0.1 (to M1) x 0.5 (to M4)
    assert ts.curve(0, 2) == pytest.approx((0.0, 0.05), abs=1e-15)
    two = term_structure(m, 2)  # default = charge-off: M4 rolls M5.., not yet charged off in two months
    assert two.pd(0, 2) == 0.0 and two.pd(1, 2) == 0.0
    assert ts.pd(5, 12) == 1.0  # already in default


def test_matrix_and_curve_refusals() -> None:
    with pytest.raises(ValidationError) as exc:
        matrix_from_counts({(0, N_STATES): 1})
    assert exc.value.field == "counts"
    with pytest.raises(ValidationError, match="pd of state 0 at month 1 must be in"):
        TermStructure({0: (1.5,)})
    with pytest.raises(ValidationError, match="must be in"):
        TermStructure({0: (-0.1,)})
    with pytest.raises(ValidationError, match="falls"):
        TermStructure({0: (0.2, 0.1)})
    with pytest.raises(ValidationError) as exc:
        term_structure([[1.0]], 12)
    assert exc.value.field == "matrix"


def test_ead_is_drawn_plus_ccf_of_undrawn() -> None:
    assert ead_minor(10_000, 50_000, Decimal("0.2")) == 18_000
    assert ead_minor(60_000, 50_000, Decimal("0.2")) == 60_000  # over the limit: nothing undrawn
    assert ead_minor(10_000, 50_000, Decimal("0.2"), undrawn_usable=False) == 10_000
    assert ead_minor(1, 4, Decimal("0.5")) == 3  # 1 + 1.5 rounded half up once
    for bad in (Decimal("1.5"), Decimal("-0.1"), Decimal("NaN")):
        with pytest.raises(ValidationError) as exc:
            ead_minor(1, 2, bad)
        assert exc.value.field == "ccf"
    with pytest.raises(ValidationError) as exc:
        ead_minor(-1, 2, Decimal("0.1"))
    assert exc.value.field == "drawn_minor"


def test_discounting_at_the_effective_rate() -> None:
    dfs = factors(Decimal("0.12"), 24)
    assert dfs[11] == pytest.approx(1 / 1.12, abs=1e-15)
    assert dfs[23] == pytest.approx(1 / 1.12**2, abs=1e-15)
    assert factors(Decimal(0), 12) == (1.0,) * 12  # interest-free: not discounted
    with pytest.raises(ValidationError) as exc:
        factors(Decimal("-0.01"), 12)
    assert exc.value.field == "eir"


def test_discounted_loss_rate_sums_marginal_pds() -> None:
    assert discounted_loss_rate((0.1, 0.3), 0.5, (1.0, 0.5)) == pytest.approx(0.1 * 0.5 + 0.2 * 0.5 * 0.5)
    with pytest.raises(ValidationError) as exc:
        discounted_loss_rate((1.2,), 0.5, (1.0,))
    assert exc.value.field == "pd"


def test_scenario_weighting_by_hand() -> None:
    flat = TermStructure({s: tuple(min(1.0, 0.01 * (s + 1) * h) for h in range(1, 37)) for s in range(CO_INDEX)})
    scenarios = (Scenario("base", 0.75, None, 1.0), Scenario("bad", 0.25, -2.0, 1.2))
    params = _params(scenarios=scenarios, ccf=Decimal(0), eir=Decimal(0), rho=0.04)
    acc = AccountInput("L1", 1, 0, 100_000, 100_000)
    got = account_ecl(acc, flat, 0.5, params)
    bad_pd = conditional_pd(0.12, 0.04, -2.0)
    expected = 100_000 * (0.75 * 0.12 * 0.5 + 0.25 * bad_pd * 0.6)
    assert got.ecl_minor == round(expected) and got.ecl_12m_minor == got.ecl_minor
    assert (got.pd_12m, got.ead_minor) == (pytest.approx(0.12), 100_000)
    # stage 2: lifetime (36 months) instead of 12
    lifetime = account_ecl(replace(acc, stage=2), flat, 0.5, params)
    assert lifetime.ecl_minor == round(100_000 * (0.75 * 0.36 * 0.5 + 0.25 * conditional_pd(0.36, 0.04, -2.0) * 0.6))
    assert lifetime.ecl_12m_minor == got.ecl_minor


def test_stage_three_on_drawn_balance_and_totals() -> None:
    ts = term_structure(matrix_from_counts({(0, 0): 1}), 36)
    params = _params(ccf=Decimal("0.5"))
    impaired = account_ecl(AccountInput("L3", 3, 5, 20_000, 100_000), ts, 0.9, params)
    assert impaired.ead_minor == 20_000  # frozen: no CCF on the undrawn limit
    assert impaired.pd_lifetime == 1.0  # M5 unobserved: rolls to charge-off within the lifetime
    weights = {s.name: (s.weight, min(1.0, 0.9 * s.lgd_multiplier)) for s in params.scenarios}
    assert impaired.ecl_minor == round(20_000 * sum(w * lgd for w, lgd in weights.values()))
    performing = account_ecl(AccountInput("L1", 1, 0, 1_000, 2_000), ts, 0.9, params)
    assert (performing.ead_minor, performing.ecl_minor) == (1_500, 0)  # never leaves M0
    table = by_stage([impaired, performing])
    assert table[0]["ecl_minor"] == table[1]["ecl_minor"] + table[3]["ecl_minor"]
    assert table[0]["accounts"] == 2 and table[2]["accounts"] == 0
    with pytest.raises(ValidationError) as exc:
        account_ecl(AccountInput("L9", 4, 0, 1, 1), ts, 0.9, params)
    assert exc.value.field == "stage"


def test_packaged_parameter_files() -> None:
    params = scenario_file.load()
    assert [s.name for s in params.scenarios] == ["upside", "baseline", "downside"]
    assert sum(s.weight for s in params.scenarios) == pytest.approx(1.0)
    # v2 is unbiased: the probability-weighted PD is the point-in-time PD (Gauss-Hermite over the Vasicek factor)
    for pd in (0.002, 0.03, 0.3):
        weighted = sum(s.weight * s.pd_curve([pd], params.rho)[0] for s in params.scenarios)
        assert weighted == pytest.approx(pd, rel=1e-4)
    assert sum(s.weight * s.lgd_multiplier for s in params.scenarios) == pytest.approx(1.0)
    v1_path = Path(str(resources.files("creditloop.portfolio.ecl").joinpath("data", "ecl_scenarios_v1.json")))
    v1 = scenario_file.load(v1_path)
    assert [s.name for s in v1.scenarios] == ["baseline", "adverse", "severe"]
    lgd = lgd_file.load()
    assert 0.85 < lgd.lgd < 0.95 and lgd.provenance["source"] == "lc_fiddler_2015_outcomes.csv.gz"
    assert len(lgd.provenance["source_sha256"]) == 64


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scenarios": [{"name": "a", "weight": 0.5, "z": None}]}, "scenarios.weight"),
        ({"rho": 1}, "rho"),
        ({"ccf": "2"}, "ccf"),
        ({"eir": "abc"}, "eir"),
        ({"lifetime_months": 6}, "lifetime_months"),
        ({"scenarios": [{"name": "a", "weight": 1, "z": "x"}]}, "scenarios[0].z"),
        ({"scenarios": [{"name": "a", "weight": 1, "pd": 2}]}, "scenarios[0]"),
    ],
)
def test_scenario_file_refusals_name_the_field(tmp_path: Path, change: dict[str, object], field: str) -> None:
    doc = json.loads((Path(scenario_file.__file__).parent / "data" / scenario_file.PACKAGED).read_text("utf-8"))
    doc.update(change)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(ValidationError) as exc:
        scenario_file.load(path)
    assert exc.value.field == field


def test_missing_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"version": "x"}), "utf-8")
    with pytest.raises(ValidationError) as exc:
        scenario_file.load(path)
    assert exc.value.field == "scenarios"


def test_lgd_calibration_by_hand() -> None:
    rows = [
        # funded 3,000 at 0 %: 36 x 83.3333; 1,000 repaid -> exposure 2,000; 500 recovered less 100 fee
        {"loan_status": "Charged Off", "int_rate": "0", "installment": str(3000 / 36), "total_rec_prncp": "1000",
         "recoveries": "500", "collection_recovery_fee": "100", "grade": "A"},
        {"loan_status": "Charged Off", "int_rate": "0", "installment": str(3000 / 36), "total_rec_prncp": "1000",
         "recoveries": "0", "collection_recovery_fee": "0", "grade": "B"},
        {"loan_status": "Fully Paid", "int_rate": "10", "installment": "100", "total_rec_prncp": "3000",
         "recoveries": "0", "collection_recovery_fee": "0", "grade": "A"},
    ]  # fmt: skip
    out = lgd_file.calibrate(rows, recovery_lag_months=0)
    assert out["lgd"] == pytest.approx(1 - 400 / 4000) and out["charged_off_loans"] == 2
    assert out["by_grade"] == {"A": pytest.approx(0.8), "B": 1.0}
    assert lgd_file.calibrate(rows, 12)["lgd"] == pytest.approx(1 - 400 / 4000)  # 0 % rate: no discount


@pytest.mark.slow
@pytest.mark.skipif(not (DATASETS / "lc_fiddler_2015_outcomes.csv.gz").is_file(),
                    reason="the Lending Club outcomes (../shared/datasets) are not on this machine")  # fmt: skip
def test_packaged_lgd_is_reproduced_from_the_lending_club_outcomes() -> None:
    import csv
    import gzip

    with gzip.open(DATASETS / "lc_fiddler_2015_outcomes.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    packaged = lgd_file.load()
    out = lgd_file.calibrate(rows, packaged.provenance["recovery_lag_months"])
    assert out["lgd"] == packaged.lgd and out["by_grade"] == packaged.by_grade
    assert out["charged_off_loans"] == packaged.provenance["charged_off_loans"] == 17_797


def test_transition_window_is_point_in_time() -> None:
    from datetime import date

    from creditloop.portfolio.ecl.run import TransitionCount, pooled_counts

    counts = [
        TransitionCount(date(2024, m, 28), "", 0, 1 if m == 6 else 0, 10) for m in range(1, 13)
    ]  # a pair (t, t + 1) is known at t + 1: at the June month end, May's pair is the last one known
    pooled, months = pooled_counts(counts, date(2024, 6, 30), 3)
    assert [m.month for m in months] == [3, 4, 5]
    assert pooled[""] == {(0, 0): 30}  # June's roll to M1 (known only in July) is not used


def test_segment_borrows_unobserved_rows_from_the_book() -> None:
    book = matrix_from_counts({(0, 0): 9, (0, 1): 1, (1, CO_INDEX): 1})
    seg = matrix_from_counts({(0, 0): 1, (0, 1): 1}, book)
    assert seg[0][:2] == [0.5, 0.5] and seg[1] == book[1]  # M1 unobserved in the segment: the book's row
    assert term_structure(seg, 2).pd(0, 2) == pytest.approx(0.5)


def test_segmented_run_uses_each_segments_current_row() -> None:
    from datetime import date

    from creditloop.portfolio.ecl.panel_staging import PanelRow
    from creditloop.portfolio.ecl.run import TransitionCount, ecl_at

    jan, feb = date(2024, 1, 31), date(2024, 2, 29)
    counts = [
        TransitionCount(jan, "", 0, 0, 8), TransitionCount(jan, "", 0, CO_INDEX, 2),
        TransitionCount(jan, "hi", 0, CO_INDEX, 2), TransitionCount(jan, "lo", 0, 0, 8),
    ]  # fmt: skip
    rows = [
        PanelRow(line, day, "ACTIVE", 0, 0, 0, 1_000, 1_000, segment=seg)
        for line, seg in (("H", "hi"), ("L", "lo"))
        for day in (jan, feb)
    ]
    params = _params(scenarios=(Scenario("base", 1.0, None, 1.0),), ccf=Decimal(0))
    flat = {a.line_id: a.ecl_12m_minor for a in ecl_at(rows, counts, feb, params, 0.5).accounts}
    assert flat["H"] == flat["L"] == round(1_000 * (1 - 0.8**12) * 0.5)
    seg = {a.line_id: a.ecl_12m_minor for a in ecl_at(rows, counts, feb, params, 0.5, segmented=True).accounts}
    assert (seg["H"], seg["L"]) == (500, 0)  # "hi" lines all charge off at once, "lo" lines never
