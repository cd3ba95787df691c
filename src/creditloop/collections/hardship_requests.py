"""Hardship requests: who asks, why, and where the request goes (issue 15, item 1).

A request comes from the customer or from an agent on the customer's behalf, with a reason category, the
customer's updated monthly income and expenses, and, only when the customer consents, a free-text message. A
dispute with a merchant or a fraud / identity-theft claim is not hardship: the request is recorded and routed to
its own workflow (``routed_dispute`` / ``routed_fraud``), and no options are generated for it.

Understanding the text is a port (``ReasonClassifier``): a separate model classifies the message into a category
and vulnerability flags; ``NullClassifier`` is the trivial default (it never reads the text). Without
consent the text is neither classified nor stored, and nothing here ever logs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from creditloop.core.errors import ValidationError

Lang = Literal["zh", "en"]

CATEGORIES: tuple[str, ...] = (
    "job_loss_or_pay_cut",
    "illness_or_injury",
    "epidemic_or_lockdown",
    "business_failure",
    "family_event",
    "disaster",
    "merchant_dispute",
    "fraud_or_identity_theft",
    "other",
)
VULNERABILITIES: tuple[str, ...] = ("serious_illness", "bereavement", "elderly", "student")
CHANNELS: tuple[str, ...] = ("customer", "agent")
MAX_TEXT_CHARS = 5000  # a message, not a document; longer text is refused, never cut silently

# Outcomes of a request: it enters the hardship path, or leaves it for another workflow.
HARDSHIP = "hardship"
ROUTED_DISPUTE = "routed_dispute"
ROUTED_FRAUD = "routed_fraud"
_ROUTES = {"merchant_dispute": ROUTED_DISPUTE, "fraud_or_identity_theft": ROUTED_FRAUD}

CATEGORY_TEXTS: dict[str, dict[str, str]] = {
    "job_loss_or_pay_cut": {"zh": "失业或收入减少", "en": "job loss or pay cut"},
    "illness_or_injury": {"zh": "疾病或受伤", "en": "illness or injury"},
    "epidemic_or_lockdown": {"zh": "疫情或封控", "en": "epidemic or lockdown"},
    "business_failure": {"zh": "经营困难或失败", "en": "business failure"},
    "family_event": {"zh": "家庭变故", "en": "family event"},
    "disaster": {"zh": "自然灾害", "en": "disaster"},
    "merchant_dispute": {"zh": "与商户的纠纷", "en": "dispute with a merchant"},
    "fraud_or_identity_theft": {"zh": "欺诈或身份冒用", "en": "fraud or identity-theft claim"},
    "other": {"zh": "其他原因", "en": "other"},
}


class ReasonClassifier(Protocol):
    """The text-understanding port: a message in ``lang`` -> (category, vulnerability flags)."""

    version: str

    def classify(self, text: str, lang: Lang) -> tuple[str, tuple[str, ...]]: ...


class NullClassifier:
    """The trivial default until the trained classifier is wired in: it reads nothing and says ``other``."""

    version = "none"

    def classify(self, text: str, lang: Lang) -> tuple[str, tuple[str, ...]]:
        return "other", ()


class CallableClassifier:
    """A classifier from a function ``(text, lang) -> (category, flags)``: how the trained text model (a separate
    module) is wired in, e.g. ``CallableClassifier(lambda t, lang: hardship_reason(t, lang, consent=True), "v1")``."""

    def __init__(self, fn: Callable[[str, Lang], tuple[str, Sequence[str]]], version: str) -> None:
        self._fn = fn
        self.version = version

    def classify(self, text: str, lang: Lang) -> tuple[str, tuple[str, ...]]:
        category, flags = self._fn(text, lang)
        return category, tuple(flags)


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What a request says, checked; ``text`` is None unless the customer consented to its use."""

    channel: str
    category: str
    monthly_income_minor: int
    monthly_expenses_minor: int
    consent: bool
    text: str | None = None
    lang: Lang = "zh"

    def __post_init__(self) -> None:
        check_choice("channel", self.channel, CHANNELS)
        check_choice("category", self.category, CATEGORIES)
        check_choice("lang", self.lang, ("zh", "en"))
        for name in ("monthly_income_minor", "monthly_expenses_minor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"{name} must be a non-negative integer, got {value!r}", field=name)
        if self.text is not None:
            if not self.consent:
                raise ValidationError("text is kept only with the customer's consent", field="text")
            if not self.text.strip() or len(self.text) > MAX_TEXT_CHARS:
                raise ValidationError(f"text must be 1..{MAX_TEXT_CHARS} characters", field="text")

    @property
    def disposable_income_minor(self) -> int:
        return max(0, self.monthly_income_minor - self.monthly_expenses_minor)


@dataclass(frozen=True, slots=True)
class Understood:
    """The category the request goes under and the vulnerability flags, with where they came from."""

    category: str
    vulnerabilities: tuple[str, ...]
    source: str  # "stated" (the category given) or "classifier:<version>"
    outcome: str  # hardship | routed_dispute | routed_fraud


def check_choice(field: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValidationError(f"{field} must be one of {list(allowed)}, got {value!r}", field=field)


def understand(facts: RequestFacts, classifier: ReasonClassifier) -> Understood:
    """The stated category, unless it is ``other`` and a consented message lets the classifier name one.

    Vulnerability flags come only from the consented text. A category the classifier invents is refused rather
    than stored (an InvariantViolation would hide a wiring mistake; a ValidationError names it)."""
    category, source = facts.category, "stated"
    flags: tuple[str, ...] = ()
    if facts.consent and facts.text is not None:
        found, found_flags = classifier.classify(facts.text, facts.lang)
        check_choice("category", found, CATEGORIES)
        for flag in found_flags:
            check_choice("vulnerability", flag, VULNERABILITIES)
        flags = tuple(sorted(set(found_flags)))
        if category == "other" and found != "other":
            category, source = found, f"classifier:{classifier.version}"
    return Understood(category, flags, source, route(category))


def route(category: str) -> str:
    """A dispute or a fraud claim leaves the hardship path for its own workflow."""
    return _ROUTES.get(category, HARDSHIP)
