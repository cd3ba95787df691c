"""Scorecard on synthetic data with a known ground truth: points scaling, PD, reasons, JSON round trip."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from creditloop.core.errors import ValidationError
from creditloop.scoring import (
    ProtectedAttributeWarning,
    Scorecard,
    load_scorecard,
    protected_columns,
    roc_auc,
    save_scorecard,
    scorecard_from_json,
    scorecard_to_json,
)


def known_world(n: int = 6000, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """Risk rises with utilisation and delinquencies, falls with tenure; ``region`` matters; ``noise`` does not."""
    rng = np.random.default_rng(seed)
    util = rng.uniform(0, 1.2, n)
    delinq = rng.poisson(0.6, n)
    tenure = rng.integers(1, 120, n).astype(float)
    region = rng.choice(["north", "south", "east", "west"], n)
    logit = -2.0 + 2.2 * util + 0.6 * delinq - 0.012 * tenure + np.where(region == "west", 0.7, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    tenure[rng.random(n) < 0.03] = np.nan
    X = pd.DataFrame(
        {"utilization": util, "delinquencies": delinq, "tenure": tenure, "region": region, "noise": rng.normal(size=n)}
    )
    return X, y


@pytest.fixture(scope="module")
def fitted() -> tuple[Scorecard, pd.DataFrame, np.ndarray]:
    X, y = known_world()
    return Scorecard().fit(X, y, metadata={"purpose": "test"}), X, y


def test_learns_the_true_drivers_and_ignores_noise(fitted: tuple[Scorecard, pd.DataFrame, np.ndarray]) -> None:
    model, X, y = fitted
    assert set(model.features_) >= {"utilization", "delinquencies", "tenure", "region"}
    assert "noise" not in model.features_
    assert (model.coef_ < 0).all()  # WoE rises with quality
    assert roc_auc(y, model.predict_pd(X)) > 0.7
    row = model.selection_.set_index("variable").loc["noise"]
    assert not row["selected"] and "iv" in row["reason"]


def test_points_follow_the_scaling(fitted: tuple[Scorecard, pd.DataFrame, np.ndarray]) -> None:
    model, X, _ = fitted
    woe = model.binning_.transform(X)[model.features_]
    logit = model.intercept_ + woe.to_numpy() @ model.coef_
    exact = model.offset_ - model.factor_ * logit
    score = model.predict_score(X)
    assert np.all(score == np.round(score))
    assert np.max(np.abs(score - exact)) <= 0.5 * len(model.features_) + 1e-9
    assert model.factor_ == pytest.approx(20 / math.log(2))
    # 20 points double the odds: a score 20 higher has about half the odds of bad
    pd_ = model._pd(np.array([600.0, 620.0]))
    odds = pd_ / (1 - pd_)
    assert odds[1] / odds[0] == pytest.approx(0.5, rel=0.1)


def test_pd_is_calibrated_overall(fitted: tuple[Scorecard, pd.DataFrame, np.ndarray]) -> None:
    model, X, y = fitted
    assert model.predict_pd(X).mean() == pytest.approx(y.mean(), abs=0.01)
    proba = model.predict_proba(X)
    assert np.allclose(proba.sum(axis=1), 1.0)


def test_reason_codes_name_the_characteristics_that_lost_points(
    fitted: tuple[Scorecard, pd.DataFrame, np.ndarray],
) -> None:
    model, X, _ = fitted
    frame = model.score_frame(X.head(200))
    table = model.points_table
    best = table.groupby("reason_code")["points"].max()
    pts = {}
    for ch in model.characteristics_:
        idx = ch.binning.assign(X.head(200)[ch.name])[0]
        pts[ch.reason_code] = np.asarray(ch.points)[idx]
    for r in range(200):
        lost = {code: best[code] - p[r] for code, p in pts.items()}
        first = frame["reason_1"].iloc[r]
        if first is None:
            assert max(lost.values()) == 0
            continue
        assert lost[first] == max(lost.values())
        assert frame["reason_1_en"].iloc[r] and frame["reason_1_zh"].iloc[r]
    # an applicant at every best attribute gets no reason at all
    assert set(frame.columns) >= {"score", "pd", "reason_1", "reason_1_en", "reason_1_zh", "issues"}


def test_reason_texts_are_bilingual_and_overridable() -> None:
    X, y = known_world(3000)
    model = Scorecard(reason_texts={"utilization": {"en": "Revolving utilisation", "zh": "循环额度使用率"}}).fit(X, y)
    frame = model.score_frame(X)
    texts = pd.concat([frame[f"reason_{k}_en"] for k in range(1, 5)]).dropna()
    zh = pd.concat([frame[f"reason_{k}_zh"] for k in range(1, 5)]).dropna()
    assert texts.str.startswith("Revolving utilisation:").any()
    assert zh.str.startswith("循环额度使用率：").any()


def test_json_round_trip_scores_identically(fitted: tuple[Scorecard, pd.DataFrame, np.ndarray], tmp_path: Path) -> None:
    model, X, _ = fitted
    path = save_scorecard(model, tmp_path / "model.json", model_version="v1", metadata={"owner": "risk"})
    loaded = load_scorecard(path)
    pd.testing.assert_frame_equal(model.score_frame(X), loaded.score_frame(X))
    assert np.array_equal(model.predict_pd(X), loaded.predict_pd(X))
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "creditloop.scorecard" and doc["model_version"] == "v1"
    assert doc["training"]["data_sha256"] and doc["training"]["metrics"]["auc"] > 0.7
    assert doc["training"]["metadata"] == {"purpose": "test"}
    assert all(isinstance(p, int) for c in doc["characteristics"] for p in c["points"])
    assert scorecard_to_json(loaded, model_version="v1", metadata={"owner": "risk"}) == path.read_text("utf-8")


def test_damaged_model_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not valid JSON"):
        scorecard_from_json("{nope")
    with pytest.raises(ValidationError, match="not a creditloop scorecard"):
        scorecard_from_json('{"format": "other"}')
    with pytest.raises(ValidationError, match="newer"):
        scorecard_from_json('{"format": "creditloop.scorecard", "format_version": 99}')
    with pytest.raises(ValidationError, match="damaged"):
        scorecard_from_json('{"format": "creditloop.scorecard", "format_version": 1}')
    with pytest.raises(ValidationError, match="does not exist"):
        load_scorecard(tmp_path / "missing.json")


def test_scoring_survives_bad_rows_and_reports_them(fitted: tuple[Scorecard, pd.DataFrame, np.ndarray]) -> None:
    model, X, _ = fitted
    new = X.head(4).copy().astype({"utilization": object})
    new.loc[new.index[1], "utilization"] = "12%"
    new.loc[new.index[2], "region"] = "atlantis"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = model.score_frame(new)
    assert len(frame) == 4 and frame["score"].notna().all()
    assert "utilization: not a number" in frame["issues"].iloc[1]
    assert "region: unseen category" in frame["issues"].iloc[2]
    assert frame["issues"].iloc[0] == ""
    miss = X.head(4).copy()
    miss.loc[miss.index[1], "utilization"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert frame["score"].iloc[1] == model.score_frame(miss)["score"].iloc[1]


def test_missing_columns_are_named(fitted: tuple[Scorecard, pd.DataFrame, np.ndarray]) -> None:
    model, X, _ = fitted
    with pytest.raises(ValidationError, match="'utilization'") as info:
        model.score_frame(X.drop(columns=["utilization"]))
    assert info.value.field == "utilization"


def test_protected_attributes_are_detected_and_excluded() -> None:
    names = ["personal_status_and_sex", "age_in_years", "AGE", "MARRIAGE", "foreign_worker", "average_balance", "page"]
    assert protected_columns(names) == names[:5]
    X, y = known_world(3000)
    X["age"] = np.random.default_rng(0).integers(18, 80, len(X))
    with pytest.warns(ProtectedAttributeWarning, match="'age'"):
        model = Scorecard().fit(X, y)
    assert "age" not in model.features_ and "age" in model.excluded_
    explicit = Scorecard(protected=["region"], exclude=["noise"]).fit(X.drop(columns="age"), y)
    assert "region" not in explicit.features_
    assert explicit.excluded_["noise"] == "excluded by request"


def test_bad_input_is_refused_with_the_column_named() -> None:
    X, y = known_world(500)
    with pytest.raises(ValidationError, match="'bad_flag'"):
        Scorecard().fit(X, np.arange(500) % 3, target_name="bad_flag")
    with pytest.raises(ValidationError, match="'zzz'"):
        Scorecard(exclude=["zzz"]).fit(X, y)
    with pytest.raises(ValidationError, match="nothing predicts"):
        Scorecard(min_iv=0.9).fit(X, y)
    with pytest.raises(NotFittedError):
        Scorecard().predict_score(X)


def test_string_targets_with_event_label() -> None:
    X, y = known_world(2000)
    labels = np.where(y == 1, "charged", "paid")
    with pytest.raises(ValidationError, match="event"):
        Scorecard().fit(X, labels, target_name="status")
    model = Scorecard().fit(X, labels, target_name="status", event="charged")
    assert model.training_["n_events"] == int(y.sum())
    good_bad = np.where(y == 1, "bad", "good")
    assert Scorecard().fit(X, good_bad).training_["n_events"] == int(y.sum())


def test_characteristics_that_drift_over_time_are_rejected() -> None:
    X, y = known_world(6000)
    period = np.repeat([1, 2, 3], 2000)
    X.loc[period == 3, "delinquencies"] += 3  # the last period's bureau feed changed
    model = Scorecard().fit(X, y, time=pd.Series(period))
    row = model.selection_.set_index("variable").loc["delinquencies"]
    assert not row["selected"] and "over time" in row["reason"]
    assert "delinquencies" not in model.features_
    assert model.training_["window"] == {"start": "1", "end": "3"}


# ----------------------------------------------------------------- sign-constrained logistic regression
def suppressor_world(n: int = 8000, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """``b`` is risky on its own (it carries ``u``) but protective once ``u`` is known: a reversed coefficient."""
    rng = np.random.default_rng(seed)
    u, v, w = rng.normal(size=(3, n))
    b = u + 1.5 * v  # correlation with u 0.55: passes the 0.7 correlation filter
    logit = -1.5 + 1.5 * u - 0.3 * b + 0.6 * w
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"u": u, "b": b, "w": w}), y


def test_constrained_fit_equals_sklearn_when_the_signs_are_already_right() -> None:
    from sklearn.linear_model import LogisticRegression

    from creditloop.scoring._constrained import fit_nonpositive_logistic

    X, y = known_world()
    model = Scorecard().fit(X, y)
    woe = model.binning_.transform(X[list(model.binning_.variables_)])[model.features_].to_numpy()
    for C in (0.05, 1.0):
        ref = LogisticRegression(C=C, tol=1e-10, max_iter=10_000).fit(woe, y)
        assert (ref.coef_ < 0).all()
        intercept, coef = fit_nonpositive_logistic(woe, y, C)
        assert np.allclose(coef, ref.coef_[0], atol=1e-5) and math.isclose(intercept, ref.intercept_[0], abs_tol=1e-5)


def test_constrained_scorecard_matches_the_default_when_no_sign_is_reversed(
    fitted: tuple[Scorecard, pd.DataFrame, np.ndarray],
) -> None:
    model, X, y = fitted
    constrained = Scorecard(sign_rule="constrain").fit(X, y, metadata={"purpose": "test"})
    assert constrained.features_ == model.features_
    # sklearn stops at tol=1e-4, the bounded fit at 1e-10: the coefficients agree to a few thousandths.
    assert np.allclose(constrained.coef_, model.coef_, atol=5e-3)
    pts = constrained.points_table["points"] - model.points_table["points"]
    assert pts.abs().max() <= 1
    assert abs(roc_auc(y, constrained.predict_pd(X)) - roc_auc(y, model.predict_pd(X))) < 1e-3


def test_constrained_fit_holds_a_reversed_coefficient_at_zero_and_drops_it(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = suppressor_world()
    unconstrained = Scorecard(sign_rule="drop").fit(X, y)
    reason = unconstrained.selection_.set_index("variable")["reason"]
    assert reason["b"] == "coefficient sign reversed"  # the design works: b's free coefficient is positive
    model = Scorecard(sign_rule="constrain").fit(X, y)
    assert model.features_ == ["u", "w"] and (model.coef_ < 0).all()
    assert model.selection_.set_index("variable").loc["b", "reason"] == "coefficient held at 0 by the sign constraint"
    assert "b" not in set(model.points_table["variable"]) and "b" not in set(model.summary["variable"])
    # b adds exactly 0, so the constrained optimum is the free fit on the remaining characteristics.
    woe = model.binning_.transform(X)[["u", "w"]]
    ref = LogisticRegression(tol=1e-10, max_iter=10_000).fit(woe.to_numpy(), y)
    assert np.allclose(model.coef_, ref.coef_[0], atol=1e-5)
    assert math.isclose(model.intercept_, ref.intercept_[0], abs_tol=1e-5)
    again = load_scorecard(save_scorecard(model, tmp_path / "constrained.json"))
    assert again.features_ == ["u", "w"]
    pd.testing.assert_frame_equal(model.score_frame(X.head(300)), again.score_frame(X.head(300)))


def test_constrained_coefficients_are_never_positive() -> None:
    from creditloop.scoring._constrained import fit_nonpositive_logistic

    rng = np.random.default_rng(3)
    A = rng.normal(size=(3000, 6))
    y = (rng.random(3000) < 1 / (1 + np.exp(-(A @ np.array([-1.0, 0.8, -0.5, 0.3, 0.0, -0.2]))))).astype(int)
    _, coef = fit_nonpositive_logistic(A, y, 1.0)
    assert (coef <= 0).all()
    assert coef[1] == 0.0 and coef[3] == 0.0  # positive truths are held exactly at the bound
    assert coef[0] < -0.5 and coef[2] < -0.2


def test_unknown_sign_rule_is_refused() -> None:
    X, y = known_world(800)
    with pytest.raises(ValidationError, match="sign_rule"):
        Scorecard(sign_rule="flip").fit(X, y)


def test_a_point_mass_bin_round_trips_through_the_model_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    n = 12_000
    paid = np.round(rng.lognormal(7.0, 1.0, n))
    util = rng.uniform(0, 1.2, n)
    zero = rng.random(n) < 0.2
    paid[zero] = 0.0
    logit = -1.2 + 1.5 * util - 0.5 * np.log1p(paid) / 7 - np.where(zero, 1.5, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame({"payment_amount": paid, "utilization": util})
    model = Scorecard(binning_params={"point_mass_share": 0.05}).fit(X, y)
    (paid_char,) = [c for c in model.characteristics_ if c.name == "payment_amount"]
    assert paid_char.binning.point_masses == (0.0,)
    path = save_scorecard(model, tmp_path / "pm.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format_version"] == 2  # a version-1 reader would misplace the zeros: it must refuse the file
    loaded = load_scorecard(path)
    new = X.head(200).copy()
    new.loc[new.index[:3], "payment_amount"] = [0.0, 0.5, np.nan]  # the mass, an unseen neighbour, missing
    pd.testing.assert_frame_equal(model.score_frame(new), loaded.score_frame(new))
    table = model.points_table
    zero_row = table[(table["variable"] == "payment_amount") & (table["label"] == "= 0")]
    assert len(zero_row) == 1 and int(zero_row["count"].iloc[0]) == int(zero.sum())
    # a model without point masses keeps writing format version 1
    plain = Scorecard().fit(X, y)
    assert json.loads(scorecard_to_json(plain))["format_version"] == 1


# ----------------------------------------------------------------- per-attribute refinement of the points
def step_world(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """``a`` acts as a step once ``b`` (correlated with it) is known: its own WoE is smoother than its effect, so
    points linear in the WoE misjudge it and per-attribute points can do better."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 1, n)
    b = a + rng.normal(0, 0.3, n)
    c = rng.normal(size=n)
    logit = -1.5 + 2.0 * (a > 0.7) + 1.2 * b + 0.5 * c
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return pd.DataFrame({"a": a, "b": b, "c": c}), y


def test_step_fit_is_the_dense_thermometer_regression() -> None:
    """The look-up objective and gradient equal an explicit (rows × steps) design fitted by a generic solver."""
    from scipy.optimize import minimize

    from creditloop.scoring._attributes import fit_steps, woe_levels

    rng = np.random.default_rng(4)
    n = 3000
    W = np.column_stack([rng.choice([-0.8, -0.1, 0.3, 0.9], n), rng.choice([-0.5, 0.2, 0.6], n)])
    y = (rng.random(n) < 1 / (1 + np.exp(1.0 * W[:, 0] + 2.0 * (W[:, 1] > 0)))).astype(int)
    beta = np.array([-0.9, -0.7])
    fit = fit_steps(W, y, beta, 5.0)
    levels = woe_levels(W)
    Z = np.hstack([(W[:, [k]] >= lv[None, 1:]) * np.diff(lv)[None, :] for k, lv in enumerate(levels)])
    center = np.repeat(beta, [len(lv) - 1 for lv in levels])

    def objective(theta: np.ndarray) -> float:
        z = theta[0] + Z @ theta[1:]
        return float(np.sum(np.logaddexp(0, z) - y * z) + 0.5 * 5.0 * np.sum((theta[1:] - center) ** 2))

    bounds = [(None, None)] + [(None, 0.0)] * Z.shape[1]
    ref = minimize(objective, np.zeros(Z.shape[1] + 1), method="L-BFGS-B", bounds=bounds, options={"gtol": 1e-10})
    assert np.allclose(np.concatenate(fit.steps), ref.x[1:], atol=1e-3)
    assert math.isclose(fit.intercept, ref.x[0], abs_tol=1e-3)
    assert (np.concatenate(fit.steps) <= 0).all()
    # the second column's truth is a single step at 0 (slope −2/0.7 over the first gap, 0 over the second): the
    # step coefficients find it through the pull towards the common slope −0.7
    assert fit.steps[1][0] < -2.0 and fit.steps[1][1] > -0.5


def test_an_infinite_penalty_gives_back_the_woe_scorecard() -> None:
    from creditloop.scoring._attributes import fit_steps

    X, y = known_world()
    model = Scorecard(attribute_penalty=None).fit(X, y)
    W = model.binning_.transform(X)[model.features_].to_numpy()
    stiff = fit_steps(W, y, model.coef_, 1e9)
    for k, ch in enumerate(model.characteristics_):
        woe = np.asarray(ch.binning.woe)
        assert np.allclose(stiff.contribution(k, woe), model.coef_[k] * woe, atol=1e-4)  # β·WoE, 0 at WoE 0


def test_refined_points_rise_with_the_woe_and_rank_new_data_better(tmp_path: Path) -> None:
    X, y = step_world(20_000, seed=1)
    model = Scorecard().fit(X, y)
    woe_only = Scorecard(attribute_penalty=None).fit(X, y)
    assert model.attribute_penalty_ is not None  # chosen by held-out log-loss on the training folds
    assert model.attribute_cv_loss_[f"{model.attribute_penalty_:g}"] < model.attribute_cv_loss_["woe"]
    assert model.training_["attribute_penalty"] == model.attribute_penalty_
    for ch in model.characteristics_:
        order = np.argsort(ch.binning.woe, kind="stable")
        assert (np.diff(np.asarray(ch.points)[order]) >= 0).all()  # never fewer points for a safer bin
        assert (np.asarray(ch.coef) < 0).all()
    X_new, y_new = step_world(50_000, seed=2)
    gain = roc_auc(y_new, model.predict_pd(X_new)) - roc_auc(y_new, woe_only.predict_pd(X_new))
    assert gain > 0.001  # 0.8039 vs 0.8022
    assert model.predict_pd(X).mean() == pytest.approx(y.mean(), abs=0.01)
    again = load_scorecard(save_scorecard(model, tmp_path / "refined.json"))
    pd.testing.assert_frame_equal(model.score_frame(X_new.head(500)), again.score_frame(X_new.head(500)))


def test_small_samples_keep_the_woe_scorecard() -> None:
    X, y = known_world(800)
    model = Scorecard().fit(X, y)
    plain = Scorecard(attribute_penalty=None).fit(X, y)
    assert model.attribute_penalty_ is None and plain.attribute_penalty_ is None
    assert model.attribute_cv_loss_["woe"] <= min(model.attribute_cv_loss_.values())
    pd.testing.assert_frame_equal(model.points_table, plain.points_table)


@pytest.mark.parametrize("bad", [0.0, -1.0, "auto", True, math.inf])
def test_bad_attribute_penalty_is_refused(bad: object) -> None:
    X, y = known_world(800)
    with pytest.raises(ValidationError, match="attribute_penalty"):
        Scorecard(attribute_penalty=bad).fit(X, y)
