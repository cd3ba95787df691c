"""The scorecard file: versioned, human-readable JSON (bins, points, metadata). No pickle.

Floats are written with Python's shortest round-tripping repr and points are integers, so a scorecard
read back scores every row exactly as the one that was written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from creditloop import __version__
from creditloop.core.errors import ValidationError
from creditloop.scoring.scorecard import Scorecard

FORMAT = "creditloop.scorecard"
FORMAT_VERSION = 2  # 2: numeric bins may have "point_masses" (values with a bin of their own)


def scorecard_to_json(
    model: Scorecard, *, model_version: str | None = None, metadata: Mapping[str, Any] | None = None
) -> str:
    """The model document as a JSON string (keys in a stable order, UTF-8 text, one attribute per line)."""
    body = model.to_dict()
    # A reader of version 1 would score point-mass values in their regular bin: such files say version 2 so
    # that it refuses them; files without point masses stay version 1, readable by every release.
    masses = any(c.get("point_masses") for c in body.get("characteristics", []))
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION if masses else 1,
        "model_version": model_version or f"sc-{body['training'].get('data_sha256', '')[:12]}",
        "library": {"name": "creditloop", "version": __version__},
        "metadata": dict(metadata or {}),
        **body,
    }
    return _dump(_finite(doc), 0) + "\n"


def save_scorecard(
    model: Scorecard,
    path: str | Path,
    *,
    model_version: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> Path:
    """Write the model file; returns its path."""
    target = Path(path)
    target.write_text(scorecard_to_json(model, model_version=model_version, metadata=metadata), encoding="utf-8")
    return target


def scorecard_from_json(text: str) -> Scorecard:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"model file is not valid JSON ({exc.msg} at line {exc.lineno})", field="model") from None
    except RecursionError:  # hostile nesting: the parser gives up before the format check can
        raise ValidationError("model file is nested too deeply to be a scorecard", field="model") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValidationError(f"not a creditloop scorecard file (format should be {FORMAT!r})", field="model")
    version = doc.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValidationError(f"model file format_version must be an integer, not {version!r}", field="model")
    if version > FORMAT_VERSION:
        raise ValidationError(
            f"model file format {doc['format_version']} is newer than this creditloop reads ({FORMAT_VERSION})",
            field="model",
        )
    try:
        model = Scorecard.from_dict(doc)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        raise ValidationError(f"model file is incomplete or damaged: {exc!r}", field="model") from None
    model.model_version_ = str(doc.get("model_version", ""))
    model.metadata_ = dict(doc.get("metadata", {}))
    return model


def load_scorecard(path: str | Path) -> Scorecard:
    """Read a model file written by :func:`save_scorecard`."""
    source = Path(path)
    if not source.is_file():
        raise ValidationError(f"model file {source} does not exist", field="model")
    return scorecard_from_json(source.read_text(encoding="utf-8"))


def _dump(value: Any, level: int) -> str:
    """Indented JSON with lists of plain values kept on one line, so each bin table reads as a few rows."""
    pad, inner = " " * level, " " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_dump(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(inner + _dump(v, level + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _finite(value: Any) -> Any:
    """JSON has no NaN/inf: write them as null (only metrics can hold them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
