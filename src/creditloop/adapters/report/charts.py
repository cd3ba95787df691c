"""Matplotlib charts for the HTML report, returned as inline SVG strings.

Uses ``Figure`` directly (no pyplot) so nothing global is left open between reports. Text inside
the charts stays ASCII: matplotlib has no CJK font by default, so the bilingual titles and captions
live in the HTML around each chart. Money is plotted in yuan as floats; that is display only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager

import matplotlib
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from creditloop.adapters.warehouse import (
    AlertsMonth,
    ApplicationsMonth,
    BalancesMonth,
    DelinquencyMonth,
    HardshipOutcomes,
    RollMonth,
    VintageCurve,
)
from creditloop.core.money import MINOR_PER_MAJOR
from creditloop.servicing.delinquency import BUCKETS

_SIZE = (7.0, 3.6)
_BLUE, _DARK_BLUE, _ORANGE, _GREY, _RED = "#9ecae1", "#2171b5", "#e6550d", "#969696", "#a50f15"
_BUCKET_COLOURS = ("#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#993404", "#662506")  # M1..M7
_RULE_COLOURS = ("#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#fd8d3c", "#6baed6", "#a1d99b")
HARDSHIP_OUTCOME_ORDER = ("repaid", "current", "delinquent", "charged_off", "not_offered")
_NAN = float("nan")  # a gap in a line, not a zero

_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_VIEWBOX = re.compile(r'viewBox="([^"]+)"')


def _to_svg(fig: Figure, chart_id: str, label: str) -> str:
    """Serialise ``fig`` as an inline ``<svg>`` with ids made unique to this chart.

    The XML prolog, DOCTYPE and RDF metadata are dropped (they carry w3.org/purl URLs and are not
    needed inline); ids are prefixed because six SVGs share one HTML id space.
    """
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = _METADATA.sub("", text[text.index("<svg") :])
    opening = _SVG_OPEN.search(text)
    if opening is None:
        raise ValueError("matplotlib wrote no <svg> element")
    view_box = _VIEWBOX.search(opening.group(0))
    box = f' viewBox="{view_box.group(1)}"' if view_box else ""
    text = f'<svg{box} role="img" aria-label="{label}" preserveAspectRatio="xMidYMid meet">' + text[opening.end() :]
    prefix = f"{chart_id}-"
    text = text.replace(' id="', f' id="{prefix}').replace('href="#', f'href="#{prefix}')
    return text.replace("url(#", f"url(#{prefix}")


def chart_style() -> AbstractContextManager[None]:
    """rcParams for every chart; build and save figures inside it (text reads rcParams when created).

    The fixed hash salt makes SVG ids, and so the whole report, identical for the same data.
    """
    return matplotlib.rc_context(
        {"svg.hashsalt": "creditloop", "font.size": 9.0, "axes.spines.top": False, "axes.spines.right": False}
    )


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=_SIZE, layout="constrained")
    return fig, fig.add_subplot()


def _legend_on_top(fig: Figure, handles: Sequence[Artist], ncol: int) -> None:
    """Legend above the plot area so it never hides bars or lines (constrained layout makes room)."""
    fig.legend(handles=list(handles), loc="outside upper left", ncol=ncol, fontsize=8, frameon=False)


def _no_data(ax: Axes) -> None:
    ax.text(0.5, 0.5, "No data", ha="center", va="center", transform=ax.transAxes, color=_GREY, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])


def _month_axis(ax: Axes, months: Sequence[int], labels: Mapping[int, str]) -> None:
    step = max(1, len(months) // 12)  # keep at most ~12 tick labels on long horizons
    ticks = list(months)[::step]
    ax.set_xticks(ticks, [labels.get(m, str(m)) for m in ticks], rotation=45, ha="right")
    ax.set_xlabel("Month")


def applications_chart(rows: Sequence[ApplicationsMonth], months: Sequence[int], labels: Mapping[int, str]) -> str:
    fig, ax = _figure()
    by_month = {r.month_index: r for r in rows}
    if not rows:
        _no_data(ax)
        return _to_svg(fig, "chart-applications", "Applications and approvals by month")
    apps = [by_month[m].applications if m in by_month else 0 for m in months]
    approvals = [by_month[m].approvals if m in by_month else 0 for m in months]
    width = 0.4
    ax.bar([m - width / 2 for m in months], apps, width, color=_BLUE, label="Applications")
    ax.bar([m + width / 2 for m in months], approvals, width, color=_DARK_BLUE, label="Approvals")
    ax.set_ylabel("Applications")
    rate_ax = ax.twinx()
    rates = [100 * by_month[m].approval_rate if m in by_month else _NAN for m in months]
    rate_ax.plot(list(months), rates, color=_ORANGE, marker="o", label="Approval rate (%)")
    rate_ax.set_ylim(0, 105)
    rate_ax.set_ylabel("Approval rate (%)")
    _month_axis(ax, months, labels)
    handles = ax.get_legend_handles_labels()[0] + rate_ax.get_legend_handles_labels()[0]
    _legend_on_top(fig, handles, ncol=3)
    return _to_svg(fig, "chart-applications", "Applications and approvals by month")


def balances_chart(rows: Sequence[BalancesMonth], months: Sequence[int], labels: Mapping[int, str]) -> str:
    fig, ax = _figure()
    if not rows:
        _no_data(ax)
        return _to_svg(fig, "chart-balances", "Receivable balances by month")
    by_month = {r.month_index: r for r in rows}
    parts = (
        ("Principal", "principal_minor", _DARK_BLUE),
        ("Fee", "fee_minor", _BLUE),
        ("Penalty", "penalty_minor", _RED),
    )
    bottom = [0.0] * len(months)
    for name, attr, colour in parts:
        values = [getattr(by_month[m], attr) / MINOR_PER_MAJOR if m in by_month else 0.0 for m in months]
        ax.bar(list(months), values, 0.7, bottom=bottom, color=colour, label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("Balance (CNY)")
    ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    _month_axis(ax, months, labels)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    _legend_on_top(fig, ax.get_legend_handles_labels()[0], ncol=3)
    return _to_svg(fig, "chart-balances", "Receivable balances by month")


def delinquency_chart(
    rows: Sequence[DelinquencyMonth], months: Sequence[int], labels: Mapping[int, str], shock_month: int | None
) -> str:
    fig, ax = _figure()
    if not rows:
        _no_data(ax)
        return _to_svg(fig, "chart-delinquency", "Delinquency by bucket")
    by_month = {r.month_index: r for r in rows}
    bottom = [0.0] * len(months)
    for bucket, colour in zip(BUCKETS[1:], _BUCKET_COLOURS, strict=True):
        values = [_bucket_share(by_month.get(m), bucket) for m in months]
        ax.bar(list(months), values, 0.7, bottom=bottom, color=colour, label=bucket)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    rates = [100 * by_month[m].rate_30plus if m in by_month else _NAN for m in months]
    ax.plot(list(months), rates, color="#000000", marker="o", linewidth=1.5, label="30+ DPD rate")
    if shock_month is not None:
        ax.axvline(shock_month, color=_RED, linestyle="--", linewidth=1.2, label=f"Shock (month {shock_month})")
    ax.set_ylabel("Share of on-book lines (%)")
    ax.set_ylim(0, max(1.0, *bottom) * 1.1)  # explicit: the shock line must not freeze autoscaling
    _month_axis(ax, months, labels)
    _legend_on_top(fig, ax.get_legend_handles_labels()[0], ncol=5)
    return _to_svg(fig, "chart-delinquency", "Delinquency by bucket")


def _shock_line(ax: Axes, shock_month: int | None) -> None:
    if shock_month is not None:
        ax.axvline(shock_month, color=_RED, linestyle="--", linewidth=1.2, label=f"Shock (month {shock_month})")


def delinquency_balance_chart(
    rows: Sequence[DelinquencyMonth], months: Sequence[int], labels: Mapping[int, str], shock_month: int | None
) -> str:
    """30+ DPD by count and by balance, and 90+ by balance, month by month, with the shock marked."""
    fig, ax = _figure()
    if not rows:
        _no_data(ax)
        return _to_svg(fig, "chart-delinquency-balance", "Balance-weighted delinquency by month")
    by_month = {r.month_index: r for r in rows}

    def balance_share(row: DelinquencyMonth | None, buckets: Sequence[str]) -> float:
        total = sum(row.balance_by_bucket.values()) if row is not None else 0
        if row is None or total == 0:
            return _NAN
        return 100 * sum(row.balance_by_bucket.get(b, 0) for b in buckets) / total

    count30 = [100 * by_month[m].rate_30plus if m in by_month else _NAN for m in months]
    ax.plot(list(months), count30, color=_GREY, marker="o", linewidth=1.2, label="30+ DPD (lines)")
    ax.plot(list(months), [balance_share(by_month.get(m), BUCKETS[2:]) for m in months], color=_DARK_BLUE,
            marker="o", linewidth=1.8, label="30+ DPD (balance)")  # fmt: skip
    ax.plot(list(months), [balance_share(by_month.get(m), BUCKETS[4:]) for m in months], color=_ORANGE,
            marker="s", linewidth=1.5, label="90+ DPD (balance)")  # fmt: skip
    _shock_line(ax, shock_month)
    ax.set_ylabel("Share of on-book lines / balance (%)")
    ax.set_ylim(bottom=0)
    _month_axis(ax, months, labels)
    _legend_on_top(fig, ax.get_legend_handles_labels()[0], ncol=4)
    return _to_svg(fig, "chart-delinquency-balance", "Balance-weighted delinquency by month")


def roll_balance_chart(
    rows: Sequence[RollMonth], months: Sequence[int], labels: Mapping[int, str], shock_month: int | None
) -> str:
    """Forward roll rates by balance from M0, M1, M2 and M3, month by month (t -> t + 1 plotted at t)."""
    fig, ax = _figure()
    shown = [r for r in rows if r.bucket in BUCKETS[:4]]
    if not shown:
        _no_data(ax)
        return _to_svg(fig, "chart-rolls-balance", "Roll rates by month (balance)")
    cells = {(r.month_index, r.bucket): r for r in shown}
    for bucket, colour in zip(BUCKETS[:4], (_DARK_BLUE, _BUCKET_COLOURS[1], _BUCKET_COLOURS[3], _BUCKET_COLOURS[5]),
                              strict=True):  # fmt: skip
        values = [100 * cells[(m, bucket)].forward_balance_rate if (m, bucket) in cells else _NAN for m in months]
        ax.plot(list(months), values, color=colour, marker="o", linewidth=1.5, label=f"{bucket} -> worse")
    _shock_line(ax, shock_month)
    ax.set_ylabel("Balance rolling forward (%)")
    ax.set_ylim(bottom=0)
    _month_axis(ax, months, labels)
    _legend_on_top(fig, ax.get_legend_handles_labels()[0], ncol=5)
    return _to_svg(fig, "chart-rolls-balance", "Roll rates by month (balance)")


def _bucket_share(row: DelinquencyMonth | None, bucket: str) -> float:
    if row is None or row.active_lines == 0:
        return 0.0
    return 100 * row.count_by_bucket.get(bucket, 0) / row.active_lines


def vintage_chart(curves: Sequence[VintageCurve]) -> str:
    fig, ax = _figure()
    if not curves:
        _no_data(ax)
        return _to_svg(fig, "chart-vintage", "Vintage ever-30+ curves by months on book")
    cmap = matplotlib.colormaps["viridis"]
    for i, curve in enumerate(curves):
        colour = cmap(i / max(1, len(curves) - 1) * 0.9)
        mobs = [p[0] for p in curve.points]
        shares = [100 * p[1] for p in curve.points]
        ax.plot(mobs, shares, color=colour, marker="o", markersize=3, linewidth=1.2, label=curve.vintage)
    ax.set_xlabel("Months on book (MOB)")
    ax.set_ylabel("Ever 30+ DPD (% of vintage)")
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    columns = 1 + (len(curves) - 1) // 12  # one legend column per 12 vintages
    fig.legend(loc="outside right upper", fontsize=7, frameon=False, ncol=columns, title="Vintage")
    return _to_svg(fig, "chart-vintage", "Vintage ever-30+ curves by months on book")


def alerts_chart(rows: Sequence[AlertsMonth], months: Sequence[int], labels: Mapping[int, str]) -> str:
    fig, ax = _figure()
    if not rows:
        _no_data(ax)
        return _to_svg(fig, "chart-alerts", "Early-warning alerts by month")
    by_month = {r.month_index: r for r in rows}
    rules = sorted({rule for r in rows for rule in r.by_rule})
    bottom = [0] * len(months)
    for i, rule in enumerate(rules):
        values = [by_month[m].by_rule.get(rule, 0) if m in by_month else 0 for m in months]
        ax.bar(list(months), values, 0.7, bottom=bottom, color=_RULE_COLOURS[i % len(_RULE_COLOURS)], label=rule)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("Alerts")
    _month_axis(ax, months, labels)
    _legend_on_top(fig, ax.get_legend_handles_labels()[0], ncol=4)
    return _to_svg(fig, "chart-alerts", "Early-warning alerts by month")


def hardship_chart(outcomes: HardshipOutcomes) -> str:
    fig = Figure(figsize=_SIZE, layout="constrained")
    funnel_ax, outcome_ax = fig.subplots(1, 2, width_ratios=(1, 2))
    if outcomes.assessed == 0:
        _no_data(funnel_ax)
        _no_data(outcome_ax)
        return _to_svg(fig, "chart-hardship", "Hardship plans and outcomes")
    funnel = (("Assessed", outcomes.assessed), ("Eligible", outcomes.eligible), ("Accepted", outcomes.accepted))
    funnel_ax.bar([n for n, _ in funnel], [v for _, v in funnel], color=(_BLUE, "#6baed6", _DARK_BLUE))
    funnel_ax.set_ylabel("Requests")
    names = [o for o in HARDSHIP_OUTCOME_ORDER if o in outcomes.outcomes]
    names += sorted(set(outcomes.outcomes) - set(HARDSHIP_OUTCOME_ORDER))
    positions = list(range(len(names)))
    width = 0.4
    outcome_ax.bar(
        [p - width / 2 for p in positions],
        [outcomes.outcomes[n] for n in names],
        width,
        color=_BLUE,
        label="All requests",
    )
    accepted = [outcomes.accepted_outcomes.get(n, 0) for n in names]
    outcome_ax.bar([p + width / 2 for p in positions], accepted, width, color=_DARK_BLUE, label="Accepted plans")
    outcome_ax.set_xticks(positions, [n.replace("_", " ") for n in names], rotation=20, ha="right")
    outcome_ax.set_ylabel("Lines at end of horizon")
    _legend_on_top(fig, outcome_ax.get_legend_handles_labels()[0], ncol=2)
    for ax in (funnel_ax, outcome_ax):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _to_svg(fig, "chart-hardship", "Hardship plans and outcomes")


def ewi_lead_chart(bins: Mapping[str, Mapping[str, int]]) -> str:
    """Lead-time histogram per alert policy (``ewi_backtest`` ``lead_bins``): the lines that reached 30+ DPD by how
    many days their first alert came before their first missed due date."""
    fig, ax = _figure()
    policies = list(bins)
    if not policies or not any(sum(b.values()) for b in bins.values()):
        _no_data(ax)
        return _to_svg(fig, "chart-ewi-lead", "Early-warning lead time")
    names = list(bins[policies[0]])
    width = 0.8 / len(policies)
    for i, policy in enumerate(policies):
        xs = [k - 0.4 + width * (i + 0.5) for k in range(len(names))]
        ax.bar(xs, [bins[policy].get(n, 0) for n in names], width, color=_RULE_COLOURS[i % len(_RULE_COLOURS)],
               label=policy)  # fmt: skip
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_xlabel("Days from first alert to first missed due date")
    ax.set_ylabel("Lines that reached 30+ DPD")
    _legend_on_top(fig, ax.get_legend_handles_labels()[0], ncol=3)
    return _to_svg(fig, "chart-ewi-lead", "Early-warning lead time")


def ewi_volume_chart(
    counts: Mapping[str, Mapping[int, int]], months: Sequence[int], labels: Mapping[int, str], shock: Sequence[int]
) -> str:
    """Alerts raised per month by each policy, with the declared shock months shaded."""
    fig, ax = _figure()
    if not counts:
        _no_data(ax)
        return _to_svg(fig, "chart-ewi-volume", "Early-warning alert volume by month")
    for m in shock:
        ax.axvspan(m - 0.5, m + 0.5, color=_RED, alpha=0.12, linewidth=0)
    for i, (policy, by_month) in enumerate(counts.items()):
        ax.plot(list(months), [by_month.get(m, 0) for m in months], color=_RULE_COLOURS[i % len(_RULE_COLOURS)],
                marker="o", markersize=3, label=policy)  # fmt: skip
    handles = ax.get_legend_handles_labels()[0]
    if shock:
        handles.append(Patch(color=_RED, alpha=0.12, label="Declared shock months"))
    ax.set_ylabel("Alerts raised")
    ax.set_ylim(bottom=0)
    _month_axis(ax, months, labels)
    _legend_on_top(fig, handles, ncol=3)
    return _to_svg(fig, "chart-ewi-volume", "Early-warning alert volume by month")


_STAGE_COLOURS = (_BLUE, _ORANGE, _RED)  # IFRS 9 stages 1, 2, 3


def ecl_stage_chart(
    exposure: Mapping[int, Mapping[int, int]], months: Sequence[int], labels: Mapping[int, str], shock_month: int | None
) -> str:
    """Month-end exposure (fen) of the lines on the book by IFRS 9 stage, stacked: ``exposure[month][stage]``."""
    fig, ax = _figure()
    shown = [m for m in months if m in exposure]
    if not shown:
        _no_data(ax)
        return _to_svg(fig, "chart-ecl-stages", "Exposure by IFRS 9 stage")
    bottom = [0.0] * len(shown)
    for stage, colour in zip((1, 2, 3), _STAGE_COLOURS, strict=True):
        values = [exposure[m].get(stage, 0) / MINOR_PER_MAJOR for m in shown]
        ax.bar(shown, values, bottom=bottom, color=colour, label=f"Stage {stage}")
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    _shock_line(ax, shock_month)
    ax.set_ylabel("Exposure (CNY)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    _month_axis(ax, months, labels)
    _legend_on_top(fig, ax.get_legend_handles_labels()[0], ncol=4)
    return _to_svg(fig, "chart-ecl-stages", "Exposure by IFRS 9 stage")


def ecl_flow_chart(
    flows: Mapping[str, Mapping[int, int]], months: Sequence[int], labels: Mapping[int, str], shock_month: int | None
) -> str:
    """Exposure (fen) moving between stages each month, one line per flow name (``flows[name][month]``)."""
    fig, ax = _figure()
    if not any(flows.values()):
        _no_data(ax)
        return _to_svg(fig, "chart-ecl-flows", "IFRS 9 stage flows by month")
    for (name, by_month), colour in zip(flows.items(), (_ORANGE, _RED, _DARK_BLUE), strict=False):
        values = [by_month.get(m, 0) / MINOR_PER_MAJOR for m in months]
        ax.plot(list(months), values, color=colour, marker="o", linewidth=1.5, label=name)
    _shock_line(ax, shock_month)
    ax.set_ylabel("Exposure moved (CNY)")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    _month_axis(ax, months, labels)
    _legend_on_top(fig, ax.get_legend_handles_labels()[0], ncol=4)
    return _to_svg(fig, "chart-ecl-flows", "IFRS 9 stage flows by month")
