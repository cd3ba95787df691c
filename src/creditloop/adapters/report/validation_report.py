"""A self-contained bilingual HTML validation report: metric tables and inline SVG charts (matplotlib, no
pyplot, no external URLs). Chart text stays ASCII (matplotlib has no CJK font by default); the bilingual
titles live in the HTML around each chart."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from creditloop.scoring.metrics import ValidationResult

_COLOURS = ("#2171b5", "#e6550d", "#31a354", "#756bb1", "#636363")
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_ID = re.compile(r'\bid="([^"]+)"')
_SIZE = (6.4, 3.6)

_CSS = """
body{font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif;margin:2em auto;max-width:1100px;
color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.grid{display:flex;flex-wrap:wrap;gap:1em}
.chart{flex:1 1 480px}.chart svg{width:100%;height:auto}.note{color:#666;font-size:.85em}
"""


def _svg(fig: Figure, chart_id: str) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])
    text = _ID.sub(lambda m: f'id="{chart_id}-{m.group(1)}"', text)
    text = text.replace('xlink:href="#', f'xlink:href="#{chart_id}-').replace("url(#", f"url(#{chart_id}-")
    text = re.sub(r'\s(width|height)="[^"]*pt"', "", text, count=2)
    return (
        str(text)
        .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")
        .replace('xmlns="http://www.w3.org/2000/svg"', "")
    )


def _roc(results: Sequence[ValidationResult]) -> Figure:
    fig = Figure(figsize=_SIZE)
    ax = fig.add_subplot()
    for k, r in enumerate(results):
        order = np.argsort(-r.predicted, kind="mergesort")
        y = r.y[order]
        tpr = np.r_[0, np.cumsum(y) / max(y.sum(), 1)]
        fpr = np.r_[0, np.cumsum(1 - y) / max((1 - y).sum(), 1)]
        ax.plot(fpr, tpr, color=_COLOURS[k % 5], label=f"{r.name} AUC={r.metrics['auc'][0]:.3f}")
    ax.plot([0, 1], [0, 1], color="#999", lw=0.8, ls="--")
    ax.set(xlabel="False positive rate (goods)", ylabel="True positive rate (bads)", title="ROC")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def _ks(results: Sequence[ValidationResult]) -> Figure:
    fig = Figure(figsize=_SIZE)
    ax = fig.add_subplot()
    for k, r in enumerate(results):
        g = r.gains
        x = np.r_[0, g["cum_pop_share"]]
        ax.plot(x, np.r_[0, g["cum_bads_share"]], color=_COLOURS[k % 5], label=f"{r.name} bads")
        ax.plot(x, np.r_[0, g["cum_goods_share"]], color=_COLOURS[k % 5], ls=":", label=f"{r.name} goods")
    ax.set(xlabel="Population share (riskiest first)", ylabel="Cumulative share", title="KS / gains")
    ax.legend(fontsize=8)
    return fig


def _lift(results: Sequence[ValidationResult]) -> Figure:
    fig = Figure(figsize=_SIZE)
    ax = fig.add_subplot()
    width = 0.8 / max(len(results), 1)
    for k, r in enumerate(results):
        g = r.gains
        ax.bar(
            g["band"] + (k - (len(results) - 1) / 2) * width,
            g["lift"],
            width=width,
            color=_COLOURS[k % 5],
            label=r.name,
        )
    ax.axhline(1.0, color="#999", lw=0.8)
    ax.set(xlabel="Band (1 = riskiest)", ylabel="Lift", title="Lift by band")
    ax.legend(fontsize=8)
    return fig


def _calibration(results: Sequence[ValidationResult]) -> Figure:
    fig = Figure(figsize=_SIZE)
    ax = fig.add_subplot()
    top = 0.0
    for k, r in enumerate(results):
        c = r.calibration
        ax.plot(c["predicted"], c["observed"], marker="o", color=_COLOURS[k % 5], label=r.name)
        top = max(top, float(c["predicted"].max()), float(c["observed"].max()))
    ax.plot([0, top], [0, top], color="#999", lw=0.8, ls="--")
    ax.set(xlabel="Predicted PD", ylabel="Observed default rate", title="Calibration by band")
    ax.legend(fontsize=8)
    return fig


def _distribution(result: ValidationResult) -> Figure:
    fig = Figure(figsize=_SIZE)
    ax = fig.add_subplot()
    values = result.score if result.score is not None else result.predicted
    bins = [float(v) for v in np.histogram_bin_edges(values, bins=30)]
    ax.hist(values[result.y == 0], bins=bins, alpha=0.6, color=_COLOURS[0], label="good", density=True)
    ax.hist(values[result.y == 1], bins=bins, alpha=0.6, color=_COLOURS[1], label="bad", density=True)
    ax.set(xlabel="Score" if result.score is not None else "PD", ylabel="Density", title=f"{result.name}: distribution")
    ax.legend(fontsize=8)
    return fig


def _table(frame: pd.DataFrame, digits: int = 4) -> str:
    return str(frame.to_html(index=False, float_format=lambda v: f"{v:.{digits}f}", border=0, na_rep=""))


def render_validation_report(
    results: ValidationResult | Sequence[ValidationResult],
    path: str | Path | None = None,
    *,
    title: str = "Model validation",
    tables: Mapping[str, pd.DataFrame] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """Render the report (and write it to ``path`` if given). ``tables`` adds sections such as the points
    table, CSI or a champion/challenger comparison, keyed by a bilingual heading."""
    items = [results] if isinstance(results, ValidationResult) else list(results)
    summary = pd.concat([r.summary.assign(sample=r.name, n=r.n, event_rate=r.event_rate) for r in items])
    summary = summary[["sample", "n", "event_rate", "metric", "value", "ci_low", "ci_high"]]
    charts = [("roc", _roc(items)), ("ks", _ks(items)), ("lift", _lift(items)), ("cal", _calibration(items))]
    charts += [(f"dist{k}", _distribution(r)) for k, r in enumerate(items)]
    parts = [
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)} / 模型验证报告</h1>",
        *[f"<p class='note'>{html.escape(n)}</p>" for n in notes],
        "<h2>Discrimination and accuracy / 区分度与准确性</h2>",
        "<p class='note'>95% percentile bootstrap intervals. 95% 自助法置信区间。</p>",
        _table(summary),
        "<h2>Charts / 图表</h2><div class='grid'>",
        *[f"<div class='chart'>{_svg(fig, cid)}</div>" for cid, fig in charts],
        "</div>",
    ]
    for r in items:
        parts += [
            f"<h2>Gains and lift: {html.escape(r.name)} / 增益与提升</h2>",
            _table(r.gains),
            f"<h2>Calibration by band: {html.escape(r.name)} / 分组校准</h2>",
            _table(r.calibration),
        ]
    for heading, frame in (tables or {}).items():
        parts += [f"<h2>{html.escape(heading)}</h2>", _table(frame)]
    parts.append("</body></html>")
    text = "\n".join(parts)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return str(text)
