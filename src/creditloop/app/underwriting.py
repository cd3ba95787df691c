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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date
from typing import Any

from creditloop.app import commands as c
from creditloop.app.consortium import (
    NOT_ASKED,
    ConsortiumLookup,
    ConsortiumSignal,
    MultiLendingPolicy,
    facts_with,
    with_signal,
)
from creditloop.app.ports import AuditLog, AuditRecord, StoredDecision, UnitOfWork
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
from creditloop.strategy.velocity import (
    DEFAULT_KEY,
    ApplicationKeys,
    VelocitySnapshot,
    employer_texts,
    key_hash,
    phone_block_hash,
)


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
    consortium: ConsortiumLookup | None = None  # issue #19: off unless configured (app/consortium.py)
    multi_lending: MultiLendingPolicy = field(default_factory=MultiLendingPolicy)


def decision_id_for(application_id: str) -> str:
    return f"underwriting/{application_id}"


# The stdlib encoder, not orjson: stored texts are compared byte for byte by replay, and the two differ on some
# floats (1e16, 1e-05). ``JSONEncoder.encode`` builds its C encoder anew on every call (half the cost of a small
# document); the C encoder it would build is made once here, with the same arguments, so the bytes are the same
# (the tests compare them); without the C accelerator the plain encoder is used.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_C_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_ENCODE_C = (
    None
    if _C_ENCODER is None
    else _C_ENCODER(None, str, json.encoder.encode_basestring, None, ":", ",", True, False, True)
)


def canonical(value: Any) -> str:
    """One JSON text per value: sorted keys, no spaces, UTF-8 kept (what hashes and byte-for-byte replay use)."""
    if _ENCODE_C is None:  # pragma: no cover - CPython always ships the accelerator
        return _CANONICAL.encode(value)
    return "".join(_ENCODE_C(value, 0))


def form_hash(form: ApplicationForm, doc: dict[str, Any] | None = None) -> str:
    """sha256 of the canonical form (``doc``: its ``form_document``, when the caller already has it)."""
    return hashlib.sha256(canonical(form_document(form) if doc is None else doc).encode()).hexdigest()


# What a resubmission may change without being a different application: its id, its instant, its channel.
_NOT_CONTENT = ("application_id", "applied_at", "channel")


def content_hash(form: ApplicationForm, doc: dict[str, Any] | None = None) -> str:
    """sha256 of the form without its id, instant and channel: the same person asking for the same thing again
    under a new application id is a duplicate submission."""
    full = form_document(form) if doc is None else doc
    return hashlib.sha256(canonical({k: v for k, v in full.items() if k not in _NOT_CONTENT}).encode()).hexdigest()


def application_keys(form: ApplicationForm, key: bytes, doc: dict[str, Any] | None = None) -> ApplicationKeys:
    employer, employer_address = employer_texts(form.employer, form.employer_address)
    return ApplicationKeys(
        application_id=form.application_id,
        applied_at=form.applied_at.astimezone(UTC),
        identity=key_hash("identity", form.id_number, key),
        phone=key_hash("phone", form.phone, key),
        device=key_hash("device", form.device_id, key),
        # "" (never matched) for a generic employer label, and for the combination also without an address
        employer=key_hash("employer", employer, key) if employer else "",
        employer_address=key_hash("employer_address", employer_address, key) if employer_address else "",
        inputs_hash=content_hash(form, doc),
        monthly_income_minor=form.monthly_income,
        phone_block=phone_block_hash(form.phone, key),
    )


def model_output(model: DecisionModel | None, facts: ApplicantFacts) -> ModelOutput | None:
    if model is None:
        return None
    s = model.score_one(application_features(facts))
    return ModelOutput(s.model_id, s.model_version, s.pd, s.score, s.reasons, s.reason_texts)


def derive(
    form: ApplicationForm,
    snapshot: VelocitySnapshot,
    setup: ArmSetup,
    arm: str,
    tz: str,
    facts: ApplicantFacts | None = None,
    signal: ConsortiumSignal | None = None,
    multi_lending: MultiLendingPolicy | None = None,
) -> UnderwritingDecision:
    """The decision from its inputs alone: what a replay re-runs (``facts``: ``derive_facts(form, tz)``, when the
    caller already has them; ``signal``: the consortium's answer when one was asked, with ``multi_lending``)."""
    facts = derive_facts(form, tz) if facts is None else facts
    checks = run_checks(form, facts, snapshot, setup.checks)
    if signal is None:
        return decide_application(facts, checks, model_output(setup.model, facts), setup.policy, arm=arm)
    policy = multi_lending or MultiLendingPolicy()
    facts = facts_with(facts, signal, policy)  # lenders and debts elsewhere as the consortium reports them
    decision = decide_application(facts, checks, model_output(setup.model, facts), setup.policy, arm=arm)
    return with_signal(decision, signal, policy)


def consortium_signal(form: ApplicationForm, underwriting: Underwriting, on: date) -> ConsortiumSignal | None:
    """None without a consortium; ``not_asked`` without the applicant's consent to credit enquiries."""
    if underwriting.consortium is None:
        return None
    if not form.consent_bureau:
        return ConsortiumSignal(NOT_ASKED)
    return underwriting.consortium.lookup(form.id_number, "credit_application", on)


def consortium_document(signal: ConsortiumSignal, policy: MultiLendingPolicy) -> dict[str, Any]:
    return {"signal": signal.document(), "policy": {f.name: getattr(policy, f.name) for f in fields(policy)}}


@dataclass(frozen=True, slots=True)
class Prepared:
    """What one application's decision needs before the stores are asked: hashes, keys, arm (all pure)."""

    cmd: c.DecideApplication
    doc: dict[str, Any]  # form_document(form), computed once
    form_text: str  # canonical(doc)
    digest: str  # form_hash: the idempotency key's content
    decision_id: str
    arm: str
    setup: ArmSetup
    keys: ApplicationKeys


def prepare(cmd: c.DecideApplication, underwriting: Underwriting) -> Prepared:
    form = cmd.form
    doc = form_document(form)
    text = canonical(doc)
    arm = assign_arm(form.application_id, underwriting.split)
    return Prepared(
        cmd,
        doc,
        text,
        hashlib.sha256(text.encode()).hexdigest(),  # form_hash
        decision_id_for(form.application_id),
        arm,
        underwriting.arms[arm],
        application_keys(form, underwriting.velocity_key, doc),
    )


def recorded(p: Prepared, known: StoredDecision | None) -> UnderwritingDecision | None:
    """The decision already stored under this application id (a retry), None when there is none; another form
    under the same id is a conflict."""
    if known is None:
        return None
    if known.inputs_hash != p.digest:
        raise IdempotencyConflict(f"application {p.cmd.form.application_id!r} was already decided on another form")
    if known.line_id is not None and p.cmd.open_line and known.line_id != f"L-{p.cmd.customer_id}":
        # the same form for another customer: its line is the first customer's, not this one's
        raise IdempotencyConflict(f"application {p.cmd.form.application_id!r} was already decided for another customer")
    return decision_from_json(known.decision_json)


@dataclass(frozen=True, slots=True)
class Records:
    """What one decided application writes: its decision record, its audit row and, on approval, its line."""

    stored: StoredDecision
    audit: AuditRecord
    line: CreditLine | None


def decide_pure(
    p: Prepared,
    snapshot: VelocitySnapshot,
    underwriting: Underwriting,
    default_product: Product,
    signal: ConsortiumSignal | None = None,
) -> tuple[UnderwritingDecision, Records]:
    """The decision and the records it writes, from the prepared form and its velocity snapshot."""
    form, cmd = p.cmd.form, p.cmd
    facts = derive_facts(form, underwriting.business_tz)
    decision = derive(
        form, snapshot, p.setup, p.arm, underwriting.business_tz, facts, signal, underwriting.multi_lending
    )
    on = facts.applied_on
    trace = _trace_documents(decision)  # the decision record and the audit row show the same steps
    line_id = f"L-{cmd.customer_id}" if decision.decision == "approve" and cmd.open_line else None
    stored = StoredDecision(
        decision_id=p.decision_id,
        application_id=form.application_id,
        decided_at=form.applied_at.astimezone(UTC),
        applied_on=on,
        policy_id=decision.policy_id,
        policy_version=decision.policy_version,
        model_id=decision.model_id,
        model_version=decision.model_version,
        arm=p.arm,
        outcome=decision.decision,
        limit_minor=decision.limit_minor,
        pd=decision.pd,
        inputs_hash=p.digest,
        inputs_json=inputs_json(p, snapshot, signal, underwriting.multi_lending),
        decision_json=decision_json(decision, trace),
        line_id=line_id,
    )
    line = None
    if line_id is not None:
        product = p.setup.products.get(decision.price_tier or "", default_product)
        line = CreditLine.open(line_id, cmd.customer_id, product, decision.limit_minor, on)
    return decision, Records(stored, audit_record(p, decision, on, trace), line)


def inputs_json(
    p: Prepared,
    snapshot: VelocitySnapshot,
    signal: ConsortiumSignal | None = None,
    multi_lending: MultiLendingPolicy | None = None,
) -> str:
    """``canonical(inputs_document(...))`` with the form's text reused from its hash: the keys sort as
    arm < consortium < form < velocity, so the pieces joined are the same bytes (the tests hold them equal)."""
    asked = ""
    if signal is not None:
        asked = f',"consortium":{canonical(consortium_document(signal, multi_lending or MultiLendingPolicy()))}'
    velocity = canonical(snapshot_document(snapshot))
    return f'{{"arm":{canonical(p.arm)}{asked},"form":{p.form_text},"velocity":{velocity}}}'


def audit_record(
    p: Prepared, decision: UnderwritingDecision, on: date, trace: tuple[dict[str, Any], ...] | None = None
) -> AuditRecord:
    return AuditRecord(
        decision_id=p.decision_id,
        kind="origination",
        subject_id=p.cmd.form.application_id,
        decided_on=on,
        policy_id=decision.policy_id,
        policy_version=decision.policy_version,
        inputs_hash=p.digest,
        outcome=decision.decision,
        reasons=decision.reasons,
        trace=audit_trace(decision, trace),
    )


def inputs_document(
    form: ApplicationForm,
    snapshot: VelocitySnapshot,
    arm: str,
    doc: dict[str, Any] | None = None,
    consortium: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out = {"form": form_document(form) if doc is None else doc, "velocity": snapshot_document(snapshot), "arm": arm}
    if consortium is not None:  # ``consortium_document(signal, policy)`` when one was asked (issue #19)
        out["consortium"] = consortium
    return out


def snapshot_document(s: VelocitySnapshot) -> dict[str, Any]:
    """``dataclasses.asdict(s)``, written out: asdict deep-copies field by field and cost a quarter of a decision."""
    doc = {name: getattr(s, name) for name in _SNAPSHOT_FIELDS}
    doc["windows"] = tuple(
        {"days": w.days, "by_identity": w.by_identity, "by_phone": w.by_phone, "by_device": w.by_device}
        for w in s.windows
    )
    doc["extra"] = dict(s.extra)
    return doc


def decision_document(d: UnderwritingDecision) -> dict[str, Any]:
    """``dataclasses.asdict(d)``, written out (the tests hold it equal to asdict, field for field)."""
    doc = {name: getattr(d, name) for name in _DECISION_FIELDS}
    doc["checks"] = tuple(_check_entry(r)[1] for r in d.checks)
    doc["trace"] = _trace_documents(d)
    return doc


def decision_json(d: UnderwritingDecision, trace: tuple[dict[str, Any], ...] | None = None) -> str:
    """``canonical(decision_document(d))``, with each check's text encoded once per result object and spliced in:
    the 23 check documents were half of a decision's encoding (the tests hold the two texts equal)."""
    doc = {name: getattr(d, name) for name in _DECISION_FIELDS}
    doc["checks"] = _CHECKS_SLOT
    doc["trace"] = _trace_documents(d) if trace is None else trace
    entry = _check_entry
    checks = ",".join([entry(r)[2] for r in d.checks])
    # the keys before "checks" (ids by pattern, arm and flags by policy) cannot hold a NUL: the first hit is the slot
    return canonical(doc).replace(_CHECKS_SLOT_TEXT, f"[{checks}]", 1)


def _trace_documents(d: UnderwritingDecision) -> tuple[dict[str, Any], ...]:
    return tuple(
        {"step": t.step, "observed": t.observed, "threshold": t.threshold, "outcome": t.outcome} for t in d.trace
    )


# Check results repeat across applications (the checks reuse one result object per outcome and observation), so
# their documents and texts are built once, keyed by the object's identity (hashing four strings per check cost
# more than building the dict); each entry holds its object, so an id cannot be reused while the entry exists.
# The documents are only ever encoded, never changed; the cache is bounded.
_CheckEntry = tuple[CheckResult, dict[str, Any], str, dict[str, Any]]  # result, document, its text, audit document
_CHECK_ENTRIES: dict[int, _CheckEntry] = {}
_DOCS_MAX = 65_536
_CHECKS_SLOT = "\x00checks\x00"  # a placeholder no field can hold: NUL never reaches a decision's text
_CHECKS_SLOT_TEXT = canonical(_CHECKS_SLOT)


def _check_entry(r: CheckResult) -> _CheckEntry:
    hit = _CHECK_ENTRIES.get(id(r))
    if hit is not None and hit[0] is r:
        return hit
    if len(_CHECK_ENTRIES) >= _DOCS_MAX:
        _CHECK_ENTRIES.clear()
    doc = {"code": r.code, "outcome": r.outcome, "observed": r.observed, "threshold": r.threshold}
    audit = {"check": r.code, "outcome": str(r.outcome), "observed": r.observed, "threshold": r.threshold}
    entry = (r, doc, canonical(doc), audit)
    _CHECK_ENTRIES[id(r)] = entry
    return entry


_SNAPSHOT_FIELDS = tuple(f.name for f in fields(VelocitySnapshot))
_DECISION_FIELDS = tuple(f.name for f in fields(UnderwritingDecision))


def decide(
    cmd: c.DecideApplication, uow: UnitOfWork, underwriting: Underwriting, default_product: Product
) -> UnderwritingDecision:
    p = prepare(cmd, underwriting)
    known = recorded(p, uow.decisions.get(p.decision_id))
    if known is not None:
        return known
    windows = p.setup.checks
    snapshot = uow.applications.snapshot(p.keys, windows.velocity_windows_days, windows.reuse_window_days)
    on = derive_facts(p.cmd.form, underwriting.business_tz).applied_on
    signal = consortium_signal(p.cmd.form, underwriting, on)
    decision, records = decide_pure(p, snapshot, underwriting, default_product, signal)
    if records.line is not None:
        uow.lines.add(records.line)  # first: a line that already exists refuses the row before anything is written
    uow.applications.record(p.keys)
    uow.decisions.save(records.stored)
    record_audit(uow.audit, (records.audit,))
    return decision


def record_audit(audit: AuditLog, items: Sequence[AuditRecord]) -> None:
    """The audit rows in one plain statement where the log offers it (``record_many``), else one by one."""
    many = getattr(audit, "record_many", None)
    if many is not None:
        many(items)
        return
    for item in items:
        audit.record(item)


def audit_trace(
    decision: UnderwritingDecision, trace: tuple[dict[str, Any], ...] | None = None
) -> tuple[dict[str, Any], ...]:
    """Each check's outcome, then each decision step: what the audit row shows (no personal data)."""
    entry = _check_entry
    return (*[entry(r)[3] for r in decision.checks], *(_trace_documents(decision) if trace is None else trace))


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
