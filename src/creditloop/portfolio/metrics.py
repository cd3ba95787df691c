"""Portfolio ratios over counts that a read side has already aggregated.

Pure functions: no database, no I/O. Money stays ``int`` minor units upstream; the ratios here are
plain floats because they are shares for display and monitoring, never amounts that get posted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from creditloop.servicing.delinquency import BUCKETS

CHARGED_OFF = "CO"
CLOSED = "CL"
# Month-to-month states: the eight M-buckets plus the two ways a line leaves the receivable book.
ROLL_STATES: tuple[str, ...] = (*BUCKETS, CHARGED_OFF, CLOSED)
# 30+ DPD starts at M2 because M1 covers 1-30 DPD.
THIRTY_PLUS_FROM = "M2"


def share(numerator: int | float, denominator: int | float) -> float:
    """``numerator / denominator``, and 0.0 for an empty denominator (a month with no lines is not an error)."""
    return float(numerator) / float(denominator) if denominator else 0.0


def roll_rate_matrix(transitions: Mapping[tuple[str, str], int], states: Sequence[str]) -> dict[str, dict[str, float]]:
    """Row-normalise month-to-month transition counts ``{(from, to): n}`` into shares.

    Every state in ``states`` gets a row and a column. A row with data sums to 1; a row without data
    stays all zeros so a reader can tell "no lines started here" from "everything stayed". Counts for
    states outside ``states`` are ignored rather than silently renormalised into the others.
    """
    known = set(states)
    row_totals: dict[str, int] = dict.fromkeys(states, 0)
    for (src, dst), count in transitions.items():
        if count < 0:
            raise ValueError(f"transition count must not be negative: {src}->{dst}={count}")
        if src in known and dst in known:
            row_totals[src] += count
    matrix: dict[str, dict[str, float]] = {}
    for src in states:
        total = row_totals[src]
        matrix[src] = {dst: share(transitions.get((src, dst), 0), total) for dst in states}
    return matrix


def delinquency_rate(counts_by_bucket: Mapping[str, int], min_bucket: str = THIRTY_PLUS_FROM) -> float:
    """Share of the total in ``min_bucket`` and worse (default 30+ DPD). Works for counts or balances.

    Buckets not in M0..M7 are refused: mixing in CO/closed rows would dilute the denominator.
    """
    unknown = set(counts_by_bucket) - set(BUCKETS)
    if unknown:
        raise ValueError(f"unknown buckets: {sorted(unknown)}")
    if min_bucket not in BUCKETS:
        raise ValueError(f"unknown bucket: {min_bucket}")
    first = BUCKETS.index(min_bucket)
    total = sum(counts_by_bucket.values())
    delinquent = sum(v for k, v in counts_by_bucket.items() if BUCKETS.index(k) >= first)
    return share(delinquent, total)
