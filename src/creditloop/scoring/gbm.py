"""Gradient boosting beside the scorecard: LightGBM with monotone constraints, a calibrated PD, and reason
codes from each prediction's feature contributions (TreeSHAP, ``pred_contrib``) in log-odds of the event."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from creditloop.core.errors import ValidationError
from creditloop.scoring._checks import as_frame, binary_target, column_labels, protected_columns, require_columns
from creditloop.scoring._variable import _numeric_text, numeric_values
from creditloop.scoring.exceptions import BadValueWarning, ProtectedAttributeWarning, UnseenCategoryWarning
from creditloop.scoring.holdout import data_fingerprint
from creditloop.scoring.metrics import _auc, _ks
from creditloop.scoring.reasons import describe, statement


def monotone_signs(X: pd.DataFrame, y: object, *, threshold: float = 0.03) -> dict[str, int]:
    """+1 / −1 where a numeric column's Spearman correlation with the event is above ``threshold`` in size, else 0."""
    target = pd.Series(binary_target(y, "y"), index=X.index, dtype=float)
    out = {}
    for col in X.columns:
        s = X[col]
        if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            out[str(col)] = 0
            continue
        rho = s.rank().corr(target.rank())
        out[str(col)] = 0 if not np.isfinite(rho) or abs(rho) < threshold else int(np.sign(rho))
    return out


class GBMScorer(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """LightGBM PD model with monotone constraints, a calibrated PD and per-row reason codes.

    ``monotone="auto"`` constrains every numeric column in the direction of its Spearman correlation with the
    event (see :func:`monotone_signs`); a mapping sets signs by column; ``None`` leaves the trees free.
    A ``calibration_fraction`` of the rows (stratified) is held out for early stopping and for the PD
    calibration (``"sigmoid"``: Platt, keeps the ranking; ``"isotonic"``).
    """

    def __init__(
        self,
        *,
        n_estimators: int = 400,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 40,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        monotone: str | Mapping[str, int] | None = "auto",
        categorical: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        protected: str | Sequence[str] | None = "auto",
        calibration: str = "sigmoid",
        calibration_fraction: float = 0.25,
        early_stopping_rounds: int = 50,
        n_reasons: int = 4,
        reason_texts: Mapping[str, Mapping[str, str]] | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.monotone = monotone
        self.categorical = categorical
        self.exclude = exclude
        self.protected = protected
        self.calibration = calibration
        self.calibration_fraction = calibration_fraction
        self.early_stopping_rounds = early_stopping_rounds
        self.n_reasons = n_reasons
        self.reason_texts = reason_texts
        self.random_state = random_state
        self.n_jobs = n_jobs

    def fit(self, X: pd.DataFrame, y: object, *, target_name: str = "target", event: object = None) -> GBMScorer:
        if self.calibration not in ("sigmoid", "isotonic"):
            raise ValidationError("calibration must be 'sigmoid' or 'isotonic'", field="calibration")
        X = as_frame(X)
        target = binary_target(y, target_name, event)
        excluded = {c: "excluded by request" for c in self.exclude}
        prot = protected_columns(X.columns) if self.protected == "auto" else list(self.protected or [])
        for col in prot:
            if col not in excluded:
                excluded[col] = "protected attribute: fairness checks only"
                warnings.warn(
                    f"column {col!r} looks like a protected attribute; excluded", ProtectedAttributeWarning, 2
                )
        use = [str(c) for c in X.columns if c not in excluded]
        cat = set(self.categorical or [])
        self.categories_: dict[str, list[str]] = {}
        kinds: dict[str, str] = {}
        for col in use:
            s = X[col]
            numeric = pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
            if col not in cat and (numeric or _numeric_text(col, s)):
                kinds[col] = "numeric"
            else:
                kinds[col] = "categorical"
                self.categories_[col] = sorted({v for v in column_labels(s).dropna().unique()})
        self.kinds_ = kinds
        self.features_ = use
        self.excluded_ = excluded
        frame, _ = self._prepare(X)
        if self.monotone == "auto":
            signs = monotone_signs(frame[[c for c in use if kinds[c] == "numeric"]], target)
        elif isinstance(self.monotone, Mapping):
            signs = {str(k): int(v) for k, v in self.monotone.items()}
        else:
            signs = {}
        self.monotone_ = [signs.get(c, 0) if kinds[c] == "numeric" else 0 for c in use]
        idx = np.arange(len(frame))
        fit_idx, cal_idx = train_test_split(
            idx, test_size=self.calibration_fraction, stratify=target, random_state=self.random_state
        )
        booster = lgb.LGBMClassifier(**self._booster_params())
        booster.fit(
            frame.iloc[fit_idx],
            target[fit_idx],
            eval_set=[(frame.iloc[cal_idx], target[cal_idx])],
            callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)],
        )
        self.booster_ = booster
        raw = np.asarray(booster.predict(frame.iloc[cal_idx], raw_score=True), dtype=float)
        if self.calibration == "sigmoid":
            lr = LogisticRegression(C=1e6, max_iter=1000).fit(raw.reshape(-1, 1), target[cal_idx])
            self.calibrator_: Any = lr
        else:
            self.calibrator_ = IsotonicRegression(out_of_bounds="clip", y_min=1e-6, y_max=1 - 1e-6).fit(
                raw, target[cal_idx]
            )
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = len(X.columns)
        self.training_ = self._training(X, target, target_name, target[cal_idx], self._calibrate(raw))
        return self

    def _training(
        self,
        X: pd.DataFrame,
        target: NDArray[np.int8],
        target_name: str,
        y_cal: NDArray[np.int8],
        p_cal: NDArray[np.float64],
    ) -> dict[str, Any]:
        """What the model file records about the training data: size, event rate, fingerprint, and AUC / KS on
        the held-out calibration rows (early stopping saw them, the trees did not)."""
        return {
            "target": target_name,
            "n_rows": len(X),
            "n_events": int(target.sum()),
            "event_rate": float(target.mean()),
            "data_sha256": data_fingerprint(X, target),
            "n_trees": int(self.booster_.booster_.num_trees()),
            "metrics": {"calibration_auc": _auc(y_cal, p_cal), "calibration_ks": _ks(y_cal, p_cal), "rows": len(y_cal)},
        }

    def _booster_params(self) -> dict[str, Any]:
        """LightGBM's parameters (``monotone_`` must be set)."""
        return {
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "subsample": self.subsample,
            "subsample_freq": 1,
            "colsample_bytree": self.colsample_bytree,
            "reg_lambda": self.reg_lambda,
            "monotone_constraints": self.monotone_,
            "monotone_constraints_method": "advanced",
            "random_state": self.random_state,
            "n_jobs": self.n_jobs,
            "verbosity": -1,
        }

    def _prepare(self, X: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, list[str]]]:
        require_columns(X, self.features_)
        cols: dict[str, Any] = {}
        issues: dict[int, list[str]] = {}
        for col in self.features_:
            if self.kinds_[col] == "numeric":
                x, bad = numeric_values(X[col])
                cols[col] = x
                if bad.any():
                    warnings.warn(
                        f"column {col!r}: {int(bad.sum())} value(s) are not numbers; scored as missing",
                        BadValueWarning,
                        3,
                    )
                    for r in np.flatnonzero(bad):
                        issues.setdefault(int(r), []).append(f"{col}: not a number, scored as missing")
            else:
                labels = column_labels(X[col])
                known = self.categories_[col]
                unseen = labels.notna() & ~labels.isin(known)
                if unseen.any():
                    warnings.warn(
                        f"column {col!r}: {int(unseen.sum())} unseen categories; scored as missing",
                        UnseenCategoryWarning,
                        3,
                    )
                    for r in np.flatnonzero(unseen.to_numpy()):
                        issues.setdefault(int(r), []).append(f"{col}: unseen category, scored as missing")
                cols[col] = pd.Categorical(labels.where(~unseen, None), categories=known)
        return pd.DataFrame(cols, index=X.index), issues

    def _calibrate(self, raw: NDArray[np.float64]) -> NDArray[np.float64]:
        if isinstance(self.calibrator_, LogisticRegression):
            return np.asarray(self.calibrator_.predict_proba(raw.reshape(-1, 1))[:, 1], dtype=float)
        return np.asarray(self.calibrator_.predict(raw), dtype=float)

    def predict_pd(self, X: pd.DataFrame) -> NDArray[np.float64]:
        check_is_fitted(self, "booster_")
        frame, _ = self._prepare(as_frame(X))
        return self._calibrate(np.asarray(self.booster_.predict(frame, raw_score=True), dtype=float))

    def predict_proba(self, X: pd.DataFrame) -> NDArray[np.float64]:
        p = self.predict_pd(X)
        return np.column_stack((1.0 - p, p))

    def predict(self, X: pd.DataFrame) -> NDArray[np.int64]:
        return (self.predict_pd(X) >= 0.5).astype(np.int64)

    def contributions(self, X: pd.DataFrame) -> pd.DataFrame:
        """Per-row contribution of every feature to the log-odds of the event (plus ``bias``); rows sum to the
        raw margin."""
        check_is_fitted(self, "booster_")
        frame, _ = self._prepare(as_frame(X))
        contrib = self.booster_.predict(frame, pred_contrib=True)
        return pd.DataFrame(np.asarray(contrib), columns=[*self.features_, "bias"], index=frame.index)

    def score_frame(self, X: pd.DataFrame, n_reasons: int | None = None) -> pd.DataFrame:
        """PD and the top reasons per row: the features that pushed this applicant's risk up the most."""
        check_is_fitted(self, "booster_")
        X = as_frame(X)
        frame, issues = self._prepare(X)
        contrib = np.asarray(self.booster_.predict(frame, pred_contrib=True))
        raw = contrib.sum(axis=1)
        feats = contrib[:, :-1]
        n = self.n_reasons if n_reasons is None else n_reasons
        out = pd.DataFrame({"pd": self._calibrate(raw)}, index=X.index)
        order = np.argsort(-feats, axis=1, kind="stable")[:, :n]
        names = np.asarray(self.features_, dtype=object)
        for k in range(min(n, len(self.features_))):
            col = order[:, k]
            value = np.take_along_axis(feats, col[:, None], axis=1)[:, 0]
            has = value > 0
            en = np.full(len(X), None, dtype=object)
            zh = np.full(len(X), None, dtype=object)
            for j in np.unique(col[has]):
                name = str(names[j])
                rows = np.flatnonzero(has & (col == j))
                values = frame[name].to_numpy(dtype=object)[rows]
                desc = describe(name, self.reason_texts)
                for r, v in zip(rows, values, strict=True):
                    text = statement(desc, _attribute(v))
                    en[r], zh[r] = text.en, text.zh
            out[f"reason_{k + 1}"] = np.where(has, names[col], np.array(None, dtype=object))
            out[f"reason_{k + 1}_contribution"] = np.where(has, value, 0.0)
            out[f"reason_{k + 1}_en"] = en
            out[f"reason_{k + 1}_zh"] = zh
        issue_col = np.full(len(X), "", dtype=object)
        for row, msgs in issues.items():
            issue_col[row] = "; ".join(msgs)
        out["issues"] = issue_col
        return out

    @property
    def summary(self) -> pd.DataFrame:
        """Gain importance and monotone sign per feature."""
        check_is_fitted(self, "booster_")
        gain = self.booster_.booster_.feature_importance(importance_type="gain")
        return (
            pd.DataFrame(
                {
                    "variable": self.features_,
                    "kind": [self.kinds_[c] for c in self.features_],
                    "monotone": self.monotone_,
                    "gain": gain,
                }
            )
            .sort_values("gain", ascending=False, kind="stable")
            .reset_index(drop=True)
        )


def _attribute(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "Missing"
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return str(value)
