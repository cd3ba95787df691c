"""The cost of an installment purchase in plain words, zh/en, on the customer's own numbers (issue 16, item 5).

Three things, each computed with the calculator that bills or reports it, never restated by hand:

* the annualised rate — ``products.disclosure.disclose_option``, the same schedule and APR the checkout discloses;
* what the daily penalty costs for ``N`` days late on this plan's first installment — ``products.penalty``'s daily
  accrual in whole fen with the sub-fen carry, the product's rule (rate, minimum per day), day by day;
* what a missed payment does to the credit record — the PBoC code of that many days late
  (``reporting.credit_record.pboc_code``), reported from the next month-end file, and shown for the retention
  rule's years (``reporting.record_rules``: 5 years from when the overdue ends).

And the reminder sent before a due date (``due_reminder``), in the same words.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from creditloop.core.money import format_major
from creditloop.products.apr import percent
from creditloop.products.disclosure import Disclosure
from creditloop.products.penalty import accrue_penalty
from creditloop.products.terms import PenaltyRule
from creditloop.reporting.credit_record import pboc_code
from creditloop.reporting.record_rules import rule_book
from creditloop.reporting.status_codes import PBOC_CODES

LANGS = ("zh", "en")


@dataclass(frozen=True, slots=True)
class CostInWords:
    apr_percent: Decimal
    installment_minor: int
    periods: int
    first_due_on: date
    total_cost_minor: int
    late_days: int
    penalty_minor: int  # the penalty for ``late_days`` days on the first installment
    late_code: str  # the PBoC code those days late are reported as
    retention_years: int
    text: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "apr_percent": str(self.apr_percent), "installment_minor": self.installment_minor,
            "periods": self.periods, "first_due_on": self.first_due_on.isoformat(),
            "total_cost_minor": self.total_cost_minor, "late_days": self.late_days,
            "penalty_minor": self.penalty_minor, "late_code": self.late_code,
            "retention_years": self.retention_years, "text": self.text,
        }  # fmt: skip


def penalty_for(overdue_minor: int, rule: PenaltyRule, days: int) -> int:
    """The penalty ``days`` days of daily accrual add on ``overdue_minor`` (after the grace days, none accrue)."""
    carry, total = Decimal(0), 0
    for _ in range(max(0, days - rule.grace_days)):
        posted, carry = accrue_penalty(overdue_minor, rule, carry)
        total += posted
    return total


def cost_in_words(disclosure: Disclosure, rule: PenaltyRule, late_days: int) -> CostInWords:
    first = disclosure.regular[0]
    installment = first.total_minor
    code = pboc_code(late_days)
    years = rule_book().retention.retention_years
    words = CostInWords(
        percent(disclosure.rate.headline), installment, len(disclosure.regular), first.due_on,
        disclosure.total_cost_minor, late_days, penalty_for(installment, rule, late_days), code, years, {},
    )  # fmt: skip
    return replace(words, text={lang: _cost_text(words, lang) for lang in LANGS})


def _cost_text(w: CostInWords, lang: str) -> str:
    en, zh = PBOC_CODES[w.late_code]
    if lang == "zh":
        return (
            f"分{w.periods}期，每期约¥{format_major(w.installment_minor)}，首期{w.first_due_on}到期；"
            f"总费用¥{format_major(w.total_cost_minor)}，折合年化利率{w.apr_percent}%。"
            f"若首期逾期{w.late_days}天，需另付罚息¥{format_major(w.penalty_minor)}，"
            f"并将在当月末报送征信，显示为“{w.late_code}”（{zh}）；"
            f"不良记录自逾期结束之日起保留{w.retention_years}年。"
        )
    return (
        f"{w.periods} installments of about ¥{format_major(w.installment_minor)}, the first due on "
        f"{w.first_due_on}; total cost ¥{format_major(w.total_cost_minor)}, an annualised rate of "
        f"{w.apr_percent}%. Paying the first installment {w.late_days} days late adds "
        f"¥{format_major(w.penalty_minor)} of penalty and is reported to the credit bureau at that month end as "
        f"'{w.late_code}' ({en}); negative information stays on your credit record for {w.retention_years} years "
        f"after the overdue ends."
    )


def decision_text(outcome: str, ratio_bps: int | None, cool_off_hours: int, lang: str) -> str:
    """One sentence on the affordability outcome (the share of disposable income, when there is one)."""
    share = "" if ratio_bps is None else f"{Decimal(ratio_bps) / 100:.0f}%"
    zh = {
        "pass": "这笔分期在您的还款能力之内。",
        "nudge": f"加上这笔分期，每月还款将占您可支配收入的{share}。请确认您能按时还款。",
        "cool_off": f"加上这笔分期，每月还款将占您可支配收入的{share}。请{cool_off_hours}小时后再确认购买。",
        "decline": "这笔分期超出了您的还款能力，暂时无法办理。" + (f"（占可支配收入的{share}）" if share else ""),
    }
    en = {
        "pass": "This plan is within what you can afford.",
        "nudge": f"With this plan your monthly repayments take {share} of your disposable income. Please make sure "
        f"you can pay on time.",
        "cool_off": f"With this plan your monthly repayments take {share} of your disposable income. You can confirm "
        f"the purchase after {cool_off_hours} hours.",
        "decline": "This plan is beyond what you can afford, so it cannot be offered now"
        + (f" ({share} of your disposable income)." if share else "."),
    }
    return (zh if lang == "zh" else en)[outcome]


def due_reminder(due_on: date, due_minor: int, penalty_per_day_minor: int, retention_years: int) -> dict[str, str]:
    """The reminder before a due date, zh and en: what is due, when, and what missing it costs."""
    return {
        "zh": f"温馨提示：您有¥{format_major(due_minor)}将于{due_on}到期。逾期每天约产生罚息"
        f"¥{format_major(penalty_per_day_minor)}，逾期记录将报送征信并保留{retention_years}年。",
        "en": f"Reminder: ¥{format_major(due_minor)} is due on {due_on}. Each day late adds about "
        f"¥{format_major(penalty_per_day_minor)} of penalty, and a late payment is reported to the credit bureau "
        f"and kept for {retention_years} years.",
    }
