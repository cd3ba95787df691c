"""Adverse-action and refer notices in Simplified Chinese and English: the top four reasons, principal first.

The texts come from three catalogs: the policy's own reasons (``underwriting_reasons``), the application
checks' texts (``CHECK_REASON_TEXTS``, filled by the checks context through the service layer, or passed in),
and the model's reason statements carried on the decision. A code with no text is named rather than dropped,
so a notice never hides a reason. A decline states the applicant's rights: to know the principal reasons
(ECOA / Regulation B §1002.9 style) and, for an automated decision, to an explanation and to refuse a decision
made solely by automated means (个人信息保护法 Art. 24). No personal data is written into a notice.
"""

from __future__ import annotations

from collections.abc import Mapping

from creditloop.core.errors import ValidationError
from creditloop.core.money import format_major
from creditloop.strategy.underwriting import UnderwritingDecision
from creditloop.strategy.underwriting_reasons import UW_REASON_TEXTS

TOP_REASONS = 4
LANGS = ("zh", "en")

# code -> (zh, en) for application-check codes. Placeholder: the checks context owns these texts and the
# service layer wires them in (update this mapping or pass ``check_texts=``).
CHECK_REASON_TEXTS: dict[str, tuple[str, str]] = {}

RIGHTS = {
    "zh": (
        "您的权利：您有权了解本决定所依据的主要原因（即上列原因）。本决定由自动化决策作出；根据《中华人民共和国"
        "个人信息保护法》第二十四条，您有权要求我们就该决定予以说明，并有权拒绝仅通过自动化决策的方式作出决定、"
        "要求人工复核。如需说明或复核，请于收到本通知后 30 日内通过客服渠道联系我们。"
    ),
    "en": (
        "Your rights: you have the right to know the principal reasons for this decision (listed above). This "
        "decision was made by automated means; under Article 24 of the Personal Information Protection Law of the "
        "People's Republic of China you may ask us to explain it, and you may refuse a decision made solely by "
        "automated decision-making and ask for a review by a person. To ask for an explanation or a review, contact "
        "customer service within 30 days of this notice."
    ),
}

_HEADERS = {
    ("decline", "zh"): "授信申请结果通知：很抱歉，您的申请（编号 {id}）未获批准。",
    ("decline", "en"): "Notice of action taken: we are unable to approve your application ({id}).",
    ("refer", "zh"): "授信申请进度通知：您的申请（编号 {id}）需要人工进一步审核，审核完成后我们会通知您。",
    ("refer", "en"): "Application update: your application ({id}) needs a further review by our staff; we will "
    "tell you the outcome.",
    ("approve", "zh"): "授信申请结果通知：您的申请（编号 {id}）已获批准，授信额度为 {limit} 元。",
    ("approve", "en"): "Your application ({id}) is approved with a credit line of {limit} yuan.",
}
_REASONS_TITLE = {
    ("decline", "zh"): "主要原因：",
    ("decline", "en"): "Principal reasons:",
    ("refer", "zh"): "需要审核的原因：",
    ("refer", "en"): "Reasons for the review:",
    ("approve", "zh"): "额度低于申请金额的原因：",
    ("approve", "en"): "Why the line is below the amount requested:",
}


def reason_texts(
    decision: UnderwritingDecision, check_texts: Mapping[str, tuple[str, str]] | None = None
) -> dict[str, tuple[str, str]]:
    """Every text the decision's reasons may use, by code: checks, then the model's, then the policy's own."""
    texts: dict[str, tuple[str, str]] = dict(CHECK_REASON_TEXTS)
    texts.update(check_texts or {})
    texts.update({code: (zh, en) for code, zh, en in decision.reason_texts})
    texts.update(UW_REASON_TEXTS)
    return texts


def _fallback(decision: UnderwritingDecision, code: str, lang: str) -> str:
    """A reason without a text still appears: what kind of reason it is, and its code (printed after it)."""
    if code in decision.check_flags:
        return "申请信息核查未通过" if lang == "zh" else "Application information could not be verified"
    return "其他原因" if lang == "zh" else "Other reason"


def notice(
    decision: UnderwritingDecision, lang: str, *, check_texts: Mapping[str, tuple[str, str]] | None = None
) -> str:
    """The customer notice of ``decision`` in ``lang`` ('zh' or 'en'): outcome, top four reasons, rights."""
    if lang not in LANGS:
        raise ValidationError(f"unsupported language {lang!r}; use 'zh' or 'en'", field="lang")
    kind = decision.decision
    if kind not in ("approve", "refer", "decline"):
        raise ValidationError(f"unknown decision {kind!r}", field="decision")
    texts = reason_texts(decision, check_texts)
    index = 0 if lang == "zh" else 1
    lines = [_HEADERS[kind, lang].format(id=decision.application_id, limit=format_major(decision.limit_minor))]
    top = decision.reasons[:TOP_REASONS]
    if top:
        lines.append(_REASONS_TITLE[kind, lang])
        for n, code in enumerate(top, start=1):
            text = texts[code][index] if code in texts else _fallback(decision, code, lang)
            lines.append(f"{n}. {text}" + (f"（{code}）" if lang == "zh" else f" ({code})"))
    if kind == "decline":
        lines.append(RIGHTS[lang])
    return "\n".join(lines)
