"""``creditloop risk portfolio --input FILE``: IRB capital per segment and for the portfolio, optionally with the
Vasicek stressed loss at ``--z``. The file format and the JSON output are in docs/risk.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, LangOpt, check_lang, emit, fail, guarded
from creditloop.entrypoints.cli._risk_common import checked


def _read_segments(path: Path) -> list[Any]:
    if not path.is_file():
        fail(f"--input: {path} is not a file", EXIT_USAGE)
    try:
        doc = json.loads(path.read_text("utf-8-sig"), parse_constant=lambda name: float("nan"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        fail(f"--input: cannot read {path} as JSON ({exc})", EXIT_USAGE)
    segments = doc.get("segments") if isinstance(doc, dict) else doc
    if not isinstance(segments, list) or not segments:
        fail(
            f"--input: {path} must hold a non-empty list of segments (or an object with one under 'segments')",
            EXIT_USAGE,
        )
    return segments


_ZH_WORDS = {
    "IRB capital (yuan)": "内评法资本（元）",
    "stressed at": "压力情景",
    "floors on": "已适用巴塞尔 III 下限",
    "capital": "资本要求",
    "EL": "预期损失",
    "loss at z": "压力损失",
    "total": "合计",
}


def _segment_doc(row: Any) -> dict[str, Any]:
    irb = row.irb
    return {
        "name": row.segment.name,
        "class": irb.asset_class.value,
        "ead_minor": row.segment.ead_minor,
        "pd": irb.pd_used,
        "lgd": irb.lgd_used,
        "floors_applied": [{"field": f.field, "given": f.given, "floor": f.floor} for f in irb.floors_applied],
        "correlation": irb.correlation,
        "maturity_adjustment": irb.maturity_adjustment,
        "k": irb.k,
        "risk_weight_percent": irb.risk_weight_percent,
        "rwa_minor": row.rwa_minor,
        "capital_minor": row.capital_minor,
        "expected_loss_minor": row.expected_loss_minor,
        "stressed_pd": row.stressed_pd,
        "stressed_loss_minor": row.stressed_loss_minor,
    }


def portfolio(
    input_path: Annotated[Path, typer.Option("--input", help="JSON file of segments (docs/risk.md).")],
    floors: Annotated[bool, typer.Option("--floors", help="Apply the Basel III PD and LGD input floors.")] = False,
    z: Annotated[str | None, typer.Option("--z", help="Also the Vasicek stressed loss at this factor value.")] = None,
    as_json: JsonOpt = False,
    lang: LangOpt = "en",
) -> None:
    """RWA, capital and expected loss per segment and in total (and the stressed loss with --z)."""
    from creditloop.portfolio.capital import portfolio_capital, segment_from_dict

    check_lang(lang)
    raw = _read_segments(input_path)
    segments = guarded(lambda: [segment_from_dict(doc, i) for i, doc in enumerate(raw)])
    result = checked(lambda: portfolio_capital(segments, floors=floors, stress_z=z))
    doc = {
        "schema": "creditloop.risk.portfolio/1",
        "floors": floors,
        "stress_z": result.stress_z,
        "segments": [_segment_doc(r) for r in result.segments],
        "total": {
            "ead_minor": result.ead_minor,
            "rwa_minor": result.rwa_minor,
            "capital_minor": result.capital_minor,
            "expected_loss_minor": result.expected_loss_minor,
            "stressed_loss_minor": result.stressed_loss_minor,
            "average_risk_weight_percent": result.average_risk_weight_percent,
        },
    }
    if as_json:
        emit(True, doc, "")
        return
    typer.echo(_portfolio_text(result, lang))


def _portfolio_text(result: Any, lang: str) -> str:
    """Plain lines, two per segment: a table of ten money columns would be cut in a narrow terminal."""
    from creditloop.core.money import format_major as y

    zh = lang == "zh"
    w = _ZH_WORDS if zh else {k: k for k in _ZH_WORDS}
    z = result.stress_z
    title = w["IRB capital (yuan)"] + ("" if z is None else f"{'，' if zh else ', '}{w['stressed at']} z = {z:g}")
    if result.floors:
        title += f"（{w['floors on']}）" if zh else f" ({w['floors on']})"
    lines = [title]

    def amounts(ead: int, rwa: int, capital: int, el: int, stressed: int | None) -> str:
        text = f"EAD {y(ead)}  RWA {y(rwa)}  {w['capital']} {y(capital)}  {w['EL']} {y(el)}"
        return text if stressed is None else text + f"  {w['loss at z']} {y(stressed)}"

    for r in result.segments:
        irb = r.irb
        lines.append(
            f"{r.segment.name}  {irb.asset_class.value}  PD {100 * irb.pd_used:.2f} %  LGD {100 * irb.lgd_used:.1f} %"
            f"  RW {irb.risk_weight_percent:.2f} %"
        )
        lines.append("  " + amounts(r.segment.ead_minor, r.rwa_minor, r.capital_minor, r.expected_loss_minor,
                                    r.stressed_loss_minor))  # fmt: skip
    lines.append(f"{w['total']}  RW {result.average_risk_weight_percent:.2f} %")
    lines.append("  " + amounts(result.ead_minor, result.rwa_minor, result.capital_minor, result.expected_loss_minor,
                                result.stressed_loss_minor))  # fmt: skip
    return "\n".join(lines)


def add_commands(app: typer.Typer) -> None:
    app.command("portfolio")(portfolio)
