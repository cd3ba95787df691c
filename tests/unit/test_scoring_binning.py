"""Binning on synthetic data with a known ground truth, and every kind of bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from creditloop.core.errors import ValidationError
from creditloop.scoring import (
    BadValueWarning,
    BinningProcess,
    DegenerateColumnWarning,
    UnseenCategoryWarning,
    VariableBinning,
    woe_from_counts,
)


def step_data(n: int = 20_000, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Bad rate 10 % below 0.3, 30 % up to 0.7, 60 % above; a category with a known effect; 5 % missing x."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, n)
    rate = np.where(x < 0.3, 0.1, np.where(x < 0.7, 0.3, 0.6))
    cat = rng.choice(["a", "b", "c", "d"], n)
    rate = rate + np.where(cat == "d", 0.2, 0.0)
    y = (rng.random(n) < rate).astype(int)
    x[rng.random(n) < 0.05] = np.nan
    return pd.DataFrame({"x": x, "cat": cat}), y


def test_finds_the_true_cut_points_and_an_ascending_trend() -> None:
    X, y = step_data()
    bp = BinningProcess(max_prebins=40).fit(X, y)
    var = bp.variables_["x"]
    assert var.trend == "ascending"
    assert any(abs(s - 0.3) < 0.03 for s in var.splits)
    assert any(abs(s - 0.7) < 0.03 for s in var.splits)
    table = bp.binning_table("x")
    regular = table.iloc[: var.n_regular]
    assert regular["event_rate"].is_monotonic_increasing
    assert (regular["share"] >= 0.05).all()
    assert table.iloc[-1]["label"] == "Missing" and table.iloc[-1]["count"] > 0


def test_categorical_groups_by_event_rate() -> None:
    X, y = step_data()
    var = BinningProcess().fit(X, y).variables_["cat"]
    assert var.kind == "categorical"
    assert ("d",) in var.groups  # the risky level stands alone
    assert var.woe[var.groups.index(("d",))] == min(var.woe[: var.n_regular])


@pytest.mark.parametrize("trend", ["ascending", "descending", "peak", "valley"])
def test_shape_constraints_hold(trend: str) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=30_000)
    y = (rng.random(x.size) < 1 / (1 + np.exp(-(x**2 - 1.5)))).astype(int)  # U-shaped truth
    bp = BinningProcess(monotonic_trend=trend, max_bins=6).fit(pd.DataFrame({"x": x}), y)
    var = bp.variables_["x"]
    rates = np.asarray(var.events[: var.n_regular]) / np.asarray(var.counts[: var.n_regular])
    d = np.sign(np.diff(rates))
    assert var.n_regular <= 6
    if trend == "ascending":
        assert (d > 0).all()
    elif trend == "descending":
        assert (d < 0).all()
    elif trend == "valley":
        assert var.trend == "valley"
    else:
        turns = np.count_nonzero(np.diff(d))
        assert turns <= 1


def test_auto_finds_the_valley_of_a_u_shape() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=30_000)
    y = (rng.random(x.size) < 1 / (1 + np.exp(-(x**2 - 1.5)))).astype(int)
    var = BinningProcess().fit(pd.DataFrame({"x": x}), y).variables_["x"]
    assert var.trend == "valley"


def status_code_data(n: int = 20_000, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """A repayment-status-like code (-2 no use, -1 paid in full, 0 revolving, 1..4 months late) whose risk goes
    up, down, then up (UCI Taiwan's PAY_0 shape), and a 1..4 grade whose risk simply rises."""
    rng = np.random.default_rng(seed)
    status = rng.choice([-2, -1, 0, 1, 2, 3, 4], n, p=[0.1, 0.2, 0.45, 0.12, 0.1, 0.02, 0.01])
    status_rate = pd.Series({-2: 0.13, -1: 0.20, 0: 0.12, 1: 0.35, 2: 0.70, 3: 0.75, 4: 0.75})
    grade = rng.integers(1, 5, n)
    rate = status_rate[status].to_numpy() + 0.04 * (grade - 1)
    y = (rng.random(n) < rate).astype(int)
    return pd.DataFrame({"status": status, "grade": grade}), y


def test_a_code_with_few_values_gets_unordered_bins_when_held_out_folds_prefer_them() -> None:
    X, y = status_code_data()
    bp = BinningProcess().fit(X, y)
    status = bp.variables_["status"]
    assert status.trend == "none" and status.splits == (-1.0, 0.0, 1.0, 2.0)  # -2 | -1 | 0 | 1 | 2+
    woe = status.woe[: status.n_regular]
    assert woe[1] < min(woe[0], woe[2]) and woe[2] > woe[3] > woe[4]  # paid in full riskier than revolving
    assert bp.variables_["grade"].trend == "ascending"  # a monotone code stays monotone
    # without the cross-validation the shape is monotone or one turn, and loses information
    old = BinningProcess(cv=None).fit(X, y).variables_["status"]
    assert old.trend != "none" and old.iv < status.iv
    # more distinct values than ordinal_levels: never unconstrained; an explicit shape is obeyed
    assert BinningProcess(ordinal_levels=3).fit(X, y).variables_["status"].trend != "none"
    assert BinningProcess(monotonic_trend={"status": "ascending"}).fit(X, y).variables_["status"].trend == "ascending"


def test_the_shape_choice_is_reproducible() -> None:
    X, y = status_code_data(6000, seed=9)
    a = BinningProcess().fit(X, y).variables_["status"]
    assert BinningProcess().fit(X, y).variables_["status"] == a


def test_special_codes_get_their_own_bin() -> None:
    X, y = step_data()
    X.loc[X.index[:500], "x"] = -999.0
    bp = BinningProcess(special_codes={"x": [-999]}).fit(X, y)
    var = bp.variables_["x"]
    assert var.counts[var.special_bin] == 500
    assert all(s > -1 for s in var.splits)
    idx = bp.transform(X.head(3), metric="index")["x"]
    assert (idx == var.special_bin).all()


def test_transform_woe_matches_the_table_and_labels() -> None:
    X, y = step_data(4000)
    bp = BinningProcess().fit(X, y)
    woe = bp.transform(X)
    idx = bp.transform(X, metric="index")
    var = bp.variables_["x"]
    assert np.allclose(woe["x"], np.asarray(var.woe)[idx["x"]])
    assert set(bp.transform(X, metric="label")["cat"]) <= set(var.labels()) | set(bp.variables_["cat"].labels())
    assert bp.summary["iv"].is_monotonic_decreasing


def test_unseen_category_and_bad_number_are_scored_as_missing_with_a_warning() -> None:
    X, y = step_data(4000)
    bp = BinningProcess().fit(X, y)
    new = pd.DataFrame({"x": ["0.5", "oops", None], "cat": ["a", "zzz", "b"]})
    with pytest.warns(BadValueWarning, match="'x'"), pytest.warns(UnseenCategoryWarning, match="'cat'"):
        idx = bp.transform(new, metric="index")
    assert idx.loc[1, "x"] == bp.variables_["x"].missing_bin
    assert idx.loc[1, "cat"] == bp.variables_["cat"].missing_bin
    assert idx.loc[0, "x"] != bp.variables_["x"].missing_bin


def test_category_labels_agree_across_int_float_and_text() -> None:
    rng = np.random.default_rng(5)
    codes = rng.integers(1, 4, 3000)
    y = (rng.random(3000) < np.where(codes == 3, 0.5, 0.1)).astype(int)
    bp = BinningProcess(categorical=["c"]).fit(pd.DataFrame({"c": codes}), y)
    a = bp.transform(pd.DataFrame({"c": [1, 2, 3]}), metric="index")["c"].tolist()
    b = bp.transform(pd.DataFrame({"c": [1.0, 2.0, 3.0]}), metric="index")["c"].tolist()
    c = bp.transform(pd.DataFrame({"c": ["1", "2", "3"]}), metric="index")["c"].tolist()
    assert a == b == c


def test_constant_and_all_missing_columns_are_dropped_by_name() -> None:
    X, y = step_data(2000)
    X["const"] = 7
    X["empty"] = np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bp = BinningProcess().fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, DegenerateColumnWarning)]
    assert any("'const'" in m and "constant" in m for m in messages)
    assert any("'empty'" in m and "missing" in m for m in messages)
    assert set(bp.dropped_) == {"const", "empty"}
    assert set(bp.summary.loc[bp.summary["status"] != "binned", "variable"]) == {"const", "empty"}


def test_all_degenerate_is_an_error() -> None:
    with pytest.raises(ValidationError, match="nothing to bin"):
        BinningProcess().fit(pd.DataFrame({"c": [1] * 10}), [0, 1] * 5)


@pytest.mark.parametrize(
    ("target", "match"),
    [([0, 1, 2] * 10, "binary"), ([1] * 30, "single value"), ([0, 1, None] * 10, "missing")],
)
def test_target_must_be_binary(target: list[object], match: str) -> None:
    X = pd.DataFrame({"x": np.arange(30.0)})
    with pytest.raises(ValidationError, match=match) as info:
        BinningProcess().fit(X, target, target_name="Y")
    assert info.value.field == "Y"


def test_numeric_column_with_text_values_is_named_at_fit() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=200).round(3).astype(str).astype(object)
    values[17] = "n/a?"
    with pytest.raises(ValidationError, match=r"'amount'.*'n/a\?'") as info:
        BinningProcess().fit(pd.DataFrame({"amount": values}), rng.integers(0, 2, 200))
    assert info.value.field == "amount"


def test_numbers_stored_as_text_are_binned_as_numbers() -> None:
    X, y = step_data(3000)
    X["x"] = X["x"].round(4).astype(str)
    X.loc[X["x"] == "nan", "x"] = None
    assert BinningProcess().fit(X, y).variables_["x"].kind == "numeric"


def test_estimator_contract() -> None:
    bp = BinningProcess(max_bins=4)
    assert clone(bp).get_params()["max_bins"] == 4
    with pytest.raises(NotFittedError):
        bp.transform(pd.DataFrame({"x": [1.0]}))
    X, y = step_data(2000)
    assert bp.fit(X, y) is bp
    assert list(bp.get_feature_names_out()) == ["x", "cat"]
    with pytest.raises(ValidationError, match="'x'"):
        bp.transform(X[["cat"]])


def test_bad_parameters_are_refused() -> None:
    X, y = step_data(500)
    with pytest.raises(ValidationError, match="monotonic_trend"):
        BinningProcess(monotonic_trend="sideways").fit(X, y)
    with pytest.raises(ValidationError, match="min_bin_share"):
        BinningProcess(min_bin_share=0.7).fit(X, y)
    with pytest.raises(ValidationError, match="cv"):
        BinningProcess(cv=1).fit(X, y)
    with pytest.raises(ValidationError, match="point_mass_share"):
        BinningProcess(point_mass_share=0.0).fit(X, y)


def test_variable_binning_round_trips_through_a_dict() -> None:
    X, y = step_data(3000)
    bp = BinningProcess().fit(X, y)
    for var in bp.variables_.values():
        again = VariableBinning.from_dict(var.to_dict())
        assert again == var
        assert again.iv == pytest.approx(var.iv)


def test_woe_smoothing_keeps_pure_bins_finite() -> None:
    woe = woe_from_counts(np.array([10.0, 10.0, 0.0]), np.array([0.0, 5.0, 0.0]))
    assert np.isfinite(woe).all() and woe[2] == 0.0 and woe[0] > woe[1]


def payment_data(
    n: int = 20_000, zero_rate: float = 0.08, seed: int = 3, mass_at: float = 0.0, steps: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """Payment amounts: the bad rate falls from 40 % to 10 % with the amount (``steps``: 30 % below the
    median, 15 % above); 20 % of rows hold exactly ``mass_at`` with bad rate ``zero_rate`` (paid nothing
    because nothing was owed: safer than small payers)."""
    rng = np.random.default_rng(seed)
    amount = np.round(rng.lognormal(7.0, 1.0, n))
    rank = pd.Series(amount).rank(pct=True).to_numpy()
    rate = np.where(rank < 0.5, 0.30, 0.15) if steps else 0.40 - 0.30 * rank
    mass = rng.random(n) < 0.20
    amount[mass] = mass_at
    rate[mass] = zero_rate
    y = (rng.random(n) < rate).astype(int)
    return pd.DataFrame({"paid": amount}), y


def test_a_point_mass_with_its_own_risk_gets_its_own_bin() -> None:
    X, y = payment_data()
    bp = BinningProcess(point_mass_share=0.05).fit(X, y)
    var = bp.variables_["paid"]
    assert var.point_masses == (0.0,)
    assert var.special_bin == var.n_regular + 1 and var.missing_bin == var.special_bin + 1
    zero = var.n_regular
    assert var.counts[zero] == int((X["paid"] == 0).sum()) and var.labels()[zero] == "= 0"
    assert var.trend == "descending"  # the regular bins keep their shape without the point mass
    assert var.woe[zero] > max(var.woe[: var.n_regular])  # paying nothing is the safest attribute here
    # transform: the value itself goes to its bin, a value next to it (unseen in training) to a regular bin
    idx = bp.transform(pd.DataFrame({"paid": [0.0, 0.5, np.nan]}), metric="index")["paid"].tolist()
    assert idx == [zero, 0, var.missing_bin]
    woe = bp.transform(X)["paid"].to_numpy()
    assert np.allclose(woe[X["paid"].to_numpy() == 0], var.woe[zero])
    assert bp.summary.loc[0, "n_bins"] == var.n_regular + 1
    # held-out log-likelihood rises with the point mass; without it (the default, or cv=None) 0 is merged
    assert var.iv > BinningProcess().fit(X, y).variables_["paid"].iv
    assert BinningProcess().fit(X, y).variables_["paid"].point_masses == ()
    assert BinningProcess(point_mass_share=0.05, cv=None).fit(X, y).variables_["paid"].point_masses == ()


def test_a_point_mass_with_its_neighbours_risk_is_mostly_not_isolated() -> None:
    # 400 lies inside the 30 % step and holds 30 % bads: isolating it gains nothing. Held-out log-loss with
    # strict improvement still prefers the extra bin on some samples by chance (8 of 40 seeds, 1 of these
    # 12); a point mass with its own risk is found on every seed tried.
    isolated = [
        BinningProcess(point_mass_share=0.05)
        .fit(*payment_data(8000, seed=s, mass_at=400.0, zero_rate=0.30, steps=True))
        .variables_["paid"]
        .point_masses
        for s in range(12)
    ]
    assert sum(bool(m) for m in isolated) <= 4
    found = [
        BinningProcess(point_mass_share=0.05).fit(*payment_data(8000, seed=s)).variables_["paid"] for s in range(4)
    ]
    assert all(v.point_masses == (0.0,) for v in found)


def test_point_masses_below_the_share_or_declared_special_are_not_isolated() -> None:
    X, y = payment_data()
    assert BinningProcess(point_mass_share=0.25).fit(X, y).variables_["paid"].point_masses == ()
    # a declared special value keeps the special bin, and another point mass can still get its own
    X.loc[X.index[:300], "paid"] = -1.0
    bp = BinningProcess(point_mass_share=0.05, special_codes=[-1]).fit(X, y)
    var = bp.variables_["paid"]
    assert var.point_masses == (0.0,) and var.counts[var.special_bin] == 300
    assert bp.transform(pd.DataFrame({"paid": [-1.0, 0.0]}), metric="index")["paid"].tolist() == [
        var.special_bin,
        var.n_regular,
    ]
    bp = BinningProcess(point_mass_share=0.05, special_codes=[0]).fit(X, y)
    assert bp.variables_["paid"].point_masses == ()
    assert bp.variables_["paid"].counts[bp.variables_["paid"].special_bin] == int((X["paid"] == 0).sum())


def test_point_mass_binning_round_trips_through_a_dict() -> None:
    X, y = payment_data()
    var = BinningProcess(point_mass_share=0.05).fit(X, y).variables_["paid"]
    assert var.point_masses
    data = var.to_dict()
    assert data["point_masses"] == [0.0] and len(data["labels"]) == len(data["woe"])
    assert VariableBinning.from_dict(data) == var
    assert "point_masses" not in BinningProcess().fit(X, y).variables_["paid"].to_dict()
