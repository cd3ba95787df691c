"""One self-contained, bilingual (Simplified Chinese / English) HTML report over a simulator run.

Everything is inline: CSS, eight matplotlib SVG charts (ten with the early-warning back-test's lead time and
alert volume) and a small language-toggle script. There are
no external URLs, so the file opens offline and can be archived or mailed as it is. Every string that
comes from data or summary.json is HTML-escaped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

from creditloop._extras import require_extra
from creditloop.adapters.report.ecl_section import ecl_tables
from creditloop.adapters.warehouse import (
    AlertsMonth,
    ApplicationsMonth,
    BalancesMonth,
    DelinquencyMonth,
    DuckDBWarehouse,
    HardshipOutcomes,
    RollMonth,
    RollRates,
    VintageCurve,
)
from creditloop.core.money import format_major
from creditloop.portfolio.metrics import CHARGED_OFF, CLOSED, share
from creditloop.servicing.delinquency import BUCKETS

logger = logging.getLogger(__name__)

REPORT_FILE_NAME = "report.html"
_CREDIT_STATUS_ORDER = ("N", "1", "2", "3", "4", "5", "6", "7", "B", "C")


@dataclass(frozen=True, slots=True)
class _ReportData:
    summary: Mapping[str, Any]
    months: tuple[int, ...]
    month_labels: Mapping[int, str]
    applications: Sequence[ApplicationsMonth]
    balances: Sequence[BalancesMonth]
    delinquency: Sequence[DelinquencyMonth]
    vintages: Sequence[VintageCurve]
    rolls: RollRates
    alerts: Sequence[AlertsMonth]
    hardship: HardshipOutcomes
    credit_status: Mapping[int, Mapping[str, int]]
    charged_off_minor: int
    ewi: Mapping[str, Any] | None = None  # ``ewi_backtest.result_dict`` of this run, when the caller ran it
    ecl: Mapping[str, Any] | None = None  # ``ecl_section.load_ecl`` of this run (IFRS 9 ECL and stage flows)
    rolls_by_month: Sequence[RollMonth] = ()

    @property
    def shock_month(self) -> int | None:
        value = self.summary.get("shock_month")
        return int(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class _Chart:
    chart_id: str
    title: tuple[str, str]  # (zh, en)
    caption: tuple[str, str]
    svg: str


def render_report(data_dir: Path, out_path: Path | None = None, ewi: Mapping[str, Any] | None = None) -> Path:
    """Write the report for the run in ``data_dir`` and return its path (default ``<data_dir>/report.html``).
    ``ewi``: the early-warning back-test of the run (``ewi_backtest.result_dict``), charted when given."""
    require_extra("report", "matplotlib")
    import matplotlib

    matplotlib.use("Agg")  # here, not at import: importing this module must not change the host's backend
    from creditloop.adapters.report import charts

    data_dir = Path(data_dir)
    from creditloop.adapters.report.ecl_section import load_ecl

    data = replace(_load(DuckDBWarehouse(data_dir)), ewi=ewi, ecl=load_ecl(data_dir))
    with charts.chart_style():
        figures = _charts(data)
    target = Path(out_path) if out_path is not None else data_dir / REPORT_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_page(data, figures), encoding="utf-8")
    logger.info("wrote report %s (%d months, %d charts)", target, len(data.months), len(figures))
    return target


# -- data ---------------------------------------------------------------------------------------


def _load(warehouse: DuckDBWarehouse) -> _ReportData:
    summary = warehouse.summary()
    applications = warehouse.applications_by_month()
    balances = warehouse.balances_by_month()
    delinquency = warehouse.delinquency_by_month()
    alerts = warehouse.alerts_by_month()
    seen = {r.month_index for r in applications} | {r.month_index for r in balances}
    seen |= {r.month_index for r in delinquency} | {r.month_index for r in alerts}
    horizon = int(summary.get("months") or 0)
    months = tuple(sorted(seen | set(range(1, horizon + 1))))
    return _ReportData(
        summary=summary,
        months=months,
        month_labels=_month_labels(summary.get("start_on"), months),
        applications=applications,
        balances=balances,
        delinquency=delinquency,
        vintages=warehouse.vintage_curves("ever_30plus"),
        rolls=warehouse.roll_rates(),
        alerts=alerts,
        hardship=warehouse.hardship_outcomes(),
        credit_status=warehouse.credit_status_distribution(),
        charged_off_minor=warehouse.charged_off_total_minor(),
        rolls_by_month=warehouse.roll_rates_by_month(),
    )


def _month_labels(start_on: object, months: Iterable[int]) -> dict[int, str]:
    """month_index 1 is the month of ``start_on``; fall back to '#k' when the start is unknown."""
    try:
        start = date.fromisoformat(str(start_on))
    except ValueError:
        return {m: f"#{m}" for m in months}
    labels = {}
    for m in months:
        year, month0 = divmod(start.year * 12 + start.month - 1 + m - 1, 12)
        labels[m] = f"{year:04d}-{month0 + 1:02d}"
    return labels


def _charts(data: _ReportData) -> list[_Chart]:
    from creditloop.adapters.report import charts

    months, labels, shock = data.months, data.month_labels, data.shock_month
    shock_zh = f"红色虚线为冲击月（第 {shock} 月）。" if shock is not None else "本情景无宏观冲击。"
    shock_en = f" The dashed red line marks the shock month ({shock})." if shock is not None else ""
    return [
        _Chart(
            "chart-applications",
            ("每月申请与批准", "Applications and approvals by month"),
            (
                "柱：申请数与批准数；折线：批准率（右轴）。",
                "Bars: applications and approvals; line: approval rate (right axis).",
            ),
            charts.applications_chart(data.applications, months, labels),
        ),
        _Chart(
            "chart-balances",
            ("每月应收余额（元）", "Receivable balances by month (CNY)"),
            (
                "月末在册额度（正常与冻结）的本金、分期手续费与罚息余额堆叠。",
                "Month-end principal, installment fee and penalty receivable on active and frozen lines, stacked.",
            ),
            charts.balances_chart(data.balances, months, labels),
        ),
        _Chart(
            "chart-delinquency",
            ("逾期分布（按逾期阶段）", "Delinquency by bucket"),
            (
                "堆叠柱为 M1–M7 占在册额度的比例；黑线为逾期 30 天以上比例。" + shock_zh,
                "Stacked bars: share of on-book lines in M1–M7; black line: 30+ DPD rate." + shock_en,
            ),
            charts.delinquency_chart(data.delinquency, months, labels, shock),
        ),
        *_balance_charts(data, (shock_zh, shock_en)),
        _Chart(
            "chart-vintage",
            ("账龄曲线：曾逾期 30 天以上", "Vintage curves: ever 30+ DPD"),
            (
                "按开户月份分组，每个账龄（MOB）下曾逾期 30 天以上（含核销）额度的累计占比。",
                "Per opening month, cumulative share of lines ever over 30 DPD (or charged off) by months on book.",
            ),
            charts.vintage_chart(data.vintages),
        ),
        _Chart(
            "chart-alerts",
            ("每月预警数量", "Early-warning alerts by month"),
            ("按预警规则堆叠。", "Stacked by early-warning rule."),
            charts.alerts_chart(data.alerts, months, labels),
        ),
        _Chart(
            "chart-hardship",
            ("困难纾困方案与结果", "Hardship plans and outcomes"),
            (
                "左：评估、符合条件与接受的申请；右：观察期末各申请所在额度的状态。",
                "Left: requests assessed, eligible and accepted; right: state of each line at the end of the horizon.",
            ),
            charts.hardship_chart(data.hardship),
        ),
        *(_ewi_charts(data.ewi, months, labels) if data.ewi is not None else ()),
        *(_ecl_charts(data.ecl, data, (shock_zh, shock_en)) if data.ecl is not None and data.ecl["available"] else ()),
    ]


def _ecl_charts(ecl: Mapping[str, Any], data: _ReportData, shock_text: tuple[str, str]) -> list[_Chart]:
    """IFRS 9 stage mix and stage flows by month, with the shock marked (issue 17 item 5)."""
    from creditloop.adapters.report import charts
    from creditloop.adapters.report.ecl_section import by_month

    months, labels, shock = data.months, data.month_labels, data.shock_month
    exposure, flows = by_month(ecl, {v: k for k, v in labels.items()})
    return [
        _Chart(
            "chart-ecl-stages",
            ("各阶段风险暴露（IFRS 9，按月）", "Exposure by IFRS 9 stage by month"),
            ("月末在册额度余额按阶段堆叠（阶段按 30/90 天逾期底线与核销判定）。" + shock_text[0],
             "Month-end balance of the lines on the book by stage (30 and 90 DPD backstops, charge-off)."
             + shock_text[1]),
            charts.ecl_stage_chart(exposure, months, labels, shock),
        ),
        _Chart(
            "chart-ecl-flows",
            ("阶段迁移（按余额，按月）", "Stage flows by month (balance)"),
            ("每月由第一阶段转入第二阶段、转入第三阶段以及回到第一阶段的余额。" + shock_text[0],
             "Balance moving from stage 1 to 2, into stage 3, and back to stage 1 each month." + shock_text[1]),
            charts.ecl_flow_chart(flows, months, labels, shock),
        ),
    ]  # fmt: skip


def _balance_charts(data: _ReportData, shock_text: tuple[str, str]) -> list[_Chart]:
    """Balance-weighted delinquency and roll rates by month, with the shock marked (issue 17)."""
    from creditloop.adapters.report import charts

    months, labels, shock = data.months, data.month_labels, data.shock_month
    shock_zh, shock_en = shock_text
    return [
        _Chart(
            "chart-delinquency-balance",
            ("按余额加权的逾期率（按月）", "Balance-weighted delinquency by month"),
            (
                "逾期 30 天以上：按户数（灰）与按余额（蓝）；逾期 90 天以上按余额（橙）。" + shock_zh,
                "30+ DPD by lines (grey) and by balance (blue); 90+ DPD by balance (orange)." + shock_en,
            ),
            charts.delinquency_balance_chart(data.delinquency, months, labels, shock),
        ),
        _Chart(
            "chart-rolls-balance",
            ("滚动率（按余额，按月）", "Roll rates by month (balance)"),
            (
                "各逾期阶段月末余额中，下月进入更差阶段（含核销）的比例，标在起始月。" + shock_zh,
                "Share of each bucket's month-end balance that is in a worse bucket (or charged off) a month later,"
                " plotted at the starting month." + shock_en,
            ),
            charts.roll_balance_chart(data.rolls_by_month, months, labels, shock),
        ),
    ]


def ewi_months(ewi: Mapping[str, Any], labels: Mapping[int, str]) -> tuple[dict[str, dict[int, int]], list[int]]:
    """The back-test's alerts by month per policy, and its shock months, keyed by the report's month index (the
    back-test dates its months by month end; a report label is "YYYY-MM")."""
    index = {label: m for m, label in labels.items()}
    counts = {
        p["policy"]: {index[d[:7]]: n for d, n in p["by_month"].items() if d[:7] in index} for p in ewi["policies"]
    }
    return counts, [index[d[:7]] for d in ewi["shock_months"] if d[:7] in index]


def _ewi_charts(ewi: Mapping[str, Any], months: Sequence[int], labels: Mapping[int, str]) -> list[_Chart]:
    """Lead-time histogram and alert volume of the early-warning back-test (dates mapped to report months)."""
    from creditloop.adapters.report import charts

    policies = ewi["policies"]
    counts, shock = ewi_months(ewi, labels)
    early = ewi["early_days"]
    return [
        _Chart(
            "chart-ewi-lead",
            ("预警提前量", "Early-warning lead time"),
            (
                f"逾期 30 天以上的额度，按首次预警距首次未按期还款日的天数分组；提前 {early} 天及以上为及时预警。",
                f"Lines that reached 30+ DPD, by days from their first alert to their first missed due date; "
                f"{early} days or more is an early warning.",
            ),
            charts.ewi_lead_chart({p["policy"]: p["lead_bins"] for p in policies}),
        ),
        _Chart(
            "chart-ewi-volume",
            ("每月预警量（回测）", "Early-warning alert volume by month (back-test)"),
            (
                "各预警策略每月发出的预警数；红色阴影为已公布的冲击月份。",
                "Alerts raised each month by each policy; red shading marks the declared shock months.",
            ),
            charts.ewi_volume_chart(counts, months, labels, shock),
        ),
    ]


# -- formatting ---------------------------------------------------------------------------------


def _bi(zh: str, en: str) -> str:
    """Both languages, escaped; CSS and the toggle decide which one shows."""
    return f'<span class="zh" lang="zh-CN">{escape(zh)}</span><span class="en" lang="en">{escape(en)}</span>'


def _pct(ratio: float) -> str:
    return f"{100 * ratio:.1f}%"


def _yuan(amount_minor: int) -> str:
    """Yuan with thousands separators on top of ``format_major`` (the single minor-to-major formatter)."""
    text = format_major(amount_minor)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, frac = digits.split(".")
    return f"¥{sign}{int(whole):,}.{frac}"


# -- page ---------------------------------------------------------------------------------------


def _page(data: _ReportData, figures: Sequence[_Chart]) -> str:
    title = _bi("信用风险报告", "Credit risk report")
    body = "\n".join(
        (
            _header(data, title),
            _section(_bi("关键指标", "Key indicators"), _kpis(data)),
            _section(_bi("图表", "Charts"), '<div class="charts">' + "\n".join(map(_figure, figures)) + "</div>"),
            _section(_bi("迁移率", "Roll rates"), _roll_table(data.rolls)),
            *(
                (_section(_bi("预期信用损失（IFRS 9）", "Expected credit loss (IFRS 9)"), ecl_tables(data.ecl)),)
                if data.ecl is not None
                else ()
            ),
            _section(_bi("征信状态分布", "Credit-report status distribution"), _credit_status_table(data)),
            _section(_bi("口径说明", "Definitions"), _definitions()),
        )
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN" data-show="both">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>信用风险报告 · Credit risk report</title>
<style>{_CSS}</style>
</head>
<body>
{body}
<script>{_SCRIPT}</script>
</body>
</html>
"""


def _header(data: _ReportData, title: str) -> str:
    s = data.summary
    shock = data.shock_month
    facts = (
        (("情景", "Scenario"), str(s.get("scenario", "—"))),
        (("随机种子", "Seed"), str(s.get("seed", "—"))),
        (("模拟月数", "Months"), str(s.get("months", len(data.months)))),
        (("起始日期", "Start"), str(s.get("start_on", "—"))),
        (("冲击月", "Shock month"), "—" if shock is None else f"{shock} ({data.month_labels.get(shock, shock)})"),
    )
    items = "".join(f"<li>{_bi(*label)}: <b>{escape(value)}</b></li>" for label, value in facts)
    toggle = (
        '<nav class="lang-toggle" aria-label="语言 Language">'
        '<button type="button" data-show="zh" aria-pressed="false">中文</button>'
        '<button type="button" data-show="en" aria-pressed="false">English</button>'
        '<button type="button" data-show="both" aria-pressed="true">中文 + English</button></nav>'
    )
    return f'<header><div class="title-row"><h1>{title}</h1>{toggle}</div><ul class="facts">{items}</ul></header>'


def _section(heading: str, content: str) -> str:
    return f"<section><h2>{heading}</h2>\n{content}\n</section>"


def _kpis(data: _ReportData) -> str:
    applications = sum(r.applications for r in data.applications)
    approvals = sum(r.approvals for r in data.applications)
    closing = data.balances[-1].balance_minor if data.balances else 0
    alerts = sum(r.alerts for r in data.alerts)
    hardship = data.hardship
    tiles = (
        (("客户数", "Customers"), escape(str(data.summary.get("customers", "—"))), ("", "")),
        (("批准率", "Approval rate"), _pct(share(approvals, applications)), (f"{approvals}/{applications}",) * 2),
        (("期末应收余额", "Closing receivable"), _yuan(closing), ("在册额度", "on-book lines")),
        _peak_tile(data),
        (("累计核销", "Total charged off"), _yuan(data.charged_off_minor), ("", "")),
        (("预警数", "Alerts"), str(alerts), ("", "")),
        (
            ("接受纾困方案", "Hardship plans accepted"),
            str(hardship.accepted),
            (
                f"评估 {hardship.assessed}，符合 {hardship.eligible}",
                f"of {hardship.assessed} assessed, {hardship.eligible} eligible",
            ),
        ),
        _journal_tile(data.summary.get("journal_balanced")),
    )
    return '<div class="kpis">' + "".join(_tile(label, value, note) for label, value, note in tiles) + "</div>"


def _peak_tile(data: _ReportData) -> tuple[tuple[str, str], str, tuple[str, str]]:
    label = ("逾期 30+ 峰值", "Peak 30+ DPD rate")
    if not data.delinquency:
        return label, "—", ("", "")
    peak = max(data.delinquency, key=lambda r: (r.rate_30plus, -r.month_index))  # first month at the peak
    month = data.month_labels.get(peak.month_index, str(peak.month_index))
    return label, _pct(peak.rate_30plus), (f"第 {peak.month_index} 月 · {month}", f"month {peak.month_index} · {month}")


def _journal_tile(balanced: object) -> tuple[tuple[str, str], str, tuple[str, str]]:
    label = ("总账平衡", "Journal balanced")
    if balanced is None:
        return label, _bi("未知", "Unknown"), ("", "")
    return label, (_bi("是", "Yes") if balanced else _bi("否", "No")), ("借贷相等", "debits equal credits")


def _tile(label: tuple[str, str], value_html: str, note: tuple[str, str]) -> str:
    """``value_html`` is markup already: numbers we formatted, escaped summary text, or ``_bi`` output."""
    note_html = f'<div class="note">{_bi(*note)}</div>' if any(note) else ""
    return (
        f'<div class="kpi"><div class="label">{_bi(*label)}</div><div class="value">{value_html}</div>{note_html}</div>'
    )


def _figure(chart: _Chart) -> str:
    return (
        f'<figure class="chart" id="{escape(chart.chart_id)}">'
        f'<figcaption><h3>{_bi(*chart.title)}</h3><p class="caption">{_bi(*chart.caption)}</p></figcaption>'
        f"{chart.svg}</figure>"
    )


def _roll_table(rolls: RollRates) -> str:
    names = {CHARGED_OFF: ("核销", "Charged off"), CLOSED: ("结清", "Closed")}
    head = "".join(
        f'<th scope="col">{escape(s)}' + (f"<br><small>{_bi(*names[s])}</small>" if s in names else "") + "</th>"
        for s in rolls.states
    )
    rows = []
    for src in BUCKETS:
        total = rolls.row_total(src)
        cells = "".join(_roll_cell(rolls.shares[src][dst] if total else None) for dst in rolls.states)
        rows.append(f'<tr><th scope="row">{escape(src)}</th>{cells}<td class="n">{total}</td></tr>')
    caption = _bi(
        "本月末处于某逾期段（行）的额度，下月末所处状态（列）的占比；按额度笔数计。",
        "Share of lines in a bucket at one month end (row) by their state at the next month end (column); by count.",
    )
    return (
        f'<div class="table-wrap"><table class="roll"><caption>{caption}</caption>'
        f'<thead><tr><th scope="col">{_bi("从 → 到", "from → to")}</th>{head}'
        f'<th scope="col">{_bi("笔数", "Lines")}</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def _roll_cell(ratio: float | None) -> str:
    if ratio is None:
        return '<td class="empty">—</td>'
    if ratio == 0:
        return '<td class="zero">0.0%</td>'
    alpha = round(0.08 + 0.72 * ratio, 3)  # heat-map shading; white text once the cell gets dark
    colour = "; color: #fff" if ratio > 0.55 else ""
    return f'<td style="background: rgba(33, 113, 181, {alpha}){colour}">{_pct(ratio)}</td>'


def _credit_status_table(data: _ReportData) -> str:
    seen = {code for counts in data.credit_status.values() for code in counts}
    codes = [c for c in _CREDIT_STATUS_ORDER if c in seen] + sorted(seen - set(_CREDIT_STATUS_ORDER))
    if not codes:
        return f'<p class="empty">{_bi("无数据", "No data")}</p>'
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in codes)
    rows = []
    for month in sorted(data.credit_status):
        counts = data.credit_status[month]
        label = escape(data.month_labels.get(month, str(month)))
        cells = "".join(f"<td>{counts.get(c, 0)}</td>" for c in codes)
        rows.append(f'<tr><th scope="row">{label}</th>{cells}</tr>')
    caption = _bi(
        "每月末各征信还款状态的额度数：N 正常，1–7 逾期期数，B 呆账（已核销），C 结清。",
        "Lines per month-end credit-report payment status: N normal, 1–7 periods past due, B bad debt (charged off), "
        "C closed.",
    )
    return (
        f'<div class="table-wrap"><table class="status"><caption>{caption}</caption>'
        f'<thead><tr><th scope="col">{_bi("月份", "Month")}</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _definitions() -> str:
    items = (
        (
            "金额单位为元，由整数分换算，保留两位小数。",
            "Money is in yuan (CNY), converted from integer fen, two decimals.",
        ),
        (
            "在册额度：状态为正常（ACTIVE）或冻结（FROZEN）的额度；已结清与已核销的额度不计入。",
            "On-book lines: status ACTIVE or FROZEN; closed and charged-off lines are excluded.",
        ),
        (
            "逾期段：M0 未逾期，M1 逾期 1–30 天，M2 31–60 天 …… M7 181 天及以上；30+ 即 M2 及以上。",
            "Buckets: M0 current, M1 1–30 DPD, M2 31–60 … M7 181+; 30+ means M2 and worse.",
        ),
        (
            "账龄曲线分母为该开户月份的全部额度（含之后结清者），因此曲线不会下降。",
            "Vintage curves divide by every line the vintage opened, including ones later closed, so they never fall.",
        ),
        (
            "迁移率仅统计同一额度相邻两个月末的快照；CO 为核销，CL 为结清。",
            "Roll rates pair consecutive month-end snapshots of the same line; CO is charged off, CL is closed.",
        ),
    )
    return '<ul class="defs">' + "".join(f"<li>{_bi(zh, en)}</li>" for zh, en in items) + "</ul>"


_CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --accent: #2171b5; --bg: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; background: var(--bg); color: var(--ink);
       font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif;
       line-height: 1.5; }
header, section { max-width: 1400px; margin: 0 auto 24px; }
h1 { margin: 0; font-size: 1.6rem; }
h2 { font-size: 1.2rem; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 0 0 4px; }
.title-row { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; justify-content: space-between; }
.lang-toggle button { border: 1px solid var(--accent); background: #fff; color: var(--accent);
                      padding: 4px 10px; border-radius: 4px; cursor: pointer; font: inherit; }
.lang-toggle button[aria-pressed="true"] { background: var(--accent); color: #fff; }
.facts { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 8px 20px; color: var(--muted); }
html[data-show="zh"] .en, html[data-show="en"] .zh { display: none; }
html[data-show="both"] .zh + .en::before { content: " / "; color: var(--muted); }
html[data-show="both"] .caption .en, html[data-show="both"] .defs .en, html[data-show="both"] caption .en {
  display: block; }
html[data-show="both"] .caption .zh + .en::before, html[data-show="both"] .defs .zh + .en::before,
html[data-show="both"] caption .zh + .en::before { content: none; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.kpi .label { color: var(--muted); font-size: 0.85rem; }
.kpi .value { font-size: 1.5rem; font-weight: 600; margin: 2px 0; font-variant-numeric: tabular-nums; }
.kpi .note { color: var(--muted); font-size: 0.8rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 560px), 1fr)); gap: 16px; }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
figure.chart svg { width: 100%; height: auto; display: block; }
.caption { color: var(--muted); font-size: 0.85rem; margin: 0 0 8px; }
.table-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 0.85rem; }
caption { caption-side: top; text-align: left; color: var(--muted); padding: 4px 0 8px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: right; }
thead th { background: var(--bg); text-align: center; vertical-align: bottom; }
tbody th { text-align: left; background: var(--bg); }
td.empty { color: var(--muted); text-align: center; }
td.n { font-weight: 600; }
td.zero { color: #9aa5b1; }
.defs { color: var(--muted); font-size: 0.9rem; }
.defs li { margin-bottom: 6px; }
@media (max-width: 640px) { body { padding: 12px; } .kpi .value { font-size: 1.25rem; } }
"""

# Switches which language shows; all text is already in the page, so nothing is fetched.
_SCRIPT = """
(function () {
  var root = document.documentElement;
  var langs = { zh: "zh-CN", en: "en", both: "zh-CN" };
  var buttons = document.querySelectorAll("button[data-show]");
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var show = button.getAttribute("data-show");
      root.setAttribute("data-show", show);
      root.setAttribute("lang", langs[show]);
      buttons.forEach(function (other) { other.setAttribute("aria-pressed", String(other === button)); });
    });
  });
})();
"""
