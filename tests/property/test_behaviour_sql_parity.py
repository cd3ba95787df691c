"""The batch engine (DuckDB windows, adapters/warehouse/behaviour_sql.py) gives the reference evaluator's values
(monitoring/features.py) for every account and month: on random panels, for the packaged feature set and for
random small feature sets covering every op and aggregate."""

from __future__ import annotations

import math
from datetime import date
from itertools import groupby
from typing import Any

import pytest
from behaviour_strategies import feature_sets, panel_table, panels, status_panels
from hypothesis import HealthCheck, given, settings

from creditloop.adapters.warehouse.behaviour_sql import features_as_of, features_history
from creditloop.core.errors import ValidationError
from creditloop.monitoring.features import (
    FeatureSet,
    account_features,
    default_feature_set,
    feature_set_from_dict,
)

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(SETTINGS, max_examples=60)


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def reference(rows: list[dict[str, Any]], fs: FeatureSet) -> dict[tuple[str, date], dict[str, float | None]]:
    out = {}
    for account, group in groupby(rows, key=lambda r: r["account_id"]):
        mine = list(group)
        for row, values in zip(mine, account_features(mine, fs), strict=True):
            out[(account, row["month_end_on"])] = values
    return out


def assert_history_parity(rows: list[dict[str, Any]], fs: FeatureSet) -> None:
    want = reference(rows, fs)
    got = features_history(panel_table(rows), fs).to_pylist()
    assert len(got) == len(want)
    for g in got:
        w = want[(g["account_id"], g["month_end_on"])]
        bad = {k: (w[k], g[k]) for k in fs.names if not same(w[k], g[k])}
        assert not bad, f"{g['account_id']} {g['month_end_on']}: reference vs SQL {bad}"


@SETTINGS
@given(rows=panels())
def test_packaged_feature_set_matches_the_reference(rows: list[dict[str, Any]]) -> None:
    assert_history_parity(rows, default_feature_set())


@SETTINGS
@given(rows=status_panels())
def test_status_only_panels_match_the_reference(rows: list[dict[str, Any]]) -> None:
    """The status features the ewi_status rules read (late months, late streak, relapses, dpd trend) on panels
    without amounts, where every amount feature must come out null in both engines."""
    assert_history_parity(rows, default_feature_set())


@pytest.mark.slow
@MANY
@given(rows=panels(max_accounts=3), doc=feature_sets())
def test_generated_feature_sets_match_the_reference(rows: list[dict[str, Any]], doc: dict[str, Any]) -> None:
    assert_history_parity(rows, feature_set_from_dict(doc, "generated"))


@SETTINGS
@given(rows=panels())
def test_as_of_is_each_accounts_latest_month_on_or_before_the_date(rows: list[dict[str, Any]]) -> None:
    fs = default_feature_set()
    as_of = sorted(r["month_end_on"] for r in rows)[len(rows) // 2]
    seen = [r for r in rows if r["month_end_on"] <= as_of]
    want = reference(seen, fs)
    latest = {a: max(d for (acc, d) in want if acc == a) for a, _ in want}
    got = features_as_of(panel_table(rows), fs, as_of).to_pylist()
    assert sorted(g["account_id"] for g in got) == sorted(latest)
    for g in got:
        assert g["month_end_on"] == latest[g["account_id"]]
        w = want[(g["account_id"], g["month_end_on"])]
        assert all(same(w[k], g[k]) for k in fs.names)


def test_a_panel_without_optional_columns_gives_null_features() -> None:
    import pyarrow as pa

    table = pa.table({"account_id": ["A", "A"], "month_end_on": [date(2026, 1, 31), date(2026, 2, 28)], "dpd": [0, 3]})
    got = features_history(table, default_feature_set()).to_pylist()[-1]
    assert got["utilisation"] is None and got["days_since_payment"] is None
    assert got["dpd"] == 3.0 and got["missed_3m"] == 0.0 and got["relapses_12m"] == 1.0


def test_refusals_name_the_field() -> None:
    import pyarrow as pa

    with pytest.raises(ValidationError) as err:
        features_history(pa.table({"account_id": ["A"], "dpd": [0]}), default_feature_set())
    assert err.value.field == "month_end_on"
    doc = {
        "feature_set_id": "x",
        "version": "1",
        "rows": [{"name": "mixed", "expr": {"op": "coalesce", "args": ["payment_source", 0]}}],
        "features": [{"name": "f", "agg": "count", "expr": "mixed", "months": 2}],
    }
    with pytest.raises(ValidationError) as err:
        features_history(pa.table({"account_id": ["A"], "month_end_on": [date(2026, 1, 31)], "dpd": [0]}),
                         feature_set_from_dict(doc))  # fmt: skip
    assert err.value.field == "rows.mixed"
