"""Variable selection on WoE-transformed data: information value, correlation, VIF; stability over time is
:func:`creditloop.scoring.monitoring.psi_by_period`."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

IV_STRENGTH = ((0.02, "useless"), (0.1, "weak"), (0.3, "medium"), (0.5, "strong"), (np.inf, "suspicious"))


def iv_strength(iv: float) -> str:
    """Siddiqi's reading of an IV: < 0.02 useless, < 0.1 weak, < 0.3 medium, < 0.5 strong, else suspicious."""
    for bound, label in IV_STRENGTH:
        if iv < bound:
            return label
    return "suspicious"


def vif(woe: pd.DataFrame) -> pd.Series:
    """Variance inflation factor of each column: the diagonal of the inverse correlation matrix."""
    if woe.shape[1] < 2:
        return pd.Series(1.0, index=woe.columns)
    corr = np.corrcoef(woe.to_numpy(dtype=float), rowvar=False)
    corr = np.nan_to_num(corr, nan=0.0)
    np.fill_diagonal(corr, 1.0)
    inv = np.linalg.pinv(corr)
    return pd.Series(np.diag(inv), index=woe.columns)


def select_features(
    woe: pd.DataFrame,
    iv: Mapping[str, float],
    *,
    min_iv: float = 0.02,
    max_corr: float = 0.7,
    max_vif: float | None = 10.0,
    max_features: int | None = None,
) -> pd.DataFrame:
    """Pick columns greedily by IV: drop those under ``min_iv``, then any whose |correlation| with a stronger
    kept column exceeds ``max_corr``, then (iteratively) the one with the largest VIF above ``max_vif``.

    Returns one row per column with ``iv``, ``selected`` and the ``reason`` for a rejection.
    """
    order = sorted(woe.columns, key=lambda c: -iv.get(c, 0.0))
    reasons: dict[str, str] = {}
    kept: list[str] = []
    values = woe.to_numpy(dtype=float)
    pos = {c: i for i, c in enumerate(woe.columns)}
    std = values.std(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.nan_to_num(np.corrcoef(values, rowvar=False), nan=0.0) if values.shape[1] > 1 else np.ones((1, 1))
    for col in order:
        if iv.get(col, 0.0) < min_iv:
            reasons[col] = f"iv {iv.get(col, 0.0):.4f} < {min_iv}"
            continue
        if std[pos[col]] == 0:
            reasons[col] = "single bin"
            continue
        clash = None
        for other in kept:
            r = float(corr[pos[col], pos[other]])
            if abs(r) > max_corr:
                clash = (other, r)
                break
        if clash is not None:
            reasons[col] = f"|corr| {abs(clash[1]):.2f} with {clash[0]} > {max_corr}"
            continue
        if max_features is not None and len(kept) >= max_features:
            reasons[col] = f"beyond max_features={max_features}"
            continue
        kept.append(col)
    if max_vif is not None:
        while len(kept) > 1:
            v = vif(woe[kept])
            worst = str(v.idxmax())
            if v[worst] <= max_vif:
                break
            reasons[worst] = f"vif {v[worst]:.1f} > {max_vif}"
            kept.remove(worst)
    rows = [
        {
            "variable": c,
            "iv": iv.get(c, 0.0),
            "strength": iv_strength(iv.get(c, 0.0)),
            "selected": c in kept,
            "reason": reasons.get(c, ""),
        }
        for c in order
    ]
    return pd.DataFrame(rows)
