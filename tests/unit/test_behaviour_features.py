"""The reference evaluator of behaviour features (monitoring/features.py): hand-computed values on a small
panel, point in time (a later row never changes an earlier value), and feature files refused with the field
named."""

from __future__ import annotations

from datetime import date

import pytest

from creditloop.core.errors import ValidationError
from creditloop.monitoring.features import (
    account_features,
    default_feature_set,
    feature_set_from_dict,
    latest_features,
)


def _rows(months: int = 8) -> list[dict[str, object]]:
    out = []
    for m in range(1, months + 1):
        out.append(
            {
                "account_id": "A",
                "month_end_on": date(2026, m, 28),
                "dpd": 0 if m < 7 else 15 * (m - 6),
                "limit_minor": 100_000,
                "balance_minor": 10_000 * m,
                "statement_due_minor": 10_000,
                "min_due_minor": 1_000,
                "paid_minor": 10_000 if m < 5 else 1_000 if m < 7 else 0,
                "spend_minor": 5_000 if m < 6 else 30_000,
                "new_plans": 1 if m == 7 else 0,
                "payments": 1,
                "last_payment_on": date(2026, m, 10) if m < 7 else date(2026, 6, 10),
                "payment_source": "a" if m < 4 else "b",
                "shock": m > 6,
                "other_lenders": 1 if m < 5 else 3,
            }
        )
    return out


def test_hand_computed_values_as_of_the_last_month() -> None:
    got = account_features(_rows(), default_feature_set())[-1]
    assert got["utilisation"] == pytest.approx(0.8)
    assert got["utilisation_change_3m"] == pytest.approx(0.3)  # 0.8 - 0.5
    assert got["pay_ratio_3m"] == pytest.approx(0.1 / 3)  # months 6-8: 0.1, 0, 0
    assert got["pay_ratio_trend_3m"] == pytest.approx(0.1 / 3 - 0.7)  # months 3-5: 1, 1, 0.1
    assert got["min_only_streak"] == 0.0  # months 7-8 paid nothing: not "minimum only"
    assert got["partial_streak"] == 4.0  # months 5-8
    assert got["missed_3m"] == 2.0
    assert got["first_payment_default"] == 0.0  # the first statement was paid
    assert got["days_since_payment"] == 79.0  # 10 June to 28 August
    assert got["spend_spike_6m"] == pytest.approx(30_000 / (80_000 / 6))
    assert got["stacking_3m"] == 1.0  # a plan in month 7 while past due
    assert got["relapses_12m"] == 1.0
    assert got["source_changes_3m"] == 0.0  # changed in month 4, outside the last three
    assert got["paid_spike_6m"] == 0.0
    assert (got["dpd"], got["max_dpd_6m"], got["shock"], got["other_lenders"]) == (30.0, 30.0, 1.0, 3.0)


def test_point_in_time_and_trailing_history_suffice() -> None:
    fs = default_feature_set()
    rows = _rows(12)
    full = account_features(rows, fs)
    for t in range(len(rows)):
        assert account_features(rows[: t + 1], fs)[-1] == full[t]  # later rows change nothing before them
    tail = latest_features(rows[-fs.history_months :], fs)
    assert {k: v for k, v in tail.items() if k != "first_payment_default"} == {
        k: v for k, v in full[-1].items() if k != "first_payment_default"
    }


def test_missing_columns_make_features_null_not_wrong() -> None:
    rows = [{"account_id": "A", "month_end_on": date(2026, m, 28), "dpd": 0} for m in range(1, 5)]
    got = account_features(rows, default_feature_set())[-1]
    assert got["utilisation"] is None and got["pay_ratio_3m"] is None and got["days_since_payment"] is None
    assert got["missed_3m"] == 0.0 and got["dpd"] == 0.0


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"rows": [], "features": [{"name": "x", "agg": "latest", "expr": "no_such_column"}]}, "features[0].expr"),
        ({"rows": [], "features": [{"name": "x", "agg": "median", "expr": "dpd"}]}, "features[0].agg"),
        ({"rows": [], "features": [{"name": "x", "agg": "mean", "expr": "dpd"}]}, "features[0].months"),
        ({"rows": [{"name": "r", "expr": {"op": "pow", "args": ["dpd", 2]}}], "features": []}, "rows[0].expr"),
        ({"rows": [{"name": "dpd", "expr": 1}], "features": []}, "rows[0].name"),
        ({"rows": [], "features": [{"name": "x", "agg": "days_since", "expr": "dpd"}]}, "features[0].expr"),
    ],
)
def test_bad_feature_files_name_the_field(doc: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        feature_set_from_dict({"feature_set_id": "t", "version": "1", **doc})
    assert err.value.field == field


def test_history_months_counts_lags_through_derived_columns_and_feature_expressions() -> None:
    doc = {
        "feature_set_id": "chain",
        "version": "1",
        "rows": [
            {"name": "prev_dpd", "expr": {"op": "lag", "args": ["dpd"], "n": 2}},
            {"name": "prev_prev_dpd", "expr": {"op": "lag", "args": ["prev_dpd"], "n": 1}},
        ],
        "features": [
            {"name": "a", "agg": "mean", "expr": "prev_prev_dpd", "months": 2},  # 2 rows + 3 back
            {"name": "b", "agg": "latest", "expr": {"op": "lag", "args": ["dpd"], "n": 4}},  # 1 row + 4 back
        ],
    }
    fs = feature_set_from_dict(doc)
    assert fs.history_months == 5
    rows = _rows(8)
    assert latest_features(rows[-fs.history_months :], fs) == account_features(rows, fs)[-1]
    assert latest_features(rows[-fs.history_months :], fs)["b"] is not None
