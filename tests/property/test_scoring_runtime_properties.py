"""Property: the plain-Python runtime reads any value as the batch scorer reads it inside a DataFrame, so one
application scores identically either way (score exactly, PD to 1e-12, the same reasons and issues)."""

from __future__ import annotations

import math
import warnings
from functools import cache

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.scoring import Scorecard, scorecard_to_json
from creditloop.scoring._checks import category_strings
from creditloop.scoring._values import label, number
from creditloop.scoring._variable import numeric_values
from creditloop.scoring.runtime import ScorecardRuntime

numbers_as_text = st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.integers().map(str)
padded = st.tuples(st.sampled_from(["", " ", "\t", "  "]), numbers_as_text, st.sampled_from(["", " ", "\n"]))
texts = (
    st.text(max_size=12) | padded.map("".join) | st.sampled_from(["nan", "NaN", "inf", "-Infinity", "1_000", "１２"])
)
values = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)


@settings(max_examples=200, deadline=None)
@given(values)
def test_a_value_is_the_number_pandas_reads(value: object) -> None:
    x, bad = number(value)
    want, want_bad = numeric_values(pd.Series([value, "x"], dtype=object))
    assert (x == want[0]) or (math.isnan(x) and math.isnan(want[0]))
    assert bad == bool(want_bad[0])


@settings(max_examples=200, deadline=None)
@given(values)
def test_a_value_is_the_category_label_pandas_reads(value: object) -> None:
    assert label(value) == category_strings(pd.Series([value], dtype=object)).iloc[0]


@cache
def fitted() -> tuple[Scorecard, ScorecardRuntime]:
    rng = np.random.default_rng(4)
    n = 3000
    amount = np.round(rng.lognormal(6, 1, n))
    amount[rng.random(n) < 0.2] = 0.0
    count = rng.poisson(1.0, n).astype(float)
    count[rng.random(n) < 0.05] = -1.0
    grade = rng.choice(["A", "B", "C", "D"], n)
    logit = -1.5 + 0.5 * count - 0.2 * np.log1p(amount) + np.where(amount == 0, -0.8, 0) + (grade == "D") * 0.8
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame({"amount": amount, "count": count, "grade": grade})
    params = {"categorical": ["grade"], "special_codes": {"count": [-1]}, "point_mass_share": 0.1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Scorecard(binning_params=params, attribute_penalty=None, min_iv=0.0).fit(X, y)
    return model, ScorecardRuntime.from_json(scorecard_to_json(model))


amounts = values | st.sampled_from([0, 0.0, "0", -0.0]) | st.floats(min_value=0, max_value=1e5)
counts = values | st.sampled_from([-1, -1.0, "-1", 0, 1, 2, 3, 10])
grades = values | st.sampled_from(["A", "B", "C", "D", " A", "E", 1, 1.0])


@settings(max_examples=150, deadline=None)
@given(amounts, counts, grades)
def test_one_application_scores_as_a_one_row_frame(amount: object, count: object, grade: object) -> None:
    model, runtime = fitted()
    row = {"amount": amount, "count": count, "grade": grade}
    frame = pd.DataFrame({k: pd.Series([v], dtype=object) for k, v in row.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = model.score_frame(frame).iloc[0]
    got = runtime.score_one(row)
    assert got.score == want["score"]
    assert abs(got.pd - want["pd"]) <= 1e-12
    codes = tuple(c for c in (want.get(f"reason_{k}") for k in range(1, model.n_reasons + 1)) if isinstance(c, str))
    assert got.reasons == codes
    assert got.reason_texts == tuple((want[f"reason_{k}_zh"], want[f"reason_{k}_en"]) for k in range(1, len(codes) + 1))
    assert "; ".join(got.issues) == want["issues"]
