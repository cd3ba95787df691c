"""Collections policy: hardship eligibility and offer choice (the money operation lives in servicing)."""

from creditloop.collections.hardship import (
    HardshipAssessment,
    HardshipCase,
    HardshipPolicy,
    TermExtensionOffer,
    assess,
    choose_offer,
    default_hardship_policy,
    load_hardship_policy,
    offer_text,
    reason_text,
)

__all__ = [
    "HardshipAssessment",
    "HardshipCase",
    "HardshipPolicy",
    "TermExtensionOffer",
    "assess",
    "choose_offer",
    "default_hardship_policy",
    "load_hardship_policy",
    "offer_text",
    "reason_text",
]
