"""ECL under one macro stress scenario (``portfolio.ecl.stressed``), worked by hand on a two-line panel.

With EIR 0 (no discounting) the marginal-PD sum telescopes: an account's ECL under a scenario is
``N((G(PD(H)) - sqrt(rho) z) / sqrt(1 - rho)) x LGD x EAD`` with ``PD(H)`` the cumulative PD of its state over its
horizon (12 months in stage 1, lifetime in stage 2), so the stressed amounts are checked with ``statistics.NormalDist``
alone, not with the Vasicek code under test.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist

import pytest

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl import scenarios as scenario_file
from creditloop.portfolio.ecl.panel_staging import PanelRow
from creditloop.portfolio.ecl.run import TransitionCount, ecl_at
from creditloop.portfolio.ecl.stressed import stressed_ecl, stressed_ecl_doc, stressed_parameters
from creditloop.portfolio.ecl.term_structure import CO_INDEX

JAN, FEB = date(2024, 1, 31), date(2024, 2, 29)
# M0: 90 stay, 10 roll to M1; M1: 5 to M2, 5 cure; M2: 4 charged off, 6 stay (deeper rows: the DPD clock)
COUNTS = [TransitionCount(JAN, "", a, b, n) for (a, b), n in
          {(0, 0): 90, (0, 1): 10, (1, 2): 5, (1, 0): 5, (2, CO_INDEX): 4, (2, 2): 6}.items()]  # fmt: skip
ROWS = [
    PanelRow("A", JAN, "ACTIVE", 0, 0, 0, 100_000, 500_000),
    PanelRow("A", FEB, "ACTIVE", 0, 0, 0, 100_000, 500_000),  # stage 1, EAD 100,000 + 20 % of 400,000
    PanelRow("B", JAN, "ACTIVE", 1, 20, 10_000, 200_000, 300_000),
    PanelRow("B", FEB, "ACTIVE", 2, 45, 30_000, 220_000, 300_000),  # 45 DPD: stage 2, EAD 220,000 + 16,000
]
SEVERE = ("severe", -3.0, 0.10)


def _vasicek(pd: float, rho: float, z: float) -> float:
    n = NormalDist()
    return n.cdf((n.inv_cdf(pd) - math.sqrt(rho) * z) / math.sqrt(1 - rho))


def _fen(x: float) -> int:
    return int(Decimal(repr(x)).quantize(Decimal(1), ROUND_HALF_UP))


def test_stressed_ecl_by_hand() -> None:
    params = scenario_file.load()
    assert (params.eir, params.ccf, params.rho, params.lifetime_months) == (Decimal(0), Decimal("0.20"), 0.04, 36)
    out = stressed_ecl(ROWS, COUNTS, FEB, params, 0.9, SEVERE)
    ts = out.base.term_structures[""]
    pd_a, pd_b = ts.pd(0, 12), ts.pd(2, 36)
    assert 0 < pd_a < pd_b < 1
    accounts = {a.line_id: a for a in out.stressed.accounts}
    assert (accounts["A"].stage, accounts["A"].ead_minor) == (1, 180_000)
    assert (accounts["B"].stage, accounts["B"].ead_minor) == (2, 236_000)
    assert out.stressed_lgd == pytest.approx(1.0)  # 0.9 + 0.10
    assert accounts["A"].ecl_minor == _fen(_vasicek(pd_a, 0.04, -3.0) * 1.0 * 180_000)
    assert accounts["B"].ecl_minor == _fen(_vasicek(pd_b, 0.04, -3.0) * 1.0 * 236_000)
    # The unstressed run is risk ecl's: the weighted scenarios, the same stages and EADs.
    assert out.base == ecl_at(ROWS, COUNTS, FEB, params, 0.9)
    weighted_a = sum(s.weight * _vasicek(pd_a, 0.04, s.z or 0.0) * 0.9 * s.lgd_multiplier for s in params.scenarios)
    assert out.base.accounts[0].ecl_minor == _fen(weighted_a * 180_000)


def test_the_document_reports_both_and_the_change() -> None:
    out = stressed_ecl(ROWS, COUNTS, FEB, scenario_file.load(), 0.9, SEVERE)
    doc = stressed_ecl_doc(out, "lending_club")
    total = doc["by_stage"][-1]
    base, stressed = out.base.by_stage[0]["ecl_minor"], out.stressed.by_stage[0]["ecl_minor"]
    assert (doc["ecl_minor"], doc["stressed_ecl_minor"]) == (base, stressed) and stressed > base > 0
    assert doc["change_minor"] == stressed - base == total["change_minor"]
    assert doc["change_ratio"] == round(stressed / base - 1, 6) and doc["ead_minor"] == 180_000 + 236_000
    by = {r["stage"]: r for r in doc["by_stage"]}
    assert by[1]["stressed_ecl_minor"] + by[2]["stressed_ecl_minor"] == stressed and by[3]["change_ratio"] is None
    assert (doc["z"], doc["lgd"], doc["stressed_lgd"], doc["lgd_source"]) == (-3.0, 0.9, 1.0, "lending_club")


def test_stressed_parameters_cap_the_lgd_and_refuse_a_bad_one() -> None:
    params = scenario_file.load()
    sp, lgd = stressed_parameters(params, "mild", -1.0, 0.5, 0.05)
    assert lgd == pytest.approx(0.55) and [(s.name, s.weight, s.z) for s in sp.scenarios] == [("mild", 1.0, -1.0)]
    assert replace(sp, scenarios=params.scenarios) == params  # nothing else changes (CCF, EIR, rho, lifetime)
    assert stressed_parameters(params, "up", 1.0, 0.02, -0.05)[1] == 0.0
    with pytest.raises(ValidationError) as exc:
        stressed_parameters(params, "x", -1.0, 1.5, 0.0)
    assert exc.value.field == "lgd"
