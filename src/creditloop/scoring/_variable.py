"""One variable's fitted bins (edges or category groups, special and missing bins, WoE) and the helpers that
place values in them. Split from binning.py, which fits them; everything is re-exported there."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from creditloop.core.errors import ValidationError
from creditloop.scoring._checks import category_strings

Kind = Literal["numeric", "categorical"]
SPECIAL_LABEL = "Special"
MISSING_LABEL = "Missing"
_SMOOTH = 0.5


@dataclass(frozen=True)
class VariableBinning:
    """The learned bins of one variable.

    Bins ``0 .. k-1`` are the regular bins, then one bin per point mass (numeric only: a value with its
    own bin outside the shape constraint, ``k + j`` for ``point_masses[j]``), then the special-values bin
    and the missing bin (both always present; an empty one has WoE 0). Numeric bin ``b`` is
    ``[splits[b-1], splits[b])`` except for the point-mass values, which it does not hold.
    WoE is ``ln(share of non-events / share of events)``: higher means lower risk.
    """

    name: str
    kind: Kind
    splits: tuple[float, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()
    special_codes: tuple[Any, ...] = ()
    point_masses: tuple[float, ...] = ()  # ascending
    trend: str = "ascending"
    counts: tuple[int, ...] = ()
    events: tuple[int, ...] = ()
    woe: tuple[float, ...] = ()
    _lookup: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind == "categorical":
            lookup = {cat: b for b, grp in enumerate(self.groups) for cat in grp}
            object.__setattr__(self, "_lookup", lookup)

    @property
    def n_regular(self) -> int:
        return len(self.splits) + 1 if self.kind == "numeric" else len(self.groups)

    @property
    def special_bin(self) -> int:
        return self.n_regular + len(self.point_masses)

    @property
    def missing_bin(self) -> int:
        return self.special_bin + 1

    @property
    def iv(self) -> float:
        return float(sum(self._iv_terms()))

    def _iv_terms(self) -> list[float]:
        total_e = sum(self.events)
        total_n = sum(self.counts) - total_e
        terms = []
        for n, e, w in zip(self.counts, self.events, self.woe, strict=True):
            if n == 0 or total_e == 0 or total_n == 0:
                terms.append(0.0)
                continue
            terms.append(((n - e) / total_n - e / total_e) * w)
        return terms

    def labels(self) -> list[str]:
        if self.kind == "numeric":
            edges = [-math.inf, *self.splits, math.inf]
            regular = [f"[{_fmt(lo)}, {_fmt(hi)})" for lo, hi in itertools.pairwise(edges)]
            regular += [f"= {_fmt(v)}" for v in self.point_masses]
        else:
            regular = [", ".join(grp) for grp in self.groups]
        return [*regular, SPECIAL_LABEL, MISSING_LABEL]

    def table(self) -> pd.DataFrame:
        """The binning table: one row per bin with counts, event rate, WoE and IV."""
        counts = np.asarray(self.counts, dtype=np.int64)
        events = np.asarray(self.events, dtype=np.int64)
        total = max(int(counts.sum()), 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(counts > 0, events / np.maximum(counts, 1), np.nan)
        return pd.DataFrame(
            {
                "variable": self.name,
                "bin": np.arange(len(counts)),
                "label": self.labels(),
                "count": counts,
                "share": counts / total,
                "non_event": counts - events,
                "event": events,
                "event_rate": rate,
                "woe": np.asarray(self.woe, dtype=float),
                "iv": np.asarray(self._iv_terms(), dtype=float),
            }
        )

    def assign(self, values: pd.Series) -> tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.bool_]]:
        """Bin index of every value, plus masks of non-numeric values and unseen categories (both scored as missing)."""
        n = len(values)
        if self.kind == "numeric":
            x, bad = numeric_values(values)
            idx = np.searchsorted(np.asarray(self.splits, dtype=float), x, side="right").astype(np.int64)
            if self.point_masses:
                masses = np.asarray(self.point_masses, dtype=float)
                hit = np.isin(x, masses)
                idx[hit] = self.n_regular + np.searchsorted(masses, x[hit])
            if self.special_codes:
                idx[np.isin(x, np.asarray(self.special_codes, dtype=float))] = self.special_bin
            idx[np.isnan(x)] = self.missing_bin
            return idx, bad, np.zeros(n, dtype=bool)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        names = category_strings(pd.Series(uniques)).tolist() if len(uniques) else []
        specials = {str(c) for c in self.special_codes}
        table = np.empty(len(uniques) + 1, dtype=np.int64)
        unseen_u = np.zeros(len(uniques) + 1, dtype=bool)
        for u, name in enumerate(names):
            if name is None:
                table[u] = self.missing_bin
            elif name in specials:
                table[u] = self.special_bin
            elif name in self._lookup:
                table[u] = self._lookup[name]
            else:
                table[u] = self.missing_bin
                unseen_u[u] = True
        table[-1] = self.missing_bin  # code -1 (missing) indexes the last slot
        return table[codes], np.zeros(n, dtype=bool), unseen_u[codes]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "kind": self.kind, "trend": self.trend}
        if self.kind == "numeric":
            out["splits"] = list(self.splits)
            if self.point_masses:  # only then: files without point masses stay readable by older versions
                out["point_masses"] = list(self.point_masses)
        else:
            out["groups"] = [list(g) for g in self.groups]
        out["special_codes"] = list(self.special_codes)
        out["labels"] = self.labels()
        out["counts"] = list(self.counts)
        out["events"] = list(self.events)
        out["woe"] = list(self.woe)
        out["iv"] = self.iv
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VariableBinning:
        return cls(
            name=str(data["name"]),
            kind=data["kind"],
            splits=tuple(float(v) for v in data.get("splits", [])),
            groups=tuple(tuple(str(c) for c in g) for g in data.get("groups", [])),
            special_codes=tuple(data.get("special_codes", [])),
            point_masses=tuple(float(v) for v in data.get("point_masses", [])),
            trend=str(data.get("trend", "ascending")),
            counts=tuple(int(v) for v in data["counts"]),
            events=tuple(int(v) for v in data["events"]),
            woe=tuple(float(v) for v in data["woe"]),
        )


def _fmt(v: float) -> str:
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    return f"{v:.6g}"


def numeric_values(values: pd.Series) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Values as float64 (missing as NaN) and a mask of entries that were present but not numbers."""
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(values), dtype=bool)
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(values), dtype=bool)
    coerced = pd.to_numeric(values, errors="coerce")
    x = coerced.to_numpy(dtype=float, na_value=np.nan)
    present = values.notna().to_numpy()
    if values.dtype == object:  # blank strings count as missing, not as bad values
        blank = values.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(dtype=bool)
        present = present & ~blank
    return x, present & np.isnan(x)


def woe_from_counts(counts: NDArray[np.float64], events: NDArray[np.float64]) -> NDArray[np.float64]:
    """WoE per bin; bins with no events or no non-events get +0.5 smoothing, empty bins WoE 0."""
    counts = counts.astype(float)
    events = events.astype(float)
    nonevents = counts - events
    total_e, total_n = events.sum(), nonevents.sum()
    if total_e == 0 or total_n == 0:
        return np.zeros_like(counts)
    pure = (events == 0) | (nonevents == 0)
    e = np.where(pure, events + _SMOOTH, events)
    n = np.where(pure, nonevents + _SMOOTH, nonevents)
    with np.errstate(divide="ignore", invalid="ignore"):
        woe = np.log((n / total_n) / (e / total_e))
    return np.where(counts > 0, woe, 0.0)


def _numeric_text(col: str, s: pd.Series) -> bool:
    """True when a text column holds only numbers (bin it as numeric). A text column whose values are nearly
    all numbers is a numeric column with bad values: refuse it, naming the column and a bad value."""
    uniques = pd.Series(pd.unique(s.dropna()))
    if uniques.empty or isinstance(s.dtype, pd.CategoricalDtype):
        return False
    text = uniques.astype(str).str.strip()
    text = text[text != ""]
    parsed = pd.to_numeric(text, errors="coerce")
    bad = text[parsed.isna()]
    if bad.empty:
        return bool(len(text))
    if parsed.notna().sum() >= 0.9 * len(text) and len(text) >= 10:
        raise ValidationError(
            f"column {col!r} is numeric but has {len(bad)} non-numeric value(s), e.g. {bad.iloc[0]!r}; fix them "
            "or declare the column categorical",
            field=col,
        )
    return False
