"""IFRS 9 ECL under one macro stress scenario, against the probability-weighted ECL (``creditloop risk stress``).

The stressed run is ``run.ecl_at``, the code of ``creditloop risk ecl`` (staging, EAD = drawn + CCF x undrawn,
12-month ECL in stage 1, lifetime in stages 2 and 3), with the parameter file's weighted scenarios replaced by the
stress scenario alone at weight 1: every cumulative PD of the term structure moved through the Vasicek conditional
PD at the scenario's factor ``z`` (the file's ``rho``), and the LGD raised by the scenario's add-on (kept in
[0, 1]). The stages are today's: stress moves the PDs, not the delinquency already observed, so a line does not
change stage under stress (the SICR test compares the observed PDs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from creditloop.portfolio.ecl.panel_staging import PanelRow
from creditloop.portfolio.ecl.run import EclRun, TransitionCount, ecl_at
from creditloop.portfolio.ecl.scenarios import EclParameters, Scenario
from creditloop.portfolio.risk_inputs import fraction


@dataclass(frozen=True, slots=True)
class StressedEcl:
    base: EclRun
    stressed: EclRun
    lgd: float
    stressed_lgd: float
    params: EclParameters
    stressed_params: EclParameters


def stressed_parameters(
    params: EclParameters, name: str, z: float, lgd: float, lgd_addon: float
) -> tuple[EclParameters, float]:
    """The parameters of the single stress scenario (weight 1, factor ``z``) and the stressed LGD."""
    fraction(lgd, "lgd")
    one = Scenario(name=name, weight=1.0, z=z, lgd_multiplier=1.0)
    return replace(params, scenarios=(one,)), round(min(1.0, max(0.0, lgd + lgd_addon)), 12)


def stressed_ecl(
    rows: Sequence[PanelRow],
    counts: Sequence[TransitionCount],
    on: date,
    params: EclParameters,
    lgd: float,
    scenario: tuple[str, float, float],
    *,
    segmented: bool = False,
) -> StressedEcl:
    """The weighted ECL and the ECL under ``scenario`` = ``(name, z, lgd_addon)`` at ``on``; ``segmented``: the
    counts and rows carry segments and each segment takes its own chain (``run.ecl_at``)."""
    name, z, addon = scenario
    sparams, slgd = stressed_parameters(params, name, z, lgd, addon)
    return StressedEcl(ecl_at(rows, counts, on, params, lgd, segmented=segmented),
                       ecl_at(rows, counts, on, sparams, slgd, segmented=segmented), lgd, slgd,
                       params, sparams)  # fmt: skip


def _change(base: int, stressed: int) -> dict[str, Any]:
    return {"change_minor": stressed - base, "change_ratio": None if base == 0 else round(stressed / base - 1, 6)}


def stressed_ecl_doc(result: StressedEcl, lgd_source: str) -> dict[str, Any]:
    """The ``ecl`` block of ``creditloop.risk.stress_scenario/1`` (docs/risk.md): by stage and in total, the
    weighted ECL, the stressed one and the change, with the parameters of both."""
    b, s = result.base.by_stage, result.stressed.by_stage
    stages = [
        {"stage": k or "total", "accounts": b[k]["accounts"], "ead_minor": b[k]["ead_minor"],
         "ecl_minor": b[k]["ecl_minor"], "stressed_ecl_minor": s[k]["ecl_minor"],
         **_change(b[k]["ecl_minor"], s[k]["ecl_minor"])}
        for k in (1, 2, 3, 0)
    ]  # fmt: skip
    sc = result.stressed_params.scenarios[0]
    return {
        "available": True,
        "reason": None,
        "on": result.base.on.isoformat(),
        "parameters_version": result.params.version,
        "ccf": str(result.params.ccf),
        "rho": result.params.rho,
        "lifetime_months": result.params.lifetime_months,
        "lgd": result.lgd,
        "stressed_lgd": result.stressed_lgd,
        "lgd_source": lgd_source,
        "z": sc.z,
        "scenarios": [{"name": x.name, "weight": x.weight, "z": x.z} for x in result.params.scenarios],
        "by_stage": stages,
        "ead_minor": b[0]["ead_minor"],
        "ecl_minor": b[0]["ecl_minor"],
        "stressed_ecl_minor": s[0]["ecl_minor"],
        **_change(b[0]["ecl_minor"], s[0]["ecl_minor"]),
    }
