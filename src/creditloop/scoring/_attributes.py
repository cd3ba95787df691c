"""Per-attribute refinement of a WoE scorecard: points per bin that stay ordered like the bins' WoE.

A WoE scorecard gives bin ``b`` of characteristic ``c`` the log-odds contribution ``β_c·WoE_cb``: one slope per
characteristic, so its points are a straight line in the WoE. With many rows the data can say more (two
adjacent bins may differ by more or less than their WoE gap suggests once the other characteristics are in
the model): that is the dummy-variable scorecard of Siddiqi and Thomas, but free dummies can give a riskier
bin more points. Here each characteristic is coded by its WoE *steps* (thermometer coding on its distinct
training WoE levels, ascending): ``x_cj = (WoE_(j) − WoE_(j−1))·[WoE ≥ WoE_(j)]``. Every step coefficient
``γ_cj`` is bounded at ≤ 0 — the sign rule, per step — so points never fall as the WoE rises, and a ridge
``penalty·‖γ − β‖²/2`` pulls each ``γ_cj`` towards its characteristic's WoE coefficient ``β_c``: with all
``γ_cj = β_c`` the model *is* the WoE scorecard. The penalty is chosen by held-out log-loss on folds of the
training data, the WoE scorecard being one of the candidates (and winning ties), so small data sets keep
the WoE scorecard and only a held-out gain buys the extra freedom.

Rows enter only through their level per characteristic, so the fit never builds the (rows × steps) design:
the linear predictor is a table look-up and the gradient a ``np.bincount`` per characteristic plus a suffix
sum, O(rows × characteristics) per iteration like the WoE regression itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold

from creditloop.scoring._constrained import fit_nonpositive_logistic

ATTRIBUTE_PENALTIES: tuple[float, ...] = (1.0, 10.0, 100.0, 1000.0)


@dataclass(frozen=True)
class AttributeFit:
    """The refined model: intercept, and per characteristic its WoE levels and step coefficients."""

    intercept: float
    levels: tuple[NDArray[np.float64], ...]
    steps: tuple[NDArray[np.float64], ...]

    def contribution(self, k: int, woe: NDArray[np.float64]) -> NDArray[np.float64]:
        """Log-odds-of-event contribution of characteristic ``k`` at WoE values (bins or rows), 0 at WoE 0.

        Between two levels (an empty missing or special bin has WoE 0) the contribution is interpolated
        linearly, so with every step equal to ``β`` it is exactly ``β·WoE`` and its points lie between its
        neighbours'. Centring at WoE 0 keeps the WoE scorecard's convention: a bin with WoE 0 is worth the
        characteristic's neutral points.
        """
        return self._at(k, np.asarray(woe, dtype=float)) - self._at(k, np.zeros(1))

    def neutral_intercept(self) -> float:
        """The intercept that goes with :meth:`contribution` (each characteristic's WoE-0 value moved into it)."""
        return self.intercept + sum(float(self._at(k, np.zeros(1))[0]) for k in range(len(self.levels)))

    def _at(self, k: int, w: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(np.interp(w, self.levels[k], _level_table(self.levels[k], self.steps[k])), dtype=float)


def woe_levels(W: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
    """The distinct WoE values of each column's training rows (its non-empty bins), ascending."""
    return tuple(np.unique(W[:, k]) for k in range(W.shape[1]))


def _position(levels: NDArray[np.float64], w: NDArray[np.float64]) -> NDArray[np.intp]:
    """Index of the highest level ≤ ``w`` (0 below the lowest level: no step reached); exact for rows."""
    return np.maximum(np.searchsorted(levels, w, side="right") - 1, 0)


def _level_table(levels: NDArray[np.float64], gamma: NDArray[np.float64]) -> NDArray[np.float64]:
    """Contribution at each level: the sum of the steps reached, ``Σ_{j ≤ l} γ_j·(WoE_(j) − WoE_(j−1))``."""
    return np.concatenate(([0.0], np.cumsum(gamma * np.diff(levels))))


def _steps_center(levels: Sequence[NDArray[np.float64]], coef: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.concatenate([np.full(len(lv) - 1, b) for lv, b in zip(levels, coef, strict=True)])


def fit_steps(
    W: NDArray[np.float64],
    y: NDArray[np.int8],
    coef: NDArray[np.float64],
    penalty: float,
    levels: tuple[NDArray[np.float64], ...] | None = None,
    *,
    warm: AttributeFit | None = None,
    tol: float = 1e-8,
    max_iter: int = 5000,
) -> AttributeFit:
    """Step coefficients ≤ 0 minimising the mean log-loss + ``penalty·‖γ − β‖²/(2·rows)`` (β = ``coef``, ≤ 0),
    the scaling of :func:`fit_nonpositive_logistic` with ``C = 1/penalty``, by SciPy's L-BFGS-B, started from
    ``warm`` (a fit on the same levels, e.g. at a larger penalty) or else from the WoE scorecard."""
    lv = woe_levels(W) if levels is None else levels
    n, k = len(y), len(lv)
    t = np.asarray(y, dtype=float)
    n_levels = np.array([len(v) for v in lv])
    first = np.concatenate(([0], np.cumsum(n_levels)[:-1]))  # each characteristic's first slot in a flat table
    slot = (np.column_stack([_position(v, W[:, j]) for j, v in enumerate(lv)]) + first).ravel()
    steps = np.setdiff1d(np.arange(n_levels.sum()), first)  # slots of levels 1..L-1: one per coefficient
    owner_end = np.repeat(first + n_levels - 1, n_levels - 1)  # last slot of each step's characteristic
    gaps = np.concatenate([np.diff(v) for v in lv])
    center = np.minimum(_steps_center(lv, coef), 0.0)
    ridge = penalty / n

    def loss(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        table = np.zeros(n_levels.sum())
        table[steps] = theta[1:] * gaps
        table = np.cumsum(table)
        table -= np.repeat(table[first], n_levels)  # restart the running sum at each characteristic
        z = theta[0] + table[slot].reshape(n, k).sum(axis=1)
        d = theta[1:] - center
        value = float(np.mean(np.logaddexp(0.0, z) - t * z)) + 0.5 * ridge * float(d @ d)
        r = (expit(z) - t) / n
        per_slot = np.cumsum(np.bincount(slot, weights=np.repeat(r, k), minlength=n_levels.sum()))
        grad = np.empty_like(theta)
        grad[0] = r.sum()
        grad[1:] = gaps * (per_slot[owner_end] - per_slot[steps - 1]) + ridge * d  # rows at or above each step
        return value, grad

    p = float(np.clip(t.mean(), 1e-12, 1 - 1e-12))
    start = np.concatenate(([np.log(p / (1 - p))], center))
    if warm is not None:
        start = np.concatenate(([warm.intercept], *warm.steps))
    res = minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, None)] + [(None, 0.0)] * len(steps),
        options={"maxiter": max_iter, "ftol": tol * 1e-4, "gtol": tol},
    )
    gamma = np.minimum(np.asarray(res.x[1:], dtype=float), 0.0)
    return AttributeFit(float(res.x[0]), tuple(lv), tuple(np.split(gamma, np.cumsum(n_levels - 1)[:-1])))


def choose_penalty(
    W: NDArray[np.float64],
    y: NDArray[np.int8],
    C: float,
    *,
    penalties: Sequence[float] = ATTRIBUTE_PENALTIES,
    folds: int = 3,
    seed: int = 0,
) -> tuple[float | None, dict[str, float]]:
    """The penalty with the lowest held-out log-loss on ``folds`` stratified folds, or ``None`` (the WoE
    scorecard) when no refinement beats it; ties go to the WoE scorecard, then to the larger penalty.

    Each fold fits the sign-bounded WoE regression (``C``) on its training part and refines around it, so the
    held-out rows are used by neither fit (the bins and WoE come from all training rows, as for the final
    model). Returns the choice and the held-out log-loss per row of every candidate (``"woe"`` and each
    penalty).
    """
    lv = woe_levels(W)
    t = np.asarray(y, dtype=float)
    loss = {"woe": 0.0, **{f"{p:g}": 0.0 for p in penalties}}
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(W, y):
        a, beta = fit_nonpositive_logistic(W[tr], y[tr], C)
        loss["woe"] += _log_loss(t[te], a + W[te] @ beta)
        fit: AttributeFit | None = None
        for p in sorted(penalties, reverse=True):  # each fit starts from the stiffer one before it
            fit = fit_steps(W[tr], y[tr], beta, p, lv, warm=fit, tol=1e-7)  # ranks candidates: half the work
            z = fit.intercept + sum(
                _level_table(v, g)[_position(v, W[te, k])] for k, (v, g) in enumerate(zip(lv, fit.steps, strict=True))
            )
            loss[f"{p:g}"] += _log_loss(t[te], np.asarray(z, dtype=float))
    loss = {k: v / len(t) for k, v in loss.items()}
    best: float | None = None
    best_loss = loss["woe"]
    for p in sorted(penalties, reverse=True):  # stiffest first: a tie keeps the simpler model
        if loss[f"{p:g}"] < best_loss:
            best, best_loss = p, loss[f"{p:g}"]
    return best, loss


def _log_loss(t: NDArray[np.float64], z: NDArray[np.float64]) -> float:
    return float(np.sum(np.logaddexp(0.0, z) - t * z))


__all__ = ["ATTRIBUTE_PENALTIES", "AttributeFit", "choose_penalty", "fit_steps", "woe_levels"]
