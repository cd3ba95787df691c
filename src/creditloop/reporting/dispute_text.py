"""Customer-facing text of credit-report disputes and notices, zh and en: the written reply to a dispute (its
outcome and the customer's rights, Art. 25/26) and the notice before negative information is first reported
(Art. 15). Built from the record's own fields; never from the customer's claim text."""

from __future__ import annotations

from datetime import date

from creditloop.core.money import format_major
from creditloop.reporting.disputes import DisputeClock
from creditloop.reporting.status_codes import PBOC_CODES

_FIELD = {
    "status": ("repayment status", "还款状态"),
    "balance": ("balance", "余额"),
    "overdue": ("overdue amount", "逾期金额"),
}
_OUTCOME_EN = {
    "corrected": "we found the item was wrong and corrected it to {value}; the corrected record is reported from the "
    "next monthly file",
    "confirmed": "we verified the item and it is accurate; it stays on your record and the disputed mark is removed",
    "undeterminable": "we could not verify the item either way; this is recorded on your record as undeterminable",
}
_OUTCOME_ZH = {
    "corrected": "经核查，该信息有误，已更正为{value}；自下一期报送起报送更正后的记录",
    "confirmed": "经核查，该信息准确无误，予以保留，异议标注已撤销",
    "undeterminable": "经核查，无法确认该信息是否准确，已按规定记录为无法核实",
}


def _value(field: str, value: str | None, lang: str) -> str:
    if value is None:
        return ""
    if field == "status":
        en, zh = PBOC_CODES.get(value, (value, value))
        return f"{value} ({zh if lang == 'zh' else en})"
    return f"¥{format_major(int(value))}"


def reply_text(
    *, dispute_id: str, line_id: str, months: tuple[str, ...], field: str, outcome: str, value: str | None,
    filed_on: date, closed_on: date, clock: DisputeClock, lang: str,
) -> str:  # fmt: skip
    """The written reply closing a dispute."""
    en_field, zh_field = _FIELD[field]
    span = ", ".join(months)
    if lang == "zh":
        body = _OUTCOME_ZH[outcome].format(value=_value(field, value, "zh"))
        return (
            f"您于{filed_on.isoformat()}就账户{line_id}在{span}的{zh_field}提出的异议（编号{dispute_id}），"
            f"我们已于{closed_on.isoformat()}完成核查：{body}。"
            f"如对处理结果仍有异议，您可以在信用报告中添加个人声明，或向{clock.complaint_to['zh']}投诉"
            f"（应在{clock.complaint_days}日内书面答复），也可以依法提起诉讼。本服务免费，任何收费“征信修复”均不可信。"
        )
    body = _OUTCOME_EN[outcome].format(value=_value(field, value, "en"))
    return (
        f"Your dispute {dispute_id} of {filed_on.isoformat()} about the {en_field} reported for line {line_id} in "
        f"{span} was investigated and closed on {closed_on.isoformat()}: {body}. If you disagree you may add an "
        f"explanatory statement to your credit report, complain to {clock.complaint_to['en']} (which must reply in "
        f"writing within {clock.complaint_days} days), or go to court. Disputes are free of charge: anyone asking a "
        "fee to 'repair' a credit record is not acting for us."
    )


def notice_text(
    *, line_id: str, month: str, status: str, overdue_minor: int, report_on: date, clock: DisputeClock, lang: str
) -> str:
    """The notice before a line's negative information is first reported (Art. 15): what, when, how to dispute."""
    en, zh = PBOC_CODES.get(status, (status, status))
    amount = format_major(overdue_minor)
    if lang == "zh":
        return (
            f"温馨提示：您的账户{line_id}在{month}出现逾期（{zh}，逾期金额¥{amount}）。根据《征信业管理条例》，"
            f"我们将于{report_on.isoformat()}起向征信机构报送该不良信息。请尽快还款；不良信息自不良行为终止之日起保存5年。"
            f"如您认为信息有误，可随时向我们提出异议，我们将在{clock.days}日内核查并书面答复。"
        )
    return (
        f"Notice: your line {line_id} was overdue in {month} ({en}, overdue amount ¥{amount}). We will report this "
        f"negative information to the credit bureau from {report_on.isoformat()}. Please repay as soon as you can; "
        "negative information is kept for five years from the end of the overdue behaviour. If you believe it is "
        f"wrong you can dispute it with us at any time; we will investigate and reply in writing within {clock.days} "
        "days."
    )
