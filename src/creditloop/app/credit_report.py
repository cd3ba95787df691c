"""The customer's own credit report (issue 16, zh/en): every line of the customer as furnished for a month — its
24-month grid, current status, amounts and marks — the disputes on it (open ones with their deadline), and the
explanatory statements (个人声明, Art. 16) the customer added. Read only."""

from __future__ import annotations

from datetime import date
from typing import Any

from creditloop.app.dispute_handlers import customer_lines
from creditloop.app.dispute_store import dispute_store
from creditloop.app.furnishing import furnish_stored
from creditloop.app.ports import UnitOfWork
from creditloop.core.money import format_major
from creditloop.reporting.furnishing import MARKS
from creditloop.reporting.record_rules import rule_book
from creditloop.reporting.status_codes import PBOC_CODES


def customer_report(uow: UnitOfWork, customer_id: str, day: date) -> dict[str, Any]:
    """The report as data (``day``: the month end reported)."""
    with uow:
        book = rule_book()
        store = dispute_store(uow)
        lines = []
        for line in customer_lines(uow, customer_id):
            record = furnish_stored(uow, line, day, book)
            disputes = [
                {"dispute_id": d.dispute_id, "months": list(d.months), "field": d.field,
                 "filed_on": d.filed_on.isoformat(), "due_on": d.due_on.isoformat(), "status": d.status,
                 "outcome": d.outcome, "closed_on": None if d.closed_on is None else d.closed_on.isoformat()}
                for d in store.disputes(line_id=line.line_id)
                if d.filed_on <= day or d.status == "open"
            ]  # fmt: skip
            entry: dict[str, Any] = {"line_id": line.line_id, "opened_on": line.opened_on.isoformat(),
                                     "disputes": disputes}  # fmt: skip
            if record is not None:
                entry.update(
                    status=record.status,
                    grid=record.grid,
                    dpd=record.dpd,
                    balance_minor=record.balance_minor,
                    overdue_minor=record.overdue_minor,
                    marks=list(record.marks),
                )
            lines.append(entry)
        statements = [
            {"statement_id": s.statement_id, "line_id": s.line_id, "text": s.text, "added_on": s.added_on.isoformat()}
            for s in store.statements(customer_id)
        ]
    return {"customer_id": customer_id, "month": day.strftime("%Y-%m"), "lines": lines, "statements": statements}


_LABELS = {
    "en": {"title": "Credit report of {c} for {m}", "line": "Line {l} (opened {o})", "status": "status",
           "balance": "balance", "overdue": "overdue", "grid": "24 months (latest first)", "marks": "marks",
           "none": "none", "disputes": "dispute", "statements": "Your statements", "not_yet": "not reported yet",
           "open": "open, reply due by {d}", "closed": "closed {d}: {o}"},
    "zh": {"title": "{c}的信用报告（{m}）", "line": "账户{l}（开立于{o}）", "status": "当前状态", "balance": "余额",
           "overdue": "逾期金额", "grid": "近24个月还款记录（最近在前）", "marks": "特殊标注", "none": "无",
           "disputes": "异议", "statements": "个人声明", "not_yet": "尚未报送", "open": "处理中，应于{d}前答复",
           "closed": "已于{d}办结：{o}"},
}  # fmt: skip
_OUTCOME_ZH = {"corrected": "已更正", "confirmed": "信息准确，予以保留", "undeterminable": "无法核实"}
_FIELD_ZH = {"status": "还款状态", "balance": "余额", "overdue": "逾期金额"}


def report_text(report: dict[str, Any], lang: str) -> str:
    t = _LABELS[lang]
    zh = lang == "zh"
    out = [t["title"].format(c=report["customer_id"], m=report["month"])]
    for ln in report["lines"]:
        out.append("")
        out.append(t["line"].format(l=ln["line_id"], o=ln["opened_on"]))
        if "status" not in ln:
            out.append(f"  {t['not_yet']}")
            continue
        en_meaning, zh_meaning = PBOC_CODES[ln["status"]]
        out.append(f"  {t['status']}: {ln['status']} ({zh_meaning if zh else en_meaning})")
        out.append(f"  {t['balance']}: ¥{format_major(ln['balance_minor'])}   {t['overdue']}: "
                   f"¥{format_major(ln['overdue_minor'])}")  # fmt: skip
        out.append(f"  {t['grid']}: {ln['grid']}")
        marks = [MARKS[m][1] if zh else m for m in ln["marks"]]
        out.append(f"  {t['marks']}: {', '.join(marks) or t['none']}")
        for d in ln["disputes"]:
            state = (
                t["open"].format(d=d["due_on"])
                if d["status"] == "open"
                else t["closed"].format(d=d["closed_on"], o=_OUTCOME_ZH[d["outcome"]] if zh else d["outcome"])
            )
            field = _FIELD_ZH[d["field"]] if zh else d["field"]
            out.append(f"  {t['disputes']} {d['dispute_id']} ({field}, {', '.join(d['months'])}): {state}")
    if report["statements"]:
        out.append("")
        out.append(t["statements"])
        for s in report["statements"]:
            about = f" [{s['line_id']}]" if s["line_id"] else ""
            out.append(f"  {s['added_on']}{about}: {s['text']}")
    return "\n".join(out)
