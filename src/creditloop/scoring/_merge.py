"""Optimal merging of pre-bins under a shape constraint, by dynamic programming.

Information value is additive over bins, so the best partition of ``m`` ordered pre-bins into
contiguous bins is a shortest-path problem. The state is the last bin ``[i, j]`` (and, for peak and
valley shapes, the phase; with a bin cap, the number of bins used). For a fixed end ``j`` all starts
``i`` and all predecessors ``k`` are handled in one numpy operation, so the whole search is ``m``
vectorised steps of ``O(m²)`` work: about a millisecond for 50 pre-bins.

Bins are feasible only when they hold at least ``min_count`` rows and both events and non-events, so
every bin has a finite weight of evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

PHASES: dict[str, tuple[int, ...]] = {
    "ascending": (1,),
    "descending": (-1,),
    "peak": (1, -1),
    "valley": (-1, 1),
    "none": (0,),  # no shape constraint: any order of event rates (adjacent bins still differ)
}
AUTO_SHAPES = ("ascending", "descending", "peak", "valley")
_NEG = -np.inf


@dataclass(frozen=True, slots=True)
class MergeResult:
    """Pre-bin boundaries of the chosen bins: bin ``b`` covers pre-bins ``starts[b] .. starts[b+1]-1``."""

    starts: tuple[int, ...]
    iv: float
    trend: str


def segment_iv(
    events: NDArray[np.float64],
    nonevents: NDArray[np.float64],
    total_events: float,
    total_nonevents: float,
    min_count: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """IV and event rate of every contiguous run ``[i, j]`` of pre-bins (``-inf`` where infeasible)."""
    ce = np.concatenate(([0.0], np.cumsum(events)))
    cn = np.concatenate(([0.0], np.cumsum(nonevents)))
    seg_e = ce[None, 1:] - ce[:-1, None]  # [i, j] = sum over i..j
    seg_n = cn[None, 1:] - cn[:-1, None]
    total = seg_e + seg_n
    upper = np.triu(np.ones_like(seg_e, dtype=bool))
    ok = upper & (seg_e > 0) & (seg_n > 0) & (total >= min_count)
    with np.errstate(divide="ignore", invalid="ignore"):
        pe = seg_e / total_events
        pn = seg_n / total_nonevents
        iv = np.where(ok, (pn - pe) * np.log(pn / pe), _NEG)
        rate = np.where(upper & (total > 0), seg_e / total, np.nan)
    return iv, rate


def optimal_merge(
    events: NDArray[np.float64],
    nonevents: NDArray[np.float64],
    *,
    trend: str,
    min_count: float,
    max_bins: int | None,
    total_events: float,
    total_nonevents: float,
    min_rate_diff: float = 0.0,
) -> MergeResult | None:
    """The IV-maximising contiguous merge of the pre-bins with the given shape, or ``None`` if none is feasible."""
    m = len(events)
    phases = PHASES[trend]
    n_phase = len(phases)
    seg, rate = segment_iv(events, nonevents, total_events, total_nonevents, min_count)
    levels = max_bins if max_bins is not None else 1
    counted = max_bins is not None
    dp = np.full((n_phase, levels, m, m), _NEG)
    back_k = np.full((n_phase, levels, m, m), -1, dtype=np.int64)
    back_q = np.zeros((n_phase, levels, m, m), dtype=np.int64)
    dp[0, 0, 0, :] = seg[0, :]
    for j in range(1, m):
        new_seg = seg[1 : j + 1, j]  # start i = 1..j
        if not np.isfinite(new_seg).any():
            continue
        step = rate[1 : j + 1, j][None, :] - rate[:, :j]  # [k, i-1]
        step = np.nan_to_num(step, nan=0.0)
        ok_up = step > min_rate_diff
        ok_down = step < -min_rate_diff
        prev_all = dp[:, :, :, :j]  # [q, level, k, i-1]
        for p, direction in enumerate(phases):
            ok = ok_up if direction > 0 else ok_down if direction < 0 else (ok_up | ok_down)
            sources = [p] if p == 0 else [p, p - 1]
            best = np.full((levels, j), _NEG)
            best_k = np.full((levels, j), -1, dtype=np.int64)
            best_q = np.zeros((levels, j), dtype=np.int64)
            for q in sources:
                cand = np.where(ok[None, :, :], prev_all[q], _NEG)  # [level, k, i-1]
                arg = cand.argmax(axis=1)
                val = np.take_along_axis(cand, arg[:, None, :], axis=1)[:, 0, :]
                better = val > best
                best = np.where(better, val, best)
                best_k = np.where(better, arg, best_k)
                best_q = np.where(better, q, best_q)
            if counted:  # a new bin moves one level up
                dp[p, 1:, 1 : j + 1, j] = new_seg[None, :] + best[:-1]
                back_k[p, 1:, 1 : j + 1, j] = best_k[:-1]
                back_q[p, 1:, 1 : j + 1, j] = best_q[:-1]
            else:
                dp[p, 0, 1 : j + 1, j] = new_seg + best[0]
                back_k[p, 0, 1 : j + 1, j] = best_k[0]
                back_q[p, 0, 1 : j + 1, j] = best_q[0]
    final = dp[:, :, :, m - 1]
    flat = int(np.argmax(final))
    value = float(final.flat[flat])
    if not np.isfinite(value):
        return None
    p, lev, i = (int(v) for v in np.unravel_index(flat, final.shape))
    starts = [i]
    j = m - 1
    while i > 0:
        k = int(back_k[p, lev, i, j])
        q = int(back_q[p, lev, i, j])
        j = i - 1
        i, p = k, q
        lev = lev - 1 if counted else lev
        starts.append(i)
    return MergeResult(starts=tuple(reversed(starts)), iv=value, trend=trend)


def best_merge(
    events: NDArray[np.float64],
    nonevents: NDArray[np.float64],
    *,
    trend: str,
    min_count: float,
    max_bins: int | None,
    total_events: float,
    total_nonevents: float,
    auto_gain: float,
    min_rate_diff: float = 0.0,
) -> MergeResult | None:
    """Like :func:`optimal_merge`; ``trend="auto"`` takes the better monotone shape, or a peak/valley
    when that raises IV by more than ``auto_gain`` (relative) and has a real turning point."""
    kwargs = {
        "min_count": min_count,
        "max_bins": max_bins,
        "total_events": total_events,
        "total_nonevents": total_nonevents,
        "min_rate_diff": min_rate_diff,
    }
    if trend != "auto":
        return optimal_merge(events, nonevents, trend=trend, **kwargs)  # type: ignore[arg-type]
    results = [optimal_merge(events, nonevents, trend=t, **kwargs) for t in AUTO_SHAPES]  # type: ignore[arg-type]
    mono = [r for r in results[:2] if r is not None]
    turn = [r for r in results[2:] if r is not None and len(r.starts) >= 3]
    best_mono = max(mono, key=lambda r: r.iv) if mono else None
    best_turn = max(turn, key=lambda r: r.iv) if turn else None
    if best_mono is None:
        return best_turn
    if best_turn is not None and best_turn.iv > best_mono.iv * (1.0 + auto_gain):
        return best_turn
    return best_mono
