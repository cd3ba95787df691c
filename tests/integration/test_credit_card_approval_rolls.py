"""The roll-rate (row-normalised transition) matrix of the Credit Card Approval status panel, computed through the
portfolio analytics (``creditloop risk transitions --panel FILE``), against the figures documented in
../shared/datasets/README.md.

The analytics work in M-buckets from DPD; the adapter maps STATUS 0..5 to 15, 45, 75, 105, 135 and 180 DPD
(M1..M6) and C (paid off that month) and X (no loan that month) to 0 DPD (M0). So README cell (k, j) is our
(M(k+1), M(j+1)) and README (k, C) + (k, X) is our (M(k+1), M0). The README prints three decimals: each cell must
be within 0.0005 of it, a merged C + X cell within 0.001.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ibis", reason="the portfolio analytics need the 'analytics' extra (ibis)")

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
RECORD = DATASETS / "credit_card_approval_credit_record.csv.gz"
# ../shared/datasets/README.md, "Credit Card Approval": from STATUS (rows) to 0, 1, 2, 3, 4, 5, C, X
README = {
    0: (0.857, 0.019, 0.000, 0.000, 0.000, 0.000, 0.051, 0.073),
    1: (0.499, 0.318, 0.052, 0.001, 0.000, 0.000, 0.093, 0.037),
    2: (0.247, 0.161, 0.163, 0.303, 0.008, 0.000, 0.075, 0.042),
    3: (0.083, 0.045, 0.070, 0.089, 0.589, 0.010, 0.064, 0.051),
    4: (0.050, 0.000, 0.014, 0.009, 0.101, 0.665, 0.124, 0.037),
    5: (0.014, 0.002, 0.004, 0.003, 0.000, 0.904, 0.042, 0.029),
}


def risk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "creditloop", "risk", *args], capture_output=True, text=True, timeout=300, check=False
    )


def test_the_roll_rate_matrix_matches_the_datasets_readme() -> None:
    if not RECORD.is_file():
        pytest.skip(f"the Credit Card Approval record is not at {RECORD} (../shared/datasets)")
    result = risk("transitions", "--panel", str(RECORD), "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    p = {(r["from_state"], r["to_state"]): r["p"] for r in doc["tables"]["transition_matrix"]}
    for status, row in README.items():
        frm = f"M{status + 1}"
        for to, expected in enumerate(row[:6]):
            got = p.get((frm, f"M{to + 1}"), 0.0)
            assert abs(got - expected) <= 0.0005, (status, to, got, expected)
        assert abs(p.get((frm, "M0"), 0.0) - (row[6] + row[7])) <= 0.001, (status, "C+X")
        assert sum(v for (f, _), v in p.items() if f == frm) == pytest.approx(1.0)  # row-normalised


def test_a_panel_and_a_data_dir_together_are_refused(tmp_path: Path) -> None:
    result = risk("transitions", "--panel", str(RECORD), "--data-dir", str(tmp_path), "--json")
    assert result.returncode == 2
    assert "--data-dir / --panel" in result.stderr


def test_a_panel_file_that_is_not_there_is_named(tmp_path: Path) -> None:
    result = risk("transitions", "--panel", str(tmp_path / "none.csv"))
    assert result.returncode == 2
    assert "--panel" in result.stderr and not list(tmp_path.iterdir())
