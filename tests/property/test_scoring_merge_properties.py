"""The dynamic-programming merge is optimal: it matches brute force over every partition of a few pre-bins."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from creditloop.scoring._merge import PHASES, optimal_merge, segment_iv


def brute_force(events: np.ndarray, nonevents: np.ndarray, trend: str, min_count: float, max_bins: int | None) -> float:
    m = len(events)
    seg, rate = segment_iv(events, nonevents, events.sum(), nonevents.sum(), min_count)
    best = -np.inf
    for cuts in itertools.product([False, True], repeat=m - 1):
        starts = [0] + [i + 1 for i, c in enumerate(cuts) if c]
        bounds = [*starts, m]
        bins = list(zip(bounds[:-1], [b - 1 for b in bounds[1:]], strict=True))
        if max_bins is not None and len(bins) > max_bins:
            continue
        ivs = [seg[i, j] for i, j in bins]
        if not np.all(np.isfinite(ivs)):
            continue
        d = np.sign(np.diff([rate[i, j] for i, j in bins]))
        if not _shape_ok(d, trend):
            continue
        best = max(best, float(np.sum(ivs)))
    return best


def _shape_ok(d: np.ndarray, trend: str) -> bool:
    if (d == 0).any():
        return False
    phases = PHASES[trend]
    if phases == (0,):  # "none": any shape, adjacent bins differ
        return True
    p = 0
    for step in d:
        if step == phases[p]:
            continue
        if p + 1 < len(phases) and step == phases[p + 1]:
            p += 1
            continue
        return False
    return True


counts = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=2, max_size=7)


@settings(max_examples=150, deadline=None)
@given(
    counts,
    st.sampled_from(list(PHASES)),
    st.integers(0, 30),
    st.one_of(st.none(), st.integers(1, 4)),
)
def test_dynamic_programme_matches_brute_force(
    pairs: list[tuple[int, int]], trend: str, min_count: int, max_bins: int | None
) -> None:
    events = np.array([p[0] for p in pairs], dtype=float)
    nonevents = np.array([p[1] for p in pairs], dtype=float)
    if events.sum() == 0 or nonevents.sum() == 0:
        return
    expected = brute_force(events, nonevents, trend, min_count, max_bins)
    res = optimal_merge(
        events,
        nonevents,
        trend=trend,
        min_count=min_count,
        max_bins=max_bins,
        total_events=events.sum(),
        total_nonevents=nonevents.sum(),
    )
    if not np.isfinite(expected):
        assert res is None
        return
    assert res is not None
    assert res.iv == np.float64(expected) or abs(res.iv - expected) < 1e-9
    # the returned partition really has that IV and obeys the shape
    seg, rate = segment_iv(events, nonevents, events.sum(), nonevents.sum(), min_count)
    bounds = [*res.starts, len(events)]
    bins = list(zip(bounds[:-1], [b - 1 for b in bounds[1:]], strict=True))
    assert abs(sum(seg[i, j] for i, j in bins) - res.iv) < 1e-9
    assert _shape_ok(np.sign(np.diff([rate[i, j] for i, j in bins])), trend)
    if max_bins is not None:
        assert len(bins) <= max_bins
