"""Sign-constrained L2 logistic regression ("non-negative logistic regression" of scorecard practice).

Minimises the objective of scikit-learn's ``LogisticRegression(C=C)`` (lbfgs, L2, unpenalised intercept),

    Σᵢ log-loss(yᵢ, α + xᵢ·β) + ‖β‖² / (2C),

subject to ``β ≤ 0`` (WoE rises with quality, so a coefficient on WoE must not be positive), with SciPy's
L-BFGS-B. A coefficient held at its bound is exactly 0: that column adds nothing to the score.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import expit

from creditloop.core.errors import ValidationError


def fit_nonpositive_logistic(
    X: NDArray[np.float64], y: NDArray[np.integer], C: float = 1.0, *, tol: float = 1e-10, max_iter: int = 2000
) -> tuple[float, NDArray[np.float64]]:
    """(intercept, coefficients) of the L2 logistic regression of ``y`` on ``X`` with every coefficient ≤ 0."""
    if C <= 0:
        raise ValidationError("C must be positive", field="C")
    A = np.asarray(X, dtype=float)
    t = np.asarray(y, dtype=float)
    n, k = A.shape
    # Scaled by 1/n so the tolerances mean the same on 1,000 and 1,000,000 rows; the minimiser is unchanged.
    ridge = 1.0 / (C * n)

    def loss(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        z = theta[0] + A @ theta[1:]
        value = float(np.mean(np.logaddexp(0.0, z) - t * z)) + 0.5 * ridge * float(theta[1:] @ theta[1:])
        r = (expit(z) - t) / n
        grad = np.empty_like(theta)
        grad[0] = r.sum()
        grad[1:] = A.T @ r + ridge * theta[1:]
        return value, grad

    p = float(np.clip(t.mean(), 1e-12, 1 - 1e-12))
    start = np.zeros(k + 1)
    start[0] = np.log(p / (1 - p))  # the intercept-only optimum: a start inside the feasible set
    res = minimize(
        loss,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, None)] + [(None, 0.0)] * k,
        options={"maxiter": max_iter, "ftol": tol * 1e-4, "gtol": tol},
    )
    coef = np.minimum(np.asarray(res.x[1:], dtype=float), 0.0)
    return float(res.x[0]), coef


__all__ = ["fit_nonpositive_logistic"]
