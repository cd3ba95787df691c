"""Discrimination and calibration metrics: AUC/Gini, KS, gains and lift, calibration by band, bootstrap
confidence intervals and out-of-time splits. ``pd`` arguments are predicted probabilities of the event (bad)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import rankdata

from creditloop.core.errors import ValidationError
from creditloop.scoring._checks import binary_target

Metric = Callable[[NDArray[np.int8], NDArray[np.float64]], float]


def _prep(y: ArrayLike, p: ArrayLike) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    yy = binary_target(y, "y")
    pp = np.asarray(p, dtype=float)
    if pp.shape != yy.shape:
        raise ValidationError(f"y has {yy.size} rows but the predictions have {pp.size}", field="y")
    if np.isnan(pp).any():
        raise ValidationError("predictions contain NaN", field="pd")
    return yy, pp


def _auc(y: NDArray[np.int8], p: NDArray[np.float64]) -> float:
    n1 = int(y.sum())
    n0 = y.size - n1
    if n1 == 0 or n0 == 0:
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _ks(y: NDArray[np.int8], p: NDArray[np.float64]) -> float:
    order = np.argsort(-p, kind="mergesort")
    ys, ps = y[order], p[order]
    last = np.r_[np.flatnonzero(np.diff(ps) != 0), ys.size - 1]  # evaluate only between distinct scores
    tpr = np.cumsum(ys)[last] / max(ys.sum(), 1)
    fpr = np.cumsum(1 - ys)[last] / max((1 - ys).sum(), 1)
    return float(np.max(np.abs(tpr - fpr)))


def roc_auc(y: ArrayLike, pd_: ArrayLike) -> float:
    """Area under the ROC curve of ``pd_`` (higher = riskier) for the 0/1 event ``y``."""
    return _auc(*_prep(y, pd_))


def gini(y: ArrayLike, pd_: ArrayLike) -> float:
    """Accuracy ratio: ``2·AUC − 1``."""
    return 2.0 * roc_auc(y, pd_) - 1.0


def ks_statistic(y: ArrayLike, pd_: ArrayLike) -> float:
    """Kolmogorov–Smirnov: the largest gap between the cumulative bad and good distributions."""
    return _ks(*_prep(y, pd_))


def gains_table(y: ArrayLike, pd_: ArrayLike, n_bands: int = 10) -> pd.DataFrame:
    """Bands of equal size from riskiest to safest: bads captured, cumulative gains, lift and KS per band."""
    yy, pp = _prep(y, pd_)
    order = np.argsort(-pp, kind="mergesort")
    band = np.minimum(np.arange(yy.size) * n_bands // max(yy.size, 1), n_bands - 1)
    frame = pd.DataFrame({"band": band + 1, "y": yy[order], "pd": pp[order]})
    g = frame.groupby("band").agg(count=("y", "size"), bads=("y", "sum"), min_pd=("pd", "min"), max_pd=("pd", "max"))
    g["goods"] = g["count"] - g["bads"]
    g["bad_rate"] = g["bads"] / g["count"]
    total_bads, total_goods = max(int(yy.sum()), 1), max(int((1 - yy).sum()), 1)
    g["cum_bads_share"] = g["bads"].cumsum() / total_bads
    g["cum_goods_share"] = g["goods"].cumsum() / total_goods
    g["cum_pop_share"] = g["count"].cumsum() / yy.size
    g["lift"] = g["bad_rate"] / (total_bads / yy.size)
    g["cum_lift"] = g["cum_bads_share"] / g["cum_pop_share"]
    g["ks"] = g["cum_bads_share"] - g["cum_goods_share"]
    return g.reset_index()


def calibration_table(y: ArrayLike, pd_: ArrayLike, n_bands: int = 10) -> pd.DataFrame:
    """Predicted against observed default rate by band of predicted PD, with a binomial z-score per band."""
    yy, pp = _prep(y, pd_)
    order = np.argsort(pp, kind="mergesort")
    band = np.empty(yy.size, dtype=np.int64)
    band[order] = np.minimum(np.arange(yy.size) * n_bands // max(yy.size, 1), n_bands - 1)
    frame = pd.DataFrame({"band": band + 1, "y": yy, "pd": pp})
    g = frame.groupby("band").agg(count=("y", "size"), observed=("y", "mean"), predicted=("pd", "mean"))
    g["bads"] = frame.groupby("band")["y"].sum()
    var = g["predicted"] * (1 - g["predicted"]) / g["count"]
    g["z"] = (g["observed"] - g["predicted"]) / np.sqrt(var.clip(lower=1e-12))
    return g.reset_index()


def bootstrap_ci(
    y: ArrayLike,
    pd_: ArrayLike,
    metric: str | Metric = "auc",
    n_boot: int = 200,
    alpha: float = 0.05,
    random_state: int = 0,
) -> tuple[float, float, float]:
    """Point estimate and percentile bootstrap interval ``(estimate, low, high)`` of a metric."""
    yy, pp = _prep(y, pd_)
    fn = _METRICS[metric] if isinstance(metric, str) else metric
    rng = np.random.default_rng(random_state)
    stats = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, yy.size, yy.size)
        stats[b] = fn(yy[idx], pp[idx])
    lo, hi = np.nanquantile(stats, [alpha / 2, 1 - alpha / 2])
    return fn(yy, pp), float(lo), float(hi)


_METRICS: dict[str, Metric] = {
    "auc": _auc,
    "gini": lambda y, p: 2 * _auc(y, p) - 1,
    "ks": _ks,
    "brier": lambda y, p: float(np.mean((p - y) ** 2)),
}


def out_of_time_split(
    data: pd.DataFrame, time_col: str, test_fraction: float = 0.3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by time: the latest periods holding about ``test_fraction`` of the rows form the test set.

    Whole periods stay on one side, so no period is in both.
    """
    if time_col not in data.columns:
        raise ValidationError(f"time column {time_col!r} is not in the data", field=time_col)
    t = data[time_col]
    if t.isna().any():
        raise ValidationError(f"time column {time_col!r} has {int(t.isna().sum())} missing values", field=time_col)
    counts = t.value_counts().sort_index()
    if len(counts) < 2:
        raise ValidationError(f"time column {time_col!r} has a single period: no out-of-time split", field=time_col)
    share_after = counts[::-1].cumsum()[::-1] / len(data)  # rows at or after each period
    eligible = share_after[share_after <= test_fraction]
    cut = eligible.index[0] if len(eligible) else counts.index[-1]
    if cut == counts.index[0]:
        cut = counts.index[1]
    test = t >= cut
    return data.loc[~test], data.loc[test]


@dataclass
class ValidationResult:
    """Metrics of one model on one sample; ``summary`` is a one-row-per-metric DataFrame with intervals."""

    name: str
    n: int
    event_rate: float
    metrics: dict[str, tuple[float, float, float]]
    gains: pd.DataFrame
    calibration: pd.DataFrame
    y: NDArray[np.int8] = field(repr=False)
    predicted: NDArray[np.float64] = field(repr=False)
    score: NDArray[np.float64] | None = field(default=None, repr=False)

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"metric": k, "value": v[0], "ci_low": v[1], "ci_high": v[2]} for k, v in self.metrics.items()]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n": self.n,
            "event_rate": self.event_rate,
            **{k: {"value": v[0], "ci_low": v[1], "ci_high": v[2]} for k, v in self.metrics.items()},
        }


def validate(
    y: ArrayLike,
    pd_: ArrayLike,
    *,
    score: ArrayLike | None = None,
    name: str = "model",
    n_bands: int = 10,
    n_boot: int = 200,
    random_state: int = 0,
) -> ValidationResult:
    """AUC, Gini, KS and Brier score with bootstrap intervals, gains/lift and calibration tables."""
    yy, pp = _prep(y, pd_)
    metrics = {
        m: bootstrap_ci(yy, pp, m, n_boot=n_boot, random_state=random_state) for m in ("auc", "gini", "ks", "brier")
    }
    return ValidationResult(
        name=name,
        n=int(yy.size),
        event_rate=float(yy.mean()),
        metrics=metrics,
        gains=gains_table(yy, pp, n_bands),
        calibration=calibration_table(yy, pp, n_bands),
        y=yy,
        predicted=pp,
        score=None if score is None else np.asarray(score, dtype=float),
    )


def compare_models(
    predictions: Mapping[str, ArrayLike], y: ArrayLike, *, n_boot: int = 200, random_state: int = 0
) -> pd.DataFrame:
    """Champion/challenger table: each model's AUC, Gini, KS, Brier, and its AUC difference against the first
    (the champion) with a paired bootstrap interval. ``verdict`` reads that interval: a challenger is
    ``"better"`` or ``"worse"`` only when the 95 % interval excludes 0, else ``"no clear difference"``."""
    yy = binary_target(y, "y")
    names = list(predictions)
    if not names:
        raise ValidationError("no models to compare", field="predictions")
    preds = {k: _prep(yy, v)[1] for k, v in predictions.items()}
    rng = np.random.default_rng(random_state)
    boots = [rng.integers(0, yy.size, yy.size) for _ in range(n_boot)]
    champion = preds[names[0]]
    rows = []
    for name in names:
        p = preds[name]
        diffs = np.array([_auc(yy[i], p[i]) - _auc(yy[i], champion[i]) for i in boots]) if name != names[0] else None
        auc = _auc(yy, p)
        rows.append(
            {
                "model": name,
                "role": "champion" if name == names[0] else "challenger",
                "auc": auc,
                "gini": 2 * auc - 1,
                "ks": _ks(yy, p),
                "brier": float(np.mean((p - yy) ** 2)),
                "auc_diff": 0.0 if diffs is None else auc - _auc(yy, champion),
                "auc_diff_low": 0.0 if diffs is None else float(np.nanquantile(diffs, 0.025)),
                "auc_diff_high": 0.0 if diffs is None else float(np.nanquantile(diffs, 0.975)),
            }
        )
        rows[-1]["verdict"] = _verdict(rows[-1]) if diffs is not None else "champion"
    return pd.DataFrame(rows)


def _verdict(row: Mapping[str, Any]) -> str:
    if row["auc_diff_low"] > 0:
        return "better"
    if row["auc_diff_high"] < 0:
        return "worse"
    return "no clear difference"
