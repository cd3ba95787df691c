"""Vasicek single-factor (ASRF) model: the default rate of a large portfolio given the state of the economy.

Asset return ``A = sqrt(rho) Z + sqrt(1 - rho) e``; a borrower defaults when ``A < G(PD)``. Given the systematic
factor ``Z = z`` (z < 0 is a bad economy) the default probability is

    PD(z) = N( (G(PD) - sqrt(rho) z) / sqrt(1 - rho) )

(Vasicek 2002, Risk 15(12); DOMAIN.md §4.4; ``vasicek.json``). Basel's 99.9 % stress is z = G(0.001) = -3.0902,
which is how ``irb.unexpected_loss_k`` uses the same formula. Normal CDF and inverse: ``statistics.NormalDist``
(standard library; see ``irb``).
"""

from __future__ import annotations

import math
from statistics import NormalDist

from creditloop.core.errors import ValidationError
from creditloop.portfolio.risk_inputs import Number, finite, fraction, in_range

_N = NormalDist()
BASEL_Z = _N.inv_cdf(0.001)  # -3.090232...: the factor value at the Basel 99.9 % confidence


def _rho(rho: Number) -> float:
    # rho = 1 would divide by zero: every borrower moves with the factor, the default rate is 0 or 1
    return in_range(rho, "rho", 0.0, 1.0, high_open=True)


def conditional_pd(pd: Number, rho: Number, z: Number) -> float:
    """The probability of default given the systematic factor ``z``; ``pd`` and ``rho`` are decimal fractions."""
    p, r, factor = fraction(pd, "pd"), _rho(rho), finite(z, "z")
    if p in (0.0, 1.0):
        return p  # G(0) = -inf, G(1) = +inf: no factor value moves a sure outcome
    return _N.cdf((_N.inv_cdf(p) - math.sqrt(r) * factor) / math.sqrt(1.0 - r))


def default_rate_quantile(pd: Number, rho: Number, q: Number) -> float:
    """The ``q`` quantile of the portfolio default rate: ``conditional_pd`` at ``z = G(1 - q)`` (the bad tail)."""
    p, r = fraction(pd, "pd"), _rho(rho)
    level = in_range(q, "q", 0.0, 1.0)
    if level in (0.0, 1.0):
        raise ValidationError(f"q must be strictly between 0 and 1, got {q}", field="q")
    if p in (0.0, 1.0):
        return p
    return _N.cdf((_N.inv_cdf(p) + math.sqrt(r) * _N.inv_cdf(level)) / math.sqrt(1.0 - r))


def default_rate_cdf(pd: Number, rho: Number, x: Number) -> float:
    """``P(default rate <= x) = N((sqrt(1 - rho) G(x) - G(PD)) / sqrt(rho))`` for ``0 < rho``."""
    p, r, rate = fraction(pd, "pd"), _rho(rho), fraction(x, "x")
    if r == 0.0:
        raise ValidationError(
            "rho must be positive for a default-rate distribution (rho = 0 is a point mass)", field="rho"
        )
    if rate == 1.0 or p == 0.0:
        return 1.0
    if rate == 0.0 or p == 1.0:
        return 0.0
    return _N.cdf((math.sqrt(1.0 - r) * _N.inv_cdf(rate) - _N.inv_cdf(p)) / math.sqrt(r))
