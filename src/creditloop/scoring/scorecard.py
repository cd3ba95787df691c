"""The scorecard: optimal binning → WoE → variable selection → logistic regression → points.

Points scaling: ``score = offset + factor·ln(odds of good)`` with ``factor = pdo / ln 2`` and
``offset = base_score − factor·ln(base_odds)``, split over the characteristics so that the points of an
attribute are ``offset/n − factor·(β·WoE + α/n)``, rounded to integers. Scoring only adds integer points,
so a scorecard read back from its JSON file (:mod:`creditloop.scoring.artifact`) scores identically.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from creditloop.core.errors import ValidationError
from creditloop.scoring._attributes import ATTRIBUTE_PENALTIES, AttributeFit, choose_penalty, fit_steps
from creditloop.scoring._checks import as_frame, binary_target, require_columns
from creditloop.scoring._constrained import fit_nonpositive_logistic
from creditloop.scoring._exclusions import exclusions
from creditloop.scoring.binning import BinningProcess, VariableBinning
from creditloop.scoring.exceptions import BadValueWarning, UnseenCategoryWarning
from creditloop.scoring.holdout import data_fingerprint, rows_fingerprint
from creditloop.scoring.metrics import _auc, _ks
from creditloop.scoring.monitoring import psi_by_period
from creditloop.scoring.reason_words import check_reason_style, reason_statement
from creditloop.scoring.reasons import ReasonText, describe
from creditloop.scoring.selection import select_features

logger = logging.getLogger(__name__)

SIGN_RULES = ("drop", "constrain")


@dataclass(frozen=True)
class Characteristic:
    """One characteristic of a fitted scorecard: its bins, coefficient and integer points per bin."""

    binning: VariableBinning
    coef: float
    points: tuple[float, ...]
    reason_code: str
    description: ReasonText

    @property
    def name(self) -> str:
        return self.binning.name

    @property
    def max_points(self) -> float:
        return max(self.points)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.binning.to_dict(),
            "coef": self.coef,
            "points": [int(p) if float(p).is_integer() else p for p in self.points],
            "reason_code": self.reason_code,
            "description": {"en": self.description.en, "zh": self.description.zh},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Characteristic:
        desc = data.get("description", {})
        return cls(
            binning=VariableBinning.from_dict(data),
            coef=float(data["coef"]),
            points=tuple(float(p) for p in data["points"]),
            reason_code=str(data["reason_code"]),
            description=ReasonText(str(desc.get("en", data["name"])), str(desc.get("zh", data["name"]))),
        )


class Scorecard(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A points scorecard for a binary event (1 = bad).

    Parameters
    ----------
    binning_params:
        Keyword arguments for :class:`BinningProcess` (``categorical``, ``special_codes``, ``monotonic_trend``,
        ``max_bins``, ``min_bin_share``...).
    exclude:
        Columns never to use (ids, dates, the target's relatives).
    protected:
        ``"auto"`` excludes every column whose name marks a protected attribute (sex, gender, marital status,
        age, race, religion, nationality/foreign, birth date — see ``PROTECTED_TOKENS``); a list names them
        explicitly (``["X2", "X4", "X5"]`` for UCI Taiwan); ``None`` excludes nothing more.
    allow_columns:
        Identifier-like columns are always excluded (:mod:`creditloop.scoring._identifiers`: by name, by
        cardinality, by personal-data patterns such as ID and mobile numbers); a column named here is kept
        despite its name or cardinality. A column whose values look like personal data cannot be allowed.
    min_iv, max_corr, max_vif, max_features:
        Variable selection (see :func:`select_features`).
    max_psi:
        With ``time`` given to :meth:`fit`, a characteristic whose bin distribution moves by more than this PSI
        between the first period and any later one is rejected as unstable (``None``: no check).
    C:
        Inverse L2 strength of the logistic regression (scikit-learn's meaning: the log-loss is summed over rows).
    sign_rule:
        How the logistic regression keeps every coefficient consistent with the WoE (WoE rises with quality, so
        a coefficient must be negative): ``"drop"`` fits unconstrained and drops the weakest characteristic with
        a reversed sign, refitting until none is left; ``"constrain"`` fits once with every coefficient bounded
        at ≤ 0 (non-negative logistic regression on the risk scale) and drops those held at 0.
    attribute_penalty:
        Per-attribute refinement of the points (:mod:`creditloop.scoring._attributes`): every step between two
        bins adjacent in WoE order gets its own coefficient, bounded at ≤ 0 (points never fall as WoE rises)
        and pulled towards the characteristic's WoE coefficient by this ridge penalty. ``"cv"`` (default)
        picks the penalty among ``ATTRIBUTE_PENALTIES`` or none at all by held-out log-loss on ``attribute_cv``
        stratified folds of the training data; a number fixes it; ``None`` keeps the plain WoE scorecard
        (points linear in the WoE). The choice is ``attribute_penalty_`` (``None``: WoE scorecard), the held-out
        log-loss per row of each candidate ``attribute_cv_loss_``; ``coef_`` stays the WoE regression's.
    attribute_cv:
        Folds for ``attribute_penalty="cv"`` (seeded, stratified).
    pdo, base_score, base_odds:
        Points to double the odds, and the score at the base odds of good:bad.
    n_reasons:
        Reason codes returned per row.
    reason_texts:
        ``{column: {"en": ..., "zh": ...}}`` to override the characteristic descriptions in reasons.
    reason_style:
        ``"label"`` names a reason's bin by its interval, ``"words"`` in plain words (``reason_words``), as the runtime.
    """

    def __init__(
        self,
        *,
        binning_params: Mapping[str, Any] | None = None,
        exclude: Sequence[str] = (),
        protected: str | Sequence[str] | None = "auto",
        allow_columns: Sequence[str] = (),
        min_iv: float = 0.02,
        max_corr: float = 0.7,
        max_vif: float | None = 10.0,
        max_features: int | None = None,
        max_psi: float | None = 0.25,
        C: float = 1.0,
        sign_rule: str = "drop",
        attribute_penalty: float | str | None = "cv",
        attribute_cv: int = 3,
        pdo: float = 20.0,
        base_score: float = 600.0,
        base_odds: float = 50.0,
        round_points: bool = True,
        n_reasons: int = 4,
        reason_texts: Mapping[str, Mapping[str, str]] | None = None,
        reason_style: str = "label",
    ) -> None:
        self.binning_params = binning_params
        self.exclude = exclude
        self.protected = protected
        self.allow_columns = allow_columns
        self.min_iv = min_iv
        self.max_corr = max_corr
        self.max_vif = max_vif
        self.max_features = max_features
        self.max_psi = max_psi
        self.C = C
        self.sign_rule = sign_rule
        self.attribute_penalty = attribute_penalty
        self.attribute_cv = attribute_cv
        self.pdo = pdo
        self.base_score = base_score
        self.base_odds = base_odds
        self.round_points = round_points
        self.n_reasons = n_reasons
        self.reason_texts = reason_texts
        self.reason_style = reason_style

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        X: pd.DataFrame,
        y: object,
        *,
        target_name: str = "target",
        event: object = None,
        time: pd.Series | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Scorecard:
        """Fit on ``X`` and the binary target ``y``; ``time`` (optional) records the training window."""
        self._check_params()
        X = as_frame(X)
        target = binary_target(y, target_name, event)
        if len(target) != len(X):
            raise ValidationError(f"target has {len(target)} rows but the data has {len(X)}", field=target_name)
        excluded = self._exclusions(X)
        for col, why in excluded.items():
            logger.info("excluding %s: %s", col, why)
        use = [c for c in X.columns if c not in excluded]
        if not use:
            raise ValidationError(
                "every column is excluded (by request, as protected or as an identifier): nothing to model", field="X"
            )
        binning = BinningProcess(**self._binning_params(use)).fit(X[use], target, target_name=target_name)
        for col, why in binning.dropped_.items():
            excluded[col] = why
        woe = binning.transform(X[list(binning.variables_)])
        iv = {name: var.iv for name, var in binning.variables_.items()}
        selection = select_features(
            woe, iv, min_iv=self.min_iv, max_corr=self.max_corr, max_vif=self.max_vif, max_features=self.max_features
        )
        if time is not None and self.max_psi is not None:
            selection = self._stability(selection, binning, X, time)
        chosen = selection.loc[selection["selected"], "variable"].tolist()
        if not chosen:
            raise ValidationError(
                f"no characteristic has IV >= {self.min_iv}: nothing predicts {target_name!r}", field=target_name
            )
        intercept, coef, chosen, dropped_sign = self._fit_logistic(woe, target, chosen)
        for col, why in dropped_sign.items():
            selection.loc[selection["variable"] == col, ["selected", "reason"]] = [False, why]
        # Points per attribute, still ordered like the WoE (docs/scoring.md, "Per-attribute points"): adopted only
        # when held-out folds of the training data prefer them to points linear in the WoE. coef_ stays the WoE
        # regression's (the refinement's centre); intercept_ is the one the points are computed with.
        W = woe[chosen].to_numpy(dtype=float)
        self.attribute_penalty_, self.attribute_cv_loss_ = self._attribute_penalty(W, target)
        contributions = [coef[k] * np.asarray(binning.variables_[c].woe, dtype=float) for k, c in enumerate(chosen)]
        if self.attribute_penalty_ is not None:
            refined = fit_steps(W, target, coef, self.attribute_penalty_)
            intercept = refined.neutral_intercept()
            contributions = self._refined_contributions(refined, binning, chosen)
        self.binning_ = binning
        self.selection_ = selection
        self.excluded_ = excluded
        self.intercept_ = intercept
        self.coef_ = coef
        self.factor_ = self.pdo / math.log(2.0)
        self.offset_ = self.base_score - self.factor_ * math.log(self.base_odds)
        self.characteristics_ = self._points(binning, chosen, self.coef_, contributions)
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = len(X.columns)
        score = self._score_matrix(X)[1]
        self.calibration_ = self._fit_calibration(score, target)
        self.training_: dict[str, Any] = self._training(X, target, target_name, score, time, metadata)
        return self

    def _check_params(self) -> None:
        for field in ("pdo", "base_odds"):  # NaN fails every comparison: test for the good range
            if not 0 < float(getattr(self, field)) < math.inf:
                raise ValidationError(f"{field} must be a positive finite number", field=field)
        if not math.isfinite(float(self.base_score)):
            raise ValidationError("base_score must be a finite number", field="base_score")
        if self.sign_rule not in SIGN_RULES:
            raise ValidationError(f"sign_rule must be one of {SIGN_RULES}, not {self.sign_rule!r}", field="sign_rule")
        self._check_attribute_params()

    def _training(
        self,
        X: pd.DataFrame,
        target: NDArray[np.int8],
        target_name: str,
        score: NDArray[np.float64],
        time: pd.Series | None,
        metadata: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        """What the model file records about its training data: size, event rate, fingerprint, window, fit."""
        window = None
        if time is not None:
            t = pd.Series(time)
            window = {"start": str(t.min()), "end": str(t.max())}
        pd_train = self._pd(score)
        return {
            "target": target_name,
            "n_rows": len(X),
            "n_events": int(target.sum()),
            "event_rate": float(target.mean()),
            "data_sha256": data_fingerprint(X, target),
            "rows": rows_fingerprint(X[self._hashed_columns(X)], target),  # a report can tell training rows
            "window": window,
            "metrics": {"auc": _auc(target, pd_train), "ks": _ks(target, pd_train)},
            "attribute_penalty": self.attribute_penalty_,
            "metadata": dict(metadata or {}),
        }

    def _hashed_columns(self, X: pd.DataFrame) -> list[str]:
        """The columns of the training-rows fingerprint: all but identifiers and personal data, whose values
        (even hashed with the rest of a row) the model file never carries."""
        reasons = self.excluded_
        return [c for c in X.columns if not str(reasons.get(c, "")).startswith(("identifier", "personal data"))]

    def _binning_params(self, use: Sequence[str]) -> dict[str, Any]:
        """The binning parameters, without columns excluded before binning (a declared categorical id...)."""
        params = dict(self.binning_params or {})
        if params.get("categorical"):
            params["categorical"] = [c for c in params["categorical"] if c in use]
        return params

    def _check_attribute_params(self) -> None:
        p = self.attribute_penalty
        positive = isinstance(p, int | float) and not isinstance(p, bool) and 0 < p < math.inf
        if not (p is None or p == "cv" or positive):
            raise ValidationError(
                f"attribute_penalty must be 'cv', a positive number or None, not {p!r}", field="attribute_penalty"
            )
        if p == "cv" and (not isinstance(self.attribute_cv, int) or self.attribute_cv < 2):
            raise ValidationError(
                f"attribute_cv must be an integer >= 2, not {self.attribute_cv!r}", field="attribute_cv"
            )

    def _attribute_penalty(self, W: NDArray[np.float64], y: NDArray[np.int8]) -> tuple[float | None, dict[str, float]]:
        """The ridge penalty of the per-attribute refinement (``None``: keep the WoE scorecard) and, under
        ``"cv"``, the held-out log-loss per row of every candidate."""
        if self.attribute_penalty is None:
            return None, {}
        if self.attribute_penalty != "cv":
            return float(self.attribute_penalty), {}
        if int(y.sum()) < self.attribute_cv or len(y) - int(y.sum()) < self.attribute_cv:
            return None, {}  # too few events to cross-validate anything
        return choose_penalty(W, y, self.C, penalties=ATTRIBUTE_PENALTIES, folds=self.attribute_cv)

    @staticmethod
    def _refined_contributions(
        refined: AttributeFit, binning: BinningProcess, chosen: list[str]
    ) -> list[NDArray[np.float64]]:
        """Per characteristic, the refined log-odds contribution of every bin (monotone in the bin's WoE)."""
        return [
            refined.contribution(k, np.asarray(binning.variables_[c].woe, dtype=float)) for k, c in enumerate(chosen)
        ]

    def _stability(
        self, selection: pd.DataFrame, binning: BinningProcess, X: pd.DataFrame, time: object
    ) -> pd.DataFrame:
        """Reject characteristics whose distribution drifts over the training window (PSI by period)."""
        period = np.asarray(time)
        if len(period) != len(X):
            raise ValidationError(f"time has {len(period)} rows but the data has {len(X)}", field="time")
        if pd.Series(period).nunique() < 2:
            return selection
        table = psi_by_period(binning.variables_, X, period)
        selection = selection.copy()
        selection["max_psi"] = selection["variable"].map(table["max_psi"])
        limit = float(self.max_psi) if self.max_psi is not None else np.inf
        unstable = selection["selected"] & (selection["max_psi"] > limit)
        selection.loc[unstable, "reason"] = [
            f"psi {v:.3f} > {limit} over time" for v in selection.loc[unstable, "max_psi"]
        ]
        selection.loc[unstable, "selected"] = False
        return selection

    def _exclusions(self, X: pd.DataFrame) -> dict[str, str]:
        return exclusions(X, self.exclude, self.protected, list(self.allow_columns or ()))

    def _fit_logistic(
        self, woe: pd.DataFrame, y: NDArray[np.int8], chosen: list[str]
    ) -> tuple[float, NDArray[np.float64], list[str], dict[str, str]]:
        """Logistic regression on WoE with every coefficient negative (WoE rises with quality): (intercept,
        coefficients, characteristics kept, {characteristic dropped: why})."""
        if self.sign_rule == "constrain":
            return self._fit_constrained(woe, y, chosen)
        dropped: dict[str, str] = {}
        while True:
            model = LogisticRegression(C=self.C, max_iter=1000)
            model.fit(woe[chosen].to_numpy(), y)
            wrong = [c for c, b in zip(chosen, model.coef_[0], strict=True) if b >= 0]
            if not wrong or len(chosen) == 1:
                return float(model.intercept_[0]), np.asarray(model.coef_[0], dtype=float), chosen, dropped
            worst = wrong[-1]  # chosen is ordered by IV: drop the weakest offender
            chosen = [c for c in chosen if c != worst]
            dropped[worst] = "coefficient sign reversed"

    def _fit_constrained(
        self, woe: pd.DataFrame, y: NDArray[np.int8], chosen: list[str]
    ) -> tuple[float, NDArray[np.float64], list[str], dict[str, str]]:
        """One fit with every coefficient bounded at ≤ 0; a coefficient held at 0 drops its characteristic."""
        intercept, coef = fit_nonpositive_logistic(woe[chosen].to_numpy(dtype=float), y, self.C)
        pinned = coef == 0.0
        if pinned.all():  # nothing adds evidence beyond the base rate: keep the strongest, flat
            pinned[0] = False
        # A pinned column contributes exactly 0, so dropping it leaves the optimum (and every point) unchanged.
        dropped = {c: "coefficient held at 0 by the sign constraint" for c, p in zip(chosen, pinned, strict=True) if p}
        kept = [c for c, p in zip(chosen, pinned, strict=True) if not p]
        return intercept, coef[~pinned], kept, dropped

    def _points(
        self,
        binning: BinningProcess,
        chosen: list[str],
        coef: NDArray[np.float64],
        contributions: list[NDArray[np.float64]],
    ) -> list[Characteristic]:
        """Integer points per bin from each bin's log-odds contribution (``β·WoE`` for the WoE scorecard)."""
        n = len(chosen)
        out = []
        for k, (name, beta) in enumerate(zip(chosen, coef, strict=True)):
            var = binning.variables_[name]
            raw = self.offset_ / n - self.factor_ * (contributions[k] + self.intercept_ / n)
            pts = np.round(raw) if self.round_points else raw
            out.append(
                Characteristic(
                    binning=var,
                    coef=float(beta),
                    points=tuple(float(p) for p in pts),
                    reason_code=f"R{k + 1:02d}",
                    description=describe(name, self.reason_texts),
                )
            )
        return out

    def _fit_calibration(self, score: NDArray[np.float64], y: NDArray[np.int8]) -> dict[str, float]:
        """Score → PD: a logistic fit of the event on ``t = (offset − score)/factor`` (≈ the log-odds of bad)."""
        t = ((self.offset_ - score) / self.factor_).reshape(-1, 1)
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(t, y)
        return {"a": float(lr.intercept_[0]), "b": float(lr.coef_[0, 0])}

    # -------------------------------------------------------------- scoring
    @property
    def features_(self) -> list[str]:
        check_is_fitted(self, "characteristics_")
        return [c.name for c in self.characteristics_]

    def _score_matrix(
        self, X: pd.DataFrame, collect: bool = False
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], dict[int, list[str]]]:
        """(points per row and characteristic, total score, {row: issues})."""
        X = as_frame(X)
        require_columns(X, self.features_)
        pts = np.empty((len(X), len(self.characteristics_)), dtype=float)
        issues: dict[int, list[str]] = {}
        n_bad: dict[str, int] = {}
        n_unseen: dict[str, int] = {}
        for j, ch in enumerate(self.characteristics_):
            idx, bad, unseen = ch.binning.assign(X[ch.name])
            pts[:, j] = np.asarray(ch.points)[idx]
            if bad.any():
                n_bad[ch.name] = int(bad.sum())
                if collect:
                    for r in np.flatnonzero(bad):
                        issues.setdefault(int(r), []).append(f"{ch.name}: not a number, scored as missing")
            if unseen.any():
                n_unseen[ch.name] = int(unseen.sum())
                if collect:
                    for r in np.flatnonzero(unseen):
                        issues.setdefault(int(r), []).append(f"{ch.name}: unseen category, scored as missing")
        for name, count in n_bad.items():
            warnings.warn(f"column {name!r}: {count} value(s) are not numbers; scored as missing", BadValueWarning, 3)
        for name, count in n_unseen.items():
            warnings.warn(
                f"column {name!r}: {count} value(s) are categories not seen in training; scored as missing",
                UnseenCategoryWarning,
                3,
            )
        return pts, pts.sum(axis=1), issues

    def _pd(self, score: NDArray[np.float64]) -> NDArray[np.float64]:
        t = (self.offset_ - score) / self.factor_
        z = self.calibration_["a"] + self.calibration_["b"] * t
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=float)

    def predict_score(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Total points per row (integers unless ``round_points=False``); higher is safer."""
        check_is_fitted(self, "characteristics_")
        return self._score_matrix(X)[1]

    def predict_pd(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Calibrated probability of the event (bad) per row."""
        check_is_fitted(self, "characteristics_")
        return self._pd(self._score_matrix(X)[1])

    def predict_proba(self, X: pd.DataFrame) -> NDArray[np.float64]:
        p = self.predict_pd(X)
        return np.column_stack((1.0 - p, p))

    def predict(self, X: pd.DataFrame) -> NDArray[np.int64]:
        return (self.predict_pd(X) >= 0.5).astype(np.int64)

    def score_frame(self, X: pd.DataFrame, n_reasons: int | None = None) -> pd.DataFrame:
        """Score, PD and the top reason codes with bilingual texts per row, plus any data issues found on that row.

        Reasons are the characteristics that lost the most points against their best attribute (ties: the
        order of the characteristics); a characteristic at its best attribute is never a reason.
        """
        check_is_fitted(self, "characteristics_")
        X = as_frame(X)
        pts, score, issues = self._score_matrix(X, collect=True)
        n = self.n_reasons if n_reasons is None else n_reasons
        out = pd.DataFrame({"score": score, "pd": self._pd(score)}, index=X.index)
        if self.round_points:
            out["score"] = score.astype(np.int64)
        best = np.array([c.max_points for c in self.characteristics_])
        lost = best[None, :] - pts
        order = np.argsort(-lost, axis=1, kind="stable")[:, :n]
        codes = np.array([c.reason_code for c in self.characteristics_], dtype=object)
        labels = [np.asarray(c.binning.labels(), dtype=object) for c in self.characteristics_]
        idx_cache: dict[int, NDArray[np.int64]] = {}
        for k in range(min(n, len(self.characteristics_))):
            col = order[:, k]
            has = np.take_along_axis(lost, col[:, None], axis=1)[:, 0] > 0
            code = np.where(has, codes[col], np.array(None, dtype=object))
            en, zh = np.full(len(X), None, dtype=object), np.full(len(X), None, dtype=object)
            for j in np.unique(col[has]):
                ch = self.characteristics_[j]
                if j not in idx_cache:
                    idx_cache[j] = ch.binning.assign(X[ch.name])[0]
                rows = np.flatnonzero(has & (col == j))
                for b in np.unique(idx_cache[j][rows]):
                    text = reason_statement(ch.name, ch.description, str(labels[j][b]), self.reason_style)
                    sel = rows[idx_cache[j][rows] == b]
                    en[sel], zh[sel] = text.en, text.zh
            out[f"reason_{k + 1}"] = code
            out[f"reason_{k + 1}_en"] = en
            out[f"reason_{k + 1}_zh"] = zh
        issue_col = np.full(len(X), "", dtype=object)
        for r, msgs in issues.items():
            issue_col[r] = "; ".join(msgs)
        out["issues"] = issue_col
        return out

    # --------------------------------------------------------------- tables
    @property
    def points_table(self) -> pd.DataFrame:
        """One row per characteristic and attribute: bin label, counts, event rate, WoE and points."""
        check_is_fitted(self, "characteristics_")
        frames = []
        for ch in self.characteristics_:
            t = ch.binning.table()
            t["points"] = ch.points
            t["reason_code"] = ch.reason_code
            frames.append(t)
        return pd.concat(frames, ignore_index=True)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per characteristic: IV, coefficient, bins, points range, reason code."""
        check_is_fitted(self, "characteristics_")
        return pd.DataFrame(
            [
                {
                    "variable": ch.name,
                    "reason_code": ch.reason_code,
                    "iv": ch.binning.iv,
                    "coef": ch.coef,
                    "n_bins": ch.binning.n_regular + len(ch.binning.point_masses),
                    "trend": ch.binning.trend,
                    "min_points": min(ch.points),
                    "max_points": max(ch.points),
                }
                for ch in self.characteristics_
            ]
        )

    # ------------------------------------------------------------ artifact
    def to_dict(self) -> dict[str, Any]:
        """Everything needed to score, as plain JSON types (see :mod:`creditloop.scoring.artifact`)."""
        check_is_fitted(self, "characteristics_")
        return {
            "scaling": {
                "pdo": self.pdo,
                "base_score": self.base_score,
                "base_odds": self.base_odds,
                "factor": self.factor_,
                "offset": self.offset_,
                "round_points": self.round_points,
            },
            "intercept": self.intercept_,
            "calibration": dict(self.calibration_),
            "n_reasons": self.n_reasons,
            **({"reason_style": self.reason_style} if self.reason_style != "label" else {}),  # label files unchanged
            "characteristics": [c.to_dict() for c in self.characteristics_],
            "excluded": [{"column": c, "reason": r} for c, r in self.excluded_.items()],
            "feature_names_in": list(self.feature_names_in_),
            "training": self.training_,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scorecard:
        scaling = data["scaling"]
        model = cls(
            pdo=float(scaling["pdo"]),
            base_score=float(scaling["base_score"]),
            base_odds=float(scaling["base_odds"]),
            round_points=bool(scaling.get("round_points", True)),
            n_reasons=int(data.get("n_reasons", 4)),
            reason_style=check_reason_style(data.get("reason_style")),
        )
        model.factor_ = float(scaling["factor"])
        model.offset_ = float(scaling["offset"])
        model.intercept_ = float(data["intercept"])
        model.calibration_ = {k: float(v) for k, v in data["calibration"].items()}
        model.characteristics_ = [Characteristic.from_dict(c) for c in data["characteristics"]]
        model.coef_ = np.array([c.coef for c in model.characteristics_])
        model.excluded_ = {e["column"]: e["reason"] for e in data.get("excluded", [])}
        model.classes_ = np.array([0, 1])
        names = data.get("feature_names_in") or model.features_
        model.feature_names_in_ = np.asarray(names, dtype=object)
        model.n_features_in_ = len(names)
        model.training_ = dict(data.get("training", {}))
        return model


__all__ = ["Characteristic", "Scorecard", "binary_target", "data_fingerprint"]
