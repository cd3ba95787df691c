"""``creditloop risk portfolio --input FILE``: IRB capital per segment and for the portfolio, optionally with the
Vasicek stressed loss at ``--z``. The file format and the JSON output are in docs/risk.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from creditloop.entrypoints.cli._common import EXIT_USAGE, JsonOpt, LangOpt, check_lang, emit, fail, guarded


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


_ZH_COLUMNS = {
    "segment": "分群",
    "class": "资产类别",
    "RW %": "风险权重 %",
    "capital": "资本要求",
    "EL": "预期损失",
    "loss at z": "压力损失 z",
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
    from creditloop.core.money import format_major
    from creditloop.entrypoints.cli._common import out
    from creditloop.entrypoints.cli.risk_cli import checked
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
    zh = lang == "zh"
    columns = ["segment", "class", "EAD", "PD %", "LGD %", "RW %", "RWA", "capital", "EL"]
    if z is not None:
        columns.append("loss at z")
    t = Table(
        title=f"IRB 资本（元）{'' if z is None else f'，z = {result.stress_z:g}'}"
        if zh
        else f"IRB capital (yuan){'' if z is None else f', stressed at z = {result.stress_z:g}'}"
    )
    for name in columns:
        t.add_column(
            _ZH_COLUMNS.get(name, name) if zh else name, justify="left" if name in ("segment", "class") else "right"
        )
    for r in result.segments:
        cells = [r.segment.name, r.irb.asset_class.value, format_major(r.segment.ead_minor)]
        cells += [f"{100 * r.irb.pd_used:.2f}", f"{100 * r.irb.lgd_used:.1f}", f"{r.irb.risk_weight_percent:.2f}"]
        cells += [format_major(r.rwa_minor), format_major(r.capital_minor), format_major(r.expected_loss_minor)]
        if r.stressed_loss_minor is not None:
            cells.append(format_major(r.stressed_loss_minor))
        t.add_row(*cells)
    totals = ["合计" if zh else "total", "", format_major(result.ead_minor), "", ""]
    totals += [f"{result.average_risk_weight_percent:.2f}", format_major(result.rwa_minor)]
    totals += [format_major(result.capital_minor), format_major(result.expected_loss_minor)]
    if result.stressed_loss_minor is not None:
        totals.append(format_major(result.stressed_loss_minor))
    t.add_row(*totals)
    out.print(t)


def add_commands(app: typer.Typer) -> None:
    app.command("portfolio")(portfolio)
