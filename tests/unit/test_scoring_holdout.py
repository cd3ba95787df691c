"""The stratified test part and the training-rows fingerprint (``scoring.holdout``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from creditloop.core.errors import ValidationError
from creditloop.scoring import Scorecard
from creditloop.scoring.holdout import SKETCH_SIZE, rows_fingerprint, stratified_split, training_share


def test_stratified_split_holds_out_the_fraction_of_each_class_reproducibly() -> None:
    y = np.array([1] * 100 + [0] * 900)
    train, test = stratified_split(y, 0.3, seed=4)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == 1000
    assert (int(y[test].sum()), len(test)) == (30, 300)  # 30 % of the events and 30 % of the rest
    again = stratified_split(y, 0.3, seed=4)
    assert np.array_equal(again[1], test)
    assert not np.array_equal(stratified_split(y, 0.3, seed=5)[1], test)
    tiny = np.array([1, 1, 0, 0, 0])  # a class of two keeps a row on each side
    train, test = stratified_split(tiny, 0.1, seed=0)
    assert set(tiny[test]) == {0, 1} and set(tiny[train]) == {0, 1}
    with pytest.raises(ValidationError) as exc:
        stratified_split(y, 1.0, seed=0)
    assert exc.value.field == "test_fraction"


@pytest.fixture(scope="module")
def table() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    n = 5000
    X = pd.DataFrame({"id": np.arange(n), "util": rng.uniform(0, 1, n).round(3), "region": rng.choice(["n", "s"], n)})
    return X, (rng.random(n) < 0.2).astype(np.int8)


def test_the_share_of_training_rows_is_exact_or_estimated(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = table
    fp = rows_fingerprint(X.iloc[:3000], y[:3000])
    assert len(fp["sketch"]) == 2 + 16 * SKETCH_SIZE and not fp["complete"] and fp["n_rows"] == 3000
    shuffled = X.iloc[:3000].sample(frac=1, random_state=0)
    assert training_share(fp, shuffled, y[:3000][shuffled.index.to_numpy()]) == 1.0  # the rows, in any order
    assert training_share(fp, X.iloc[3000:], y[3000:]) == 0.0  # rows it never saw
    mixed = training_share(fp, X, y)  # 60 % training rows, through the sketch
    assert mixed is not None and 0.45 < mixed < 0.75
    assert training_share(fp, X.drop(columns="util"), y) is None  # cannot tell without a training column
    extra = X.iloc[3000:].assign(more=1)[["more", *X.columns]]  # extra columns and another order do not matter
    assert training_share(fp, extra, y[3000:]) == 0.0
    relabelled = training_share(fp, X.iloc[:3000], 1 - y[:3000])  # the target is part of a row
    assert relabelled == 0.0


def test_a_small_training_set_is_kept_whole(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = table
    fp = rows_fingerprint(X.iloc[:200], y[:200])
    assert fp["complete"] and len(fp["sketch"]) == 2 + 16 * 200
    assert training_share(fp, X.iloc[100:300], y[100:300]) == 0.5  # exact: every row is looked up


def test_a_fitted_scorecard_records_its_training_rows(table: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = table
    X = X.assign(util=X["util"] + y * 0.3)  # something to learn
    model = Scorecard(exclude=["id"]).fit(X.iloc[:3000], y[:3000])
    fp = model.training_["rows"]
    assert fp["columns"] == ["id", "util", "region"] and fp["n_rows"] == 3000
    assert training_share(fp, X.iloc[:3000], y[:3000]) == 1.0
