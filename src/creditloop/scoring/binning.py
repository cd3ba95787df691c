"""Optimal binning with weight of evidence: numeric and categorical, missing and special values as their
own bins, point masses (a value held by many rows) as their own bins when held-out folds prefer it,
monotonic / peak / valley constraints, minimum bin share and a bin cap.

How it is fast: pre-bin edges come from quantiles of a fixed-size sample, every row is placed once with
``np.searchsorted`` (categorical: ``pd.factorize``), the event and row counts per pre-bin come from two
``np.bincount`` calls, and the optimal merge runs on those counts only (:mod:`._merge`), so the cost per
variable is two passes over the column whatever the constraints. Columns are binned in a thread pool
(numpy releases the GIL in those passes).
"""

from __future__ import annotations

import itertools
import logging
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from creditloop.core.errors import ValidationError
from creditloop.scoring._checks import as_frame, binary_target, category_strings, require_columns
from creditloop.scoring._merge import PHASES, best_merge
from creditloop.scoring._shape_cv import Layout, choose_shape, cv_loss, fold_counts, stratified_folds
from creditloop.scoring._variable import (
    MISSING_LABEL,
    SPECIAL_LABEL,
    Kind,
    VariableBinning,
    _fmt,
    _numeric_text,
    numeric_values,
    woe_from_counts,
)
from creditloop.scoring.exceptions import BadValueWarning, DegenerateColumnWarning, UnseenCategoryWarning

logger = logging.getLogger(__name__)

__all__ = [
    "MISSING_LABEL",
    "SPECIAL_LABEL",
    "TRENDS",
    "BinningProcess",
    "Kind",
    "VariableBinning",
    "numeric_values",
    "woe_from_counts",
]

TRENDS = ("auto", *PHASES)
# _isolate_masses' result: regular starts, counts and events without the isolated values, the isolated values
# (ascending) and their counts and events.
_Isolated = tuple[
    list[int], NDArray[np.float64], NDArray[np.float64], tuple[float, ...], NDArray[np.float64], NDArray[np.float64]
]


class BinningProcess(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Optimal binning of every column of a DataFrame, and the WoE transform.

    Parameters
    ----------
    categorical:
        Columns to treat as categorical. Default: every non-numeric column.
    special_codes:
        Values that mean "special" (e.g. ``-999``), globally or per column (``{"col": [...]}``); they get their own bin.
    monotonic_trend:
        ``"auto"``, ``"ascending"``, ``"descending"``, ``"peak"``, ``"valley"`` or ``"none"`` (no shape constraint)
        for the event rate along a numeric variable, globally or per column. ``"auto"`` takes the shape
        (ascending, descending, peak, valley) with the highest IV; a peak/valley must beat the best monotone
        shape by more than ``auto_gain`` (relative, default 5 %) to be chosen, so noise does not bend a trend.
        Categorical bins are always ordered by event rate.
    cv, ordinal_levels:
        A numeric column with at most ``ordinal_levels`` distinct values (a status code, a grade) under ``"auto"``
        also tries unconstrained bins (``"none"``): the order of a code need not be the order of risk (UCI
        Taiwan's repayment status: paid in full is riskier than revolving, lateness riskier still). They are
        kept only when their event rates predict held-out rows better (log-loss, ``cv`` stratified folds of the
        training data, seeded by ``random_state``) than the ``"auto"`` shape. ``cv=None`` keeps ``"auto"``.
    point_mass_share:
        A numeric column with more than ``ordinal_levels`` values under ``"auto"``: a single value held by at
        least this share of all rows (and at least ``min_bin_share``) is a point mass — payment 0, bill 0,
        a round credit limit — and may get its own bin outside the shape constraint, like a special value.
        Point masses are tried largest first and each is kept only when it lowers the held-out log-loss of
        the ``cv`` folds (ties: not kept). ``None`` (the default) never isolates one; needs ``cv``.
    max_bins:
        Cap on regular bins per variable (``None``: as many as the other constraints allow).
    min_bin_share:
        Smallest share of all rows a regular bin may hold.
    max_prebins:
        Number of quantile pre-bins the optimal merge starts from.
    subsample:
        Rows sampled (with ``random_state``) to place the pre-bin quantiles; counts always use every row.
    n_jobs:
        Threads used to bin columns in parallel.
    """

    def __init__(
        self,
        *,
        categorical: Sequence[str] | None = None,
        special_codes: Sequence[Any] | Mapping[str, Sequence[Any]] | None = None,
        monotonic_trend: str | Mapping[str, str] = "auto",
        max_bins: int | None = None,
        min_bin_share: float = 0.05,
        max_prebins: int = 100,
        auto_gain: float = 0.05,
        cv: int | None = 3,
        ordinal_levels: int = 12,
        point_mass_share: float | None = None,
        subsample: int | None = 200_000,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.categorical = categorical
        self.special_codes = special_codes
        self.monotonic_trend = monotonic_trend
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.max_prebins = max_prebins
        self.auto_gain = auto_gain
        self.cv = cv
        self.ordinal_levels = ordinal_levels
        self.point_mass_share = point_mass_share
        self.subsample = subsample
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    def fit(self, X: pd.DataFrame, y: object, *, target_name: str = "target") -> BinningProcess:
        self._check_params()
        X = as_frame(X)
        target = binary_target(y, target_name)
        if len(target) != len(X):
            raise ValidationError(f"target has {len(target)} rows but X has {len(X)}", field=target_name)
        if len(X.columns) == 0:
            raise ValidationError("no columns to bin", field="X")
        yf = target.astype(np.float64)
        cat = set(self.categorical or [])
        unknown = cat - set(X.columns)
        if unknown:
            raise ValidationError(
                f"categorical column {sorted(unknown)[0]!r} is not in the data", field=sorted(unknown)[0]
            )
        sample = self._sample_index(len(X))
        folds = stratified_folds(yf, self.cv, self.random_state) if self.cv else None
        columns = [str(c) for c in X.columns]

        def one(col: str) -> tuple[str, VariableBinning | str]:
            return col, self._fit_column(col, X[col], yf, col in cat, sample, folds)

        if self.n_jobs > 1 and len(columns) > 1:
            with ThreadPoolExecutor(max_workers=self.n_jobs) as pool:
                results = list(pool.map(one, columns))
        else:
            results = [one(c) for c in columns]
        self.variables_: dict[str, VariableBinning] = {}
        self.dropped_: dict[str, str] = {}
        for col, res in results:
            if isinstance(res, str):
                self.dropped_[col] = res
                warnings.warn(f"column {col!r} {res}; left out", DegenerateColumnWarning, stacklevel=2)
            else:
                self.variables_[col] = res
        if not self.variables_:
            raise ValidationError("every column is constant or all missing: nothing to bin", field="X")
        self.feature_names_in_ = np.asarray(columns, dtype=object)
        self.n_features_in_ = len(columns)
        self.n_samples_ = len(X)
        self.event_rate_ = float(yf.mean())
        return self

    def _check_params(self) -> None:
        trends = self.monotonic_trend.values() if isinstance(self.monotonic_trend, Mapping) else [self.monotonic_trend]
        for t in trends:
            if t not in TRENDS:
                raise ValidationError(f"monotonic_trend must be one of {TRENDS}, got {t!r}", field="monotonic_trend")
        if not 0.0 <= self.min_bin_share < 0.5:
            raise ValidationError("min_bin_share must be in [0, 0.5)", field="min_bin_share")
        if self.max_bins is not None and self.max_bins < 1:
            raise ValidationError("max_bins must be at least 1", field="max_bins")
        if self.max_prebins < 2:
            raise ValidationError("max_prebins must be at least 2", field="max_prebins")
        if self.cv is not None and self.cv < 2:
            raise ValidationError("cv must be at least 2 folds, or None", field="cv")
        if self.point_mass_share is not None and not 0.0 < self.point_mass_share <= 0.5:
            raise ValidationError("point_mass_share must be in (0, 0.5], or None", field="point_mass_share")

    def _sample_index(self, n: int) -> NDArray[np.int64] | None:
        if self.subsample is None or n <= self.subsample:
            return None
        rng = np.random.default_rng(self.random_state)
        return np.sort(rng.choice(n, size=self.subsample, replace=False))

    def _specials_for(self, col: str) -> tuple[Any, ...]:
        sc = self.special_codes
        if sc is None:
            return ()
        if isinstance(sc, Mapping):
            return tuple(sc.get(col, ()))
        return tuple(sc)

    def _trend_for(self, col: str) -> str:
        t = self.monotonic_trend
        return t.get(col, "auto") if isinstance(t, Mapping) else t

    def _fit_column(
        self,
        col: str,
        s: pd.Series,
        y: NDArray[np.float64],
        force_cat: bool,
        sample: NDArray[np.int64] | None,
        folds: NDArray[np.int64] | None,
    ) -> VariableBinning | str:
        categorical = force_cat or not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))
        specials = self._specials_for(col)
        if categorical and not force_cat and _numeric_text(col, s):
            categorical = False
        if categorical:
            return self._fit_categorical(col, s, y, specials)
        return self._fit_numeric(col, s, y, specials, sample, folds)

    def _fit_numeric(
        self,
        col: str,
        s: pd.Series,
        y: NDArray[np.float64],
        specials: tuple[Any, ...],
        sample: NDArray[np.int64] | None,
        folds: NDArray[np.int64] | None,
    ) -> VariableBinning | str:
        x, _ = numeric_values(s)
        special_arr = np.asarray(specials, dtype=float) if specials else None
        xs = x if sample is None else x[sample]
        xs = xs[~np.isnan(xs)]
        if special_arr is not None:
            xs = xs[~np.isin(xs, special_arr)]
        if xs.size == 0:
            if sample is not None:  # the sample may have missed rare non-missing values
                xs = x[~np.isnan(x)]
                if special_arr is not None:
                    xs = xs[~np.isin(xs, special_arr)]
            if xs.size == 0:
                return "is all missing" if special_arr is None else "is all missing or special"
        xs = np.sort(xs)
        if xs[0] == xs[-1] and not np.isnan(x).any() and special_arr is None:
            return f"is constant ({_fmt(float(xs[0]))})"
        edges = _quantile_edges(xs, self.max_prebins, self.min_bin_share)
        idx = np.searchsorted(edges, x, side="right")
        k = len(edges) + 1
        if special_arr is not None:
            idx[np.isin(x, special_arr)] = k
        idx[np.isnan(x)] = k + 1
        counts = np.bincount(idx, minlength=k + 2).astype(np.float64)
        events = np.bincount(idx, weights=y, minlength=k + 2).astype(np.float64)
        trend = self._trend_for(col)
        n_values = int(np.count_nonzero(np.diff(xs) > 0)) + 1
        if trend == "auto" and folds is not None and self.cv is not None and n_values <= self.ordinal_levels:
            # A code with few values (repayment status, grade) need not be ordered by risk: unconstrained bins
            # are kept only when they predict held-out folds better than the "auto" shape.
            by_fold = fold_counts(idx, y, folds, self.cv, k + 2)
            starts, _ = choose_shape(self._merge, counts, events, by_fold, ("auto", "none"))
        else:
            starts = self._merge(counts, events, trend)
        masses: tuple[float, ...] = ()
        mass_c, mass_e = np.zeros(0), np.zeros(0)
        if trend == "auto" and folds is not None and self.cv is not None and n_values > self.ordinal_levels:
            found = self._point_masses(xs, len(x) if sample is None else sample.size)
            if found.size:
                picked = self._isolate_masses(x, y, idx, counts, events, edges, found, folds)
                if picked is not None:
                    starts, counts, events, masses, mass_c, mass_e = picked
        chosen = starts[1:] if starts else []
        splits = tuple(float(edges[s - 1]) for s in chosen)
        final_counts, final_events = _group_counts(counts, events, k, starts)
        trend = _observed_trend(final_events[:-2], final_counts[:-2])
        if masses:  # point-mass bins sit between the regular bins and the special bin
            final_counts = np.concatenate((final_counts[:-2], mass_c, final_counts[-2:]))
            final_events = np.concatenate((final_events[:-2], mass_e, final_events[-2:]))
        return VariableBinning(
            name=col,
            kind="numeric",
            splits=splits,
            special_codes=tuple(float(v) for v in specials),
            point_masses=masses,
            trend=trend,
            counts=tuple(int(v) for v in final_counts),
            events=tuple(round(v) for v in final_events),
            woe=tuple(float(v) for v in woe_from_counts(final_counts, final_events)),
        )

    def _point_masses(self, xs: NDArray[np.float64], n_rows: int) -> NDArray[np.float64]:
        """Values of the sorted sample ``xs`` (of ``n_rows`` sampled rows) holding at least the point-mass share,
        largest share first."""
        if self.point_mass_share is None:
            return np.zeros(0)
        first = np.concatenate(([0], np.flatnonzero(np.diff(xs) > 0) + 1))
        run = np.diff(np.append(first, xs.size))
        big = run >= max(self.point_mass_share, self.min_bin_share) * n_rows
        order = np.argsort(-run[big], kind="stable")
        return np.asarray(xs[first[big]][order], dtype=np.float64)

    def _isolate_masses(
        self,
        x: NDArray[np.float64],
        y: NDArray[np.float64],
        idx: NDArray[np.int64],
        counts: NDArray[np.float64],
        events: NDArray[np.float64],
        edges: NDArray[np.float64],
        found: NDArray[np.float64],
        folds: NDArray[np.int64],
    ) -> _Isolated | None:
        """Point masses the held-out folds prefer as bins of their own (greedy, largest first), or ``None``.

        Each candidate value gets an extra pre-bin after the regular ones (its rows leave their quantile
        pre-bin, its "home"). A rule "these values are isolated" folds the others back home, parks the
        isolated ones with the special values while the regular bins are merged (so the merge's totals are
        the column's), and then gives each its own bin. With nothing isolated the rule is exactly the
        usual binning, which is what each addition must beat.
        Returns the regular starts, the regular + special + missing counts and events with the isolated
        values removed, the isolated values (ascending) and their counts and events.
        """
        k = len(edges) + 1
        p = found.size
        ext = idx.copy()
        hit = np.isin(x, found)
        order = np.argsort(found)
        ext[hit] = k + order[np.searchsorted(found[order], x[hit])]
        ext[idx == k] = k + p  # special
        ext[idx == k + 1] = k + p + 1  # missing
        size = k + p + 2
        ec = np.bincount(ext, minlength=size).astype(np.float64)
        ee = np.bincount(ext, weights=y, minlength=size).astype(np.float64)
        home = np.searchsorted(edges, found, side="right")
        # the sample may overstate a value's share; every bin must still meet the minimum share
        usable = ec[k : k + p] >= self.min_bin_share * ec.sum()
        by_fold = fold_counts(ext, y, folds, int(folds.max()) + 1, size)

        def fold_back(
            c: NDArray[np.float64], e: NDArray[np.float64], keep: NDArray[np.bool_]
        ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
            return _fold_back(c, e, keep, home, k)

        def layout_for(keep: NDArray[np.bool_]) -> Layout:
            def layout(c: NDArray[np.float64], e: NDArray[np.float64]) -> NDArray[np.int64]:
                starts = self._merge(*fold_back(c, e, keep), "auto")
                regular = np.searchsorted(np.asarray(starts), np.arange(k), side="right") - 1
                out = np.append(regular, regular[home]).astype(np.int64)
                out[k + np.flatnonzero(keep)] = len(starts) + np.arange(int(keep.sum()))
                return out

            return layout

        keep = np.zeros(p, dtype=bool)
        best = cv_loss(layout_for(keep), ec, ee, by_fold, k + p)
        for j in np.flatnonzero(usable):
            trial = keep.copy()
            trial[j] = True
            loss = cv_loss(layout_for(trial), ec, ee, by_fold, k + p)
            if loss < best:
                keep, best = trial, loss
        if not keep.any():
            return None
        c, e = fold_back(ec, ee, keep)
        starts = self._merge(c, e, "auto")
        c[k], e[k] = counts[k], events[k]  # the special bin holds only the declared special values
        ranked = np.flatnonzero(keep)[np.argsort(found[keep])]
        masses = tuple(float(v) for v in found[ranked])
        return starts, c, e, masses, ec[k + ranked], ee[k + ranked]

    def _fit_categorical(
        self, col: str, s: pd.Series, y: NDArray[np.float64], specials: tuple[Any, ...]
    ) -> VariableBinning | str:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        if len(uniques) == 0:
            return "is all missing"
        if len(uniques) == 1 and (codes >= 0).all():
            return f"is constant ({uniques[0]!r})"
        names = category_strings(pd.Series(uniques)).tolist()
        # several raw values may share one label ("1" and 1): merge them
        label_ids: dict[str, int] = {}
        to_label = np.empty(len(uniques) + 1, dtype=np.int64)
        for u, name in enumerate(names):
            to_label[u] = label_ids.setdefault(str(name), len(label_ids))
        labels = list(label_ids)
        n_labels = len(labels)
        special_set = {str(c) for c in specials}
        to_label[-1] = n_labels  # missing
        lab = to_label[codes]
        counts = np.bincount(lab, minlength=n_labels + 1).astype(np.float64)
        events = np.bincount(lab, weights=y, minlength=n_labels + 1)
        is_special = np.array([name in special_set for name in labels], dtype=bool)
        regular = np.flatnonzero(~is_special & (counts[:n_labels] > 0))
        if regular.size == 0:
            return "is all missing or special"
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = events[regular] / counts[regular]
        order = regular[np.argsort(rate, kind="stable")]
        # too many levels: pre-merge neighbours in event-rate order into ~max_prebins groups of equal size
        if len(order) > self.max_prebins:
            cum = np.cumsum(counts[order])
            pre = np.minimum((cum - 1) * self.max_prebins // cum[-1], self.max_prebins - 1).astype(np.int64)
        else:
            pre = np.arange(len(order))
        m = int(pre[-1]) + 1
        pc = np.bincount(pre, weights=counts[order], minlength=m)
        pe = np.bincount(pre, weights=events[order], minlength=m)
        spec_c = counts[:n_labels][is_special].sum()
        spec_e = events[:n_labels][is_special].sum()
        all_counts = np.concatenate((pc, [spec_c, counts[n_labels]]))
        all_events = np.concatenate((pe, [spec_e, events[n_labels]]))
        starts = self._merge(all_counts, all_events, "ascending")
        bounds = [*starts, m] if starts else [0, m]
        groups = []
        for lo, hi in itertools.pairwise(bounds):
            members = order[(pre >= lo) & (pre < hi)]
            groups.append(tuple(sorted(labels[i] for i in members)))
        final_counts, final_events = _group_counts(all_counts, all_events, m, starts)
        return VariableBinning(
            name=col,
            kind="categorical",
            groups=tuple(groups),
            special_codes=tuple(str(c) for c in specials),
            trend="ascending",
            counts=tuple(int(v) for v in final_counts),
            events=tuple(round(v) for v in final_events),
            woe=tuple(float(v) for v in woe_from_counts(final_counts, final_events)),
        )

    def _merge(self, counts: NDArray[np.float64], events: NDArray[np.float64], trend: str) -> list[int]:
        """Pre-bin start indices of the chosen regular bins (``counts``/``events`` end with special, missing)."""
        c, e = counts[:-2], events[:-2]
        total_e = float(events.sum())
        total_n = float(counts.sum() - total_e)
        if total_e == 0 or total_n == 0 or len(c) == 1:
            return [0]
        keep = c > 0
        pos = np.flatnonzero(keep)
        res = best_merge(
            e[keep],
            c[keep] - e[keep],
            trend=trend,
            min_count=self.min_bin_share * float(counts.sum()),
            max_bins=self.max_bins,
            total_events=total_e,
            total_nonevents=total_n,
            auto_gain=self.auto_gain,
        )
        if res is None:
            return [0]
        return [0, *(int(pos[s]) for s in res.starts[1:])]

    # ------------------------------------------------------------ transform
    def transform(self, X: pd.DataFrame, metric: str = "woe") -> pd.DataFrame:
        """WoE (``metric="woe"``), bin index (``"index"``) or bin label (``"label"``) of every binned column."""
        check_is_fitted(self, "variables_")
        X = as_frame(X)
        require_columns(X, list(self.variables_))
        out: dict[str, Any] = {}
        for name, var in self.variables_.items():
            idx, bad, unseen = var.assign(X[name])
            _warn_issues(name, bad, unseen)
            if metric == "woe":
                out[name] = np.asarray(var.woe, dtype=float)[idx]
            elif metric == "index":
                out[name] = idx
            elif metric == "label":
                out[name] = np.asarray(var.labels(), dtype=object)[idx]
            else:
                raise ValidationError("metric must be 'woe', 'index' or 'label'", field="metric")
        return pd.DataFrame(out, index=X.index)

    def binning_table(self, name: str) -> pd.DataFrame:
        check_is_fitted(self, "variables_")
        if name not in self.variables_:
            raise ValidationError(f"column {name!r} was not binned", field=name)
        return self.variables_[name].table()

    @property
    def summary(self) -> pd.DataFrame:
        """One row per column: kind, bins, shape of the event rate, IV, and why a column was left out."""
        check_is_fitted(self, "variables_")
        rows = [
            {
                "variable": v.name,
                "kind": v.kind,
                "n_bins": v.n_regular + len(v.point_masses),
                "trend": v.trend,
                "iv": v.iv,
                "missing_share": v.counts[-1] / max(sum(v.counts), 1),
                "status": "binned",
            }
            for v in self.variables_.values()
        ]
        rows += [
            {"variable": c, "kind": None, "n_bins": 0, "trend": None, "iv": 0.0, "missing_share": np.nan, "status": r}
            for c, r in self.dropped_.items()
        ]
        return pd.DataFrame(rows).sort_values("iv", ascending=False, kind="stable").reset_index(drop=True)

    def get_feature_names_out(self, input_features: object = None) -> NDArray[np.object_]:
        check_is_fitted(self, "variables_")
        return np.asarray(list(self.variables_), dtype=object)


def _fold_back(
    c: NDArray[np.float64], e: NDArray[np.float64], keep: NDArray[np.bool_], home: NDArray[np.intp], k: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Counts and events on the regular + special + missing layout from the extended one (k regular pre-bins,
    then one per candidate point mass, special, missing): candidates not kept go back to their home pre-bin,
    kept ones are parked with the special values."""
    p = keep.size
    rc, re_ = c[:k].copy(), e[:k].copy()
    np.add.at(rc, home[~keep], c[k : k + p][~keep])
    np.add.at(re_, home[~keep], e[k : k + p][~keep])
    spec_c = c[k + p] + c[k : k + p][keep].sum()
    spec_e = e[k + p] + e[k : k + p][keep].sum()
    return np.append(rc, [spec_c, c[k + p + 1]]), np.append(re_, [spec_e, e[k + p + 1]])


def _warn_issues(name: str, bad: NDArray[np.bool_], unseen: NDArray[np.bool_]) -> None:
    if bad.any():
        rows = np.flatnonzero(bad)
        warnings.warn(
            f"column {name!r}: {rows.size} value(s) are not numbers (first at row {int(rows[0])}); scored as missing",
            BadValueWarning,
            stacklevel=3,
        )
    if unseen.any():
        rows = np.flatnonzero(unseen)
        warnings.warn(
            f"column {name!r}: {rows.size} value(s) are categories not seen in training (first at row "
            f"{int(rows[0])}); scored as missing",
            UnseenCategoryWarning,
            stacklevel=3,
        )


def _quantile_edges(sorted_x: NDArray[np.float64], max_prebins: int, min_share: float = 0.05) -> NDArray[np.float64]:
    """Pre-bin cut points: every distinct value when there are few, else distinct quantiles (actual data values).

    When bins may be smaller than a pre-bin (``min_share < 1/max_prebins``), extra cut points in both tails
    (0.01 % to 0.5 %, those at least ``min_share``) let the merge isolate a small extreme tail.
    """
    distinct = np.flatnonzero(np.diff(sorted_x) > 0)  # last position of each run but the final one
    if distinct.size + 1 <= max_prebins:
        return sorted_x[distinct + 1]
    levels = np.arange(1, max_prebins) / max_prebins
    if min_share < 1.0 / max_prebins:
        tails = np.array([0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005])
        tails = tails[tails >= min_share]
        levels = np.concatenate((tails, levels, 1.0 - tails))
    pos = np.minimum((levels * sorted_x.size).astype(np.int64), sorted_x.size - 1)
    edges = np.unique(sorted_x[pos])
    return np.asarray(edges[edges > sorted_x[0]], dtype=np.float64)


def _group_counts(
    counts: NDArray[np.float64], events: NDArray[np.float64], k: int, starts: list[int]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    bounds = [*starts, k] if starts else [0, k]
    fc = [counts[lo:hi].sum() for lo, hi in itertools.pairwise(bounds)]
    fe = [events[lo:hi].sum() for lo, hi in itertools.pairwise(bounds)]
    return np.asarray([*fc, counts[k], counts[k + 1]]), np.asarray([*fe, events[k], events[k + 1]])


def _observed_trend(events: NDArray[np.float64], counts: NDArray[np.float64]) -> str:
    ok = counts > 0
    if ok.sum() < 2:
        return "ascending"
    rate = events[ok] / counts[ok]
    d = np.sign(np.diff(rate))
    d = d[d != 0]
    if d.size == 0 or (d > 0).all():
        return "ascending"
    if (d < 0).all():
        return "descending"
    if np.count_nonzero(np.diff(d)) > 1:
        return "none"  # more than one turn
    return "peak" if d[0] > 0 else "valley"
