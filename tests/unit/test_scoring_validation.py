"""Validation metrics, stability monitoring, the GBM challenger and the HTML report."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from creditloop.adapters.report.validation_report import render_validation_report
from creditloop.core.errors import ValidationError
from creditloop.scoring import (
    BinningProcess,
    GBMScorer,
    bootstrap_ci,
    calibration_table,
    compare_models,
    csi,
    gains_table,
    gini,
    ks_statistic,
    monotone_signs,
    out_of_time_split,
    performance_decay,
    psi,
    psi_by_period,
    psi_from_counts,
    roc_auc,
    score_drift,
    select_features,
    validate,
    vif,
)


def sample(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.beta(2, 6, n)
    y = (rng.random(n) < p).astype(int)
    return y, p


def test_auc_gini_ks_agree_with_definitions() -> None:
    y, p = sample()
    assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p))
    assert gini(y, p) == pytest.approx(2 * roc_auc_score(y, p) - 1)
    order = np.sort(np.unique(p))
    ks = max(abs((p[y == 1] <= t).mean() - (p[y == 0] <= t).mean()) for t in order[::50])
    assert ks_statistic(y, p) >= ks - 1e-12
    assert ks_statistic(y, p) == pytest.approx(ks, abs=0.02)


def test_gains_and_calibration_tables() -> None:
    y, p = sample()
    g = gains_table(y, p, 10)
    assert len(g) == 10 and g["count"].sum() == len(y)
    assert g["cum_bads_share"].iloc[-1] == pytest.approx(1.0)
    assert g["bad_rate"].iloc[0] > g["bad_rate"].iloc[-1]
    c = calibration_table(y, p, 5)
    assert np.allclose(c["observed"], c["predicted"], atol=0.05)


def test_bootstrap_interval_contains_the_estimate() -> None:
    y, p = sample(2000)
    est, lo, hi = bootstrap_ci(y, p, "auc", n_boot=100)
    assert lo < est < hi and hi - lo < 0.1
    res = validate(y, p, n_boot=50)
    assert set(res.summary["metric"]) == {"auc", "gini", "ks", "brier"}


def test_out_of_time_split_keeps_periods_whole() -> None:
    frame = pd.DataFrame({"month": np.repeat(["2024-01", "2024-02", "2024-03", "2024-04"], 25), "v": range(100)})
    train, test = out_of_time_split(frame, "month", 0.3)
    assert set(train["month"]).isdisjoint(test["month"])
    assert test["month"].min() > train["month"].max()
    assert len(test) == 25
    with pytest.raises(ValidationError, match="'when'"):
        out_of_time_split(frame, "when")


def test_champion_challenger_table() -> None:
    y, p = sample(3000)
    noisy = np.clip(p + np.random.default_rng(1).normal(0, 0.2, p.size), 0, 1)
    table = compare_models({"champion": p, "challenger": noisy}, y, n_boot=50)
    assert list(table["role"]) == ["champion", "challenger"]
    row = table.iloc[1]
    assert row["auc_diff"] < 0 and row["auc_diff_low"] <= row["auc_diff"] <= row["auc_diff_high"]
    assert list(table["verdict"]) == ["champion", "worse"]  # the noise costs AUC; its interval excludes 0


def test_psi_is_zero_on_the_same_population_and_grows_with_shift() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(size=5000)
    assert psi(a, a) == pytest.approx(0.0)
    assert psi(a, a + 0.05) < 0.1 < psi(a, a + 1.0)
    assert psi_from_counts([1, 1], [1, 1]) == 0.0
    drift = score_drift(a, a + 0.5)
    assert drift["status"] in {"watch", "shifted"} and drift["median_shift"] == pytest.approx(0.5, abs=0.05)


def test_csi_psi_by_period_and_decay() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    x = rng.normal(size=n)
    period = np.repeat([1, 2, 3], n // 3)
    x[period == 3] += 1.0  # the last period drifts
    y = (rng.random(n) < 1 / (1 + np.exp(-(x - 1)))).astype(int)
    frame = pd.DataFrame({"x": x, "z": rng.normal(size=n)})
    bp = BinningProcess().fit(frame, y)
    table = csi(bp.variables_, frame[period == 1], frame[period == 3])
    assert table.iloc[0]["variable"] == "x" and table.iloc[0]["status"] == "shifted"
    by_period = psi_by_period(bp.variables_, frame, period)
    assert by_period.loc["x", 3] > 0.25 > by_period.loc["x", 2]
    decay = performance_decay(y, 1 / (1 + np.exp(-(x - 1))), period, baseline_auc=0.8)
    assert list(decay["period"]) == [1, 2, 3] and decay["auc"].between(0.5, 1).all()


def test_selection_by_iv_correlation_and_vif() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=2000)
    woe = pd.DataFrame({"a": a, "a_copy": a + rng.normal(0, 0.01, 2000), "b": rng.normal(size=2000)})
    table = select_features(woe, {"a": 0.5, "a_copy": 0.4, "b": 0.01}).set_index("variable")
    assert table.loc["a", "selected"] and not table.loc["a_copy", "selected"]
    assert "corr" in table.loc["a_copy", "reason"] and "iv" in table.loc["b", "reason"]
    assert vif(woe)["a"] > 100


def test_gbm_monotone_calibrated_with_reasons() -> None:
    rng = np.random.default_rng(5)
    n = 4000
    X = pd.DataFrame(
        {
            "util": rng.uniform(0, 1, n),
            "tenure": rng.uniform(0, 10, n),
            "segment": rng.choice(["a", "b", "c"], n),
        }
    )
    logit = -1.5 + 2.5 * X["util"] - 0.2 * X["tenure"] + np.where(X["segment"] == "c", 0.8, 0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    assert monotone_signs(X, y) == {"util": 1, "tenure": -1, "segment": 0}
    model = GBMScorer(n_estimators=120).fit(X, y)
    assert model.monotone_ == [1, -1, 0]
    grid = pd.DataFrame({"util": np.linspace(0, 1, 50), "tenure": 5.0, "segment": "a"})
    p = model.predict_pd(grid)
    assert np.all(np.diff(p) >= -1e-12) and ((p > 0) & (p < 1)).all()
    contrib = model.contributions(X.head(50))
    raw = model.booster_.predict(model._prepare(X.head(50))[0], raw_score=True)
    assert np.allclose(contrib.sum(axis=1), raw)
    frame = model.score_frame(X.head(50).assign(segment=["zzz"] + ["a"] * 49))
    assert frame["reason_1"].notna().any() and "unseen category" in frame["issues"].iloc[0]
    assert model.summary["variable"].tolist()[0] == "util"


def test_html_report_is_self_contained(tmp_path: Path) -> None:
    y, p = sample(1500)
    result = validate(y, p, score=600 - 50 * np.log(p / (1 - p)), name="scorecard", n_boot=20)
    other = validate(y, np.clip(p * 1.1, 0, 1), name="gbm", n_boot=20)
    text = render_validation_report(
        [result, other], tmp_path / "r.html", tables={"Extra / 附加": pd.DataFrame({"a": [1]})}
    )
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == text
    assert text.count("<svg") >= 6 and "模型验证报告" in text and "Extra / 附加" in text
    assert not re.search(r"(src|href)=\"https?://", text)
    assert "<script" not in text and "http://" not in text and "https://" not in text
