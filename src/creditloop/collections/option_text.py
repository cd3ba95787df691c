"""Customer-facing previews of hardship options, in Simplified Chinese and English (amounts in yuan)."""

from __future__ import annotations

from typing import Literal

from creditloop.collections.options import OptionValue
from creditloop.core.errors import ValidationError
from creditloop.core.money import format_major

Lang = Literal["zh", "en"]

KIND_TEXTS: dict[str, dict[str, str]] = {
    "term_extension": {"zh": "延长还款期限", "en": "Longer repayment term"},
    "reamortise": {"zh": "逾期金额分摊至剩余各期", "en": "Past-due amount spread over the remaining installments"},
    "fee_reduction": {"zh": "降低分期手续费", "en": "Lower installment fee"},
    "penalty_waiver": {"zh": "减免罚息", "en": "Penalty interest waived"},
    "payment_holiday": {"zh": "暂停还款（宽限期）", "en": "Payment holiday (grace period)"},
    "settlement": {"zh": "一次性减免结清", "en": "Settle for less in one payment"},
}


def _percent(bps: int) -> str:
    return f"{bps / 100:.0f}%"


def option_text(v: OptionValue, lang: Lang = "zh") -> str:
    """One option's preview: what changes, the monthly payment and its share of disposable income, the total."""
    if lang not in ("zh", "en"):
        raise ValidationError(f"lang must be zh or en, got {lang!r}", field="lang")
    title = KIND_TEXTS[v.kind][lang]
    pay, total = format_major(v.monthly_payment_minor), format_major(v.customer_total_minor)
    if lang == "zh":
        text = (
            f"方案 {v.option_id}：{title}。每月最高还款 {pay} 元，约占可支配收入的 {_percent(v.pti_bps)}；"
            f"共还款 {total} 元，分 {v.months} 个月"
        )
        if v.concession_minor:
            text += f"；减免 {format_major(v.concession_minor)} 元"
    else:
        text = (
            f"Option {v.option_id}: {title}. Highest monthly payment {pay} yuan, about {_percent(v.pti_bps)} of "
            f"disposable income; {total} yuan in total over {v.months} month{'s' if v.months != 1 else ''}"
        )
        if v.concession_minor:
            text += f"; {format_major(v.concession_minor)} yuan forgiven"
    text += "。" if lang == "zh" else "."
    texts = (v.disclosure or {}).get("text")
    if isinstance(texts, dict) and lang in texts:
        text += "\n" + str(texts[lang])
    return text
