"""Honest evaluation: a stratified test part held out of training, and a fingerprint of the training rows.

The fingerprint lets a later validation tell that it is being run on the rows the model learned from (whose
metrics are optimistic) without keeping those rows: each row (its columns in the model's order, less those
excluded as identifiers or personal data, and its binary target) is hashed to 64 bits; the model file keeps
the row count, the order-free sum of the row hashes, and the ``SKETCH_SIZE`` smallest hashes (a bottom-k
sketch). Every training row whose hash is at most the largest kept hash is in the sketch, so among the rows
of another table whose hash falls under that bound, the share found in the sketch estimates the share of that
table that was training data (exactly, when training had at most ``SKETCH_SIZE`` distinct rows). Identical
rows of different customers count as training rows: tables without an id column and with few distinct values
may show some overlap that is not a leak.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from creditloop.core.errors import ValidationError

SKETCH_SIZE = 256
_MASK = (1 << 64) - 1


def stratified_split(y: Sequence[int] | np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the train and test rows: ``test_fraction`` of each target class, drawn with ``seed``.

    Each class with at least two rows keeps one on each side, so both parts can measure AUC and KS."""
    if not 0 < test_fraction < 1:
        raise ValidationError(
            f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction}", field="test_fraction"
        )
    target = np.asarray(y)
    rng = np.random.default_rng(seed)
    test_parts = []
    for value in np.unique(target):  # sorted classes: the draw does not depend on row order of the classes
        rows = np.flatnonzero(target == value)
        n_test = round(len(rows) * test_fraction)
        if len(rows) >= 2:
            n_test = min(max(n_test, 1), len(rows) - 1)
        test_parts.append(rng.permutation(rows)[:n_test])
    test = np.sort(np.concatenate(test_parts)) if test_parts else np.array([], dtype=int)
    train = np.setdiff1d(np.arange(len(target)), test)
    return train, test


def row_hashes(X: pd.DataFrame, y: Sequence[int] | np.ndarray | pd.Series) -> np.ndarray:
    """A 64-bit hash of each row's values (in ``X``'s column order) and its binary target."""
    frame = X.reset_index(drop=True).copy()
    frame.columns = [f"c{i}" for i in range(frame.shape[1])]  # names are not content; a target column may clash
    frame["__target__"] = np.asarray(y, dtype=np.int8)
    hashes: np.ndarray = pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    return hashes


def rows_fingerprint(X: pd.DataFrame, y: Sequence[int] | np.ndarray | pd.Series) -> dict[str, Any] | None:
    """What the model file keeps of its training rows: count, order-free sum and the bottom-k sketch.

    None when a column holds values pandas cannot hash (lists, dicts): the model is still usable, only a
    report cannot tell training rows from others."""
    try:
        hashes = row_hashes(X, y)
    except (TypeError, ValueError):
        return None
    unique = np.unique(hashes)  # sorted
    return {
        "method": "pandas-hash64-bottom-k",
        "columns": [str(c) for c in X.columns],
        "n_rows": len(hashes),
        "sum": _sum_hex(hashes),
        # One hex string (0x, then 16 digits a hash): compact, and never read as a number.
        "sketch": "0x" + "".join(f"{h:016x}" for h in unique[:SKETCH_SIZE].tolist()),
        "complete": len(unique) <= SKETCH_SIZE,  # the sketch is every distinct training row
    }


def training_share(
    fingerprint: Mapping[str, Any], X: pd.DataFrame, y: Sequence[int] | np.ndarray | pd.Series
) -> float | None:
    """Estimated share of the rows of ``X`` that were training rows; None when it cannot be told (a column the
    model was trained with is missing, or no row of ``X`` falls under the sketch's bound)."""
    columns = list(fingerprint.get("columns", []))
    if not columns or any(c not in X.columns for c in columns):
        return None
    try:
        hashes = row_hashes(X[columns], y)
    except (TypeError, ValueError):
        return None
    total = (len(hashes), _sum_hex(hashes))
    if total == (fingerprint.get("n_rows"), fingerprint.get("sum")):
        return 1.0  # the training rows themselves, in any order
    source = fingerprint.get("source") or {}
    if source.get("n_rows") and total == (source["n_rows"], source.get("sum")):
        return int(fingerprint["n_rows"]) / int(source["n_rows"])  # the very table the model was fitted from
    digits = str(fingerprint.get("sketch", "")).removeprefix("0x")
    sketch = np.array([int(digits[i : i + 16], 16) for i in range(0, len(digits), 16)], dtype=np.uint64)
    if fingerprint.get("complete"):
        candidates = hashes
    else:
        if not len(sketch):
            return None
        candidates = hashes[hashes <= sketch.max()]
    if not len(candidates):
        return None
    return float(np.isin(candidates, sketch).mean())


def _sum_hex(hashes: np.ndarray) -> str:
    total = int(hashes.sum(dtype=np.uint64))  # wraps modulo 2**64: an order-free checksum of the multiset
    return f"0x{total & _MASK:016x}"


def data_fingerprint(X: pd.DataFrame, y: object = None) -> str:
    """SHA-256 of the rows' content and column names (order-sensitive); the data hash in the model file."""
    h = hashlib.sha256()
    h.update("\x1f".join(map(str, X.columns)).encode())
    h.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    if y is not None:
        h.update(np.ascontiguousarray(np.asarray(y, dtype=np.int8)).tobytes())
    return h.hexdigest()
