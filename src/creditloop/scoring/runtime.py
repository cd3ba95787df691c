"""Decision-time model scoring: a saved model artifact scores one application.

The decision path must stay fast (p99 <= 10 ms including the database) and must not need pandas for a
scorecard, so a scorecard JSON file is scored here in plain Python (bin lookup + sum + logistic calibration),
with a parity test against ``Scorecard.predict_pd`` / ``score_frame``. A gradient-boosting artifact needs the
[scoring] extra (LightGBM) and is loaded lazily (:mod:`creditloop.scoring.gbm_artifact`).

This module imports no numpy, pandas or scikit-learn (a test imports it with those blocked). Loading is pure:
:func:`load_model` reads the file every time; caching by (path, mtime, size) is the caller's business.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.scoring._model_base import (
    GBM_FORMAT,
    SCORECARD_FORMAT,
    DecisionModel,
    ModelScore,
    _check_header,
    _parse,
    read_document,
)
from creditloop.scoring._values import label, number
from creditloop.scoring.reason_words import check_reason_style, reason_statement
from creditloop.scoring.reasons import ReasonText

SCORECARD_FORMAT_VERSION = 2  # the newest scorecard file this reads (kept equal to artifact.FORMAT_VERSION)
SPECIAL_LABEL = "Special"
MISSING_LABEL = "Missing"


# ----------------------------------------------------------------------------------------------- scorecard


@dataclass(frozen=True, slots=True)
class _Characteristic:
    """One characteristic ready for look-ups: bins as in ``VariableBinning.assign``, points and reason text per bin."""

    name: str
    code: str
    numeric: bool
    splits: tuple[float, ...]  # numeric: bisect_right gives the regular bin
    masses: Mapping[float, int]  # numeric point-mass value -> its bin
    special_numbers: frozenset[float]
    special_labels: frozenset[str]
    lookup: Mapping[str, int]  # categorical label -> bin
    special_bin: int
    missing_bin: int
    points: tuple[float, ...]
    lost: tuple[float, ...]  # best points - points, per bin: > 0 makes the characteristic a reason
    texts: tuple[tuple[str, str], ...]  # (zh, en) reason statement per bin

    def bin_of(self, value: object) -> tuple[int, str | None]:
        """(bin, issue or None) of one value."""
        if self.numeric:
            x, bad = number(value)
            if x != x:
                return self.missing_bin, (f"{self.name}: not a number, scored as missing" if bad else None)
            if x in self.special_numbers:
                return self.special_bin, None
            hit = self.masses.get(x)
            if hit is not None:
                return hit, None
            return bisect_right(self.splits, x), None
        name = label(value)
        if name is None:
            return self.missing_bin, None
        if name in self.special_labels:
            return self.special_bin, None
        found = self.lookup.get(name)
        if found is None:
            return self.missing_bin, f"{self.name}: unseen category, scored as missing"
        return found, None


def _fmt(v: float) -> str:
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    return f"{v:.6g}"


def _characteristic(data: Mapping[str, Any], style: str = "label") -> _Characteristic:
    """Build one characteristic from its file entry (the fields ``Characteristic.from_dict`` reads); ``style``
    ``"words"``: reason texts name the bin in words (:mod:`creditloop.scoring.reason_words`), else by its label."""
    name = str(data["name"])
    numeric = data["kind"] == "numeric"
    if not numeric and data["kind"] != "categorical":
        raise ValueError(f"characteristic {name!r}: kind {data['kind']!r} is neither numeric nor categorical")
    splits = tuple(float(v) for v in data.get("splits", [])) if numeric else ()
    groups = tuple(tuple(str(c) for c in g) for g in data.get("groups", [])) if not numeric else ()
    masses = tuple(float(v) for v in data.get("point_masses", [])) if numeric else ()
    specials = tuple(data.get("special_codes", []))
    n_regular = len(splits) + 1 if numeric else len(groups)
    special_bin = n_regular + len(masses)
    points = tuple(float(p) for p in data["points"])
    if len(points) != special_bin + 2:
        raise ValueError(f"characteristic {name!r} has {len(points)} points for {special_bin + 2} bins")
    if numeric:
        edges = [-math.inf, *splits, math.inf]
        labels = [f"[{_fmt(lo)}, {_fmt(hi)})" for lo, hi in itertools.pairwise(edges)]
        labels += [f"= {_fmt(v)}" for v in masses]
    else:
        labels = [", ".join(g) for g in groups]
    labels += [SPECIAL_LABEL, MISSING_LABEL]
    desc = data.get("description", {})
    description = ReasonText(str(desc.get("en", name)), str(desc.get("zh", name)))
    made = (reason_statement(name, description, lab, style) for lab in labels)
    texts = tuple((t.zh, t.en) for t in made)
    best = max(points)
    return _Characteristic(
        name=name,
        code=str(data["reason_code"]),
        numeric=numeric,
        splits=splits,
        masses={v: n_regular + j for j, v in enumerate(masses)},
        special_numbers=frozenset(float(c) for c in specials) if numeric else frozenset(),
        special_labels=frozenset(str(c) for c in specials) if not numeric else frozenset(),
        lookup={cat: b for b, grp in enumerate(groups) for cat in grp},
        special_bin=special_bin,
        missing_bin=special_bin + 1,
        points=points,
        lost=tuple(best - p for p in points),
        texts=texts,
    )


class ScorecardRuntime:
    """A scorecard file scored in plain Python: the same score, PD and reasons as ``Scorecard.score_frame``.

    ``model_id`` is the file's ``metadata.model_id`` (else ``"scorecard"``), ``model_version`` its
    ``model_version``. ``n_reasons`` defaults to the file's. A row must hold every characteristic the model
    uses (a value may be None: scored as missing); a row without one is refused, as ``score_frame`` refuses
    a frame without the column.
    """

    def __init__(self, document: Mapping[str, Any], *, n_reasons: int | None = None) -> None:
        _check_header(document, SCORECARD_FORMAT, SCORECARD_FORMAT_VERSION)
        style = check_reason_style(document.get("reason_style"))
        try:
            scaling = document["scaling"]
            self.offset = float(scaling["offset"])
            self.factor = float(scaling["factor"])
            self.round_points = bool(scaling.get("round_points", True))
            self.calibration = (float(document["calibration"]["a"]), float(document["calibration"]["b"]))
            chars = tuple(_characteristic(c, style) for c in document["characteristics"])
            metadata = dict(document.get("metadata") or {})
            self.n_reasons = int(document.get("n_reasons", 4) if n_reasons is None else n_reasons)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
            raise ValidationError(f"model file is incomplete or damaged: {exc!r}", field="model") from None
        if not chars:
            raise ValidationError("model file has no characteristics", field="model")
        if not all(math.isfinite(v) for v in (self.offset, self.factor, *self.calibration)) or self.factor == 0:
            raise ValidationError("model file has a non-finite scaling or calibration", field="model")
        self._chars = chars
        self.model_id = str(metadata.get("model_id") or "scorecard")
        self.model_version = str(document.get("model_version", ""))

    @classmethod
    def from_json(cls, text: str) -> ScorecardRuntime:
        return cls(_parse(text))

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(c.name for c in self._chars)

    def pd_of(self, score: float) -> float:
        """Calibrated PD of a score: logistic in ``t = (offset − score)/factor`` with the file's (a, b)."""
        a, b = self.calibration
        z = a + b * ((self.offset - score) / self.factor)
        try:
            return 1.0 / (1.0 + math.exp(-z))
        except OverflowError:  # exp(-z) beyond the float range: the PD is 0 to double precision
            return 0.0

    def score_one(self, row: Mapping[str, object]) -> ModelScore:
        """Score, PD and up to ``n_reasons`` reasons of one application."""
        total = 0.0
        lost: list[tuple[float, int, int]] = []
        issues: list[str] = []
        for j, ch in enumerate(self._chars):
            try:
                value = row[ch.name]
            except KeyError:
                raise ValidationError(
                    f"the application has no value for {ch.name!r}, which the model needs", field=ch.name
                ) from None
            b, issue = ch.bin_of(value)
            total += ch.points[b]
            if ch.lost[b] > 0:
                lost.append((-ch.lost[b], j, b))
            if issue is not None:
                issues.append(issue)
        if len(lost) > 1:
            lost.sort()  # most points lost first; ties in characteristic order
        top = lost[: self.n_reasons]
        return ModelScore(
            model_id=self.model_id,
            model_version=self.model_version,
            pd=self.pd_of(total),
            score=total,
            reasons=tuple(self._chars[j].code for _, j, _ in top),
            reason_texts=tuple(self._chars[j].texts[b] for _, j, b in top),
            issues=tuple(issues),
        )

    def score_many(self, rows: Iterable[Mapping[str, object]]) -> list[ModelScore]:
        return [self.score_one(row) for row in rows]


# ----------------------------------------------------------------------------------------------- loading


def model_from_document(document: Mapping[str, Any]) -> DecisionModel:
    """The runtime for a parsed model document, by its ``format``."""
    fmt = document.get("format")
    if fmt == SCORECARD_FORMAT:
        return ScorecardRuntime(document)
    if fmt == GBM_FORMAT:
        from creditloop.scoring.gbm_artifact import GbmRuntime  # needs the [scoring] extra: only now

        return GbmRuntime(document)
    raise ValidationError(
        f"unknown model format {fmt!r}: expected {SCORECARD_FORMAT!r} or {GBM_FORMAT!r}", field="model"
    )


def load_model(path: str | Path) -> DecisionModel:
    """Read a model file (a scorecard of ``scorecard fit`` or a GBM of ``gbm fit``) as a :class:`DecisionModel`.

    Raises ``ValidationError(field="model")`` when the file is missing, not JSON, of an unknown format or damaged.
    """
    return model_from_document(read_document(path))


__all__ = [
    "GBM_FORMAT",
    "SCORECARD_FORMAT",
    "DecisionModel",
    "ModelScore",
    "ScorecardRuntime",
    "load_model",
    "model_from_document",
    "read_document",
]
