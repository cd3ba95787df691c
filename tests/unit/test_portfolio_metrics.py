from __future__ import annotations

import pytest

from creditloop.portfolio.metrics import ROLL_STATES, delinquency_rate, roll_rate_matrix, share


def test_share_of_empty_denominator_is_zero() -> None:
    assert share(3, 4) == 0.75
    assert share(0, 0) == 0.0


def test_roll_rate_rows_are_normalised() -> None:
    counts = {("M0", "M0"): 6, ("M0", "M1"): 2, ("M1", "M0"): 1, ("M1", "M2"): 3, ("M2", "CO"): 1}
    matrix = roll_rate_matrix(counts, ("M0", "M1", "M2", "CO"))
    assert matrix["M0"] == {"M0": 0.75, "M1": 0.25, "M2": 0.0, "CO": 0.0}
    assert matrix["M1"] == {"M0": 0.25, "M1": 0.0, "M2": 0.75, "CO": 0.0}
    assert matrix["M2"]["CO"] == 1.0
    for row in ("M0", "M1", "M2"):
        assert sum(matrix[row].values()) == pytest.approx(1.0)


def test_roll_rate_row_without_data_stays_zero_and_unknown_states_are_ignored() -> None:
    matrix = roll_rate_matrix({("M0", "M1"): 1, ("M0", "XX"): 5, ("XX", "M0"): 2}, ROLL_STATES)
    assert set(matrix) == set(ROLL_STATES)
    assert matrix["M0"]["M1"] == 1.0  # XX is not a state, so it neither counts nor dilutes
    assert sum(matrix["M3"].values()) == 0.0


def test_roll_rate_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="negative"):
        roll_rate_matrix({("M0", "M1"): -1}, ("M0", "M1"))


def test_delinquency_rate_counts_m2_and_worse_by_default() -> None:
    counts = {"M0": 80, "M1": 10, "M2": 6, "M3": 3, "M7": 1}
    assert delinquency_rate(counts) == 0.10
    assert delinquency_rate(counts, min_bucket="M1") == 0.20
    assert delinquency_rate(counts, min_bucket="M4") == 0.01
    assert delinquency_rate({}) == 0.0


def test_delinquency_rate_refuses_unknown_buckets() -> None:
    with pytest.raises(ValueError):
        delinquency_rate({"M0": 1, "CO": 1})
    with pytest.raises(ValueError):
        delinquency_rate({"M0": 1}, min_bucket="M9")
