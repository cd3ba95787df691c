"""A scorecard compiled to DuckDB SQL (adapters/warehouse/scorecard_sql.py) gives the Python runtime's score,
PD and reason codes row for row: random scorecard files (splits, point masses, special codes, missing values,
values on the split edges) and random rows."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creditloop.adapters.warehouse.scorecard_sql import score_query
from creditloop.core.errors import ValidationError
from creditloop.scoring.runtime import ScorecardRuntime

EDGES = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.5, 3.0, 10.0, 100.0])
POINTS = st.integers(-40, 60) | st.floats(-40, 60, allow_nan=False).map(lambda p: round(p, 3))


@st.composite
def characteristic(draw: st.DrawFn, j: int) -> dict[str, Any]:
    splits = sorted(set(draw(st.lists(EDGES, max_size=4))))
    masses = sorted(set(draw(st.lists(EDGES, max_size=2))))
    specials = sorted(set(draw(st.lists(st.sampled_from([-9.0, -1.0, 999.0]), max_size=2))))
    n_bins = len(splits) + 1 + len(masses) + 2
    return {
        "name": f"f{j}",
        "kind": "numeric",
        "splits": splits,
        "point_masses": masses,
        "special_codes": specials,
        "points": draw(st.lists(POINTS, min_size=n_bins, max_size=n_bins)),
        "reason_code": f"R{j}",
        "description": {"en": f"feature {j}", "zh": f"特征{j}"},
        "coef": 1.0,
    }


@st.composite
def scorecards(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 5))
    return {
        "format": "creditloop.scorecard",
        "format_version": 2,
        "model_version": "t1",
        "scaling": {"offset": draw(st.floats(400, 700)), "factor": draw(st.floats(10, 60)), "round_points": True},
        "calibration": {"a": draw(st.floats(-2, 2)), "b": draw(st.floats(0.2, 2))},
        "n_reasons": draw(st.integers(0, 4)),
        "characteristics": [draw(characteristic(j)) for j in range(n)],
    }


VALUE = st.none() | EDGES | st.sampled_from([-9.0, 999.0, math.nan, math.inf, -math.inf]) | st.floats(-5, 200)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=scorecards(), data=st.data())
def test_sql_scores_equal_the_runtime(doc: dict[str, Any], data: st.DataObject) -> None:
    names = [c["name"] for c in doc["characteristics"]]
    rows = data.draw(st.lists(st.fixed_dictionaries({n: VALUE for n in names}), min_size=1, max_size=20))
    schema = pa.schema([("row_id", pa.int64()), *((n, pa.float64()) for n in names)])
    table = pa.Table.from_pylist([{"row_id": i, **r} for i, r in enumerate(rows)], schema=schema)
    con = duckdb.connect()
    got = con.from_arrow(table).query("t", score_query(doc, "t") + " ORDER BY row_id").to_arrow_table().to_pylist()
    runtime = ScorecardRuntime(doc)
    for row, g in zip(rows, got, strict=True):
        want = runtime.score_one(row)
        assert g["score"] == want.score
        assert math.isclose(g["pd"], want.pd, rel_tol=1e-12, abs_tol=1e-300)
        assert tuple(g["reasons"]) == want.reasons


def test_a_categorical_characteristic_is_refused_naming_the_model() -> None:
    doc = {
        "format": "creditloop.scorecard",
        "format_version": 1,
        "scaling": {"offset": 600, "factor": 20},
        "calibration": {"a": 0, "b": 1},
        "characteristics": [
            {"name": "g", "kind": "categorical", "groups": [["A"], ["B"]], "points": [1, 2, 3, 4], "reason_code": "G"}
        ],
    }
    with pytest.raises(ValidationError) as err:
        score_query(doc, "t")
    assert err.value.field == "model"
