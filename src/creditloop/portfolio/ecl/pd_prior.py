"""A PD prior: monthly roll rates from outside the book, for the rows a young book has barely seen.

Why: a book younger than a year has M3..M7 rows resting on a handful of line-months (docs/risk.md, "Session 13":
M5 and M6 on 0-12 at month 9), so its 12-month PD swings with a few lines (ECL / realised 0.53-1.71 at t = 9). A
lender launching a product has a better guess for those rows than the DPD clock: a sister portfolio's seasoned
matrix, or a benchmark's. Each row of the book's matrix is then a credibility blend of its own observations and the
prior's row, ``Z x own + (1 - Z) x prior`` with ``Z = n / (n + credibility_lines)`` and ``n`` the row's line-months,
so a well-observed row is the book's own and an unseen one is the prior's (the same form as the LGD prior and the
payment layers' blend). Rows the prior does not give keep the old rule (own, else the DPD clock).

File (JSON, schema ``creditloop.ecl.pd_prior/1``): ``version``, ``source`` (free text: where the rates come from),
``credibility_lines`` (> 0, default 50), and ``rows``: ``{"M3": {"M0": 0.2, "M4": 0.7, "CO": 0.0, ...}, ...}``,
monthly probabilities from a roll state ``M0``..``M7`` to any of ``M0``..``M7``, ``CO``, ``CL``, each row summing to 1.
``creditloop risk pd-prior`` writes one from a seasoned book.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.portfolio.metrics import ROLL_STATES

SCHEMA = "creditloop.ecl.pd_prior/1"
CREDIBILITY_LINES = 50  # as the payment layers' blend (payment_chain.CREDIBILITY_LINES)
_FROM = ROLL_STATES[: ROLL_STATES.index("CO")]  # M0..M7: the rows a prior may give
_TOLERANCE = 1e-6  # a file written with rounded rates still sums to 1 within this


@dataclass(frozen=True, slots=True)
class PdPrior:
    version: str
    source: str
    rows: Mapping[int, tuple[float, ...]]  # from-state index -> probabilities over ROLL_STATES
    credibility_lines: float = CREDIBILITY_LINES

    def blend(self, state: int, own: Sequence[float] | None, lines: int) -> list[float] | None:
        """Row ``state`` blended with the prior (``own``: the book's normalised row, ``None`` if unseen; ``lines``
        its line-months); ``None`` when the prior has no such row (the caller keeps its own rule)."""
        prior = self.rows.get(state)
        if prior is None:
            return None
        if own is None:
            return list(prior)
        z = lines / (lines + self.credibility_lines)
        return [z * o + (1 - z) * p for o, p in zip(own, prior, strict=True)]

    def describe(self) -> dict[str, Any]:
        """The prior's identity as the JSON outputs carry it (``parameters.pd_prior``)."""
        return {"version": self.version, "source": self.source, "credibility_lines": self.credibility_lines,
                "rows": [ROLL_STATES[s] for s in sorted(self.rows)]}  # fmt: skip


def from_dict(doc: Any) -> PdPrior:
    """A prior from its JSON document; every refusal names the field."""
    if not isinstance(doc, dict):
        raise ValidationError("must be a JSON object", field="pd_prior")
    if doc.get("schema") != SCHEMA:
        raise ValidationError(f"must be {SCHEMA!r}, got {doc.get('schema')!r}", field="schema")
    unknown = sorted(set(doc) - {"schema", "version", "source", "credibility_lines", "rows", "line_months"})
    if unknown:
        raise ValidationError("unknown key", field=unknown[0])
    version, source = doc.get("version"), doc.get("source", "")
    if not isinstance(version, str) or not version.strip() or len(version) > 40:
        raise ValidationError("must be a non-empty string of at most 40 characters", field="version")
    if not isinstance(source, str):
        raise ValidationError("must be a string", field="source")
    k = doc.get("credibility_lines", CREDIBILITY_LINES)
    if isinstance(k, bool) or not isinstance(k, int | float) or not math.isfinite(k) or k <= 0:
        raise ValidationError(f"must be a positive number, got {k!r}", field="credibility_lines")
    rows = doc.get("rows")
    if not isinstance(rows, dict) or not rows:
        raise ValidationError("must be a non-empty object of roll states", field="rows")
    return PdPrior(version, source, {_state(name): _row(name, row) for name, row in rows.items()}, float(k))


def _state(name: Any) -> int:
    if name not in _FROM:
        raise ValidationError(f"a row must be one of {', '.join(_FROM)}", field=f"rows.{name}")
    return ROLL_STATES.index(name)


def _row(name: str, row: Any) -> tuple[float, ...]:
    field = f"rows.{name}"
    if not isinstance(row, dict) or not row:
        raise ValidationError("must be an object of probabilities by roll state", field=field)
    out = [0.0] * len(ROLL_STATES)
    for to, p in row.items():
        if to not in ROLL_STATES:
            raise ValidationError(f"not a roll state ({', '.join(ROLL_STATES)})", field=f"{field}.{to}")
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
            raise ValidationError(f"must be a probability in [0, 1], got {p!r}", field=f"{field}.{to}")
        out[ROLL_STATES.index(to)] = float(p)
    total = sum(out)
    if abs(total - 1.0) > _TOLERANCE:
        raise ValidationError(f"probabilities must sum to 1, got {total:.9f}", field=field)
    return tuple(v / total for v in out)


def load(path: Path) -> PdPrior:
    """The prior in ``path``; an unreadable file or a bad document is a ``ValidationError`` naming the field."""
    try:
        doc = json.loads(Path(path).read_text("utf-8-sig"), parse_constant=lambda name: float("nan"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ValidationError(f"cannot read {path} as JSON ({exc})", field="pd_prior") from None
    return from_dict(doc)


def to_dict(
    matrix: Sequence[Sequence[float]],
    line_months: Sequence[int],
    version: str,
    source: str,
    min_line_months: int = 30,
    digits: int = 6,
) -> dict[str, Any]:
    """The prior document of a book's monthly matrix: every row M0..M7 the book observed at least
    ``min_line_months`` times (a row seen four times would weigh as a certainty in a younger book), rounded to
    ``digits`` with the largest entry carrying the rounding, so that each row still sums to 1."""
    if min_line_months < 1:
        raise ValidationError(f"must be at least 1, got {min_line_months}", field="min_line_months")
    rows: dict[str, dict[str, float]] = {}
    for s, name in enumerate(_FROM):
        if s < len(line_months) and line_months[s] >= min_line_months:
            rounded = {ROLL_STATES[j]: round(p, digits) for j, p in enumerate(matrix[s]) if round(p, digits) > 0}
            largest = max(rounded, key=lambda k: rounded[k])  # carries the rounding, so the row sums to 1
            rounded[largest] = round(rounded[largest] + 1.0 - sum(rounded.values()), digits)
            rows[name] = rounded
    seen = {name: int(line_months[s]) for s, name in enumerate(_FROM) if name in rows}
    return {"schema": SCHEMA, "version": version, "source": source, "credibility_lines": CREDIBILITY_LINES,
            "rows": rows, "line_months": seen}  # fmt: skip
