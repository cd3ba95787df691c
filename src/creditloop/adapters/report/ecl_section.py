"""The report's IFRS 9 part (issue 17 item 5): ECL by stage at the last month end and the stage flows month by
month, from the run's ``snapshots.parquet`` by the code behind ``creditloop risk ecl`` and ``GET /portfolio/ecl``
(``app.portfolio_views.ecl_view``).

The ECL inputs are read with the 'analytics' extra (ibis on DuckDB); without it, or when the snapshots lack the
staging columns or a second month end, the report says why instead of the section's figures.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from creditloop.core.money import format_major

logger = logging.getLogger(__name__)
FLOWS = {  # name on the chart -> (from stage, to stage) pairs
    "Stage 1 -> 2": ((1, 2),),
    "Stage 1 or 2 -> 3": ((1, 3), (2, 3)),
    "Stage 2 or 3 -> 1 (cure)": ((2, 1), (3, 1)),
}


def load_ecl(data_dir: Path) -> dict[str, Any]:
    """``ecl_view`` of the run (``available`` False with the reason when it cannot be computed)."""
    from creditloop.app.portfolio_views import ecl_view

    try:
        from creditloop.adapters.analytics.ecl_inputs import read_inputs, resolve_segment_by
        from creditloop.adapters.analytics.engines import connect
    except ImportError as exc:  # the 'analytics' extra (ibis) is not installed
        return _unavailable(f"the 'analytics' extra is not installed ({exc.name})")
    from creditloop.core.errors import CreditloopError
    from creditloop.portfolio.analytics.panel import AnalyticsInputError

    try:
        con = connect("duckdb", None)
        chain = resolve_segment_by(con, data_dir, "auto")  # risk ecl's default chain
        return ecl_view(read_inputs(con, data_dir, chain), "data_dir", segment_by=chain)
    except (AnalyticsInputError, CreditloopError) as exc:
        logger.info("no ECL in the report: %s", exc)
        return _unavailable(str(exc))


def _unavailable(why: str) -> dict[str, Any]:
    return {"available": False, "reason": why, "stages": [], "stage_movements": []}


def by_month(
    doc: Mapping[str, Any], index_of: Mapping[str, int]
) -> tuple[dict[int, dict[int, int]], dict[str, dict[int, int]]]:
    """Exposure by stage per month index, and the exposure of each ``FLOWS`` entry per month index."""
    exposure: dict[int, dict[int, int]] = defaultdict(dict)
    flows: dict[str, dict[int, int]] = {name: defaultdict(int) for name in FLOWS}
    for m in doc["stage_movements"]:
        month = index_of.get(str(m["month_end_on"])[:7])
        if month is None:
            continue
        if m["to_stage"] is not None:
            exposure[month][m["to_stage"]] = exposure[month].get(m["to_stage"], 0) + m["exposure_minor"]
        for name, pairs in FLOWS.items():
            if (m["from_stage"], m["to_stage"]) in pairs:
                flows[name][month] += m["exposure_minor"]
    return dict(exposure), {k: dict(v) for k, v in flows.items()}


def _bi(zh: str, en: str) -> str:
    return f'<span class="zh" lang="zh-CN">{escape(zh)}</span><span class="en" lang="en">{escape(en)}</span>'


def _yuan(minor: int) -> str:
    text = format_major(minor)
    whole, frac = text.lstrip("-").split(".")
    return f"¥{'-' if text.startswith('-') else ''}{int(whole):,}.{frac}"


def _coverage(ratio: float | None) -> str:
    return "—" if ratio is None else f"{100 * ratio:.2f}%"


def _stage(value: object, none: tuple[str, str]) -> str:
    if value == "total":
        return _bi("合计", "Total")
    return _bi(*none) if value is None else _bi(f"第{value}阶段", f"Stage {value}")


_CHAIN = {  # the PD chain the ECL ran (``risk ecl --segment-by``, auto resolved): (zh, en)
    "none": ("单一计数迁移链", "one count chain"),
    "payment": ("按是否曾还款分层", "by payment, paid / never paid"),
    "utilisation": ("按额度使用率分段", "by utilisation"),
}


def ecl_tables(doc: Mapping[str, Any]) -> str:
    """ECL by stage and the reporting month's stage flows as HTML tables (or the reason there are none)."""
    if not doc["available"]:
        return f'<p class="caption">{_bi("无法计算 ECL：", "No ECL: ")}{escape(str(doc["reason"]))}</p>'
    rows = "".join(
        f'<tr><th scope="row">{_stage(r["stage"], ("", ""))}</th><td class="n">{r["accounts"]}</td>'
        f'<td class="n">{_yuan(r["ead_minor"])}</td><td class="n">{_yuan(r["ecl_minor"])}</td>'
        f'<td class="n">{_coverage(r["coverage"])}</td></tr>'
        for r in doc["stages"]
    )
    on, version, lgd = str(doc["on"]), doc["parameters"]["version"], doc["parameters"]["lgd_version"]
    zh_chain, en_chain = _CHAIN.get(doc["parameters"].get("segment_by", "none"), _CHAIN["none"])
    caption = _bi(
        f"{on} 月末：第一阶段为 12 个月 ECL，第二、三阶段为整个存续期 ECL；情景加权（参数 {version}，LGD {lgd}，"
        f"违约概率迁移链：{zh_chain}）。",
        f"At {on}: 12-month ECL in stage 1, lifetime in stages 2 and 3; scenario-weighted (parameters {version}, "
        f"LGD {lgd}, PD chain: {en_chain}).",
    )
    head = "".join(f'<th scope="col">{_bi(*h)}</th>' for h in (("阶段", "Stage"), ("账户数", "Accounts"),
                   ("违约风险暴露", "EAD"), ("预期信用损失", "ECL"), ("覆盖率", "Coverage")))  # fmt: skip
    stages = (f'<div class="table-wrap"><table class="roll" id="ecl-stages"><caption>{caption}</caption>'
              f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>")  # fmt: skip
    last = [m for m in doc["stage_movements"] if m["month_end_on"] == doc["on"]]
    flows = "".join(
        f"<tr><td>{_stage(m['from_stage'], ('新增', 'New'))}</td><td>{_stage(m['to_stage'], ('移出', 'Gone'))}</td>"
        f'<td class="n">{m["accounts"]}</td><td class="n">{_yuan(m["exposure_minor"])}</td></tr>'
        for m in last
    )
    flow_head = "".join(f'<th scope="col">{_bi(*h)}</th>' for h in (("期初阶段", "From"), ("期末阶段", "To"),
                        ("账户数", "Accounts"), ("风险暴露", "Exposure")))  # fmt: skip
    flow_caption = _bi(f"{on} 与上月末相比的阶段迁移", f"Stage flows at {on} against the month end before")
    return stages + (f'<div class="table-wrap"><table class="roll" id="ecl-flows"><caption>{flow_caption}</caption>'
                     f"<thead><tr>{flow_head}</tr></thead><tbody>{flows}</tbody></table></div>")  # fmt: skip
