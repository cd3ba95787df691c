"""Issue 14, real data: the behaviour score against LightGBM and a scorecard on public panels (figures in
docs/performance.md, method in docs/early_warning.md).

Reads ../shared/datasets in place. Prints a Markdown table (``--json`` for the raw numbers).

- UCI Taiwan: target = the file's Y (default in October 2005); behaviour features as of 2005-09-30 from the
  six-month panel (``adapters/datasets/uci_taiwan.py``). On ONE seeded 70/30 account split: the behaviour
  scorecard, LightGBM on the same features, and on the raw repayment columns (LIMIT_BAL, PAY_*, BILL_AMT_*,
  PAY_AMT_*; never SEX, EDUCATION, MARRIAGE, AGE) LightGBM, the project's own scorecard (optbinning is not
  installed: our binning stands in for it) and a scikit-learn logistic regression.
- Credit Card Approval: ever 60+ DPD within the next six months from the status history, as of every third
  month end (quarter ends, so one account's rows are not all near-copies), 70/30 account split: AUC and lift
  at the riskiest 10 %.

    PYTHONPATH=src python tools/ewi_real_data.py [--seed 42] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditloop.adapters.datasets.credit_card_approval import approval_panel
from creditloop.adapters.datasets.uci_taiwan import taiwan_panel, taiwan_target
from creditloop.adapters.files.panel_features import panel_features
from creditloop.entrypoints.cli._behaviour_score import KEYS, account_split, fit_scorecard, metrics, training_frame
from creditloop.monitoring.features import default_feature_set
from creditloop.scoring import Scorecard

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
TAIWAN_RAW = ["X1", *(f"X{i}" for i in range(6, 24))]  # LIMIT_BAL, PAY_0..6, BILL_AMT1..6, PAY_AMT1..6


def lightgbm(x_train: pd.DataFrame, y_train: np.ndarray, x_test: pd.DataFrame, seed: int) -> np.ndarray:
    import lightgbm as lgb

    model = lgb.LGBMClassifier(
        n_estimators=300, learning_rate=0.03, num_leaves=15, min_child_samples=100, subsample=0.8,
        subsample_freq=1, colsample_bytree=0.8, random_state=seed, n_jobs=2, verbose=-1,
    )  # fmt: skip
    model.fit(x_train, y_train)
    return np.asarray(model.predict_proba(x_test)[:, 1])


def logistic(x_train: pd.DataFrame, y_train: np.ndarray, x_test: pd.DataFrame) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit(x_train, y_train)
    return np.asarray(model.predict_proba(x_test)[:, 1])


def taiwan(seed: int) -> list[dict[str, Any]]:
    fs = default_feature_set()
    path = DATASETS / "uci_taiwan_default.csv"
    features = panel_features(taiwan_panel(path), fs, latest_only=True).to_pandas()
    frame = features.merge(taiwan_target(path).to_pandas(), on="account_id", validate="one_to_one")
    raw = pd.read_csv(path, usecols=["ID", *TAIWAN_RAW])
    raw["account_id"] = "tw-" + raw["ID"].astype(str)
    frame = frame.merge(raw.drop(columns="ID"), on="account_id", validate="one_to_one")
    test = account_split(frame["account_id"], 0.3, seed)
    y = frame["default_next_month"].to_numpy()
    behaviour = frame[list(fs.names)]
    rows = []

    def add(model: str, inputs: str, p: np.ndarray, started: float) -> None:
        rows.append({"data": "UCI Taiwan", "model": model, "features": inputs, **metrics(y[test], p),
                     "seconds": round(time.perf_counter() - started, 1)})  # fmt: skip

    t = time.perf_counter()
    card = fit_scorecard(behaviour[~test], pd.Series(y[~test]), fs, {})
    add("behaviour scorecard", "behaviour_v1 as of Sep", card.predict_pd(behaviour[test]), t)
    t = time.perf_counter()
    add("LightGBM", "behaviour_v1 as of Sep", lightgbm(behaviour[~test], y[~test], behaviour[test], seed), t)
    x = frame[TAIWAN_RAW]
    t = time.perf_counter()
    add("LightGBM", "raw columns", lightgbm(x[~test], y[~test], x[test], seed), t)
    t = time.perf_counter()
    raw_card = Scorecard(protected=None).fit(x[~test], y[~test])
    add("scorecard (own binning; optbinning absent)", "raw columns", raw_card.predict_pd(x[test]), t)
    t = time.perf_counter()
    add("logistic regression (sklearn)", "raw columns", logistic(x[~test], y[~test], x[test]), t)
    return rows


def approval(seed: int) -> list[dict[str, Any]]:
    fs = default_feature_set()
    panel = approval_panel(DATASETS / "credit_card_approval_credit_record.csv.gz")
    months = {m for m in set(panel["month_end_on"].to_pylist()) if m.month % 3 == 0}
    t = time.perf_counter()
    frame = training_frame(panel, fs, horizon_months=6, dpd_threshold=60, as_of=months)
    features_s = round(time.perf_counter() - t, 1)
    test = account_split(frame["account_id"], 0.3, seed)
    y = frame["bad"].to_numpy()
    x = frame.drop(columns=[*KEYS, "bad"])
    rows = []
    t = time.perf_counter()
    card = fit_scorecard(x[~test], pd.Series(y[~test]), fs, {})
    base = {"data": "Credit Card Approval", "features": f"behaviour_v1, {len(months)} quarter ends ({features_s}s)"}
    rows.append({**base, "model": "behaviour scorecard", **metrics(y[test], card.predict_pd(x[test])),
                 "seconds": round(time.perf_counter() - t, 1), "characteristics": card.features_})  # fmt: skip
    t = time.perf_counter()
    rows.append({**base, "model": "LightGBM", **metrics(y[test], lightgbm(x[~test], y[~test], x[test], seed)),
                 "seconds": round(time.perf_counter() - t, 1)})  # fmt: skip
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    def f(col: str, v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.1f}" if col == "seconds" else f"{v:.4f}"
        return str(v)

    cols = ("data", "model", "features", "auc", "gini", "ks", "lift_10", "rows", "bad_rate", "seconds")
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(f(c, r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (DATASETS / "uci_taiwan_default.csv").is_file():
        sys.exit(f"datasets not found in {DATASETS}")
    warnings.simplefilter("ignore")  # constant or all-missing features are left out by design (no amounts, etc.)
    started = time.perf_counter()
    rows = taiwan(args.seed) + approval(args.seed)
    total = round(time.perf_counter() - started, 1)
    if args.json:
        print(json.dumps({"rows": rows, "seconds": total}, indent=2, default=str))
    else:
        print(table(rows))
        print(f"\nseed {args.seed}, 70/30 account split; total {total}s")


if __name__ == "__main__":
    main()
