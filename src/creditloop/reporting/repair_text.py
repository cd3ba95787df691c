"""A repair-check result in plain words, Chinese or English (the JSON form is ``RepairOutcome.as_json``)."""

from __future__ import annotations

from creditloop.reporting.repair import REASON_TEXTS, RepairOutcome, amount_text


def _reasons(outcome: RepairOutcome, lang: str) -> str:
    index = 1 if lang == "zh" else 0
    words = [REASON_TEXTS[r][index] for _, reasons in outcome.checked for r in reasons]
    unique = list(dict.fromkeys(words))
    return ("；" if lang == "zh" else "; ").join(unique)


def _facts(outcome: RepairOutcome, lang: str) -> str:
    c = outcome.case
    amount = amount_text(c.amount_minor)
    if lang == "zh":
        repaid = f"{c.repaid_on.isoformat()}还清" if c.repaid_on else "尚未还清"
        return f"逾期记录产生于{c.generated_text}，单笔逾期金额{amount}元，{repaid}"
    repaid = f"repaid {c.repaid_on.isoformat()}" if c.repaid_on else "not repaid"
    return f"overdue record of {c.generated_text}, single overdue amount {amount} yuan, {repaid}"


def outcome_text(outcome: RepairOutcome, lang: str = "en") -> str:
    """Two lines: the decision (eligible, when hidden, or the retention rule and its date) and the case facts."""
    label = "case" if outcome.case.case_id is None else str(outcome.case.case_id)
    zh = lang == "zh"
    rule = outcome.rule_zh if zh else outcome.rule_en
    if outcome.eligible and outcome.shown_until is not None:
        kind, day = outcome.shown_until
        if zh:
            when = f"自{day.isoformat()}起不再展示" if kind == "hidden_from" else f"最迟于{day.isoformat()}前不再展示"
            head = f"{label}：符合{rule}（{outcome.rule_key}），{when}；逾期状态恢复正常、逾期金额归零"
        else:
            when = f"hidden from {day.isoformat()}" if kind == "hidden_from" else f"hidden by {day.isoformat()}"
            head = f"{label}: eligible for the {rule} ({outcome.rule_key}): {when}; status shown as normal, overdue 0"
    else:
        why = _reasons(outcome, lang)
        if outcome.delete_after is None:
            keep = (
                "逾期款项未还清，不良行为尚未终止，记录继续保留（删除日期：无）"
                if zh
                else "the debt is still owed, so the adverse behaviour has not ended and the record stays "
                "(delete_after: none)"
            )
        elif zh:
            keep = f"{outcome.delete_after.isoformat()}后删除"
        else:
            keep = f"deleted after {outcome.delete_after.isoformat()}"
        if zh:
            head = f"{label}：不符合一次性信用修复（{why}）；适用“{rule}”（{outcome.rule_key}）：{keep}"
        else:
            head = f"{label}: not eligible for a one-off repair ({why}); {rule} ({outcome.rule_key}): {keep}"
    return f"{head}\n  {_facts(outcome, lang)}"
