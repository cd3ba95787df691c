"""Every cell of basel_irb.json (class x LGD x PD; corporate with sales 50 and 5 at M = 2.5) within 0.011
percentage points, and every value of vasicek.json within 1e-6.

The vectors are read from ../shared/vectors (the design folder) when it is there, else from the byte-for-byte copy
in tests/data (tests/unit/test_code_shape.py keeps the two equal); the test skips, saying where it looked, when
neither is present.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from creditloop.portfolio.irb import G_CONFIDENCE, irb_capital, unexpected_loss_k
from creditloop.portfolio.vasicek import BASEL_Z, conditional_pd, default_rate_quantile

ROOT = Path(__file__).resolve().parents[2]
PLACES = (ROOT.parent / "shared" / "vectors", ROOT / "tests" / "data")
RW_TOLERANCE_PP = 0.011  # the file's own tolerance: the printed table rounds to 2 decimals
PD_TOLERANCE = 1e-6


def load(name: str) -> dict[str, Any]:
    for folder in PLACES:
        if (folder / name).is_file():
            return json.loads((folder / name).read_text("utf-8"))  # type: ignore[no-any-return]
    pytest.skip(f"{name} not found in {' or '.join(str(p) for p in PLACES)}")


# column -> (class, lgd, sales in EUR m); corporate columns at the default maturity 2.5 years
COLUMNS: dict[str, tuple[str, str, str | None]] = {
    "corp_lgd45_s50": ("corporate", "0.45", "50"),
    "corp_lgd45_s5": ("corporate", "0.45", "5"),
    "mortgage_lgd45": ("mortgage", "0.45", None),
    "mortgage_lgd25": ("mortgage", "0.25", None),
    "other_retail_lgd45": ("other_retail", "0.45", None),
    "other_retail_lgd85": ("other_retail", "0.85", None),
    "qrre_lgd45": ("qrre", "0.45", None),
    "qrre_lgd85": ("qrre", "0.85", None),
}


def cells() -> list[tuple[str, str, str]]:
    doc = load("basel_irb.json")
    assert doc["columns"][0] == "pd_percent" and set(doc["columns"][1:]) == set(COLUMNS)
    return [(row[0], col, row[i]) for row in doc["rows"] for i, col in enumerate(doc["columns"]) if i > 0]


def test_the_file_has_every_cell() -> None:
    assert len(cells()) == 5 * 8  # five PDs x eight class/LGD columns


@pytest.mark.parametrize(("pd_percent", "column", "expected"), cells() if any(p.exists() for p in PLACES) else [])
def test_every_basel_annex5_cell_within_tolerance(pd_percent: str, column: str, expected: str) -> None:
    cls, lgd, sales = COLUMNS[column]
    pd = float(pd_percent) / 100
    result = irb_capital(cls, pd, lgd, sales_m=sales)
    assert abs(result.risk_weight_percent - float(expected)) <= RW_TOLERANCE_PP, (column, pd_percent)
    assert result.k == pytest.approx(result.risk_weight / 12.5)
    if cls == "corporate":
        assert result.maturity_used == 2.5 and result.maturity_adjustment == pytest.approx(
            1 / (1 - 1.5 * result.maturity_b)
        )


def test_the_vectors_differ_from_a_wrong_formula() -> None:
    """The tolerance is tight enough to catch a slip: the Basel II 1.06 scaling or swapped SME sales fail it."""
    doc = load("basel_irb.json")
    row = doc["rows"][3]  # PD 1 %
    corp_s50 = float(row[1])
    scaled = 1.06 * irb_capital("corporate", 0.01, 0.45, sales_m=50).risk_weight_percent
    assert abs(scaled - corp_s50) > 1
    swapped = irb_capital("corporate", 0.01, 0.45, sales_m=5).risk_weight_percent
    assert abs(swapped - corp_s50) > 1


def vasicek_cells() -> list[tuple[str, str, float, str]]:
    doc = load("vasicek.json")
    out = []
    for row in doc["rows"]:
        for key, value in row.items():
            if key.startswith("z="):
                out.append((row["pd"], row["rho"], float(key.removeprefix("z=")), value))
    return out


@pytest.mark.parametrize(("pd", "rho", "z", "expected"), vasicek_cells() if any(p.exists() for p in PLACES) else [])
def test_every_vasicek_value_within_1e6(pd: str, rho: str, z: float, expected: str) -> None:
    assert abs(conditional_pd(pd, rho, z) - float(expected)) <= PD_TOLERANCE


def test_vasicek_file_has_five_factor_values() -> None:
    assert [c[2] for c in vasicek_cells()] == [0.0, -1.0, -2.0, -3.0, -3.0902]


def test_irb_k_is_the_vasicek_999_quantile_less_expected_loss() -> None:
    """The IRB formula is the Vasicek default rate at z = G(0.001), times LGD, less PD x LGD."""
    basel_z, g_confidence = BASEL_Z, G_CONFIDENCE
    assert basel_z == pytest.approx(-3.0902323, abs=1e-7) and g_confidence == pytest.approx(-basel_z)
    for pd, r in ((0.001, 0.04), (0.02, 0.15), (0.1, 0.03)):
        stressed = conditional_pd(pd, r, BASEL_Z)
        assert default_rate_quantile(pd, r, 0.999) == pytest.approx(stressed, rel=1e-12)
        assert unexpected_loss_k(pd, 0.45, r) == pytest.approx(0.45 * (stressed - pd), rel=1e-12)
        assert math.isclose(irb_capital("qrre", pd, 0.45).k, unexpected_loss_k(pd, 0.45, 0.04))


# The rows of the same Basel II Annex 5 table that basel_irb.json leaves out (BCBS, June 2006 comprehensive
# version, Annex 5; transcribed from the text at asksam.com/ebooks/releases.asp?file=Basel_II.ask&dn=Annex 5).
# Columns as COLUMNS, in its order; PD in percent.
ANNEX5_OTHER_ROWS = """
0.05 19.65 15.39 6.23 3.46 6.63 12.52 1.51 2.86
0.25 49.47 39.01 21.30 11.83 21.15 39.96 5.76 10.88
0.40 62.72 49.49 29.94 16.64 28.42 53.69 8.41 15.88
0.75 82.78 65.14 46.46 25.81 40.10 75.74 13.80 26.06
1.30 100.95 78.77 67.00 37.22 50.80 95.95 21.02 39.70
1.50 105.59 82.11 73.45 40.80 53.37 100.81 23.40 44.19
2.00 114.86 88.55 87.94 48.85 57.99 109.53 28.92 54.63
"""


def test_the_rest_of_the_annex5_table_within_tolerance() -> None:
    checked = 0
    for line in ANNEX5_OTHER_ROWS.strip().splitlines():
        pd_percent, *values = line.split()
        for (cls, lgd, sales), expected in zip(COLUMNS.values(), values, strict=True):
            got = irb_capital(cls, float(pd_percent) / 100, lgd, sales_m=sales).risk_weight_percent
            assert abs(got - float(expected)) <= RW_TOLERANCE_PP, (pd_percent, cls, lgd, sales)
            checked += 1
    assert checked == 56
