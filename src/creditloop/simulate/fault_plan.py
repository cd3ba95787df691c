"""The ``faults`` block of a scenario: which faults a chaos run injects, how often, over what book.

Parsed and checked here (every bad value names its field); ``simulate.faults`` runs it. A scenario without
the block is an ordinary behavioural simulation and pays nothing for this option.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from creditloop.core.errors import ValidationError

# Faults the driver injects (rates are per delivered batch, or per command for ``duplicate`` and ``late``).
FAULT_KINDS: tuple[str, ...] = ("crash", "ack_lost", "serialization", "duplicate", "late")


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Probabilities of each fault, and the size of the book each seed drives."""

    crash: Decimal = Decimal("0.04")  # the process dies mid-batch: the unit of work is aborted, then restarted
    ack_lost: Decimal = Decimal("0.04")  # the batch commits but the answer is lost: the client resends it all
    serialization: Decimal = Decimal("0.04")  # commit raises PostgreSQL's retryable serialisation failure
    duplicate: Decimal = Decimal("0.03")  # one command delivered twice in a row
    late: Decimal = Decimal("0.04")  # a payment delivered after its value date's day-end (back-dated)
    lines: int = 40  # credit lines per seed
    days: int = 90  # business days per seed
    batch_max: int = 8  # commands per unit of work: 1..batch_max, drawn per batch

    def rate(self, kind: str) -> float:
        return float(getattr(self, kind))


_INT_LIMITS = {"lines": (1, 100_000), "days": (1, 3_660), "batch_max": (1, 1_000)}


def parse_fault_plan(doc: Any) -> FaultPlan:
    """A ``faults`` object: rates in [0, 1] for ``FAULT_KINDS``, and the ``lines``/``days``/``batch_max`` ints."""
    if not isinstance(doc, dict):
        raise ValidationError("faults must be an object", field="faults")
    known = {f.name for f in fields(FaultPlan)}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ValidationError(f"faults has unknown key {unknown[0]!r}; known: {sorted(known)}", field="faults")
    values: dict[str, Any] = {}
    for kind in FAULT_KINDS:
        if kind not in doc:
            continue
        raw = doc[kind]
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ValidationError(f"faults.{kind} must be a number between 0 and 1", field=f"faults.{kind}")
        try:
            rate = Decimal(str(raw))
        except InvalidOperation:
            raise ValidationError(f"faults.{kind} must be a number between 0 and 1", field=f"faults.{kind}") from None
        if not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
            raise ValidationError(f"faults.{kind} must be between 0 and 1, got {raw!r}", field=f"faults.{kind}")
        values[kind] = rate
    for name, (low, high) in _INT_LIMITS.items():
        if name not in doc:
            continue
        raw = doc[name]
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            raise ValidationError(
                f"faults.{name} must be an integer between {low} and {high}, got {raw!r}", field=f"faults.{name}"
            )
        values[name] = raw
    return FaultPlan(**values)
