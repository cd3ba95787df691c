"""Stable decline reason codes and their customer-facing texts (zh / en).

Codes are part of the audit record and the adverse-action notice, so they never change meaning;
retire a code rather than reuse it. English wording follows the ECOA / Reg B Appendix C Form C-1
checklist, because a notice must state the specific principal reason, not a vague one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from creditloop.core.errors import ValidationError

Lang = Literal["zh", "en"]


class ReasonCode(StrEnum):
    AGE_BELOW_MIN = "AGE_BELOW_MIN"
    AGE_ABOVE_MAX = "AGE_ABOVE_MAX"
    INCOME_BELOW_MIN = "INCOME_BELOW_MIN"
    DEBT_TO_INCOME_HIGH = "DEBT_TO_INCOME_HIGH"
    TOO_MANY_LENDERS = "TOO_MANY_LENDERS"
    INCONSISTENT_DATA = "INCONSISTENT_DATA"


REASON_TEXTS: dict[ReasonCode, dict[str, str]] = {
    ReasonCode.AGE_BELOW_MIN: {
        "zh": "申请人年龄低于本产品的最低申请年龄",
        "en": "Applicant does not meet the minimum age for this product",
    },
    ReasonCode.AGE_ABOVE_MAX: {
        "zh": "申请人年龄超出本产品的申请年龄上限",
        "en": "Applicant is above the maximum age for this product",
    },
    ReasonCode.INCOME_BELOW_MIN: {
        "zh": "收入不足以支持所申请的授信额度",
        "en": "Income insufficient for amount of credit requested",
    },
    ReasonCode.DEBT_TO_INCOME_HIGH: {
        "zh": "现有负债相对于收入过高",
        "en": "Excessive obligations in relation to income",
    },
    ReasonCode.TOO_MANY_LENDERS: {
        "zh": "在其他机构的借贷数量过多（多头借贷）",
        "en": "Number of recent inquiries on credit bureau report / active loans with other lenders",
    },
    ReasonCode.INCONSISTENT_DATA: {
        "zh": "申请信息前后不一致，无法核实",
        "en": "Credit application incomplete or inconsistent",
    },
}


def reason_text(code: ReasonCode | str, lang: Lang = "zh") -> str:
    """The customer-facing text of a reason code in ``lang`` ('zh' or 'en')."""
    try:
        texts = REASON_TEXTS[ReasonCode(code)]
    except ValueError:
        raise ValidationError(f"unknown reason code {code!r}", field="code") from None
    if lang not in texts:
        raise ValidationError(f"unsupported language {lang!r}; use 'zh' or 'en'", field="lang")
    return texts[lang]
