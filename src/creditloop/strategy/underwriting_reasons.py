"""Stable reason codes of the scored underwriting decision and their customer-facing texts (zh / en).

Like ``strategy.reasons``: codes are part of the audit record and the notice, so they never change meaning
(retire a code rather than reuse it). English follows the ECOA / Reg B Form C-1 wording where one fits. Check
codes (``strategy.checks``) and model reason codes carry their own texts; these are the policy's own steps.
"""

from __future__ import annotations

from enum import StrEnum


class UwReason(StrEnum):
    SCORE_DECLINE = "SCORE_DECLINE"  # PD at or above the decline cut-off (used when the model gave no reasons)
    SCORE_REFER = "SCORE_REFER"  # PD between the cut-offs
    NO_MODEL_SCORE = "NO_MODEL_SCORE"  # no model output and the policy does not decide without one
    DISPOSABLE_INCOME_LOW = "DISPOSABLE_INCOME_LOW"  # income − living costs − debts below the policy minimum
    OBLIGATIONS_HIGH = "OBLIGATIONS_HIGH"  # debts at other lenders are what push capacity below the bar
    INCOME_INSUFFICIENT = "INCOME_INSUFFICIENT"  # the affordable limit is below the smallest line
    VERIFIED_INCOME_LOWER = "VERIFIED_INCOME_LOWER"  # verified income lower than stated was used
    REQUEST_BELOW_MIN = "REQUEST_BELOW_MIN"  # the amount asked for is below the smallest line
    # Why an approved line is below the amount requested (a counter-offer states them).
    STARTER_LINE = "STARTER_LINE"
    LIMIT_AFFORDABILITY = "LIMIT_AFFORDABILITY"
    LIMIT_BAND_MAX = "LIMIT_BAND_MAX"
    LIMIT_POLICY_MAX = "LIMIT_POLICY_MAX"
    # The consortium (issue #19, app/consortium.py): counts of borrowing elsewhere beyond the policy's limits.
    MULTI_LENDING = "MULTI_LENDING"


UW_REASON_TEXTS: dict[str, tuple[str, str]] = {
    UwReason.SCORE_DECLINE: (
        "综合信用评分未达到本产品的授信标准",
        "Credit score does not meet the standard for this product",
    ),
    UwReason.SCORE_REFER: (
        "综合信用评分需要人工进一步审核",
        "Credit score requires further review by our staff",
    ),
    UwReason.NO_MODEL_SCORE: (
        "暂时无法完成信用评分，需要人工审核",
        "A credit score could not be obtained; the application requires manual review",
    ),
    UwReason.DISPOSABLE_INCOME_LOW: (
        "扣除基本生活支出和现有还款后，可支配收入不足",
        "Income insufficient after living expenses and existing obligations",
    ),
    UwReason.OBLIGATIONS_HIGH: (
        "现有负债相对于收入过高",
        "Excessive obligations in relation to income",
    ),
    UwReason.INCOME_INSUFFICIENT: (
        "收入不足以支持最低授信额度",
        "Income insufficient for amount of credit requested",
    ),
    UwReason.VERIFIED_INCOME_LOWER: (
        "经核实的收入低于申请时填写的收入，已按核实收入评估",
        "Verified income is lower than the income stated; the verified income was used",
    ),
    UwReason.REQUEST_BELOW_MIN: (
        "申请额度低于本产品的最低授信额度",
        "Amount requested is below the minimum credit line of this product",
    ),
    UwReason.STARTER_LINE: (
        "信用记录有限，先提供入门额度，按时还款后可逐步提额",
        "Limited credit history: a starter line is offered and may grow after on-time payments",
    ),
    UwReason.LIMIT_AFFORDABILITY: (
        "根据还款能力评估，授信额度低于申请额度",
        "Line set below the amount requested because of repayment capacity",
    ),
    UwReason.LIMIT_BAND_MAX: (
        "根据信用评分等级，授信额度设有上限",
        "Line limited by the maximum for your credit score band",
    ),
    UwReason.LIMIT_POLICY_MAX: (
        "申请额度超过本产品的最高授信额度",
        "Amount requested exceeds the maximum credit line of this product",
    ),
    UwReason.MULTI_LENDING: (
        "您在其他机构的借款数量、申请次数或逾期情况超出本产品的标准，需要人工审核",
        "Number of credit obligations, recent applications or delinquency at other lenders requires manual review",
    ),
}
