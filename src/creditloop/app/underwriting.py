"""Deciding an application under the scored underwriting policy: the service layer where checks, the model,
limits and the champion/challenger split meet (the policy contexts never import each other).

Order inside one command, all before anything is written: arm → facts → velocity snapshot (earlier applications
only) → checks → model → decision. Then, atomically with the rest of the unit of work: the application's hashed
keys join the history, the decision record (canonical inputs and outcome, for replay) and the audit row are
stored, and an approval opens the line. A retry with the same form returns the recorded decision; another form
under the same application id is an idempotency conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC
from typing import Any

from creditloop.app import commands as c
from creditloop.app.ports import AuditRecord, StoredDecision, UnitOfWork
from creditloop.core.errors import IdempotencyConflict
from creditloop.products.terms import Product
from creditloop.scoring.runtime import DecisionModel
from creditloop.servicing.credit_line import CreditLine
from creditloop.strategy.app_features import application_features
from creditloop.strategy.application import ApplicationForm, form_document
from creditloop.strategy.arms import ArmSplit, assign_arm
from creditloop.strategy.checks import CheckPolicy, CheckResult, Outcome, run_checks
from creditloop.strategy.facts import derive_facts
from creditloop.strategy.underwriting import (
    ApplicantFacts,
    ModelOutput,
    StepTrace,
    UnderwritingDecision,
    decide_application,
)
from creditloop.strategy.underwriting_policy import UnderwritingPolicy
from creditloop.strategy.velocity import DEFAULT_KEY, ApplicationKeys, VelocitySnapshot, key_hash


@dataclass(frozen=True, slots=True)
class ArmSetup:
    """One arm: its policy, the check policy it names and the model artifact it names (None: no model)."""

    policy: UnderwritingPolicy
    checks: CheckPolicy
    model: DecisionModel | None
    products: Mapping[str, Product] = field(default_factory=dict)  # price tier id -> the product a line opens on


@dataclass(frozen=True)
class Underwriting:
    """What DecideApplication decides with (built in bootstrap from policy documents and model files)."""

    split: ArmSplit
    arms: Mapping[str, ArmSetup]
    velocity_key: bytes = DEFAULT_KEY
    business_tz: str = "Asia/Shanghai"


def decision_id_for(application_id: str) -> str:
    return f"underwriting/{application_id}"


def canonical(value: Any) -> str:
    """One JSON text per value: sorted keys, no spaces, UTF-8 kept (what hashes and byte-for-byte replay use)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def form_hash(form: ApplicationForm) -> str:
    return hashlib.sha256(canonical(form_document(form)).encode()).hexdigest()


# What a resubmission may change without being a different application: its id, its instant, its channel.
_NOT_CONTENT = ("application_id", "applied_at", "channel")


def content_hash(form: ApplicationForm) -> str:
    """sha256 of the form without its id, instant and channel: the same person asking for the same thing again
    under a new application id is a duplicate submission."""
    doc = {k: v for k, v in form_document(form).items() if k not in _NOT_CONTENT}
    return hashlib.sha256(canonical(doc).encode()).hexdigest()


def application_keys(form: ApplicationForm, key: bytes) -> ApplicationKeys:
    employer_address = f"{form.employer}|{form.employer_address or ''}"
    return ApplicationKeys(
        application_id=form.application_id,
        applied_at=form.applied_at.astimezone(UTC),
        identity=key_hash("identity", form.id_number, key),
        phone=key_hash("phone", form.phone, key),
        device=key_hash("device", form.device_id, key),
        employer=key_hash("employer", form.employer, key),
        employer_address=key_hash("employer_address", employer_address, key),
        inputs_hash=content_hash(form),
        monthly_income_minor=form.monthly_income,
    )


def model_output(model: DecisionModel | None, facts: ApplicantFacts) -> ModelOutput | None:
    if model is None:
        return None
    s = model.score_one(application_features(facts))
    return ModelOutput(s.model_id, s.model_version, s.pd, s.score, s.reasons, s.reason_texts)


def derive(
    form: ApplicationForm, snapshot: VelocitySnapshot, setup: ArmSetup, arm: str, tz: str
) -> UnderwritingDecision:
    """The decision from its inputs alone: what a replay re-runs."""
    facts = derive_facts(form, tz)
    checks = run_checks(form, facts, snapshot, setup.checks)
    return decide_application(facts, checks, model_output(setup.model, facts), setup.policy, arm=arm)


def inputs_document(form: ApplicationForm, snapshot: VelocitySnapshot, arm: str) -> dict[str, Any]:
    return {"form": form_document(form), "velocity": asdict(snapshot), "arm": arm}


def decision_document(decision: UnderwritingDecision) -> dict[str, Any]:
    return asdict(decision)


def decide(
    cmd: c.DecideApplication, uow: UnitOfWork, underwriting: Underwriting, default_product: Product
) -> UnderwritingDecision:
    form = cmd.form
    digest = form_hash(form)
    decision_id = decision_id_for(form.application_id)
    known = uow.decisions.get(decision_id)
    if known is not None:
        if known.inputs_hash != digest:
            raise IdempotencyConflict(f"application {form.application_id!r} was already decided on another form")
        return decision_from_json(known.decision_json)
    arm = assign_arm(form.application_id, underwriting.split)
    setup = underwriting.arms[arm]
    keys = application_keys(form, underwriting.velocity_key)
    snapshot = uow.applications.snapshot(keys, setup.checks.velocity_windows_days, setup.checks.reuse_window_days)
    decision = derive(form, snapshot, setup, arm, underwriting.business_tz)
    facts_on = derive_facts(form, underwriting.business_tz).applied_on
    line_id = f"L-{cmd.customer_id}" if decision.decision == "approve" and cmd.open_line else None
    uow.applications.record(keys)
    uow.decisions.save(
        StoredDecision(
            decision_id=decision_id,
            application_id=form.application_id,
            decided_at=form.applied_at.astimezone(UTC),
            applied_on=facts_on,
            policy_id=decision.policy_id,
            policy_version=decision.policy_version,
            model_id=decision.model_id,
            model_version=decision.model_version,
            arm=arm,
            outcome=decision.decision,
            limit_minor=decision.limit_minor,
            pd=decision.pd,
            inputs_hash=digest,
            inputs_json=canonical(inputs_document(form, snapshot, arm)),
            decision_json=canonical(decision_document(decision)),
            line_id=line_id,
        )
    )
    uow.audit.record(
        AuditRecord(
            decision_id=decision_id,
            kind="origination",
            subject_id=form.application_id,
            decided_on=facts_on,
            policy_id=decision.policy_id,
            policy_version=decision.policy_version,
            inputs_hash=digest,
            outcome=decision.decision,
            reasons=decision.reasons,
            trace=audit_trace(decision),
        )
    )
    if line_id is not None:
        product = setup.products.get(decision.price_tier or "", default_product)
        uow.lines.add(CreditLine.open(line_id, cmd.customer_id, product, decision.limit_minor, facts_on))
    return decision


def audit_trace(decision: UnderwritingDecision) -> tuple[dict[str, Any], ...]:
    """Each check's outcome, then each decision step: what the audit row shows (no personal data)."""
    checks = (
        {"check": r.code, "outcome": str(r.outcome), "observed": r.observed, "threshold": r.threshold}
        for r in decision.checks
    )
    steps = (
        {"step": t.step, "observed": t.observed, "threshold": t.threshold, "outcome": t.outcome} for t in decision.trace
    )
    return (*checks, *steps)


def decision_from_json(text: str) -> UnderwritingDecision:
    """A stored decision back as the value it was (what a retry returns)."""
    doc = json.loads(text)
    doc["checks"] = tuple(
        CheckResult(r["code"], Outcome(r["outcome"]), r["observed"], r["threshold"]) for r in doc["checks"]
    )
    doc["trace"] = tuple(StepTrace(**t) for t in doc["trace"])
    for name in ("reasons", "check_flags"):
        doc[name] = tuple(doc[name])
    return UnderwritingDecision(**doc)
