"""The gradient-boosting model file and its decision-time runtime. No pickle.

A ``creditloop.gbm`` document (JSON, ``format_version`` 1) holds LightGBM's own text model
(``booster_.model_to_string()``: the trees, exact to the bit), the features in order with their roles
(numeric, or categorical with the category list whose position is LightGBM's category code), the monotone
constraints, the calibration (Platt ``a + b·raw`` or the isotonic thresholds), the bilingual description of
every feature for reasons, the training fingerprint and metrics, and the booster parameters.

:class:`GbmRuntime` scores one application with ``Booster.predict`` on a 1-row numpy array (``pred_contrib``:
the contributions give both the raw margin and the reasons), with the PD and reasons of
``GBMScorer.predict_pd`` / ``score_frame``. It needs the [scoring] extra (numpy, LightGBM), imported only when
a runtime is built, so this module itself imports on a lean install.
"""

from __future__ import annotations

import hashlib
import json
import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creditloop import __version__
from creditloop._extras import require_extra
from creditloop.core.errors import ValidationError
from creditloop.scoring._values import label, number
from creditloop.scoring.reasons import ReasonText, describe, statement
from creditloop.scoring.runtime import GBM_FORMAT, ModelScore, _check_header, _parse, read_document

if TYPE_CHECKING:
    from creditloop.scoring.gbm import GBMScorer

GBM_FORMAT_VERSION = 1
_DAMAGE = (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError)


# ----------------------------------------------------------------------------------------------- writing


def _calibration(model: GBMScorer) -> dict[str, Any]:
    cal = model.calibrator_
    if model.calibration == "sigmoid":
        return {"method": "sigmoid", "a": float(cal.intercept_[0]), "b": float(cal.coef_[0, 0])}
    return {
        "method": "isotonic",
        "x": [float(v) for v in cal.X_thresholds_],
        "y": [float(v) for v in cal.y_thresholds_],
        "x_min": float(cal.X_min_),
        "x_max": float(cal.X_max_),
    }


def gbm_document(
    model: GBMScorer, *, model_version: str | None = None, metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The model document of a fitted :class:`GBMScorer` as plain JSON types."""
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model, "booster_")
    booster = model.booster_.booster_.model_to_string()
    training = dict(getattr(model, "training_", {}))
    digest = training.get("data_sha256") or hashlib.sha256(booster.encode()).hexdigest()
    features = []
    for name, sign in zip(model.features_, model.monotone_, strict=True):
        desc = describe(name, model.reason_texts)
        entry: dict[str, Any] = {"name": name, "kind": model.kinds_[name], "monotone": int(sign)}
        if model.kinds_[name] == "categorical":
            entry["categories"] = list(model.categories_[name])
        entry["description"] = {"en": desc.en, "zh": desc.zh}
        features.append(entry)
    params = {k: v for k, v in model._booster_params().items() if k != "monotone_constraints"}
    return {
        "format": GBM_FORMAT,
        "format_version": GBM_FORMAT_VERSION,
        "model_version": model_version or f"gbm-{digest[:12]}",
        "library": {"name": "creditloop", "version": __version__, "lightgbm": _lightgbm_version()},
        "metadata": dict(metadata or {}),
        "features": features,
        "monotone_constraints": [int(s) for s in model.monotone_],
        "calibration": _calibration(model),
        "n_reasons": int(model.n_reasons),
        "excluded": [{"column": c, "reason": r} for c, r in model.excluded_.items()],
        "params": params,
        "training": training,
        "booster": booster,
    }


def _lightgbm_version() -> str:
    import lightgbm

    return str(lightgbm.__version__)


def gbm_to_json(
    model: GBMScorer, *, model_version: str | None = None, metadata: Mapping[str, Any] | None = None
) -> str:
    doc = _finite(gbm_document(model, model_version=model_version, metadata=metadata))
    return json.dumps(doc, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def save_gbm(
    model: GBMScorer,
    path: str | Path,
    *,
    model_version: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write the model file; returns its path."""
    target = Path(path)
    target.write_text(gbm_to_json(model, model_version=model_version, metadata=metadata), encoding="utf-8")
    return target


def _finite(value: Any) -> Any:
    """JSON has no NaN/inf: metrics that are undefined (one class) are written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


# ----------------------------------------------------------------------------------------------- runtime


class _Calibrator:
    """Raw margin -> PD, as the fitted calibrator computes it (Platt: expit(a + b·raw); isotonic: scipy's
    linear ``interp1d`` on the thresholds after clipping to the training range)."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.method = str(spec["method"])
        if self.method == "sigmoid":
            self.a, self.b = float(spec["a"]), float(spec["b"])
        elif self.method == "isotonic":
            self.x = [float(v) for v in spec["x"]]
            self.y = [float(v) for v in spec["y"]]
            self.lo, self.hi = float(spec["x_min"]), float(spec["x_max"])
            if not self.x or len(self.x) != len(self.y):
                raise ValueError("isotonic calibration needs as many y as x thresholds, at least one")
        else:
            raise ValueError(f"unknown calibration method {self.method!r}")

    def __call__(self, raw: float) -> float:
        if self.method == "sigmoid":
            z = raw * self.b + self.a
            try:
                return 1.0 / (1.0 + math.exp(-z))
            except OverflowError:
                return 0.0
        x, y = self.x, self.y
        if len(x) == 1:
            return y[0]
        t = min(max(raw, self.lo), self.hi)
        hi = min(max(bisect_left(x, t), 1), len(x) - 1)
        lo = hi - 1
        slope = (y[hi] - y[lo]) / (x[hi] - x[lo])
        return slope * (t - x[lo]) + y[lo]


class GbmRuntime:
    """A ``creditloop.gbm`` document ready to score applications (needs numpy and LightGBM).

    ``model_id`` is the file's ``metadata.model_id`` (else ``"gbm"``). Reasons are the features that pushed this
    applicant's log-odds of the event up the most (TreeSHAP contributions > 0), named by the feature itself, as
    ``GBMScorer.score_frame`` names them. ``score`` is None: the model has no points scale.
    """

    def __init__(self, document: Mapping[str, Any], *, n_reasons: int | None = None, threads: int = 1) -> None:
        _check_header(document, GBM_FORMAT, GBM_FORMAT_VERSION)
        # One OpenMP thread: a 1-row predict on every core costs more than it saves and makes the p99 jump
        # (measured: 4.3 ms vs 0.46 ms p99 for the margin on a shared 2-core machine).
        self._threads = threads
        require_extra("scoring", "numpy", "lightgbm")
        import lightgbm
        import numpy

        self._np = numpy
        try:
            feats = list(document["features"])
            self._names = tuple(str(f["name"]) for f in feats)
            self._codes: tuple[dict[str, int] | None, ...] = tuple(
                {str(c): i for i, c in enumerate(f["categories"])} if f["kind"] == "categorical" else None
                for f in feats
            )
            self._desc = tuple(ReasonText(str(f["description"]["en"]), str(f["description"]["zh"])) for f in feats)
            self._calibrate = _Calibrator(document["calibration"])
            self.n_reasons = int(document.get("n_reasons", 4) if n_reasons is None else n_reasons)
            self._booster = lightgbm.Booster(model_str=str(document["booster"]))
        except _DAMAGE as exc:
            raise ValidationError(f"model file is incomplete or damaged: {exc!r}", field="model") from None
        except lightgbm.basic.LightGBMError as exc:
            raise ValidationError(f"model file holds a damaged LightGBM model: {exc}", field="model") from None
        if self._booster.num_feature() != len(self._names):
            raise ValidationError(
                f"model file lists {len(self._names)} features but its trees use {self._booster.num_feature()}",
                field="model",
            )
        metadata = dict(document.get("metadata") or {})
        self.model_id = str(metadata.get("model_id") or "gbm")
        self.model_version = str(document.get("model_version", ""))

    @classmethod
    def from_json(cls, text: str) -> GbmRuntime:
        return cls(_parse(text))

    @property
    def features(self) -> tuple[str, ...]:
        return self._names

    def _encode(self, row: Mapping[str, object]) -> tuple[list[float], list[str], list[str]]:
        """(LightGBM inputs, attribute labels for reasons, issues): numbers, or category codes; NaN = missing."""
        values: list[float] = []
        shown: list[str] = []
        issues: list[str] = []
        for name, codes in zip(self._names, self._codes, strict=True):
            try:
                value = row[name]
            except KeyError:
                raise ValidationError(
                    f"the application has no value for {name!r}, which the model needs", field=name
                ) from None
            if codes is None:
                x, bad = number(value)
                if bad:
                    issues.append(f"{name}: not a number, scored as missing")
                values.append(x)
                shown.append("Missing" if x != x else f"{x:.6g}")
                continue
            cat = label(value)
            code = codes.get(cat) if cat is not None else None
            if cat is not None and code is None:
                issues.append(f"{name}: unseen category, scored as missing")
            values.append(math.nan if code is None else float(code))
            shown.append("Missing" if code is None else str(cat))
        return values, shown, issues

    def _result(self, contrib: Any, shown: list[str], issues: list[str]) -> ModelScore:
        feats = [float(v) for v in contrib[:-1]]
        raw = float(contrib.sum())  # the margin as score_frame sums it: every contribution and the bias
        pushed = sorted((-v, j) for j, v in enumerate(feats) if v > 0)[: self.n_reasons]
        texts = tuple(statement(self._desc[j], shown[j]) for _, j in pushed)
        return ModelScore(
            model_id=self.model_id,
            model_version=self.model_version,
            pd=self._calibrate(raw),
            score=None,
            reasons=tuple(self._names[j] for _, j in pushed),
            reason_texts=tuple((t.zh, t.en) for t in texts),
            issues=tuple(issues),
        )

    def _bare(self, raw: float, issues: list[str]) -> ModelScore:
        return ModelScore(self.model_id, self.model_version, self._calibrate(raw), None, (), (), tuple(issues))

    def score_one(self, row: Mapping[str, object]) -> ModelScore:
        """PD and reasons of one application. The reasons need TreeSHAP contributions, most of the cost (about
        0.3 ms for 160 trees); with ``n_reasons == 0`` only the margin is computed (tens of µs)."""
        values, shown, issues = self._encode(row)
        matrix = self._np.array([values], dtype=self._np.float64)
        if self.n_reasons == 0:
            return self._bare(
                float(self._booster.predict(matrix, raw_score=True, num_threads=self._threads)[0]), issues
            )
        contrib = self._booster.predict(matrix, pred_contrib=True, num_threads=self._threads)[0]
        return self._result(contrib, shown, issues)

    def score_many(self, rows: Iterable[Mapping[str, object]]) -> list[ModelScore]:
        """Every row in one LightGBM call (faster per row than :meth:`score_one` in a loop)."""
        encoded = [self._encode(row) for row in rows]
        if not encoded:
            return []
        matrix = self._np.array([e[0] for e in encoded], dtype=self._np.float64)
        if self.n_reasons == 0:
            raw = self._booster.predict(matrix, raw_score=True, num_threads=self._threads)
            return [self._bare(float(r), e[2]) for r, e in zip(raw, encoded, strict=True)]
        contrib = self._booster.predict(matrix, pred_contrib=True, num_threads=self._threads)
        return [self._result(c, e[1], e[2]) for c, e in zip(contrib, encoded, strict=True)]


def load_gbm(path: str | Path) -> GbmRuntime:
    """Read a model file written by :func:`save_gbm`."""
    return GbmRuntime(read_document(path))


__all__ = ["GBM_FORMAT_VERSION", "GbmRuntime", "gbm_document", "gbm_to_json", "load_gbm", "save_gbm"]
