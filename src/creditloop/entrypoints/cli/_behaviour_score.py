"""The behaviour score's training steps, shared by ``ewi score`` and ``tools/ewi_real_data.py``.

Panel → features (reference evaluator) joined with labels (DuckDB) → an account-level train/test split (no
account on both sides: its months are strongly alike) → a scorecard whose reason codes and zh/en texts are the
feature set's → test AUC / KS / Gini. The model file loads with ``scoring.runtime.load_model``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditloop.adapters.files.panel_features import panel_features
from creditloop.adapters.warehouse.behaviour_labels import behaviour_labels
from creditloop.core.errors import ValidationError
from creditloop.monitoring.features import FeatureSet
from creditloop.scoring import Scorecard, roc_auc, save_scorecard
from creditloop.scoring.metrics import ks_statistic

MODEL_ID = "behaviour-score"
KEYS = ("account_id", "month_end_on")
TARGET = "bad"


def training_frame(
    panel: Any, fs: FeatureSet, *, horizon_months: int, dpd_threshold: int, as_of: Collection[date] | None = None
) -> pd.DataFrame:
    """Every labelled (account, month), or those of the ``as_of`` month ends: features as of that month, ``bad``."""
    labels = behaviour_labels(panel, horizon_months=horizon_months, dpd_threshold=dpd_threshold).to_pandas()
    features = panel_features(panel, fs, as_of=as_of).to_pandas()
    return features.merge(labels, on=list(KEYS), how="inner", validate="one_to_one")


def account_split(accounts: pd.Series, test_fraction: float, seed: int) -> np.ndarray:
    """A boolean test mask: a seeded ``test_fraction`` of the accounts, every month of each on the same side."""
    if not 0 < test_fraction < 1:
        raise ValidationError(f"test fraction must be between 0 and 1, got {test_fraction}", field="test_fraction")
    unique = np.sort(accounts.unique())
    rng = np.random.default_rng(seed)
    test_accounts = unique[rng.permutation(len(unique))[: round(test_fraction * len(unique))]]
    return np.asarray(accounts.isin(test_accounts).to_numpy(), dtype=bool)


def fit_scorecard(
    x: pd.DataFrame, y: pd.Series, fs: FeatureSet, metadata: Mapping[str, Any], **params: Any
) -> Scorecard:
    """A scorecard on the behaviour features; each characteristic reports the feature's reason code and texts."""
    texts = {f.name: {"en": f.text_en, "zh": f.text_zh} for f in fs.features if f.text_en and f.text_zh}
    model = Scorecard(reason_texts=texts, protected="auto", **params)
    model.fit(x, y, target_name=TARGET, metadata=metadata)
    model.characteristics_ = [
        dataclasses.replace(ch, reason_code=fs.feature(ch.name).reason or ch.reason_code)
        for ch in model.characteristics_
    ]
    return model


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """AUC, KS, Gini and the lift of the riskiest 10 % (None when a side has one class)."""
    y = np.asarray(y, dtype=int)
    both = 0 < y.sum() < len(y)
    auc = roc_auc(y, p) if both else None
    return {
        "auc": auc,
        "ks": ks_statistic(y, p) if both else None,
        "gini": 2 * auc - 1 if auc is not None else None,
        "lift_10": lift_at(y, p, 0.10) if both else None,
        "rows": len(y),
        "bad_rate": float(y.mean()) if len(y) else None,
    }


def lift_at(y: np.ndarray, p: np.ndarray, share: float) -> float:
    """Bad rate among the ``share`` of rows with the highest PD over the overall bad rate (ties: stable order)."""
    n = max(1, round(share * len(y)))
    top = np.argsort(-np.asarray(p, dtype=float), kind="stable")[:n]
    return float(np.asarray(y)[top].mean() / np.asarray(y).mean())


def save_model(
    model: Scorecard, path: Path, fs: FeatureSet, extra: Mapping[str, Any], *, model_version: str | None = None
) -> None:
    meta = {"model_id": MODEL_ID, "feature_set": f"{fs.feature_set_id}@{fs.version}", **extra}
    save_scorecard(model, path, model_version=model_version, metadata=meta)
