"""PD term structures from a chain over (roll state, payment history): ``--segment-by payment``.

Why: a young book's deep rows (M3..M7) are estimated on the lines that reached them first, and those are the lines
that never paid at all (fabricated applications, first-payment default) and roll straight to charge-off. Pooled
with the lines that did pay, they make a young book's matrix roll faster than the book it becomes (docs/risk.md,
"Session 13"). So the state is the roll state *and* whether the line has ever made a payment (``paid`` /
``never_paid``); a never-paid line that pays moves to the paid layer. Each layer's row is blended with the row
pooled over both layers, ``Z x own + (1 - Z) x pooled`` with ``Z = n / (n + CREDIBILITY_LINES)`` (``n`` the line-months
of the layer's row), so a thin row borrows from the other layer instead of deciding a PD on a handful of lines;
a row seen in neither layer follows the DPD clock, as in ``term_structure``.

The current rows (M0 of each layer) are weighted by exposure at t (drawn + CCF x undrawn, the EAD the PD will
multiply): the lines that fall behind are the fuller ones, so a count-weighted M0 row under-states the chance that
a yuan of EAD defaults (the oracle back-test in docs/risk.md: 0.87-0.90 of the realised EAD-weighted charge-off
rate by count, 0.94-0.98 by exposure). The later rows stay count-weighted: once a line is behind it is frozen and
its exposure is its balance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl.pd_prior import PdPrior
from creditloop.portfolio.ecl.term_structure import CL_INDEX, CO_INDEX, TermStructure

PAID, NEVER_PAID = "paid", "never_paid"
LAYERS = (NEVER_PAID, PAID)
CREDIBILITY_LINES = 50  # line-months at which a layer's own row gets half the weight (chosen on seed 1 and 11-16)
_BUCKETS = CO_INDEX  # M0..M7 per layer
_SIZE = 2 * _BUCKETS + 2  # both layers, then CO and CL (shared, absorbing)
_CO, _CL = 2 * _BUCKETS, 2 * _BUCKETS + 1


def _index(state: int, paid: bool) -> int:
    if state == CO_INDEX:
        return _CO
    if state == CL_INDEX:
        return _CL
    return state + (_BUCKETS if paid else 0)


def _layer(name: str) -> bool:
    if name not in LAYERS:
        raise ValidationError(f"payment layer must be one of {', '.join(LAYERS)}, got {name!r}", field="segment")
    return name == PAID


def matrix(
    counts: Iterable[tuple[str, int, str, int, int, int, int]],
    ccf: Decimal,
    credibility: float = CREDIBILITY_LINES,
    prior: PdPrior | None = None,
) -> list[list[float]]:
    """The monthly matrix over both layers from ``(from_layer, from_index, to_layer, to_index, lines, drawn_minor,
    undrawn_minor)`` rows; row ``M0`` of each layer weighted by ``drawn + ccf x undrawn``. With a ``prior``
    (``pd_prior``), the row pooled over both layers is first blended with the prior's row by the pooled line-months
    (``Zp = n_both / (n_both + k)``); each layer's row then borrows from that as without a prior, so the prior's
    weight in a layer's row is ``(1 - Z) x (1 - Zp)``."""
    if credibility < 0:
        raise ValidationError(f"credibility must be >= 0, got {credibility}", field="credibility")
    weight: dict[tuple[int, int], float] = defaultdict(float)
    lines = [0] * _SIZE
    share = float(ccf)
    for from_layer, i, to_layer, j, n, drawn, undrawn in counts:
        if not (0 <= i < CO_INDEX and 0 <= j <= CL_INDEX):
            raise ValidationError(f"transition ({i}, {j}) is outside the roll states", field="counts")
        if min(n, drawn, undrawn) < 0:
            raise ValidationError(f"lines, drawn and undrawn must be >= 0, got {n}, {drawn}, {undrawn}", field="counts")
        paid = _layer(from_layer)
        a, b = _index(i, paid), _index(j, paid or _layer(to_layer))
        weight[(a, b)] += (drawn + share * undrawn) if i == 0 else n
        lines[a] += n
    rows = [[0.0] * _SIZE for _ in range(_SIZE)]
    for (a, b), w in weight.items():
        rows[a][b] += w
    out = [[0.0] * _SIZE for _ in range(_SIZE)]
    out[_CO][_CO] = out[_CL][_CL] = 1.0
    for paid in (False, True):
        for k in range(_BUCKETS):
            a = _index(k, paid)
            pooled = [0.0] * _SIZE
            for other in (False, True):
                for b, w in enumerate(rows[_index(k, other)]):
                    if w:
                        pooled[b if b >= _CO else _index(b % _BUCKETS, paid or b >= _BUCKETS)] += w
            both = lines[_index(k, False)] + lines[_index(k, True)]
            base = _with_prior(prior, k, paid, _normalised(pooled), both) or _normalised(pooled) or _clock(k, paid)
            own = _normalised(rows[a])
            z = lines[a] / (lines[a] + credibility) if own else 0.0
            out[a] = [z * o + (1 - z) * p for o, p in zip(own or base, base, strict=True)]
    return out


def _with_prior(
    prior: PdPrior | None, k: int, paid: bool, pooled: list[float] | None, lines: int
) -> list[float] | None:
    """The pooled row of state ``k`` in a layer blended with the prior's row (``None``: the prior has no such row).
    The prior knows no layers: a delinquent line that moves to a better bucket or stays in its bucket has paid (the
    DPD clock rolls it on otherwise, ``_clock``), so from the never-paid layer it lands in the paid one; rolling on,
    and a current line staying current, keep the layer."""
    if prior is None or k not in prior.rows:
        return None
    mapped = [0.0] * _SIZE
    for j, p in enumerate(prior.rows[k]):
        if p:
            mapped[_index(j, paid or j < k or (j == k and k > 0))] += p
    if pooled is None:
        return mapped
    z = lines / (lines + prior.credibility_lines)
    return [z * o + (1 - z) * q for o, q in zip(pooled, mapped, strict=True)]


def _normalised(row: list[float]) -> list[float] | None:
    total = sum(row)
    return [v / total for v in row] if total > 0 else None


def _clock(k: int, paid: bool) -> list[float]:
    """A month without payment: current stays current, M1..M6 roll one bucket, M7 is charged off."""
    row = [0.0] * _SIZE
    row[_index(k, paid) if k == 0 else (_CO if k == _BUCKETS - 1 else _index(k + 1, paid))] = 1.0
    return row


def term_structures(matrix_rows: list[list[float]], horizon: int) -> dict[str, TermStructure]:
    """Cumulative PD (reaching CO) for months 1..``horizon`` from every current or delinquent state of each layer."""
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 600:
        raise ValidationError(f"horizon must be 1..600 months, got {horizon!r}", field="horizon")
    out: dict[str, TermStructure] = {}
    for name in LAYERS:
        paid = name == PAID
        curves: dict[int, tuple[float, ...]] = {}
        for start in range(_BUCKETS):
            dist = [0.0] * _SIZE
            dist[_index(start, paid)] = 1.0
            curve = []
            for _ in range(horizon):
                nxt = [0.0] * _SIZE
                for a, mass in enumerate(dist):
                    if mass:
                        for b, p in enumerate(matrix_rows[a]):
                            if p:
                                nxt[b] += mass * p
                dist = nxt
                curve.append(min(1.0, dist[_CO]))
            curves[start] = tuple(curve)
        out[name] = TermStructure(curves, CO_INDEX)
    return out
