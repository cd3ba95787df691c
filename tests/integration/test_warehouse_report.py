"""DuckDB read side and HTML report over a tiny hand-built simulator output with known answers.

Book (4 months, month ends 2024-01-31 .. 2024-04-30):
  L1 (2024-01)  M0 -> M1 -> M2 (dpd 40) -> CHARGED_OFF (12000 fen written off)
  L2 (2024-01)  M0 -> M0 -> M0 -> M0
  L3 (2024-01)  M0 -> M1 -> M0 -> CLOSED
  L4 (2024-02)  ..    M0 -> M2 (dpd 45, FROZEN) -> M3 (dpd 75, FROZEN)
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from creditloop.adapters.report import render_report
from creditloop.adapters.report.html_report import ewi_months
from creditloop.adapters.warehouse import DuckDBWarehouse, WarehouseError

MONTH_ENDS = {1: date(2024, 1, 31), 2: date(2024, 2, 29), 3: date(2024, 3, 31), 4: date(2024, 4, 30)}
CHART_IDS = (
    "chart-applications",
    "chart-balances",
    "chart-delinquency",
    "chart-delinquency-balance",
    "chart-rolls-balance",
    "chart-vintage",
    "chart-alerts",
    "chart-hardship",
    "chart-ecl-stages",
    "chart-ecl-flows",
)

APPLICATIONS_SCHEMA = pa.schema(
    [
        ("application_id", pa.string()),
        ("customer_id", pa.string()),
        ("applied_on", pa.date32()),
        ("month_index", pa.int32()),
        ("approved", pa.bool_()),
        ("reasons", pa.string()),
        ("limit_minor", pa.int64()),
        ("policy_version", pa.string()),
    ]
)
SNAPSHOTS_SCHEMA = pa.schema(
    [
        ("month_index", pa.int32()),
        ("month_end_on", pa.date32()),
        ("line_id", pa.string()),
        ("customer_id", pa.string()),
        ("vintage", pa.string()),
        ("mob", pa.int32()),
        ("status", pa.string()),
        ("limit_minor", pa.int64()),
        ("principal_minor", pa.int64()),
        ("fee_minor", pa.int64()),
        ("penalty_minor", pa.int64()),
        ("balance_minor", pa.int64()),
        ("past_due_minor", pa.int64()),
        ("dpd", pa.int32()),
        ("bucket", pa.string()),
        ("credit_status", pa.string()),
        ("restructured", pa.bool_()),
        ("statement_due_minor", pa.int64()),
        ("paid_minor", pa.int64()),
        ("charged_off_minor", pa.int64()),
    ]
)
ALERTS_SCHEMA = pa.schema(
    [
        ("alert_id", pa.string()),
        ("line_id", pa.string()),
        ("raised_on", pa.date32()),
        ("month_index", pa.int32()),
        ("rule_id", pa.string()),
        ("value", pa.float64()),
        ("threshold", pa.float64()),
        ("reason_code", pa.string()),
    ]
)
HARDSHIP_SCHEMA = pa.schema(
    [
        ("request_id", pa.string()),
        ("line_id", pa.string()),
        ("offered_on", pa.date32()),
        ("month_index", pa.int32()),
        ("option", pa.string()),
        ("periods", pa.int32()),
        ("eligible", pa.bool_()),
        ("accepted", pa.bool_()),
        ("balance_minor", pa.int64()),
        ("outcome", pa.string()),
    ]
)


def _application(i: int, month: int, approved: bool, limit_minor: int) -> dict[str, Any]:
    return {
        "application_id": f"A{i}",
        "customer_id": f"C{i}",
        "applied_on": MONTH_ENDS[month].replace(day=5),
        "month_index": month,
        "approved": approved,
        "reasons": "" if approved else "SCORE_LOW,DTI_HIGH",
        "limit_minor": limit_minor,
        "policy_version": "orig-1.0",
    }


APPLICATIONS = [
    _application(1, 1, True, 500_000),
    _application(2, 1, True, 300_000),
    _application(3, 1, True, 400_000),
    _application(4, 1, False, 0),
    _application(5, 2, True, 200_000),
    _application(6, 2, False, 0),
    _application(7, 3, False, 0),
]

# (line, vintage, month, mob, status, dpd, bucket, credit_status, principal, fee, penalty, charged_off)
SNAPSHOT_ROWS: list[tuple[str, str, int, int, str, int, str, str, int, int, int, int]] = [
    ("L1", "2024-01", 1, 1, "ACTIVE", 0, "M0", "N", 30_000, 0, 0, 0),
    ("L1", "2024-01", 2, 2, "ACTIVE", 15, "M1", "1", 28_000, 1_000, 500, 0),
    ("L1", "2024-01", 3, 3, "ACTIVE", 40, "M2", "2", 27_000, 1_000, 2_000, 0),
    ("L1", "2024-01", 4, 4, "CHARGED_OFF", 0, "M0", "7", 0, 0, 0, 12_000),
    ("L2", "2024-01", 1, 1, "ACTIVE", 0, "M0", "N", 20_000, 0, 0, 0),
    ("L2", "2024-01", 2, 2, "ACTIVE", 0, "M0", "N", 20_000, 0, 0, 0),
    ("L2", "2024-01", 3, 3, "ACTIVE", 0, "M0", "N", 20_000, 0, 0, 0),
    ("L2", "2024-01", 4, 4, "ACTIVE", 0, "M0", "N", 15_000, 0, 0, 0),
    ("L3", "2024-01", 1, 1, "ACTIVE", 0, "M0", "N", 10_000, 0, 0, 0),
    ("L3", "2024-01", 2, 2, "ACTIVE", 10, "M1", "1", 10_000, 200, 100, 0),
    ("L3", "2024-01", 3, 3, "ACTIVE", 0, "M0", "N", 10_000, 0, 0, 0),
    ("L3", "2024-01", 4, 4, "CLOSED", 0, "M0", "C", 0, 0, 0, 0),
    ("L4", "2024-02", 2, 1, "ACTIVE", 0, "M0", "N", 40_000, 0, 0, 0),
    ("L4", "2024-02", 3, 2, "FROZEN", 45, "M2", "2", 38_000, 1_000, 1_000, 0),
    ("L4", "2024-02", 4, 3, "FROZEN", 75, "M3", "3", 38_000, 1_000, 3_000, 0),
]


def _snapshot(row: tuple[str, str, int, int, str, int, str, str, int, int, int, int]) -> dict[str, Any]:
    line, vintage, month, mob, status, dpd, bucket, credit, principal, fee, penalty, charged_off = row
    balance = principal + fee + penalty
    return {
        "month_index": month,
        "month_end_on": MONTH_ENDS[month],
        "line_id": line,
        "customer_id": "C" + line[1:],
        "vintage": vintage,
        "mob": mob,
        "status": status,
        "limit_minor": 500_000,
        "principal_minor": principal,
        "fee_minor": fee,
        "penalty_minor": penalty,
        "balance_minor": balance,
        "past_due_minor": balance if dpd else 0,
        "dpd": dpd,
        "bucket": bucket,
        "credit_status": credit,
        "restructured": line == "L4" and month == 4,
        "statement_due_minor": 5_000,
        "paid_minor": 0 if dpd else 5_000,
        "charged_off_minor": charged_off,
    }


ALERTS = [
    ("E1", "L1", 2, "PAY_RATIO_LOW", 0.1, 0.3, "EW_PAY_RATIO"),
    ("E2", "L3", 2, "PAY_RATIO_LOW", 0.2, 0.3, "EW_PAY_RATIO"),
    ("E3", "L4", 3, "DPD_JUMP", 45.0, 30.0, "EW_DPD"),
]
HARDSHIP = [
    ("H1", "L1", 3, True, True, 30_000, "charged_off"),
    ("H2", "L4", 3, True, True, 40_000, "delinquent"),
    ("H3", "L3", 2, False, False, 10_300, "not_offered"),
]


def _write(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def _write_book(data_dir: Path, *, with_alerts: bool = True, with_hardship: bool = True) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    _write(data_dir / "applications.parquet", APPLICATIONS, APPLICATIONS_SCHEMA)
    _write(data_dir / "snapshots.parquet", [_snapshot(r) for r in SNAPSHOT_ROWS], SNAPSHOTS_SCHEMA)
    alerts = [
        {
            "alert_id": a,
            "line_id": line,
            "raised_on": MONTH_ENDS[m],
            "month_index": m,
            "rule_id": rule,
            "value": value,
            "threshold": threshold,
            "reason_code": code,
        }
        for a, line, m, rule, value, threshold, code in ALERTS
    ]
    _write(data_dir / "alerts.parquet", alerts if with_alerts else [], ALERTS_SCHEMA)
    hardship = [
        {
            "request_id": r,
            "line_id": line,
            "offered_on": MONTH_ENDS[m],
            "month_index": m,
            "option": "term_extension",
            "periods": 6,
            "eligible": eligible,
            "accepted": accepted,
            "balance_minor": balance,
            "outcome": outcome,
        }
        for r, line, m, eligible, accepted, balance, outcome in HARDSHIP
    ]
    _write(data_dir / "hardship.parquet", hardship if with_hardship else [], HARDSHIP_SCHEMA)
    summary = {
        "seed": 7,
        "customers": 7,
        "months": 4,
        "scenario": "recession",
        "shock_month": 3,
        "start_on": "2024-01-01",
        "journal_balanced": True,
    }
    (data_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return data_dir


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return _write_book(tmp_path / "run")


@pytest.fixture
def warehouse(book: Path) -> DuckDBWarehouse:
    return DuckDBWarehouse(book)


# -- warehouse ----------------------------------------------------------------------------------


def test_applications_by_month(warehouse: DuckDBWarehouse) -> None:
    rows = warehouse.applications_by_month()
    assert [(r.month_index, r.applications, r.approvals) for r in rows] == [(1, 4, 3), (2, 2, 1), (3, 1, 0)]
    assert [r.approval_rate for r in rows] == [0.75, 0.5, 0.0]
    assert [r.avg_limit_minor for r in rows] == [400_000, 200_000, 0]


def test_balances_count_active_and_frozen_lines_only(warehouse: DuckDBWarehouse) -> None:
    rows = {r.month_index: r for r in warehouse.balances_by_month()}
    assert rows[1].active_lines == 3 and rows[1].balance_minor == 60_000
    assert (rows[3].principal_minor, rows[3].fee_minor, rows[3].penalty_minor) == (95_000, 2_000, 3_000)
    assert rows[3].balance_minor == 100_000
    # Month 4: L1 charged off and L3 closed drop out; L2 active and L4 frozen remain.
    assert (rows[4].active_lines, rows[4].balance_minor) == (2, 15_000 + 42_000)


def test_delinquency_by_month(warehouse: DuckDBWarehouse) -> None:
    rows = {r.month_index: r for r in warehouse.delinquency_by_month()}
    assert [rows[m].rate_30plus for m in (1, 2, 3, 4)] == [0.0, 0.0, 0.5, 0.5]
    assert rows[2].count_by_bucket == {"M0": 2, "M1": 2, "M2": 0, "M3": 0, "M4": 0, "M5": 0, "M6": 0, "M7": 0}
    assert rows[3].balance_by_bucket["M2"] == 30_000 + 40_000
    assert rows[3].rate_30plus_balance == 0.7
    assert rows[4].count_by_bucket["M3"] == 1 and rows[4].active_lines == 2


def test_vintage_ever_30plus_by_mob(warehouse: DuckDBWarehouse) -> None:
    curves = {c.vintage: c for c in warehouse.vintage_curves()}
    assert curves["2024-01"].lines == 3
    assert curves["2024-01"].points == ((1, 0.0), (2, 0.0), (3, 1 / 3), (4, 1 / 3))
    assert curves["2024-02"].points == ((1, 0.0), (2, 1.0), (3, 1.0))
    ever_60 = {c.vintage: c.points for c in warehouse.vintage_curves("ever_60plus")}
    # L1 never passed 60 DPD but charged off at MOB 4; L4 reached 75 DPD at MOB 3.
    assert ever_60["2024-01"][-1] == (4, 1 / 3) and ever_60["2024-01"][2] == (3, 0.0)
    assert ever_60["2024-02"] == ((1, 0.0), (2, 0.0), (3, 1.0))
    with pytest.raises(ValueError):
        warehouse.vintage_curves("ever_7plus")


def test_roll_rates(warehouse: DuckDBWarehouse) -> None:
    rolls = warehouse.roll_rates()
    assert dict(rolls.counts) == {
        ("M0", "M0"): 3,
        ("M0", "M1"): 2,
        ("M0", "M2"): 1,
        ("M0", "CL"): 1,
        ("M1", "M0"): 1,
        ("M1", "M2"): 1,
        ("M2", "M3"): 1,
        ("M2", "CO"): 1,
    }
    assert rolls.row_total("M0") == 7
    assert rolls.shares["M0"]["M1"] == 2 / 7
    assert rolls.shares["M2"] == {s: (0.5 if s in ("M3", "CO") else 0.0) for s in rolls.states}
    assert sum(rolls.shares["M4"].values()) == 0.0


def test_roll_rates_by_month_agree_with_the_pooled_counts(warehouse: DuckDBWarehouse) -> None:
    by_month = warehouse.roll_rates_by_month()
    # the pooled matrix above: 11 pairs from a bucket, 6 of them forward (M0->M1 x2, M0->M2, M1->M2, M2->M3, M2->CO)
    assert sum(r.lines for r in by_month) == 11 and sum(r.forward_lines for r in by_month) == 6
    assert all(0 <= r.forward_balance_minor <= r.balance_minor for r in by_month)
    assert all(0.0 <= r.forward_balance_rate <= 1.0 for r in by_month)


def test_alerts_hardship_status_and_charge_offs(warehouse: DuckDBWarehouse) -> None:
    alerts = warehouse.alerts_by_month()
    assert [(a.month_index, a.alerts, dict(a.by_rule)) for a in alerts] == [
        (2, 2, {"PAY_RATIO_LOW": 2}),
        (3, 1, {"DPD_JUMP": 1}),
    ]
    hardship = warehouse.hardship_outcomes()
    assert (hardship.assessed, hardship.eligible, hardship.accepted) == (3, 2, 2)
    assert dict(hardship.outcomes) == {"charged_off": 1, "delinquent": 1, "not_offered": 1}
    assert dict(hardship.accepted_outcomes) == {"charged_off": 1, "delinquent": 1}
    assert warehouse.credit_status_distribution()[4] == {"7": 1, "N": 1, "C": 1, "3": 1}
    assert warehouse.charged_off_total_minor() == 12_000


def test_empty_tables_give_empty_aggregates(tmp_path: Path) -> None:
    data_dir = _write_book(tmp_path / "quiet", with_alerts=False, with_hardship=False)
    # A writer that emits a zero-row table with no schema at all must read as "no data" too.
    pq.write_table(pa.table({}), data_dir / "alerts.parquet")
    warehouse = DuckDBWarehouse(data_dir)
    assert warehouse.alerts_by_month() == []
    hardship = warehouse.hardship_outcomes()
    assert (hardship.assessed, hardship.eligible, hardship.accepted, dict(hardship.outcomes)) == (0, 0, 0, {})


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match=r"snapshots\.parquet"):
        DuckDBWarehouse(tmp_path).balances_by_month()


# -- report -------------------------------------------------------------------------------------

_URL_ATTR = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def _assert_self_contained(html: str) -> None:
    assert not _URL_ATTR.search(html)
    assert "<script src" not in html.lower()
    assert "<link" not in html.lower()


def test_report_is_self_contained_bilingual_with_ten_charts(book: Path) -> None:
    out = render_report(book)
    assert out == book / "report.html"
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 10
    for chart_id in CHART_IDS:
        figure = re.search(rf'<figure class="chart" id="{chart_id}">(.*?)</figure>', html, re.DOTALL)
        assert figure is not None, chart_id
        assert "<svg" in figure.group(1)
        if chart_id in ("chart-delinquency-balance", "chart-rolls-balance", "chart-ecl-stages", "chart-ecl-flows"):
            assert "Shock (month 3)" in figure.group(1) and "冲击月（第 3 月）" in figure.group(1), chart_id
    for zh, en in (("信用风险报告", "Credit risk report"), ("账龄曲线", "Vintage curves"), ("迁移率", "Roll rates")):
        assert zh in html and en in html
    _assert_self_contained(html)
    # KPI tiles: approval 4/7, peak 30+ 50.00% first hit in month 3, 120.00 yuan charged off.
    assert "57.1%" in html and "50.0%" in html and "120.00" in html


def test_report_renders_with_empty_alerts_and_hardship(tmp_path: Path) -> None:
    data_dir = _write_book(tmp_path / "quiet", with_alerts=False, with_hardship=False)
    out = render_report(data_dir, tmp_path / "out" / "quiet.html")
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 10
    _assert_self_contained(html)


def test_report_escapes_text_from_the_data(tmp_path: Path) -> None:
    data_dir = _write_book(tmp_path / "odd")
    summary = json.loads((data_dir / "summary.json").read_text(encoding="utf-8"))
    summary["scenario"] = "<script>alert(1)</script>"
    summary["shock_month"] = None
    (data_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    html = render_report(data_dir).read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_is_reproducible(book: Path, tmp_path: Path) -> None:
    first = render_report(book, tmp_path / "a.html").read_bytes()
    second = render_report(book, tmp_path / "b.html").read_bytes()
    assert first == second


EWI = {
    "early_days": 30,
    "shock_months": ["2024-03-31"],
    "policies": [
        {"policy": "ewi@1", "lead_bins": {"after missed": 1, "0-29": 0, "30-59": 2, "no alert": 1},
         "by_month": {"2024-01-31": 0, "2024-02-29": 3, "2024-03-31": 5}},
        {"policy": "current single rule", "lead_bins": {"after missed": 0, "0-29": 1, "30-59": 0, "no alert": 3},
         "by_month": {"2024-03-31": 2, "2031-01-31": 9}},
    ],
}  # fmt: skip


def test_report_charts_the_early_warning_back_test_when_given(book: Path, tmp_path: Path) -> None:
    html = render_report(book, tmp_path / "ewi.html", ewi=EWI).read_text(encoding="utf-8")
    assert html.count("<svg") == 12
    for chart_id in ("chart-ewi-lead", "chart-ewi-volume"):
        figure = re.search(rf'<figure class="chart" id="{chart_id}">(.*?)</figure>', html, re.DOTALL)
        assert figure is not None and "<svg" in figure.group(1), chart_id
    assert "预警提前量" in html and "Early-warning lead time" in html and "declared shock months" in html
    _assert_self_contained(html)
    assert "chart-ewi-lead" not in render_report(book).read_text(encoding="utf-8")


def test_back_test_months_map_onto_the_report_months() -> None:
    counts, shock = ewi_months(EWI, {1: "2024-01", 2: "2024-02", 3: "2024-03"})
    assert counts == {"ewi@1": {1: 0, 2: 3, 3: 5}, "current single rule": {3: 2}}  # a month off the report is left
    assert shock == [3]


def test_report_ecl_by_stage_and_stage_flows(book: Path, tmp_path: Path) -> None:
    """At 2024-04-30 L2 (current) is stage 1 and L4 (75 DPD) stage 2; L1 (charged off) and L3 (closed) are gone."""
    pytest.importorskip("ibis", reason="the ECL inputs are read with the 'analytics' extra")
    from creditloop.adapters.analytics.ecl_inputs import read_inputs, resolve_segment_by
    from creditloop.adapters.analytics.engines import connect
    from creditloop.app.portfolio_views import ecl_view

    html = render_report(book, tmp_path / "ecl.html").read_text(encoding="utf-8")
    chain = resolve_segment_by(connect("duckdb", None), book, "auto")  # risk ecl's default, named in the caption
    assert ("PD chain: by payment, paid / never paid" if chain == "payment" else "PD chain: one count chain") in html
    table = re.search(r'<table class="roll" id="ecl-stages">(.*?)</table>', html, re.DOTALL)
    assert table is not None and "Expected credit loss (IFRS 9)" in html and "预期信用损失（IFRS 9）" in html
    accounts = re.findall(r'</th><td class="n">(\d+)</td>', table.group(1))
    assert [int(n) for n in accounts] == [1, 1, 0, 2]  # stages 1, 2, 3 and the total
    doc = ecl_view(read_inputs(connect("duckdb", None), book, chain), "data_dir", segment_by=chain)
    total = next(r for r in doc["stages"] if r["stage"] == "total")
    assert total["ecl_minor"] > 0 and f"¥{total['ecl_minor'] // 100:,}.{total['ecl_minor'] % 100:02d}" in table.group(1)
    flows = re.search(r'<table class="roll" id="ecl-flows">(.*?)</table>', html, re.DOTALL)
    assert flows is not None and flows.group(1).count("<tr>") == 1 + 4  # head; 1->1, 1->gone, 2->2, 2->gone
    assert ">Gone<" in flows.group(1) and "2024-04-30" in flows.group(1)


def test_report_without_the_staging_columns_says_why_there_is_no_ecl(tmp_path: Path) -> None:
    data_dir = _write_book(tmp_path / "old")
    table = pq.read_table(data_dir / "snapshots.parquet").drop_columns(["past_due_minor"])
    pq.write_table(table, data_dir / "snapshots.parquet")
    html = render_report(data_dir).read_text(encoding="utf-8")
    assert "chart-ecl-stages" not in html and "No ECL: " in html and "past_due_minor" in html
