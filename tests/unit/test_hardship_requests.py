"""Hardship requests: categories, consent, the classifier port and routing out of the hardship path (issue 15)."""

from __future__ import annotations

from datetime import date

import pytest

from creditloop.app import commands as c
from creditloop.app import hardship_commands as h
from creditloop.app.bus import MessageBus
from creditloop.app.handlers import Policies
from creditloop.app.memory import MemoryUnitOfWork
from creditloop.bootstrap import default_policies
from creditloop.collections.hardship_requests import (
    HARDSHIP,
    ROUTED_DISPUTE,
    ROUTED_FRAUD,
    CallableClassifier,
    NullClassifier,
    RequestFacts,
    understand,
)
from creditloop.core.errors import IdempotencyConflict, NotFound, ValidationError

ON = date(2024, 4, 21)


class Spy:
    """A classifier that records what it was shown and answers as told."""

    version = "spy-1"

    def __init__(self, answer: tuple[str, tuple[str, ...]]) -> None:
        self.answer = answer
        self.seen: list[str] = []

    def classify(self, text: str, lang: str) -> tuple[str, tuple[str, ...]]:
        self.seen.append(text)
        return self.answer


def facts(category: str = "other", consent: bool = True, text: str | None = "我生病住院了") -> RequestFacts:
    return RequestFacts("customer", category, 500_000, 300_000, consent, text)


def test_a_stated_other_is_refined_by_the_classifier_with_consent() -> None:
    spy = Spy(("illness_or_injury", ("serious_illness",)))
    found = understand(facts(), spy)
    assert (found.category, found.vulnerabilities, found.source, found.outcome) == (
        "illness_or_injury",
        ("serious_illness",),
        "classifier:spy-1",
        HARDSHIP,
    )
    stated = understand(facts("job_loss_or_pay_cut"), spy)  # a stated category stands; flags still come
    assert (stated.category, stated.vulnerabilities, stated.source) == (
        "job_loss_or_pay_cut",
        ("serious_illness",),
        "stated",
    )


def test_a_function_is_wired_as_the_classifier() -> None:
    wired = CallableClassifier(lambda text, lang: ("family_event", ["bereavement"]), "fn-1")
    found = understand(facts(), wired)
    assert (found.category, found.vulnerabilities, found.source) == (
        "family_event",
        ("bereavement",),
        "classifier:fn-1",
    )


def test_without_consent_the_text_is_never_shown_to_the_classifier() -> None:
    spy = Spy(("fraud_or_identity_theft", ()))
    found = understand(facts(consent=False, text=None), spy)
    assert spy.seen == [] and found.category == "other" and found.outcome == HARDSHIP
    with pytest.raises(ValidationError) as e:
        facts(consent=False)  # text kept without consent: refused
    assert e.value.field == "text"


def test_disputes_and_fraud_or_identity_thefts_leave_the_hardship_path() -> None:
    assert understand(facts("merchant_dispute", text=None), NullClassifier()).outcome == ROUTED_DISPUTE
    assert understand(facts("fraud_or_identity_theft", text=None), NullClassifier()).outcome == ROUTED_FRAUD
    assert understand(facts(), Spy(("fraud_or_identity_theft", ()))).outcome == ROUTED_FRAUD  # the classifier found it


@pytest.mark.parametrize(
    ("kw", "field"),
    [({"category": "bored"}, "category"), ({"channel": "bot"}, "channel"), ({"text": " "}, "text")],
)
def test_bad_request_fields_are_named(kw: dict[str, object], field: str) -> None:
    base: dict[str, object] = {"channel": "customer", "category": "other", "monthly_income_minor": 1,
                               "monthly_expenses_minor": 0, "consent": True, "text": "x"}  # fmt: skip
    with pytest.raises(ValidationError) as e:
        RequestFacts(**{**base, **kw})  # type: ignore[arg-type]
    assert e.value.field == field


def _bus(classifier: object = None) -> MessageBus:
    policies = default_policies()
    if classifier is not None:
        policies = Policies(policies.product, policies.origination, policies.hardship, policies.cap_regime,
                            reason_classifier=classifier)  # fmt: skip
    bus = MessageBus(MemoryUnitOfWork({policies.product.key: policies.product}.__getitem__), policies)
    bus.handle(c.OpenLine("L", "C", 1_000_000, date(2024, 1, 5)))
    return bus


def test_the_handler_drops_text_without_consent_and_audits_no_text() -> None:
    spy = Spy(("illness_or_injury", ()))
    bus = _bus(spy)
    secret = "my ID number is 110101199003071234"
    stored = bus.handle(h.SubmitHardshipRequest("r1", "L", ON, "agent", "other", 400_000, 0, False, secret, "en"))
    assert stored.text is None and spy.seen == []
    audit = bus.uow.audit.get("hardship_request/r1")
    assert audit is not None and audit.outcome == HARDSHIP and secret not in repr(audit)
    kept = bus.handle(h.SubmitHardshipRequest("r2", "L", ON, "customer", "other", 400_000, 0, True, "生病了", "zh"))
    assert (kept.text, kept.category, spy.seen) == ("生病了", "illness_or_injury", ["生病了"])


def test_a_request_is_idempotent_and_refused_on_an_unknown_line() -> None:
    bus = _bus()
    cmd = h.SubmitHardshipRequest("r1", "L", ON, "customer", "disaster", 400_000, 100_000, False)
    assert bus.handle(cmd) == bus.handle(cmd)
    with pytest.raises(IdempotencyConflict):
        bus.handle(h.SubmitHardshipRequest("r1", "L", ON, "customer", "disaster", 1, 0, False))
    with pytest.raises(NotFound):
        bus.handle(h.SubmitHardshipRequest("r9", "NOPE", ON, "customer", "disaster", 1, 0, False))
    assert bus.uow.hardship.get_request("r9") is None  # type: ignore[attr-defined]
