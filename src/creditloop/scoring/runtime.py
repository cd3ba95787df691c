"""Decision-time model scoring (CONTRACT; see helper brief): a saved model artifact scores one application.

The decision path must stay fast (p99 <= 10 ms including the database) and must not need pandas for a
scorecard, so a scorecard JSON file is scored here in plain Python (bin lookup + sum + logistic calibration),
with a parity test against ``Scorecard.predict_pd`` / ``score_frame``. A gradient-boosting artifact needs the
[scoring] extra (LightGBM) and is loaded lazily.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ModelScore:
    model_id: str
    model_version: str
    pd: float  # calibrated probability of the model's bad event
    score: float | None  # points for a scorecard; None for a model without a points scale
    reasons: tuple[str, ...]  # reason codes, most important first (at most n_reasons)
    reason_texts: tuple[tuple[str, str], ...] = ()  # (zh, en) statement per reason, aligned with ``reasons``


class DecisionModel(Protocol):
    """What the decision needs from any model artifact."""

    model_id: str
    model_version: str

    @property
    def features(self) -> tuple[str, ...]: ...

    def score_one(self, row: Mapping[str, object]) -> ModelScore: ...
