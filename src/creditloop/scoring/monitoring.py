"""Stability monitoring: PSI, CSI per characteristic, score drift, performance decay as labels arrive.

PSI = Σ (actual% − expected%)·ln(actual% / expected%), with empty shares floored at ``1e-4``. Usual reading:
< 0.10 stable, 0.10–0.25 watch, > 0.25 shifted.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from creditloop.core.errors import ValidationError
from creditloop.scoring._checks import as_frame, binary_target, require_columns
from creditloop.scoring.binning import VariableBinning

_FLOOR = 1e-4


def psi_from_counts(expected: ArrayLike, actual: ArrayLike) -> float:
    """PSI between two count (or share) vectors over the same bins."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    if e.shape != a.shape:
        raise ValidationError("expected and actual must have the same bins", field="bins")
    if e.sum() <= 0 or a.sum() <= 0:
        return float("nan")
    pe = np.maximum(e / e.sum(), _FLOOR)
    pa = np.maximum(a / a.sum(), _FLOOR)
    return float(np.sum((pa - pe) * np.log(pa / pe)))


def stability_label(value: float) -> str:
    if not np.isfinite(value):
        return "n/a"
    return "stable" if value < 0.10 else ("watch" if value < 0.25 else "shifted")


def psi(expected: ArrayLike, actual: ArrayLike, n_bins: int = 10) -> float:
    """PSI of a continuous variable (e.g. a score) on deciles of ``expected``; NaN values form their own bin."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    ok = e[~np.isnan(e)]
    if ok.size == 0:
        raise ValidationError("expected sample has no values", field="expected")
    edges = np.unique(np.quantile(ok, np.linspace(0, 1, n_bins + 1)[1:-1]))
    return psi_from_counts(_hist(e, edges), _hist(a, edges))


def _hist(x: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.float64]:
    idx = np.searchsorted(edges, x, side="right")
    idx[np.isnan(x)] = len(edges) + 1
    return np.bincount(idx, minlength=len(edges) + 2).astype(float)


def csi(binnings: Mapping[str, VariableBinning], expected: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """Characteristic stability: PSI of each binned column's bin distribution, plus the WoE-weighted shift
    (the mean WoE change, which is what moves the score)."""
    expected, actual = as_frame(expected, "expected"), as_frame(actual, "actual")
    require_columns(expected, list(binnings), "development data")
    require_columns(actual, list(binnings), "current data")
    rows = []
    for name, var in binnings.items():
        n_bins = var.missing_bin + 1
        ce = np.bincount(var.assign(expected[name])[0], minlength=n_bins).astype(float)
        ca = np.bincount(var.assign(actual[name])[0], minlength=n_bins).astype(float)
        value = psi_from_counts(ce, ca)
        woe = np.asarray(var.woe)
        shift = float(woe @ (ca / max(ca.sum(), 1)) - woe @ (ce / max(ce.sum(), 1)))
        rows.append({"variable": name, "csi": value, "woe_shift": shift, "status": stability_label(value)})
    return pd.DataFrame(rows).sort_values("csi", ascending=False, kind="stable").reset_index(drop=True)


def score_drift(expected: ArrayLike, actual: ArrayLike, n_bins: int = 10) -> dict[str, float | str]:
    """How the score distribution moved: PSI on development deciles, mean and quantile shifts, two-sample KS."""
    e = np.asarray(expected, dtype=float)
    a = np.asarray(actual, dtype=float)
    value = psi(e, a, n_bins)
    grid = np.sort(np.concatenate((e, a)))
    ks = float(
        np.max(
            np.abs(
                np.searchsorted(np.sort(e), grid, side="right") / e.size
                - np.searchsorted(np.sort(a), grid, side="right") / a.size
            )
        )
    )
    return {
        "psi": value,
        "status": stability_label(value),
        "mean_expected": float(np.mean(e)),
        "mean_actual": float(np.mean(a)),
        "median_shift": float(np.median(a) - np.median(e)),
        "p10_shift": float(np.quantile(a, 0.1) - np.quantile(e, 0.1)),
        "p90_shift": float(np.quantile(a, 0.9) - np.quantile(e, 0.9)),
        "ks": ks,
    }


def performance_decay(
    y: ArrayLike, pd_: ArrayLike, period: ArrayLike, *, baseline_auc: float | None = None, min_events: int = 5
) -> pd.DataFrame:
    """AUC, KS, observed vs predicted default rate per period once labels arrive, and the AUC drop from the
    development figure (``baseline_auc``). Periods with fewer than ``min_events`` bads or goods report NaN."""
    from creditloop.scoring.metrics import _auc, _ks

    yy = binary_target(y, "y") if len(np.unique(np.asarray(y))) > 1 else np.asarray(y, dtype=np.int8)
    pp = np.asarray(pd_, dtype=float)
    per = pd.Series(np.asarray(period))
    rows = []
    for key, idx in per.groupby(per, sort=True).groups.items():
        ii = np.asarray(idx)
        yk, pk = yy[ii], pp[ii]
        enough = yk.sum() >= min_events and (1 - yk).sum() >= min_events
        auc = _auc(yk, pk) if enough else float("nan")
        rows.append(
            {
                "period": key,
                "count": int(ii.size),
                "observed_rate": float(yk.mean()),
                "predicted_rate": float(pk.mean()),
                "auc": auc,
                "ks": _ks(yk, pk) if enough else float("nan"),
                "auc_drop": float("nan") if baseline_auc is None else baseline_auc - auc,
            }
        )
    return pd.DataFrame(rows)


def psi_by_period(
    binnings: Mapping[str, VariableBinning], X: pd.DataFrame, period: ArrayLike, reference: object = None
) -> pd.DataFrame:
    """PSI of every binned column in every period against the reference period (default: the first).

    Rows are variables, columns periods; a column that drifts over time is a poor candidate for a model.
    """
    X = as_frame(X)
    require_columns(X, list(binnings))
    per = pd.Series(np.asarray(period), index=X.index)
    if per.isna().any():
        raise ValidationError("period has missing values", field="period")
    periods = sorted(per.unique())
    ref = periods[0] if reference is None else reference
    if ref not in periods:
        raise ValidationError(f"reference period {ref!r} is not in the data", field="period")
    out = {}
    for name, var in binnings.items():
        idx = var.assign(X[name])[0]
        n_bins = var.missing_bin + 1
        base = np.bincount(idx[(per == ref).to_numpy()], minlength=n_bins)
        out[name] = {
            p: psi_from_counts(base, np.bincount(idx[(per == p).to_numpy()], minlength=n_bins)) for p in periods
        }
    frame = pd.DataFrame(out).T
    frame["max_psi"] = frame.max(axis=1)
    return frame.sort_values("max_psi", ascending=False, kind="stable")
