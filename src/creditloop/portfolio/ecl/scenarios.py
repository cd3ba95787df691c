"""ECL parameters as data: probability-weighted macro scenarios, CCF, EIR, lifetime (``data/ecl_scenarios_v1.json``).

Each scenario has a ``weight`` (the weights sum to 1), a systematic factor ``z`` and an ``lgd_multiplier``. Under a
scenario every cumulative PD of the term structure is moved through the Vasicek conditional PD,
``PD_s(h) = N((G(PD(h)) - sqrt(rho) z) / sqrt(1 - rho))`` (``portfolio.vasicek``), which keeps each curve rising
and inside [0, 1]; ``z = null`` leaves the point-in-time PDs as estimated (the baseline: the transition matrix is
already today's economy, and Vasicek at z = 0 would be the *median* economy, below the mean). LGD is multiplied by
``lgd_multiplier`` and capped at 1. The packaged set (v2) is the three-point Gauss-Hermite discretisation of the
factor (z = -sqrt 3, 0, +sqrt 3; weights 1/6, 2/3, 1/6), so the weighted PD equals the point-in-time PD (unbiased,
IFRS 9 5.5.17(a)); v1 (0.6 / 0.3 / 0.1 on z = null, -1, -2) stays packaged and carried a mean factor of -0.5.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.portfolio.ecl.discount import check_eir
from creditloop.portfolio.ecl.ead import check_ccf
from creditloop.portfolio.risk_inputs import finite, in_range
from creditloop.portfolio.vasicek import conditional_pd

PACKAGED = "ecl_scenarios_v2.json"  # v1 (downside-skewed weights) stays packaged for comparison


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    weight: float
    z: float | None
    lgd_multiplier: float

    def pd_curve(self, curve: Sequence[float], rho: float) -> tuple[float, ...]:
        if self.z is None:
            return tuple(curve)
        return tuple(conditional_pd(p, rho, self.z) for p in curve)

    def lgd(self, lgd: float) -> float:
        return min(1.0, lgd * self.lgd_multiplier)


@dataclass(frozen=True, slots=True)
class EclParameters:
    version: str
    scenarios: tuple[Scenario, ...]
    rho: float
    ccf: Decimal
    eir: Decimal
    lifetime_months: int
    transition_window_months: int  # months of transitions (up to the reporting date) the matrix pools

    def __post_init__(self) -> None:
        if not self.scenarios:
            raise ValidationError("scenarios must not be empty", field="scenarios")
        total = math.fsum(s.weight for s in self.scenarios)
        if abs(total - 1.0) > 1e-9:
            raise ValidationError(f"scenario weights must sum to 1, got {total}", field="scenarios.weight")
        names = [s.name for s in self.scenarios]
        if len(set(names)) != len(names):
            raise ValidationError("scenario names must be unique", field="scenarios.name")
        if not 12 <= self.lifetime_months <= 600:
            raise ValidationError(
                f"lifetime_months must be 12..600, got {self.lifetime_months}", field="lifetime_months"
            )
        if not 1 <= self.transition_window_months <= 600:
            raise ValidationError("transition_window_months must be 1..600", field="transition_window_months")


def _decimal(doc: Mapping[str, Any], key: str) -> Decimal:
    try:
        return Decimal(str(doc[key]))
    except InvalidOperation:
        raise ValidationError(f"{key} must be a decimal number, got {doc[key]!r}", field=key) from None


def _int(doc: Mapping[str, Any], key: str) -> int:
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{key} must be an integer, got {value!r}", field=key)
    return value


def _scenario(i: int, doc: Mapping[str, Any]) -> Scenario:
    unknown = set(doc) - {"name", "weight", "z", "lgd_multiplier", "description"}
    if unknown:
        raise ValidationError(f"scenarios[{i}]: unknown key(s) {', '.join(sorted(unknown))}", field=f"scenarios[{i}]")
    z = doc.get("z")
    multiplier = finite(doc.get("lgd_multiplier", 1), f"scenarios[{i}].lgd_multiplier")
    if multiplier <= 0:
        raise ValidationError(f"scenarios[{i}].lgd_multiplier must be positive", field=f"scenarios[{i}].lgd_multiplier")
    return Scenario(
        name=str(doc["name"]),
        weight=in_range(doc["weight"], f"scenarios[{i}].weight", 0.0, 1.0),
        z=None if z is None else finite(z, f"scenarios[{i}].z"),
        lgd_multiplier=multiplier,
    )


def parse(doc: Mapping[str, Any], source: str = PACKAGED) -> EclParameters:
    """Parameters from a JSON document; a missing or bad value is refused naming its key."""
    try:
        items = doc["scenarios"]
        if not isinstance(items, list):
            raise ValidationError(f"{source}: scenarios must be a list", field="scenarios")
        return EclParameters(
            version=str(doc["version"]),
            scenarios=tuple(_scenario(i, s) for i, s in enumerate(items)),
            rho=in_range(doc["rho"], "rho", 0.0, 1.0, high_open=True),
            ccf=check_ccf(_decimal(doc, "ccf")),
            eir=check_eir(_decimal(doc, "eir")),
            lifetime_months=_int(doc, "lifetime_months"),
            transition_window_months=_int(doc, "transition_window_months"),
        )
    except KeyError as exc:
        raise ValidationError(f"{source}: missing key {exc.args[0]!r}", field=str(exc.args[0])) from None


def load(path: Path | None = None) -> EclParameters:
    """The packaged parameters, or those of ``path`` (``--scenarios FILE``)."""
    if path is None:
        text = resources.files("creditloop.portfolio.ecl").joinpath("data", PACKAGED).read_text("utf-8")
        return parse(json.loads(text))
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"{path}: not a readable JSON file ({exc})", field="scenarios") from None
    if not isinstance(doc, dict):
        raise ValidationError(f"{path}: must be a JSON object", field="scenarios")
    return parse(doc, str(path))
