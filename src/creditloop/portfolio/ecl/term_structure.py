"""PD term structures from a monthly Markov transition matrix with an absorbing default state.

States are the roll states of ``portfolio.metrics``: ``M0``..``M7`` (index 0..7), ``CO`` (8), ``CL`` (9). The loss
event is reaching ``default_from`` or worse: by default ``CO``, the charge-off (180 DPD), because the LGD it is paired
with is measured on charged-off loans (``lgd.py``); a line more than 90 DPD that later pays is a cure the matrix
already carries. ``default_from=4`` (M4, more than 90 DPD) gives the regulatory default instead. Closing the line
(``CL``) is the other absorbing exit (attrition: a closed line cannot default). With ``P`` the monthly matrix
where every default state is made absorbing, the cumulative PD over ``h`` months from state ``s`` is the mass of
``P^h`` in the default states of row ``s``; the 12-month PD is ``h = 12``, the lifetime PD ``h = lifetime``.

A row never observed (no line was in that state yet: a young book) is filled by the mechanics of days past due: a
current line stays current, a line in M1..M7 that pays nothing is one bucket worse a month later (M7 is charged
off), so no data is not taken as "never defaults". Counts are pooled over the months given, so the caller chooses
the window (point in time: only months up to the reporting date).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl.pd_prior import PdPrior
from creditloop.portfolio.metrics import ROLL_STATES

N_STATES = len(ROLL_STATES)  # 10
CO_INDEX = ROLL_STATES.index("CO")
CL_INDEX = ROLL_STATES.index("CL")
DEFAULT_FROM = CO_INDEX  # the charge-off; 4 (M4, more than 90 DPD) is the regulatory default (B5.5.37)

Matrix = list[list[float]]


def matrix_from_counts(
    counts: Mapping[tuple[int, int], int], fallback: Matrix | None = None, prior: PdPrior | None = None
) -> Matrix:
    """Row-normalised monthly matrix from ``{(from_index, to_index): lines}``; an unobserved row is taken from
    ``fallback`` (a segment borrows the whole book's row) or else follows the DPD clock. With a ``prior``, each row
    it gives is the credibility blend of the book's row and the prior's (``pd_prior``), observed or not; a segment's
    matrix takes no prior (its ``fallback``, the book's matrix, already carries it)."""
    if prior is not None and fallback is not None:
        raise ValidationError("a segment's matrix borrows the book's rows: give a fallback or a prior, not both",
                              field="prior")  # fmt: skip
    rows = [[0.0] * N_STATES for _ in range(N_STATES)]
    for (i, j), n in counts.items():
        if not (0 <= i < N_STATES and 0 <= j < N_STATES):
            raise ValidationError(f"transition ({i}, {j}) is outside the {N_STATES} roll states", field="counts")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValidationError(f"transition count must be a non-negative integer, got {n!r}", field="counts")
        rows[i][j] += n
    for i, row in enumerate(rows):
        total = sum(row)
        blended = None if prior is None else prior.blend(i, [v / total for v in row] if total else None, int(total))
        if blended is not None:
            rows[i] = blended
        elif total:
            rows[i] = [v / total for v in row]
        elif fallback is not None:
            rows[i] = list(fallback[i])
        else:
            rows[i] = [1.0 if j == _unpaid(i) else 0.0 for j in range(N_STATES)]
    return rows


def _unpaid(state: int) -> int:
    """Where a line goes in a month without payment: current stays current, M1..M7 roll one bucket (M7 -> CO)."""
    return state + 1 if 1 <= state < CO_INDEX else state


def check_matrix(matrix: Sequence[Sequence[float]]) -> Matrix:
    """A square stochastic matrix over the roll states: entries in [0, 1], rows summing to 1 (within 1e-9)."""
    if len(matrix) != N_STATES or any(len(r) != N_STATES for r in matrix):
        raise ValidationError(f"matrix must be {N_STATES} x {N_STATES} (the roll states)", field="matrix")
    for i, row in enumerate(matrix):
        for v in row:
            if not 0.0 <= v <= 1.0:
                raise ValidationError(f"matrix row {ROLL_STATES[i]}: probability {v} outside [0, 1]", field="matrix")
        if abs(sum(row) - 1.0) > 1e-9:
            raise ValidationError(f"matrix row {ROLL_STATES[i]} sums to {sum(row)}, not 1", field="matrix")
    return [list(map(float, r)) for r in matrix]


def default_states(default_from: int = DEFAULT_FROM) -> frozenset[int]:
    if not 1 <= default_from <= CO_INDEX:
        raise ValidationError(f"default_from must be in 1..{CO_INDEX}, got {default_from}", field="default_from")
    return frozenset(range(default_from, CO_INDEX + 1))


def _absorbing(matrix: Matrix, absorbing: Iterable[int]) -> Matrix:
    out = [list(r) for r in matrix]
    for s in absorbing:
        out[s] = [1.0 if j == s else 0.0 for j in range(N_STATES)]
    return out


def _step(dist: list[float], matrix: Matrix) -> list[float]:
    out = [0.0] * N_STATES
    for i, mass in enumerate(dist):
        if mass:
            row = matrix[i]
            for j in range(N_STATES):
                out[j] += mass * row[j]
    return out


@dataclass(frozen=True, slots=True)
class TermStructure:
    """Cumulative PD by horizon (month 1..len) for each performing start state (index < ``default_from``)."""

    cumulative: Mapping[int, tuple[float, ...]]
    default_from: int = DEFAULT_FROM

    def __post_init__(self) -> None:
        for state, curve in self.cumulative.items():
            last = 0.0
            for h, pd in enumerate(curve, start=1):
                if not 0.0 <= pd <= 1.0:
                    raise ValidationError(f"pd of state {state} at month {h} must be in [0, 1], got {pd}", field="pd")
                if pd < last - 1e-12:
                    raise ValidationError(f"cumulative pd of state {state} falls at month {h}", field="pd")
                last = pd

    @property
    def horizon(self) -> int:
        return min((len(c) for c in self.cumulative.values()), default=0)

    def curve(self, state: int, months: int) -> tuple[float, ...]:
        """Cumulative PD for months 1..``months`` from ``state`` (1.0 throughout from a default state)."""
        if state >= self.default_from:
            return (1.0,) * months
        curve = self.cumulative.get(state)
        if curve is None or len(curve) < months:
            raise ValidationError(f"no {months}-month term structure for state {state}", field="state")
        return curve[:months]

    def pd(self, state: int, months: int) -> float:
        return self.curve(state, months)[-1] if months else 0.0


def term_structure(matrix: Sequence[Sequence[float]], horizon: int, default_from: int = DEFAULT_FROM) -> TermStructure:
    """Cumulative PDs for 1..``horizon`` months from every performing state, default and ``CL`` absorbing."""
    if isinstance(horizon, bool) or not isinstance(horizon, int) or not 1 <= horizon <= 600:
        raise ValidationError(f"horizon must be 1..600 months, got {horizon!r}", field="horizon")
    defaults = default_states(default_from)
    p = _absorbing(check_matrix(matrix), (*defaults, CL_INDEX))
    cumulative: dict[int, tuple[float, ...]] = {}
    for start in range(default_from):
        dist = [1.0 if j == start else 0.0 for j in range(N_STATES)]
        curve = []
        for _ in range(horizon):
            dist = _step(dist, p)
            curve.append(min(1.0, sum(dist[s] for s in defaults)))
        cumulative[start] = tuple(curve)
    return TermStructure(cumulative, default_from)


def segmented(
    counts: Mapping[str, Mapping[tuple[int, int], int]], horizon: int, default_from: int = DEFAULT_FROM
) -> dict[str, TermStructure]:
    """One term structure per segment (product, vintage band, score band...) from its own counts."""
    return {name: term_structure(matrix_from_counts(c), horizon, default_from) for name, c in sorted(counts.items())}
