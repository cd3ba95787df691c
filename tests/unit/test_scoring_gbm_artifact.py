"""The GBM model file and its runtime: no pickle, and row for row the PD of ``GBMScorer.predict_pd`` and the
reasons of ``score_frame``; a lean install gets one clear error naming the extra."""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_scoring_runtime import messy_world, rows_of

from creditloop._extras import MissingExtra
from creditloop.core.errors import ValidationError
from creditloop.scoring import GBMScorer
from creditloop.scoring.gbm_artifact import GbmRuntime, gbm_to_json, load_gbm, save_gbm
from creditloop.scoring.runtime import load_model


def fitted(calibration: str = "sigmoid") -> tuple[GBMScorer, pd.DataFrame]:
    X, y = messy_world(4000, seed=11)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GBMScorer(n_estimators=80, calibration=calibration, categorical=["region", "sector"]).fit(X, y)
    return model, X


@pytest.fixture(scope="module", params=["sigmoid", "isotonic"])
def saved(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[GBMScorer, GbmRuntime, pd.DataFrame]:
    model, X = fitted(request.param)
    path = save_gbm(model, tmp_path_factory.mktemp("g") / "gbm.json", metadata={"model_id": "gbm-test"})
    runtime = load_model(path)
    assert isinstance(runtime, GbmRuntime)
    return model, runtime, X


def assert_parity(model: GBMScorer, runtime: GbmRuntime, X: pd.DataFrame, batch: bool) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = model.score_frame(X)
        pd_ = model.predict_pd(X)
    rows = rows_of(X)
    got = runtime.score_many(rows) if batch else [runtime.score_one(r) for r in rows]
    seen = 0
    for i, g in enumerate(got):
        want = expected.iloc[i]
        assert abs(g.pd - pd_[i]) <= 1e-12 and abs(g.pd - want["pd"]) <= 1e-12, (i, g.pd, pd_[i])
        codes = tuple(c for c in (want[f"reason_{k}"] for k in range(1, model.n_reasons + 1)) if isinstance(c, str))
        texts = tuple((want[f"reason_{k}_zh"], want[f"reason_{k}_en"]) for k in range(1, len(codes) + 1))
        assert g.reasons == codes, (i, g.reasons, codes)
        assert g.reason_texts == texts, (i, g.reason_texts, texts)
        assert "; ".join(g.issues) == want["issues"], i
        assert g.score is None
        seen += len(codes)
    return seen


def test_every_row_gets_the_pd_and_reasons_of_the_fitted_model(
    saved: tuple[GBMScorer, GbmRuntime, pd.DataFrame],
) -> None:
    model, runtime, X = saved
    head = X.head(400)
    assert assert_parity(model, runtime, head, batch=False) > 0
    assert assert_parity(model, runtime, head, batch=True) > 0
    assert runtime.model_id == "gbm-test" and runtime.features == tuple(model.features_)


def test_odd_values_score_as_the_fitted_model_scores_them(saved: tuple[GBMScorer, GbmRuntime, pd.DataFrame]) -> None:
    model, runtime, X = saved
    odd = X.head(8).copy().astype(object)
    odd.loc[odd.index[0], "region"] = "atlantis"
    odd.loc[odd.index[1], "utilization"] = "n/a"
    odd.loc[odd.index[2], "utilization"] = " 0.9 "
    odd.loc[odd.index[3], "tenure"] = None
    odd.loc[odd.index[4], "sector"] = None
    odd.loc[odd.index[5], "region"] = " west"
    odd.loc[odd.index[6], "monthly_income"] = 0
    assert assert_parity(model, runtime, odd, batch=False) >= 0
    assert runtime.score_one(rows_of(odd)[0]).issues == ("region: unseen category, scored as missing",)


def test_the_file_is_json_with_the_booster_text_roles_and_training_record(tmp_path: Path) -> None:
    model, _ = fitted()
    doc = json.loads(gbm_to_json(model, model_version="g-1"))
    assert (doc["format"], doc["format_version"], doc["model_version"]) == ("creditloop.gbm", 1, "g-1")
    assert doc["booster"].startswith("tree\n") and "pandas_categorical" in doc["booster"]
    kinds = {f["name"]: f["kind"] for f in doc["features"]}
    assert kinds["region"] == "categorical" and kinds["utilization"] == "numeric"
    region = next(f for f in doc["features"] if f["name"] == "region")
    assert region["categories"] == sorted(region["categories"]) and "west" in region["categories"]
    assert doc["monotone_constraints"] == model.monotone_ and any(doc["monotone_constraints"])
    assert doc["calibration"]["method"] == "sigmoid" and doc["training"]["n_rows"] == 4000
    assert 0.6 < doc["training"]["metrics"]["calibration_auc"] <= 1.0
    assert len(doc["training"]["data_sha256"]) == 64
    again = save_gbm(model, tmp_path / "m.json")
    assert (
        json.loads(again.read_text(encoding="utf-8"))["model_version"] == f"gbm-{doc['training']['data_sha256'][:12]}"
    )


def test_a_lean_install_gets_an_error_naming_the_extra(
    saved: tuple[GBMScorer, GbmRuntime, pd.DataFrame], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    model, _, _ = saved
    path = save_gbm(model, tmp_path / "m.json")
    monkeypatch.setitem(sys.modules, "lightgbm", None)
    with pytest.raises(MissingExtra) as caught:
        load_model(path)
    assert "pip install 'creditloop[scoring]'" in str(caught.value)


def test_a_damaged_gbm_file_is_a_validation_error(
    saved: tuple[GBMScorer, GbmRuntime, pd.DataFrame], tmp_path: Path
) -> None:
    model, _, _ = saved
    doc = json.loads(gbm_to_json(model))
    for damage in (
        {"booster": "tree\nnot a model"},
        {"features": doc["features"][:-1]},
        {"calibration": {"method": "x"}},
    ):
        path = tmp_path / "bad.json"
        path.write_text(json.dumps({**doc, **damage}), encoding="utf-8")
        with pytest.raises(ValidationError) as caught:
            load_gbm(path)
        assert caught.value.field == "model"
    with pytest.raises(ValidationError, match="newer"):
        GbmRuntime({**doc, "format_version": 2})
    with pytest.raises(ValidationError):
        GbmRuntime.from_json(json.dumps({**doc, "format": "creditloop.scorecard"}))


def test_without_reasons_only_the_margin_is_computed_and_the_pd_is_the_same(
    saved: tuple[GBMScorer, GbmRuntime, pd.DataFrame],
) -> None:
    model, _, X = saved
    quick = GbmRuntime(json.loads(gbm_to_json(model)), n_reasons=0)
    rows = rows_of(X.head(50))
    want = model.predict_pd(X.head(50))
    for got in (quick.score_many(rows), [quick.score_one(r) for r in rows]):
        assert all(g.reasons == () and g.reason_texts == () for g in got)
        assert np.allclose([g.pd for g in got], want, rtol=0, atol=1e-12)
    assert quick.score_many([]) == []
