"""Handlers of the collections commands (issue 15). Every decision is audited; handlers never commit.

A contact attempt is judged by the conduct engine of the case's jurisdiction over the case's history as of the
attempt (flags open at that instant; every allowed attempt counted). Allowed: recorded with its outcome.
Refused: recorded as refused with the rule codes (the rules ask for every attempt to be kept) and nothing else
changes; ``ContactResult.raise_if_refused`` turns it into ``ConductRefused`` (a domain error whose code is the
first rule's). A retry of an id with the same payload returns the recorded result; another payload under a used
id is an ``IdempotencyConflict``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from creditloop.app import collections_commands as cc
from creditloop.app.collections_store import CaseRecord, ContactRecord, require_case, store_of
from creditloop.app.ports import AuditRecord, UnitOfWork
from creditloop.collections.conduct import ConductEngine, Decision
from creditloop.collections.conduct_history import (
    AgreedWindow,
    ContactAttempt,
    ContactHistory,
    ContactRequest,
    aware,
    zone_of,
)
from creditloop.collections.conduct_policy import JURISDICTIONS, PURPOSES, conduct_policy
from creditloop.collections.contact_strategy import Plan, plan_contact
from creditloop.collections.scripts import DEFAULT_FOR, SCRIPTS
from creditloop.collections.segments import CollectionsPolicy, default_collections_policy, segment_of
from creditloop.core.errors import DomainError, IdempotencyConflict, ValidationError
from creditloop.servicing.credit_line import LineStatus


class ConductRefused(DomainError):
    """A contact the conduct rules refuse; ``code`` is the first rule's (``conduct.quiet_hours``...)."""

    code = "conduct_refused"


@dataclass(frozen=True, slots=True)
class ContactResult:
    record: ContactRecord
    next_allowed_at: datetime | None

    def raise_if_refused(self) -> None:
        if not self.record.allowed:
            from creditloop.collections.conduct import RULES

            first = self.record.codes[0]
            after = "" if self.next_allowed_at is None else f"; next allowed at {self.next_allowed_at.isoformat()}"
            raise ConductRefused(f"{RULES[first]} ({', '.join(self.record.codes)}){after}", code=first, field="at")


@lru_cache(maxsize=8)
def engine_for(jurisdiction: str) -> ConductEngine:
    return ConductEngine(conduct_policy(jurisdiction))


@lru_cache(maxsize=1)
def collections_policy() -> CollectionsPolicy:
    return default_collections_policy()


def _digest(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _audit(
    uow: UnitOfWork,
    decision_id: str,
    kind: str,
    subject: str,
    on: date,
    policy: str,
    outcome: str,
    reasons: tuple[str, ...],
    inputs: str,
    trace: dict[str, Any],
) -> None:
    policy_id, _, version = policy.partition("@")
    uow.audit.record(
        AuditRecord(decision_id, kind, subject, on, policy_id, version, inputs, outcome, reasons, (trace,))
    )


def history_of(uow: UnitOfWork, case: CaseRecord, at: datetime, skip: str | None = None) -> ContactHistory:
    """The case's history as the engine sees it at ``at``: every allowed attempt, the flags open at ``at``."""
    store = store_of(uow)
    h = ContactHistory(case.zone)
    for r in store.contacts_for(case.line_id):
        if r.allowed and r.record_id != skip and r.outcome is not None:
            h.add(ContactAttempt(r.record_id, r.contact_id, r.party, r.channel, r.at, r.outcome, r.agent))
    for f in store.flags_for(case.line_id):
        if not (f.opened_at <= at and (f.closed_at is None or f.closed_at > at)):
            continue
        if f.kind == "dispute":
            h.open_disputes.add(f.flag_id)
        elif f.kind == "complaint":
            h.open_complaints.add(f.flag_id)
        elif f.kind == "opt_out" and f.contact_id is not None:
            h.opt_out(f.contact_id, f.channel or "*")
        elif f.kind == "agreed_window" and f.contact_id is not None and f.window is not None:
            h.agree(AgreedWindow(f.contact_id, *parse_window(f.window)))
    return h


def parse_window(text: str) -> tuple[time, time]:
    try:
        start, end = (time.fromisoformat(part) for part in text.split("-"))
    except ValueError:
        raise ValidationError(f"window must be HH:MM-HH:MM local, got {text!r}", field="window") from None
    if start == end:
        raise ValidationError("window must not be empty", field="window")
    return start, end


def open_case(cmd: cc.OpenCollectionCase, uow: UnitOfWork, policies: Any) -> CaseRecord:
    zone_of(cmd.zone)
    if cmd.jurisdiction not in JURISDICTIONS:
        raise ValidationError(f"jurisdiction must be one of {', '.join(JURISDICTIONS)}", field="jurisdiction")
    ids = (*cmd.debtor_contacts, *cmd.third_parties)
    if not cmd.debtor_contacts or any(not isinstance(i, str) or not i.strip() for i in ids) or len(set(ids)) < len(ids):
        raise ValidationError("contacts must be distinct non-empty ids, at least one of the debtor", field="contacts")
    uow.lines.get(cmd.line_id)  # NotFound before anything is written
    store = store_of(uow)
    known = store.get_case(cmd.line_id)
    case = CaseRecord(
        cmd.line_id,
        cmd.zone,
        cmd.jurisdiction,
        tuple(cmd.debtor_contacts),
        tuple(cmd.third_parties),
        known.opened_on if known else cmd.on,
    )
    if known != case:
        store.put_case(case)
        _audit(
            uow,
            f"collections_case/{cmd.line_id}/{_digest(case)}",
            "collections_case",
            cmd.line_id,
            cmd.on,
            engine_for(cmd.jurisdiction).policy.key,
            "opened" if known is None else "updated",
            (),
            _digest(case),
            {
                "zone": cmd.zone,
                "jurisdiction": cmd.jurisdiction,
                "contacts": len(cmd.debtor_contacts),
                "third_parties": len(cmd.third_parties),
            },
        )
    return case


def _discloses(party: str, channel: str, script: str | None) -> bool:
    """Whether the script to be used mentions the debt (no script for the party and channel: assume it does)."""
    if script is not None:
        if script not in SCRIPTS:
            raise ValidationError(f"unknown script {script!r} (one of {', '.join(SCRIPTS)})", field="script")
        return SCRIPTS[script].mentions_debt
    sid = DEFAULT_FOR.get((party, channel))
    return True if sid is None else SCRIPTS[sid].mentions_debt


def record_contact(cmd: cc.RecordContactAttempt, uow: UnitOfWork, policies: Any) -> ContactResult:
    at = aware(cmd.at)
    if cmd.purpose not in PURPOSES:
        raise ValidationError(f"purpose must be one of {', '.join(PURPOSES)}", field="purpose")
    case = require_case(uow, cmd.line_id)
    engine = engine_for(case.jurisdiction)
    party = case.party_of(cmd.contact_id)
    request = ContactRequest(
        cmd.contact_id, party, cmd.channel, cmd.purpose, _discloses(party, cmd.channel, cmd.script)
    )
    ContactAttempt(cmd.attempt_id, cmd.contact_id, party, cmd.channel, at, cmd.outcome)  # the outcome fits the channel
    d = engine.eligible(request, history_of(uow, case, at, skip=cmd.attempt_id), at)
    record = ContactRecord(
        cmd.attempt_id,
        cmd.line_id,
        cmd.contact_id,
        party,
        cmd.channel,
        cmd.purpose,
        at,
        d.local_at.date(),
        d.allowed,
        cmd.outcome if d.allowed else None,
        d.codes,
        engine.policy.key,
        cmd.agent,
        cmd.script,
    )
    store = store_of(uow)
    known = store.get_contact(cmd.attempt_id)
    # The next allowed instant in the customer's local time: "next allowed at …T00:00:00+00:00" read as midnight.
    next_at = None if d.next_allowed_at is None else d.next_allowed_at.astimezone(d.local_at.tzinfo)
    if known is not None:
        if known != record:
            raise IdempotencyConflict(f"contact attempt {cmd.attempt_id!r} is already recorded differently")
        return ContactResult(known, next_at)
    store.add_contact(record)
    _audit_contact(uow, record, d)
    return ContactResult(record, next_at)


def _audit_contact(uow: UnitOfWork, r: ContactRecord, d: Decision) -> None:
    trace = {
        "channel": r.channel,
        "party": r.party,
        "purpose": r.purpose,
        "local_at": d.local_at.isoformat(),
        "agent": r.agent,
        "outcome": r.outcome,
        "next_allowed_at": None if d.next_allowed_at is None else d.next_allowed_at.isoformat(),
    }
    _audit(
        uow,
        f"collections_contact/{r.record_id}",
        "collections_contact",
        r.line_id,
        r.local_on,
        r.policy,
        "allowed" if r.allowed else "refused",
        r.codes,
        _digest(r.contact_id, r.channel, r.at),
        trace,
    )


def _segment(uow: UnitOfWork, line_id: str) -> str:
    line = uow.lines.get(line_id)
    return segment_of(line.dpd, line.status is LineStatus.CHARGED_OFF, collections_policy())


def plan(cmd: cc.PlanContact, uow: UnitOfWork, policies: Any) -> tuple[Plan | None, tuple[str, ...]]:
    at = aware(cmd.at)
    case = require_case(uow, cmd.line_id)
    engine = engine_for(case.jurisdiction)
    policy = getattr(policies, "collections", None) or collections_policy()
    segment = _segment(uow, cmd.line_id)
    found, passed = plan_contact(engine, policy, segment, case.debtor_contacts, history_of(uow, case, at), at)
    decision_id = f"collections_plan/{cmd.plan_id}"
    if uow.audit.get(decision_id) is not None:
        return found, passed  # a retry: the plan made first stands in the audit
    trace: dict[str, Any] = {"segment": segment, "passed_over": list(passed)}
    if found is not None:
        trace.update(
            channel=found.channel, contact_id=found.contact_id, at=found.at.isoformat(), script=found.script_id
        )
    _audit(
        uow,
        decision_id,
        "collections_plan",
        cmd.line_id,
        at.astimezone(zone_of(case.zone)).date(),
        engine.policy.key,
        "planned" if found else "none",
        passed,
        _digest(cmd.line_id, at),
        trace,
    )
    return found, passed
