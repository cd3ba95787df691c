"""Understanding a hardship message: its reason, vulnerability flags and where it goes next (issue #15, item 1).

``classify(text, lang, consent=True)`` reads one consented customer message with the packaged model
(hardship_text_model.py, pure Python) and returns a :class:`Classification`. A merchant dispute or a fraud /
identity-theft claim leaves the hardship path for its own workflow (``route``); a reason the model is not sure
of (top probability under the model file's ``routing.min_confidence``) becomes ``other`` with
``needs_review``. Without consent nothing is read: a ``ValidationError`` with code ``consent_required``.

Privacy: nothing here logs, stores or returns the text; ``top_features`` are n-grams of it (they explain the
decision to an agent) and are personal data like the message itself: show them, never log them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

from creditloop.collections.hardship_requests import MAX_TEXT_CHARS as REQUEST_TEXT_LIMIT
from creditloop.collections.hardship_requests import CallableClassifier, ReasonClassifier
from creditloop.collections.hardship_text_model import HardshipTextModel, packaged_model
from creditloop.core.errors import ValidationError

logger = logging.getLogger(__name__)  # used only for counts and codes, never for the text

Route = Literal["hardship", "merchant_dispute", "fraud"]
MAX_TEXT_CHARS = REQUEST_TEXT_LIMIT  # the workflow's limit: a message it keeps is one the model reads
PACKAGED_MODEL_ID = "hardship-reason@2"  # the packaged file's model_id: named without loading it (1 s)
N_TOP_FEATURES = 5
ROUTES: dict[str, Route] = {"merchant_dispute": "merchant_dispute", "fraud_or_identity_theft": "fraud"}
CATEGORY_TEXTS: dict[str, dict[str, str]] = {
    "job_loss_or_pay_cut": {"zh": "失业或收入下降", "en": "Job loss or pay cut"},
    "illness_or_injury": {"zh": "疾病或受伤", "en": "Illness or injury"},
    "epidemic_or_lockdown": {"zh": "疫情或封控", "en": "Epidemic or lockdown"},
    "business_failure": {"zh": "经营失败", "en": "Business failure"},
    "family_event": {"zh": "家庭变故", "en": "Family event"},
    "disaster": {"zh": "自然灾害或意外灾害", "en": "Disaster"},
    "merchant_dispute": {"zh": "与商户的争议", "en": "Dispute with a merchant"},
    "fraud_or_identity_theft": {"zh": "欺诈或身份盗用", "en": "Fraud or identity theft"},
    "other": {"zh": "其他原因", "en": "Other reason"},
}
FLAG_TEXTS: dict[str, dict[str, str]] = {
    "serious_illness": {"zh": "重大疾病", "en": "Serious illness"},
    "bereavement": {"zh": "亲人离世", "en": "Bereavement"},
    "elderly": {"zh": "老年客户", "en": "Elderly customer"},
    "student": {"zh": "学生", "en": "Student"},
}


@dataclass(frozen=True, slots=True)
class TopFeature:
    ngram: str  # a character n-gram of the (normalised) message: personal data, never logged
    weight: float  # its push towards the predicted class (TF-IDF value x weight against the class mean)


@dataclass(frozen=True, slots=True)
class Classification:
    category: str  # after routing: a low-confidence reason is "other"
    predicted: str  # the model's most probable reason
    confidence: float  # that reason's probability
    needs_review: bool  # low confidence: an agent reads the message
    route: Route  # "hardship", or the workflow a dispute / fraud claim goes to
    vulnerability_flags: tuple[str, ...]
    flag_scores: dict[str, float]
    top_features: tuple[TopFeature, ...]  # what drove ``predicted``
    lang: str  # as given, or detected from the script
    model_id: str

    @property
    def leaves_hardship_path(self) -> bool:
        return self.route != "hardship"

    def describe(self, lang: str = "en") -> str:
        """The reason and flags for an agent's screen, in Chinese or English."""
        lang = "zh" if lang == "zh" else "en"
        flags = "、" if lang == "zh" else ", "
        parts = [CATEGORY_TEXTS[self.category][lang]]
        if self.vulnerability_flags:
            names = flags.join(FLAG_TEXTS[f][lang] for f in self.vulnerability_flags)
            parts.append(f"需特别关照：{names}" if lang == "zh" else f"vulnerable: {names}")
        if self.needs_review:
            parts.append("置信度低，需人工复核" if lang == "zh" else "low confidence, needs review")
        return ("；" if lang == "zh" else "; ").join(parts)


def detect_lang(text: str) -> str:
    """ "zh", "en" or "mixed" by script: CJK ideographs and Latin words both present is mixed."""
    cjk = any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text) >= 4
    return "mixed" if cjk and latin else ("zh" if cjk else "en")


def _check(text: object, lang: object, consent: object) -> None:
    if consent is not True:  # checked first: without consent nothing about the text is even looked at
        raise ValidationError(
            "the customer has not consented to their message being processed", code="consent_required", field="consent"
        )
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("the message is empty", code="text_empty", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(
            f"the message is longer than {MAX_TEXT_CHARS} characters", code="text_too_long", field="text"
        )
    if lang is not None and lang not in ("zh", "en"):
        raise ValidationError(f"lang must be zh, en or absent, got {lang!r}", code="lang_unknown", field="lang")


def classify_with(model: HardshipTextModel, text: str, *, routed: bool = False) -> tuple[str, list[str]]:
    """``(reason, flags)`` of ``text`` under ``model``, for evaluation on labelled corpora (no consent check).
    ``routed``: the category after routing (a low-confidence reason is ``other``) instead of the model's reason."""
    result = _classify(model, text, None)
    return (result.category if routed else result.predicted), list(result.vulnerability_flags)


def _distinct_top(contributions: list[tuple[str, float]]) -> tuple[TopFeature, ...]:
    """The strongest positive n-grams, skipping one that overlaps a stronger one (" 下岗", "下岗了" after "下岗"):
    overlapping n-grams of one word repeat the same evidence."""
    kept: list[TopFeature] = []
    for gram, weight in contributions:
        core = gram.strip()
        if weight <= 0 or len(kept) == N_TOP_FEATURES:
            break
        if core and not any(core in f.ngram or f.ngram.strip() in core for f in kept):
            kept.append(TopFeature(gram, round(weight, 6)))
    return tuple(kept)


def review_count(model: HardshipTextModel, texts: list[str]) -> int:
    """How many of ``texts`` (a labelled corpus) the routing would send to review."""
    return sum(_classify(model, text, None).needs_review for text in texts)


def _classify(model: HardshipTextModel, text: str, lang: str | None) -> Classification:
    x = model.features(text)
    proba = model.reason_proba(x)
    k = max(range(len(proba)), key=proba.__getitem__)
    predicted, confidence = model.reason.names[k], proba[k]
    needs_review = confidence < model.min_confidence or not x
    category = "other" if needs_review else predicted
    flag_proba = model.flag_proba(x)
    flags = tuple(f for f, p in zip(model.flags.names, flag_proba, strict=True) if p >= model.flag_threshold)
    top = _distinct_top(model.contributions(x, k))
    return Classification(
        category=category,
        predicted=predicted,
        confidence=confidence,
        needs_review=needs_review,
        route=ROUTES.get(category, "hardship"),
        vulnerability_flags=flags,
        flag_scores={f: round(p, 6) for f, p in zip(model.flags.names, flag_proba, strict=True)},
        top_features=top,
        lang=lang or detect_lang(text),
        model_id=model.model_id,
    )


def classify(
    text: str, lang: str | None = None, *, consent: bool, model: HardshipTextModel | None = None
) -> Classification:
    """The reason, vulnerability flags and route of one consented message (``lang``: "zh", "en" or None to
    detect). Bad input or no consent: ``ValidationError`` (codes ``consent_required``, ``text_empty``,
    ``text_too_long``, ``lang_unknown``) before anything is read."""
    _check(text, lang, consent)
    result = _classify(model or packaged_model(), text, lang)
    logger.debug("hardship message classified: category=%s review=%s", result.category, result.needs_review)
    return result


def hardship_reason(text: str, lang: str | None = None, *, consent: bool) -> tuple[str, tuple[str, ...]]:
    """The port the hardship-request workflow wires: ``(category, vulnerability flags)`` of a consented message.

    A category of ``merchant_dispute`` or ``fraud_or_identity_theft`` means the request leaves the hardship
    path; a low-confidence message comes back as ``other`` (call :func:`classify` for ``needs_review``)."""
    result = classify(text, lang, consent=consent)
    return result.category, result.vulnerability_flags


def reason_classifier() -> ReasonClassifier:
    """The packaged model as the hardship workflow's ``ReasonClassifier`` port (``collections.hardship_requests``).
    The workflow calls it only for a consented message, so consent is given here."""
    return CallableClassifier(lambda text, lang: hardship_reason(text, lang, consent=True), PACKAGED_MODEL_ID)
