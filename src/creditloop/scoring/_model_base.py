"""What every decision-time model shares: the score it returns, the protocol it implements, and reading and
checking a model file. Split from :mod:`creditloop.scoring.runtime` (which re-exports all of it) so that the
GBM runtime can use it without importing the module that dispatches to it. Plain Python."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from creditloop.core.errors import ValidationError

SCORECARD_FORMAT = "creditloop.scorecard"
GBM_FORMAT = "creditloop.gbm"


@dataclass(frozen=True, slots=True)
class ModelScore:
    model_id: str
    model_version: str
    pd: float  # calibrated probability of the model's bad event
    score: float | None  # points for a scorecard; None for a model without a points scale
    reasons: tuple[str, ...]  # reason codes, most important first (at most n_reasons)
    reason_texts: tuple[tuple[str, str], ...] = ()  # (zh, en) statement per reason, aligned with ``reasons``
    # Data issues met on this row, e.g. "income: not a number, scored as missing" (column names only, no values).
    issues: tuple[str, ...] = ()


class DecisionModel(Protocol):
    """What the decision needs from any model artifact."""

    model_id: str
    model_version: str

    @property
    def features(self) -> tuple[str, ...]: ...

    def score_one(self, row: Mapping[str, object]) -> ModelScore: ...


def _parse(text: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"model file is not valid JSON ({exc.msg} at line {exc.lineno})", field="model") from None
    except RecursionError:
        raise ValidationError("model file is nested too deeply to be a model", field="model") from None
    if not isinstance(doc, dict):
        raise ValidationError("model file is not a JSON object", field="model")
    return doc


def _check_header(document: Mapping[str, Any], fmt: str, newest: int) -> None:
    if not isinstance(document, Mapping) or document.get("format") != fmt:
        raise ValidationError(f"not a {fmt} file", field="model")
    version = document.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError(f"model file format_version must be an integer, not {version!r}", field="model")
    if version > newest:
        raise ValidationError(
            f"model file format {version} is newer than this creditloop reads ({newest})", field="model"
        )


def read_document(path: str | Path) -> dict[str, Any]:
    """A model file's JSON object, or ``ValidationError(field="model")`` (missing, not UTF-8, not JSON)."""
    source = Path(path)
    if not source.is_file():
        raise ValidationError(f"model file {source} does not exist", field="model")
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationError(f"model file {source} is not UTF-8 text", field="model") from None
    return _parse(text)
