"""Choosing a variable's shape (ascending, descending, peak, valley, none) by cross-validation on pre-bin counts.

Training IV always rewards the most flexible shape, so it cannot choose between shapes. Held-out
log-likelihood can: each shape is merged on ``k − 1`` folds and the event rates of its bins are scored on the
remaining fold. Everything works on the per-fold pre-bin counts (one extra ``np.bincount`` pass per column), so
a fold costs one merge per candidate shape and no pass over the rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

Merge = Callable[[NDArray[np.float64], NDArray[np.float64], str], list[int]]
_SMOOTH = 0.5


def stratified_folds(y: NDArray[np.float64], n_folds: int, seed: int) -> NDArray[np.int64]:
    """Fold number of every row; each fold gets the same share of events (seeded, reproducible)."""
    rng = np.random.default_rng(seed)
    folds = np.empty(y.size, dtype=np.int64)
    for label in (0.0, 1.0):
        rows = np.flatnonzero(y == label)
        folds[rows[rng.permutation(rows.size)]] = np.arange(rows.size) % n_folds
    return folds


def fold_counts(
    idx: NDArray[np.int64], y: NDArray[np.float64], folds: NDArray[np.int64], n_folds: int, size: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Rows and events per (fold, pre-bin): arrays of shape ``(n_folds, size)``."""
    key = folds * size + idx
    counts = np.bincount(key, minlength=n_folds * size).astype(np.float64)
    events = np.bincount(key, weights=y, minlength=n_folds * size).astype(np.float64)
    return counts.reshape(n_folds, size), events.reshape(n_folds, size)


def heldout_loss(
    starts: Sequence[int],
    train_c: NDArray[np.float64],
    train_e: NDArray[np.float64],
    test_c: NDArray[np.float64],
    test_e: NDArray[np.float64],
) -> float:
    """Log-loss on the held-out rows of the bins ``starts`` (regular pre-bins only), rates from the training rows."""
    bounds = [*starts, len(train_c)]
    loss = 0.0
    for lo, hi in itertools.pairwise(bounds):
        p = (train_e[lo:hi].sum() + _SMOOTH) / (train_c[lo:hi].sum() + 2 * _SMOOTH)
        e = test_e[lo:hi].sum()
        loss -= e * np.log(p) + (test_c[lo:hi].sum() - e) * np.log1p(-p)
    return float(loss)


def choose_shape(
    merge: Merge,
    counts: NDArray[np.float64],
    events: NDArray[np.float64],
    by_fold: tuple[NDArray[np.float64], NDArray[np.float64]],
    shapes: Sequence[str],
) -> tuple[list[int], str]:
    """The full-data merge of the shape with the lowest cross-validated log-loss, and that shape.

    ``counts``/``events`` end with the special and missing bins, which every shape treats alike and are left
    out of the comparison. Shapes that give the same full-data bins are compared once (the first listed
    wins), and ties go to the earlier, simpler shape.
    """
    full: dict[str, list[int]] = {t: merge(counts, events, t) for t in shapes}
    distinct: dict[tuple[int, ...], str] = {}
    for t, starts in full.items():
        distinct.setdefault(tuple(starts), t)
    candidates = list(distinct.values())
    if len(candidates) == 1:
        return full[candidates[0]], candidates[0]
    fold_c, fold_e = by_fold
    k = len(counts) - 2
    loss = dict.fromkeys(candidates, 0.0)
    for f in range(fold_c.shape[0]):
        train_c, train_e = counts - fold_c[f], events - fold_e[f]
        for t in candidates:
            starts = merge(train_c, train_e, t)
            loss[t] += heldout_loss(starts, train_c[:k], train_e[:k], fold_c[f, :k], fold_e[f, :k])
    best = min(candidates, key=lambda t: loss[t])
    return full[best], best


Layout = Callable[[NDArray[np.float64], NDArray[np.float64]], NDArray[np.int64]]


def grouped_loss(
    assign: NDArray[np.int64],
    train_c: NDArray[np.float64],
    train_e: NDArray[np.float64],
    test_c: NDArray[np.float64],
    test_e: NDArray[np.float64],
) -> float:
    """Log-loss on the held-out rows when pre-bin ``i`` belongs to bin ``assign[i]`` (bins need not be
    contiguous), event rates from the training rows; same smoothing as :func:`heldout_loss`."""
    n = int(assign.max()) + 1
    tc = np.bincount(assign, weights=train_c, minlength=n)
    te = np.bincount(assign, weights=train_e, minlength=n)
    hc = np.bincount(assign, weights=test_c, minlength=n)
    he = np.bincount(assign, weights=test_e, minlength=n)
    p = (te + _SMOOTH) / (tc + 2 * _SMOOTH)
    return float(-(he * np.log(p) + (hc - he) * np.log1p(-p)).sum())


def cv_loss(
    layout: Layout,
    counts: NDArray[np.float64],
    events: NDArray[np.float64],
    by_fold: tuple[NDArray[np.float64], NDArray[np.float64]],
    n_scored: int,
) -> float:
    """Cross-validated log-loss of a binning rule: ``layout`` maps the training counts and events of every
    pre-bin to the bin of each of the first ``n_scored`` pre-bins (the rest, special and missing, are binned
    alike by every rule and left out); the bins are scored on each held-out fold in turn."""
    fold_c, fold_e = by_fold
    loss = 0.0
    for f in range(fold_c.shape[0]):
        train_c, train_e = counts - fold_c[f], events - fold_e[f]
        assign = layout(train_c, train_e)
        loss += grouped_loss(assign, train_c[:n_scored], train_e[:n_scored], fold_c[f, :n_scored], fold_e[f, :n_scored])
    return loss
