"""``creditloop risk stress --scenario NAME|FILE --data-dir D``: macro overlays on a simulated (or any snapshot) book.

Reads the book through the portfolio analytics (one engine pass, the panel materialised once): the open book at the
last month end by delinquency state, the pooled transition matrix (12-month PD of each state, default = 91+ DPD or
charged off, absorbing) and the charge-offs and recoveries (observed LGD, unless ``--lgd``). Then per segment
(``portfolio.stress.SEGMENTS``) the base and stressed PD, LGD, expected loss (PD x LGD x EAD, EAD = the drawn
balance) and QRRE IRB capital. Besides, the IFRS 9 ECL of ``creditloop risk ecl`` (EAD with the CCF, staging,
lifetime for stages 2 and 3) probability-weighted and under the scenario alone (``portfolio.ecl.stressed``), and
the change. JSON schema ``creditloop.risk.stress_scenario/1`` (docs/risk.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from creditloop.entrypoints.cli._common import EXIT_USAGE, emit, fail, guarded

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "portfolio" / "stress_scenarios"


def load_scenario(text: str) -> Any:
    """A bundled scenario by name (``adverse``, ``severe``) or a JSON file; refusals name ``--scenario``."""
    from creditloop.core.errors import ValidationError
    from creditloop.portfolio.stress import scenario_from_dict

    path = SCENARIO_DIR / f"{text}.json" if (SCENARIO_DIR / f"{text}.json").is_file() else Path(text)
    if not path.is_file():
        names = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.json")))
        fail(f"--scenario: {text} is neither a bundled scenario ({names}) nor a file", EXIT_USAGE)
    try:
        doc = json.loads(path.read_text("utf-8-sig"), parse_constant=lambda name: float("nan"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        fail(f"--scenario: cannot read {path} as JSON ({exc})", EXIT_USAGE)
    try:
        return scenario_from_dict(doc)
    except ValidationError as exc:
        fail(f"--scenario: {exc.field}: {exc.message}", EXIT_USAGE)


def book_inputs(data_dir: Path, engine: str, spark_master: str | None) -> dict[str, Any]:
    """Open book by state, transition counts, charge-offs and recoveries, and the as-of month end."""
    from creditloop.adapters.analytics.engines import EngineError, connect, materialised, rows, snapshots
    from creditloop.portfolio.analytics.book import open_book_by_state
    from creditloop.portfolio.analytics.losses import net_charge_off
    from creditloop.portfolio.analytics.panel import AnalyticsInputError, monthly_state
    from creditloop.portfolio.analytics.transitions import transition_matrix

    try:
        con = connect(engine, spark_master)
        state = monthly_state(snapshots(con, data_dir))
    except (EngineError, AnalyticsInputError) as exc:
        fail(str(exc), EXIT_USAGE)
    with materialised(con, state) as panel:
        book = rows(open_book_by_state(panel))
        cells = rows(transition_matrix(panel))
        nco = rows(net_charge_off(panel))
    if not book:
        fail(f"--data-dir: {data_dir} has no open lines at its last month end", EXIT_USAGE)
    return {
        "as_of": nco[-1]["month_end_on"] if nco else None,
        "book": [(r["state_index"], r["lines"], r["exposure_minor"]) for r in book],
        "cells": [(r["from_index"], r["to_index"], r["lines"]) for r in cells],
        "gross_charge_off_minor": sum(r["gross_charge_off_minor"] for r in nco),
        "recoveries_minor": sum(r["recoveries_minor"] for r in nco),
    }


def _segment_doc(seg: Any, ov: Any, base: Any, stressed: Any) -> dict[str, Any]:
    return {
        "name": seg.name,
        "lines": seg.lines,
        "ead_minor": seg.ead_minor,
        "pd": ov.pd,
        "stressed_pd": ov.stressed_pd,
        "pd_multiplier": ov.pd_multiplier,
        "lgd": ov.lgd,
        "stressed_lgd": ov.stressed_lgd,
        "expected_loss_minor": base.expected_loss_minor,
        "stressed_expected_loss_minor": stressed.expected_loss_minor,
        "risk_weight_percent": base.irb.risk_weight_percent,
        "stressed_risk_weight_percent": stressed.irb.risk_weight_percent,
        "rwa_minor": base.rwa_minor,
        "stressed_rwa_minor": stressed.rwa_minor,
        "capital_minor": base.capital_minor,
        "stressed_capital_minor": stressed.capital_minor,
    }


def ecl_under_stress(
    scenario: Any, data_dir: Path, engine: str, spark_master: str | None, lgd: str | None
) -> dict[str, Any]:
    """The ``ecl`` block: ``risk ecl``'s weighted ECL at the last month end and the ECL under ``scenario`` (LGD: the
    packaged one, or ``--lgd``); ``available: false`` and the reason when the panel cannot give an ECL."""
    from creditloop.adapters.analytics.ecl_inputs import read_inputs, resolve_segment_by
    from creditloop.adapters.analytics.engines import EngineError, connect
    from creditloop.core.errors import ValidationError
    from creditloop.portfolio.analytics.panel import AnalyticsInputError
    from creditloop.portfolio.ecl import lgd as lgd_file
    from creditloop.portfolio.ecl import scenarios as scenario_file
    from creditloop.portfolio.ecl.stressed import stressed_ecl, stressed_ecl_doc

    params, prior = guarded(lambda: scenario_file.load(None)), guarded(lgd_file.load)
    try:
        con = connect(engine, spark_master)
        chain = resolve_segment_by(con, data_dir, "auto")  # risk ecl's default chain
        rows, counts = read_inputs(con, data_dir, chain)
    except (EngineError, AnalyticsInputError) as exc:
        return {"available": False, "reason": str(exc)}
    if not rows:
        return {"available": False, "reason": "the panel has no rows"}
    loss = prior.lgd if lgd is None else float(lgd)
    day = max(r.month_end_on for r in rows)
    try:
        result = stressed_ecl(
            rows, counts, day, params, loss, (scenario.name, scenario.z, scenario.lgd_addon), segmented=chain != "none"
        )
    except ValidationError as exc:
        return {"available": False, "reason": exc.message}
    doc = stressed_ecl_doc(result, "given" if lgd is not None else "lending_club")
    return {**doc, "lgd_version": None if lgd is not None else prior.version, "segment_by": chain}


def stress_document(
    scenario: Any, inputs: dict[str, Any], lgd: str | None, ecl: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``creditloop.risk.stress_scenario/1`` document from the book inputs and the scenario; ``ecl`` is the
    block of ``ecl_under_stress`` (``None``: not computed, the ECL keys stay ``null``)."""
    from creditloop.portfolio.capital import Segment, segment_capital
    from creditloop.portfolio.irb import AssetClass, correlation
    from creditloop.portfolio.risk_inputs import fraction
    from creditloop.portfolio.stress import horizon_default_probability, observed_lgd, overlay, segment_inputs

    if lgd is None:
        loss = guarded(lambda: observed_lgd(inputs["gross_charge_off_minor"], inputs["recoveries_minor"]))
    else:
        loss = fraction(lgd, "lgd")  # checked by scenario_stress
    state_pd = horizon_default_probability(inputs["cells"])
    segments, total = [], dict.fromkeys(TOTAL_KEYS, 0)
    for seg in segment_inputs(inputs["book"], state_pd):
        defaulted = seg.pd >= 1.0
        rho = 0.0 if defaulted else correlation(AssetClass.QRRE, seg.pd)[0]
        ov = overlay(seg.pd, loss, rho, scenario)
        base = segment_capital(Segment(seg.name, AssetClass.QRRE, seg.ead_minor, ov.pd, ov.lgd))
        stressed = segment_capital(Segment(seg.name, AssetClass.QRRE, seg.ead_minor, ov.stressed_pd, ov.stressed_lgd))
        doc = _segment_doc(seg, ov, base, stressed)
        segments.append(doc)
        for key in TOTAL_KEYS:
            total[key] += doc[key]
    return {
        "schema": "creditloop.risk.stress_scenario/1",
        "scenario": {
            "name": scenario.name,
            "description": {"en": scenario.description_en, "zh": scenario.description_zh},
            "z": scenario.z,
            "lgd_addon": scenario.lgd_addon,
            "unemployment_change_pp": scenario.unemployment_change_pp,
            "gdp_growth_change_pp": scenario.gdp_growth_change_pp,
        },
        "as_of": inputs["as_of"],
        "lgd_source": "given" if lgd is not None else "observed (1 - recoveries / gross charge-offs)",
        "state_pd_12m": {f"M{i}": state_pd[i] for i in range(8)},
        "segments": segments,
        "total": total,
        "ecl_minor": (ecl or {}).get("ecl_minor"),  # the weighted ECL of ``risk ecl``; the EL proxy stays above
        "stressed_ecl_minor": (ecl or {}).get("stressed_ecl_minor"),
        "ecl_change_minor": (ecl or {}).get("change_minor"),
        "ecl": ecl,
    }


TOTAL_KEYS = (
    "lines",
    "ead_minor",
    "expected_loss_minor",
    "stressed_expected_loss_minor",
    "rwa_minor",
    "stressed_rwa_minor",
    "capital_minor",
    "stressed_capital_minor",
)


def stress_text(doc: dict[str, Any], lang: str) -> str:
    from creditloop.core.money import format_major as y

    zh = lang == "zh"
    sc = doc["scenario"]
    z, addon = f"z = {sc['z']:.3f}", f"{100 * sc['lgd_addon']:.1f}"
    if zh:
        head = f"压力情景 {sc['name']}（{z}，LGD 加成 {addon} 个百分点），截至 {doc['as_of']}"
    else:
        head = f"Stress scenario {sc['name']} ({z}, LGD add-on {addon} points), as of {doc['as_of']}"
    lines = [head, sc["description"]["zh" if zh else "en"]]
    words = ("预期损失", "资本", "合计", "户") if zh else ("EL", "capital", "total", "lines")
    for s in doc["segments"]:
        lines.append(
            f"{s['name']}  {s['lines']} {words[3]}  EAD {y(s['ead_minor'])}  PD {100 * s['pd']:.2f}% -> "
            f"{100 * s['stressed_pd']:.2f}%  LGD {100 * s['lgd']:.1f}% -> {100 * s['stressed_lgd']:.1f}%"
        )
        lines.append(
            f"  {words[0]} {y(s['expected_loss_minor'])} -> {y(s['stressed_expected_loss_minor'])}  "
            f"{words[1]} {y(s['capital_minor'])} -> {y(s['stressed_capital_minor'])}"
        )
    t = doc["total"]
    lines.append(
        f"{words[2]}  EAD {y(t['ead_minor'])}  {words[0]} {y(t['expected_loss_minor'])} -> "
        f"{y(t['stressed_expected_loss_minor'])}  "
        f"{words[1]} {y(t['capital_minor'])} -> {y(t['stressed_capital_minor'])}"
    )
    if doc.get("ecl") is not None:
        lines.append(_ecl_text(doc["ecl"], zh))
    return "\n".join(lines)


def _ecl_text(ecl: dict[str, Any], zh: bool) -> str:
    from creditloop.core.money import format_major as y

    if not ecl["available"]:
        return (
            f"IFRS 9 预期信用损失：无法计算（{ecl['reason']}）"
            if zh
            else f"IFRS 9 ECL: not available ({ecl['reason']})"
        )
    ratio = "" if ecl["change_ratio"] is None else f", {100 * ecl['change_ratio']:+.1f}%"
    change = f"{y(ecl['ecl_minor'])} -> {y(ecl['stressed_ecl_minor'])} ({y(ecl['change_minor'])}{ratio})"
    if zh:
        return f"IFRS 9 预期信用损失（EAD 含未提用额度 x CCF {ecl['ccf']}，截至 {ecl['on']}）{change}"
    return f"IFRS 9 ECL (EAD with CCF {ecl['ccf']} on the undrawn limit, at {ecl['on']}) {change}"


def scenario_stress(
    scenario: str, data_dir: Path, engine: str, spark_master: str | None, lgd: str | None, as_json: bool, lang: str
) -> None:
    sc = load_scenario(scenario)
    if lgd is not None:
        guarded(lambda: _check_lgd(lgd))
    inputs = book_inputs(data_dir, engine, spark_master)
    doc = stress_document(sc, inputs, lgd, ecl_under_stress(sc, data_dir, engine, spark_master, lgd))
    emit(as_json, doc, stress_text(doc, lang))


def _check_lgd(lgd: str) -> float:
    from creditloop.core.errors import ValidationError
    from creditloop.portfolio.risk_inputs import fraction

    try:
        return fraction(lgd, "lgd")
    except ValidationError as exc:
        raise ValidationError(exc.message.removeprefix("lgd "), field="--lgd") from None
