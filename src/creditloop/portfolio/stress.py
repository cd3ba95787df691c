"""Macro overlays for stress: a macro scenario (unemployment and GDP shocks) -> the Vasicek factor z -> stressed PD
per segment, plus an LGD add-on; and the 12-month PD of each delinquency state from a transition matrix.

Scenario file (JSON; examples in ``portfolio/stress_scenarios/``; docs/risk.md "Macro overlays"):

    {"name": "severe", "description": {"en": "...", "zh": "..."},
     "macro": {"unemployment_change_pp": 3.0, "gdp_growth_change_pp": -5.0},
     "factor_model": {"unemployment_sd_pp": 1.5, "gdp_growth_sd_pp": 2.5, "unemployment_weight": 0.6},
     "lgd_addon": 0.08}

The factor is the weighted average of the standardised shocks, signed so that a worse economy is a negative z
(DOMAIN.md §4.4: "map a macro scenario to z"):

    z = w * (-unemployment_change / unemployment_sd) + (1 - w) * (gdp_growth_change / gdp_growth_sd)

``"z"`` in the file instead of ``macro`` and ``factor_model`` gives the factor directly. The stressed PD is
``vasicek.conditional_pd(PD, rho, z)`` with the segment's IRB correlation; the stressed LGD is
``min(1, LGD + lgd_addon)`` (lower recoveries in a downturn).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from creditloop.core.errors import ValidationError
from creditloop.portfolio.risk_inputs import finite, fraction, in_range
from creditloop.portfolio.vasicek import conditional_pd

# Delinquency segments of an open book by M-bucket index (portfolio/metrics.ROLL_STATES): 91+ DPD is default.
SEGMENTS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("current", (0,)),
    ("1-30 dpd", (1,)),
    ("31-90 dpd", (2, 3)),
    ("defaulted 91+", (4, 5, 6, 7)),
)
DEFAULT_STATES = frozenset({4, 5, 6, 7, 8})  # M4..M7 and charged off
N_STATES = 10  # M0..M7, CO, CL


@dataclass(frozen=True, slots=True)
class MacroScenario:
    name: str
    description_en: str
    description_zh: str
    z: float
    lgd_addon: float
    unemployment_change_pp: float | None = None
    gdp_growth_change_pp: float | None = None


def _number(doc: Mapping[str, Any], key: str, where: str) -> float:
    if key not in doc:
        raise ValidationError(f"{key} is required", field=f"{where}.{key}")
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError(f"must be a number, got {value!r}", field=f"{where}.{key}")
    try:
        return finite(value, f"{where}.{key}")
    except ValidationError as exc:
        raise ValidationError(exc.message, field=f"{where}.{key}") from None


def scenario_from_dict(doc: Any) -> MacroScenario:
    """A validated scenario; every refusal names the field (``scenario.macro.unemployment_change_pp``)."""
    if not isinstance(doc, Mapping):
        raise ValidationError("must be a JSON object", field="scenario")
    known = {"name", "description", "macro", "factor_model", "z", "lgd_addon"}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise ValidationError(f"unknown keys {unknown}; known: {sorted(known)}", field="scenario")
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("must be a non-empty string", field="scenario.name")
    desc = doc.get("description", {})
    if not isinstance(desc, Mapping) or not all(isinstance(desc.get(k, ""), str) for k in ("en", "zh")):
        raise ValidationError("must be an object with 'en' and 'zh' texts", field="scenario.description")
    addon = _number(doc, "lgd_addon", "scenario") if "lgd_addon" in doc else 0.0
    if not -1.0 <= addon <= 1.0:
        raise ValidationError(f"must be in [-1, 1] as a decimal fraction, got {addon}", field="scenario.lgd_addon")
    common = {"name": name, "description_en": desc.get("en", ""), "description_zh": desc.get("zh", "")}
    if "z" in doc:
        if "macro" in doc or "factor_model" in doc:
            raise ValidationError("give either z or macro with factor_model, not both", field="scenario.z")
        return MacroScenario(z=_number(doc, "z", "scenario"), lgd_addon=addon, **common)
    macro, model = doc.get("macro"), doc.get("factor_model")
    if not isinstance(macro, Mapping):
        raise ValidationError("must be an object (or give z)", field="scenario.macro")
    if not isinstance(model, Mapping):
        raise ValidationError("must be an object (or give z)", field="scenario.factor_model")
    du = _number(macro, "unemployment_change_pp", "scenario.macro")
    dg = _number(macro, "gdp_growth_change_pp", "scenario.macro")
    sd_u = _number(model, "unemployment_sd_pp", "scenario.factor_model")
    sd_g = _number(model, "gdp_growth_sd_pp", "scenario.factor_model")
    for key, sd in (("unemployment_sd_pp", sd_u), ("gdp_growth_sd_pp", sd_g)):
        if sd <= 0:
            raise ValidationError(f"must be positive, got {sd}", field=f"scenario.factor_model.{key}")
    weight = _number(model, "unemployment_weight", "scenario.factor_model")
    if not 0.0 <= weight <= 1.0:
        raise ValidationError(f"must be in [0, 1], got {weight}", field="scenario.factor_model.unemployment_weight")
    z = weight * (-du / sd_u) + (1.0 - weight) * (dg / sd_g)
    return MacroScenario(z=z, lgd_addon=addon, unemployment_change_pp=du, gdp_growth_change_pp=dg, **common)


@dataclass(frozen=True, slots=True)
class Overlay:
    pd: float
    lgd: float
    stressed_pd: float
    stressed_lgd: float

    @property
    def pd_multiplier(self) -> float | None:
        return self.stressed_pd / self.pd if self.pd > 0 else None


def overlay(pd: float, lgd: float, rho: float, scenario: MacroScenario) -> Overlay:
    """Stressed PD (Vasicek at the scenario's z) and LGD (plus the add-on, kept in [0, 1])."""
    p, loss = fraction(pd, "pd"), fraction(lgd, "lgd")
    stressed = conditional_pd(p, in_range(rho, "rho", 0.0, 1.0, high_open=True), scenario.z)
    return Overlay(pd=p, lgd=loss, stressed_pd=stressed, stressed_lgd=min(1.0, max(0.0, loss + scenario.lgd_addon)))


def horizon_default_probability(
    cells: Iterable[tuple[int, int, int]], horizon: int = 12, default: frozenset[int] = DEFAULT_STATES
) -> list[float]:
    """From pooled transition counts ``(from, to, lines)``: for each state, the probability of reaching a default
    state within ``horizon`` months (default states absorbing; a state never seen leaving stays where it is)."""
    if horizon < 1:
        raise ValidationError(f"must be at least 1, got {horizon}", field="horizon")
    counts = [[0.0] * N_STATES for _ in range(N_STATES)]
    for i, j, n in cells:
        counts[i][j] += n
    matrix = []
    for i, row in enumerate(counts):
        total = sum(row)
        if i in default or total == 0:
            matrix.append([1.0 if j == i else 0.0 for j in range(N_STATES)])
        else:
            matrix.append([c / total for c in row])
    # prob[i] after k steps of being in default: v_{k+1} = P v_k with v_0 = 1 on default states
    v = [1.0 if i in default else 0.0 for i in range(N_STATES)]
    for _ in range(horizon):
        v = [sum(matrix[i][j] * v[j] for j in range(N_STATES)) for i in range(N_STATES)]
    return [min(1.0, max(0.0, x)) for x in v]


@dataclass(frozen=True, slots=True)
class SegmentInput:
    name: str
    lines: int
    ead_minor: int
    pd: float


def segment_inputs(
    exposure_by_state: Sequence[tuple[int, int, int]], state_pd: Sequence[float]
) -> tuple[SegmentInput, ...]:
    """``(state, lines, exposure_minor)`` of the open book and each state's PD -> the ``SEGMENTS`` with their
    exposure-weighted PD (the line-weighted PD when a segment has no exposure)."""
    out = []
    for name, states in SEGMENTS:
        rows = [r for r in exposure_by_state if r[0] in states]
        lines, ead = sum(r[1] for r in rows), sum(r[2] for r in rows)
        if not lines:
            continue
        weight = [(r[2] if ead else r[1]) for r in rows]
        pd = sum(w * state_pd[r[0]] for w, r in zip(weight, rows, strict=True)) / sum(weight)
        out.append(SegmentInput(name=name, lines=lines, ead_minor=ead, pd=min(1.0, max(0.0, pd))))
    return tuple(out)


def observed_lgd(gross_charge_off_minor: int, recoveries_minor: int) -> float:
    """1 - recoveries / gross charge-offs over the period (immature recoveries make it conservative)."""
    if gross_charge_off_minor <= 0:
        raise ValidationError("no charge-offs in the data to estimate LGD from; give --lgd", field="lgd")
    value = 1.0 - recoveries_minor / gross_charge_off_minor
    if not math.isfinite(value):
        raise ValidationError("cannot estimate LGD", field="lgd")
    return min(1.0, max(0.0, value))
