"""The dashboard as its users meet it, in real Chromium: log-in, the portfolio page, an alert drill-down, a hardship
approval and a collector's forbidden contact (refused by the server, the reason shown in Chinese)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import Server, log_in, screenshot

SHOCK = "2026-03"  # demo_dashboard.shock_month of the fixed clock's 2026-06-15


def test_log_in_keeps_the_key_out_of_the_url_and_refuses_a_bad_one(page: Any, server: Server) -> None:
    page.goto(f"{server.base}/dashboard")
    page.wait_for_selector("#login-form")
    screenshot(page, "login")
    page.fill("#key", "clk_000000000000_" + "x" * 43)
    page.click("#login-submit")
    assert page.wait_for_selector("#login-msg .msg").inner_text() == "密钥无效或已吊销。"
    assert page.evaluate("sessionStorage.getItem('creditloop.key')") is None
    page.fill("#key", server.keys["analyst"])
    page.click("#login-submit")
    page.wait_for_selector("#chart-delinquency")
    assert page.inner_text("#who") == "角色：分析师"
    assert page.evaluate("sessionStorage.getItem('creditloop.key')") == server.keys["analyst"]
    assert server.keys["analyst"] not in page.url
    page.click("#logout")
    page.wait_for_selector("#login-form")
    assert page.evaluate("sessionStorage.getItem('creditloop.key')") is None


def test_portfolio_charts_have_translated_tooltips_the_shock_and_a_csv(page: Any, server: Server) -> None:
    log_in(page, server, "analyst")
    chart = page.wait_for_selector("#chart-delinquency")
    assert "收入冲击" in (chart.text_content() or "")  # the shock month is marked, in Chinese
    months = page.eval_on_selector_all("#chart-delinquency circle.dot[data-series='1']", "n => n.length")
    assert months == 6  # December to May: the month ends the day-end stored
    page.hover("#chart-delinquency circle.dot[data-series='1'][data-index='5']")  # May, after the shock
    tip = page.inner_text("#tooltip")
    assert "月份：2026-05" in tip and "按户数：" in tip and "账户数：" in tip, tip
    screenshot(page, "portfolio")
    with page.expect_download() as info:
        page.click("#panel-delinquency button.csv")
    lines = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "month,lines,balance_minor,dpd30_minor,dpd30_balance_rate,dpd30_count_rate,shock"
    rows = {r.split(",")[0]: r.split(",") for r in lines[1:]}
    assert rows[SHOCK][-1] == "1" and float(rows["2026-05"][4]) > float(rows["2025-12"][4]) == 0.0
    page.click("#lang")  # English: chart text and tooltips follow
    page.wait_for_selector("#chart-delinquency")
    assert "Income shock" in (page.text_content("#chart-delinquency") or "")
    page.hover("#chart-delinquency circle.dot[data-series='1'][data-index='5']")
    assert "Month: 2026-05" in page.inner_text("#tooltip")


def _yuan(minor: int) -> str:
    return f"{minor // 100:,}.{minor % 100:02d}"


def test_the_ecl_panel_shows_the_books_stages_flows_and_csvs(page: Any, server: Server) -> None:
    from creditloop.app.portfolio_views import ecl_view, stored_inputs

    want = ecl_view(server.backend.read(stored_inputs), "book")
    total = next(r for r in want["stages"] if r["stage"] == "total")
    log_in(page, server, "analyst")
    page.wait_for_selector("#chart-ecl rect.bar")
    rows = page.eval_on_selector_all("#ecl-stages tbody tr", "rs => rs.map(r => r.innerText.split('\\t'))")
    assert [r[0] for r in rows] == ["第1阶段", "第2阶段", "第3阶段", "合计"]
    assert rows[-1][1:4] == [str(total["accounts"]), _yuan(total["ead_minor"]), _yuan(total["ecl_minor"])]
    assert total["ecl_minor"] > 0 and rows[1][1] != "0"  # the shock's non-payers sit in stage 2
    flows = page.inner_text("#ecl-flows")
    assert "第1阶段\t第2阶段" in flows and "新增\t第1阶段" in flows  # lines fell behind; new lines came in
    assert page.eval_on_selector_all("#chart-stage-mix rect.bar", "n => n.length") >= 5  # stage 1 in each month
    assert "收入冲击" in (page.text_content("#chart-stage-mix") or "")
    page.hover("#chart-ecl rect.bar >> nth=3")  # stage 2's ECL
    tip = page.inner_text("#tooltip")
    assert "第2阶段" in tip and "预期信用损失（ECL）" in tip and "拨备覆盖率：" in tip, tip
    page.locator("#panel-stage-flows").scroll_into_view_if_needed()
    screenshot(page, "portfolio-ecl")
    with page.expect_download() as info:
        page.click("#panel-ecl button.csv >> nth=0")
    lines = Path(info.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "on,stage,accounts,ead_minor,ecl_minor,coverage"
    assert lines[-1].split(",")[:5] == [want["on"], "total", str(total["accounts"]), str(total["ead_minor"]),
                                        str(total["ecl_minor"])]  # fmt: skip
    page.click("#lang")
    page.wait_for_selector("#chart-ecl rect.bar")
    assert "Exposure and ECL by stage" in (page.text_content("#chart-ecl") or "")
    page.hover("#chart-ecl rect.bar >> nth=3")
    assert "Stage 2" in page.inner_text("#tooltip") and "Coverage:" in page.inner_text("#tooltip")


def test_alert_drill_down_reaches_the_line_and_the_customer(page: Any, server: Server) -> None:
    log_in(page, server, "supervisor")
    page.goto(f"{server.base}/dashboard#/alerts")
    page.click("#alerts-table tr[data-id='demo-alert-1']")
    detail = page.wait_for_selector("#panel-alert-detail")
    text = detail.inner_text()
    assert "L-DEMO-4" in text and "M4" in text and "demo_missed_payment" in text
    screenshot(page, "alert")
    page.click("#to-customer")
    line = page.wait_for_selector("#line-L-DEMO-4")
    assert "demo-alert-1" in line.inner_text() and "分期计划" in line.inner_text()
    events = page.inner_text("#timeline-L-DEMO-4").splitlines()  # one dated list: purchase, statements, the alert
    assert events[0].startswith("2026-02-17") and "消费 3,400.00 元" in events[0]
    assert sum("账单：应还" in e for e in events) == 4  # March to June
    assert events[-1].startswith("2026-06-15") and "预警 demo-alert-1" in events[-1]
    screenshot(page, "customer")


def test_hardship_approval_follows_the_approvers_role(page: Any, server: Server) -> None:
    log_in(page, server, "auditor")  # may read the queue, approves nothing
    page.goto(f"{server.base}/dashboard#/hardship")
    page.wait_for_selector("#request-demo-hardship-1")
    assert page.inner_text("#approval-role") == "您的角色不能审批困难方案。"
    assert page.is_disabled("#request-demo-hardship-1 button.approve[data-option='PW']")
    page.click("#logout")
    log_in(page, server, "collector")  # acts as the policy's agent: the penalty waiver is within its authority
    page.goto(f"{server.base}/dashboard#/hardship")
    page.wait_for_selector("#request-demo-hardship-1")
    assert page.inner_text("#approval-role") == "您的审批身份：坐席"
    screenshot(page, "hardship")
    page.click("#request-demo-hardship-1 button.approve[data-option='PW']")
    ok = page.wait_for_selector("#hardship-ok")
    assert ok.inner_text() == "已批准方案 PW（减免罚息），审批角色：坐席。"
    assert page.query_selector("#request-demo-hardship-1") is None  # approved: no longer awaiting
    page.click("#request-demo-hardship-2 button.approve[data-option='PW']")  # 667 yuan: past an agent's authority
    refused = page.wait_for_selector("#hardship-error").inner_text()
    assert "超出审批权限" in refused and "it needs team_lead" in refused, refused
    page.click("#logout")
    log_in(page, server, "supervisor")  # a manager may
    page.goto(f"{server.base}/dashboard#/hardship")
    page.click("#request-demo-hardship-2 button.approve[data-option='PW']")
    assert page.wait_for_selector("#hardship-ok").inner_text() == "已批准方案 PW（减免罚息），审批角色：经理。"
    plans = server.backend.uow.hardship  # the plan is in the ledger's store, approved by the agent role
    with server.backend.lock, server.backend.uow:
        assert [(p.line_id, p.approved_by) for p in plans.plans()] == [("L-DEMO-5", "agent"), ("L-DEMO-7", "manager")]


def test_a_collectors_forbidden_contact_is_refused_with_the_reason_in_chinese(page: Any, server: Server) -> None:
    log_in(page, server, "collector")
    page.goto(f"{server.base}/dashboard#/collections/L-DEMO-4")
    page.wait_for_selector("#contact-form")
    page.select_option("#contact-id", "debtor-4")
    page.select_option("#contact-channel", "call")
    page.select_option("#contact-outcome", "connected")
    page.fill("#contact-at", "2026-06-14T23:30")  # 23:30 in Shanghai: inside the 22:00-08:00 quiet hours
    page.click("#contact-submit")
    refused = page.wait_for_selector("#contact-refused").inner_text()
    assert "合规规则拒绝了此次联系" in refused and "不在客户当地时间的允许联系时段内" in refused, refused
    assert "最早可联系时间：2026-06-15 08:00 (Asia/Shanghai)" in refused
    screenshot(page, "collections")
    page.select_option("#contact-id", "third-party-4")  # a third party, to collect: refused whatever the hour
    page.fill("#contact-at", "2026-06-15T10:00")
    page.click("#contact-submit")
    page.locator("#contact-refused", has_text="第三方只能用于寻找债务人").wait_for()
    page.select_option("#contact-id", "debtor-4")
    page.click("#contact-submit")  # the debtor at 10:00: allowed and logged
    assert page.wait_for_selector("#contact-ok").inner_text() == "联系已记录（合规）。"
    badges = page.eval_on_selector_all("#panel-case .badge", "ns => ns.map(n => n.className)")
    assert sorted(badges) == ["badge allowed", "badge refused", "badge refused"]
