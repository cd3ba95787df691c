"""Exposure at default: the drawn balance plus a credit conversion factor (CCF) of the undrawn revolving limit.

``EAD = drawn + CCF x max(0, limit - drawn)``, rounded once to the fen (``core.money.round_minor``). The CCF is
the share of today's unused limit a customer is expected to draw before defaulting; it is a parameter of the
scenario file (``ccf``), not a constant. Credit-impaired (stage 3) lines are frozen by the servicing rules, so
their EAD is the drawn balance alone (``undrawn_usable=False``).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.core.money import round_minor


def check_ccf(ccf: Decimal) -> Decimal:
    if not isinstance(ccf, Decimal) or not ccf.is_finite() or not Decimal(0) <= ccf <= Decimal(1):
        raise ValidationError(f"ccf must be a decimal fraction in [0, 1], got {ccf!r}", field="ccf")
    return ccf


def ead_minor(drawn_minor: int, limit_minor: int, ccf: Decimal, *, undrawn_usable: bool = True) -> int:
    for name, value in (("drawn_minor", drawn_minor), ("limit_minor", limit_minor)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationError(f"{name} must be a non-negative integer, got {value!r}", field=name)
    check_ccf(ccf)
    undrawn = max(0, limit_minor - drawn_minor) if undrawn_usable else 0
    return drawn_minor + round_minor(ccf * undrawn)


# The packaged CCF (0.20) is a convention, not an estimate, so its prior carries no more information than "a CCF
# lies in [0, 1]": the standard deviation of the uniform distribution on [0, 1], 1/sqrt(12).
CCF_PRIOR_SD = 12**-0.5
# A book's own drawdowns are measured over at most this many months before the charge-off (the 12-month
# cohort method; a younger line from its first month on book).
CCF_HORIZON_MONTHS = 12


def own_ccf(lines: Iterable[tuple[int, int, int]], prior: Decimal, prior_sd: float = CCF_PRIOR_SD) -> dict[str, Any]:
    """The book's own CCF blended with ``prior`` by precision (a normal prior, a normal sampling error).

    ``lines``: one ``(drawn, limit, exposure at charge-off)`` triple in fen per line charged off on or before the
    reporting date, drawn and limit at the reference month (``CCF_HORIZON_MONTHS`` before the charge-off, or the
    line's first month). Own CCF = sum(max(0, exposure - drawn)) / sum(limit - drawn) over the lines with an
    undrawn limit (the cohort method's pooled ratio; the exposure is the one at charge-off because the LGD it is
    paired with is a share of the amount charged off), kept within [0, 1]. Its standard error is the ratio
    estimator's (linearised), and at least ``0.5 / sqrt(n)``; the blend weight is
    ``prior_sd^2 / (prior_sd^2 + se^2)``: a handful of charge-offs moves the CCF a little, a few dozen most of the
    way. Fewer than two lines: the prior."""
    check_ccf(prior)
    if not (isinstance(prior_sd, float) and prior_sd > 0):
        raise ValidationError(f"prior_sd must be a positive number, got {prior_sd!r}", field="prior_sd")
    pairs = []
    for drawn, limit, exposure in lines:
        for name, value in (("drawn_minor", drawn), ("limit_minor", limit), ("exposure_minor", exposure)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"{name} must be a non-negative integer, got {value!r}", field=name)
        if limit > drawn:
            pairs.append((float(max(0, exposure - drawn)), float(limit - drawn)))
    n = len(pairs)
    base = {"ccf": prior, "own_ccf": None, "se": None, "weight": 0.0, "lines": n, "prior": prior, "prior_sd": prior_sd}
    if n < 2:
        return base
    num, den = sum(a for a, _ in pairs), sum(b for _, b in pairs)
    ratio = num / den
    mean_den = den / n
    resid = sum((a - ratio * b) ** 2 for a, b in pairs) / (n - 1)
    # A line's realised CCF lies in [0, 1] (nearly), so its variance is at most 1/4: n lines never give a
    # standard error below 0.5 / sqrt(n), however alike the few lines of a young book happen to be.
    se = max((resid / n) ** 0.5 / mean_den, 0.5 / n**0.5)
    own = min(1.0, ratio)
    weight = prior_sd**2 / (prior_sd**2 + se**2)
    blended = float(prior) + weight * (own - float(prior))
    ccf = Decimal(f"{min(1.0, max(0.0, blended)):.4f}")
    return {**base, "ccf": ccf, "own_ccf": own, "se": se, "weight": weight}
