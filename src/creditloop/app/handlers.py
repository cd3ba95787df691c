"""Handlers: one plain function per command. They load aggregates, call the domain, record audits.

Handlers never commit and never swallow errors; the message bus owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from creditloop.app import commands as c
from creditloop.app.ports import AuditRecord, DayEndRecord, ReconciliationRecord, UnitOfWork
from creditloop.collections.hardship import HardshipAssessment, HardshipCase, HardshipPolicy, assess
from creditloop.core.errors import IdempotencyConflict
from creditloop.ledger.accounts import CONTROL_ACCOUNTS
from creditloop.products.terms import Product
from creditloop.servicing.credit_line import CreditLine, LineStatus, Plan, RepaymentResult, fingerprint
from creditloop.servicing.restructure import RestructurePreview, apply_term_extension
from creditloop.strategy.origination import Decision, OriginationPolicy, decide, inputs_hash


@dataclass(frozen=True, slots=True)
class Policies:
    """The versioned documents the handlers decide with."""

    product: Product
    origination: OriginationPolicy
    hardship: HardshipPolicy


@dataclass(frozen=True, slots=True)
class DayEndResult:
    business_dates: tuple[date, ...]
    lines_closed: int
    reconciliation: ReconciliationRecord | None


@dataclass(frozen=True, slots=True)
class HardshipResult:
    assessment: HardshipAssessment
    applied: RestructurePreview | None


def line_id_for(customer_id: str) -> str:
    return f"L-{customer_id}"


def submit_application(cmd: c.SubmitApplication, uow: UnitOfWork, policies: Policies) -> Decision:
    decision = decide(cmd.applicant, policies.origination)
    digest = inputs_hash(cmd.applicant)
    decision_id = f"origination/{cmd.application_id}"
    known = uow.audit.get(decision_id)
    if known is not None:
        if known.inputs_hash != digest:
            raise IdempotencyConflict(f"application {cmd.application_id!r} was already decided on other inputs")
        return decision
    uow.audit.record(
        AuditRecord(
            decision_id=decision_id,
            kind="origination",
            subject_id=cmd.application_id,
            decided_on=cmd.applied_on,
            policy_id=decision.policy_id,
            policy_version=decision.policy_version,
            inputs_hash=digest,
            outcome="approve" if decision.approved else "decline",
            reasons=tuple(r.value for r in decision.reasons),
            trace=tuple(asdict(t) for t in decision.trace),
        )
    )
    if decision.approved:
        uow.lines.add(
            CreditLine.open(
                line_id_for(cmd.customer_id), cmd.customer_id, policies.product, decision.limit_minor, cmd.applied_on
            )
        )
    return decision


def open_line(cmd: c.OpenLine, uow: UnitOfWork, policies: Policies) -> CreditLine:
    line = CreditLine.open(cmd.line_id, cmd.customer_id, policies.product, cmd.limit_minor, cmd.opened_on)
    uow.lines.add(line)
    return line


def purchase(cmd: c.Purchase, uow: UnitOfWork, policies: Policies) -> Plan:
    return uow.lines.get(cmd.line_id).purchase(cmd.purchase_id, cmd.amount_minor, cmd.periods, cmd.on)


def refund(cmd: c.Refund, uow: UnitOfWork, policies: Policies) -> int:
    return uow.lines.get(cmd.line_id).refund(cmd.refund_id, cmd.purchase_id, cmd.amount_minor, cmd.on)


def repay(cmd: c.Repay, uow: UnitOfWork, policies: Policies) -> RepaymentResult:
    return uow.lines.get(cmd.line_id).repay(cmd.payment_id, cmd.amount_minor, cmd.on)


def request_hardship(cmd: c.RequestHardship, uow: UnitOfWork, policies: Policies) -> HardshipResult:
    line = uow.lines.get(cmd.line_id)
    line.close_through(cmd.on - timedelta(days=1))
    case = HardshipCase(
        line_id=line.line_id,
        dpd=line.dpd,
        outstanding_minor=line.balance_minor,
        monthly_income_minor=cmd.monthly_income_minor,
        monthly_other_debt_minor=cmd.monthly_other_debt_minor,
        restructured_before=line.restructured_on is not None,
        charged_off=line.status is LineStatus.CHARGED_OFF,
        penalty_minor=line.penalty_minor,
    )
    assessment = assess(case, policies.hardship)
    uow.audit.record(
        AuditRecord(
            decision_id=f"hardship/{cmd.request_id}",
            kind="hardship",
            subject_id=line.line_id,
            decided_on=cmd.on,
            policy_id=policies.hardship.policy_id,
            policy_version=policies.hardship.version,
            inputs_hash=fingerprint(asdict(case)),
            outcome="eligible" if assessment.eligible else "ineligible",
            reasons=assessment.reasons,
            trace=(asdict(assessment.offer),) if assessment.offer else (),
        )
    )
    applied = None
    if assessment.eligible and assessment.offer is not None and cmd.accept:
        offer = assessment.offer
        applied = apply_term_extension(
            line, cmd.request_id, cmd.on, offer.periods, offer.fee_bps_per_month, offer.waive_penalty
        )
    return HardshipResult(assessment, applied)


def run_day_end(cmd: c.RunDayEnd, uow: UnitOfWork, policies: Policies) -> DayEndResult:
    """Close every line through ``business_date``; missed dates are caught up in order, done dates skipped.

    Only lines whose day-end changes something are loaded (``due_for_day_end``); the others are quiet and
    catch up for free the next time they are touched. This handler runs in the caller's transaction (the
    simulator's month); ``jobs.day_end`` runs the same steps in committed chunks for a production book.
    """
    dates = pending_dates(uow, cmd.business_date)
    closed = 0
    for day in dates:
        uow.day_ends.mark(DayEndRecord(day, "RUNNING", 0))
        closed = close_lines(uow, day, uow.lines.due_for_day_end(day))
        uow.day_ends.mark(DayEndRecord(day, "DONE", closed))
    rec = reconcile(uow, cmd.business_date) if cmd.reconcile and dates else None
    return DayEndResult(dates, closed, rec)


def pending_dates(uow: UnitOfWork, business_date: date) -> tuple[date, ...]:
    last = uow.day_ends.last_done()
    if last is not None and business_date <= last:
        return ()
    start = business_date if last is None else last + timedelta(days=1)
    return tuple(start + timedelta(days=k) for k in range((business_date - start).days + 1))


def close_lines(uow: UnitOfWork, day: date, line_ids: list[str]) -> int:
    uow.lines.load_many(line_ids)
    for line_id in line_ids:
        uow.lines.get(line_id).close_through(day)
    return len(line_ids)


def reconcile(uow: UnitOfWork, business_date: date) -> ReconciliationRecord:
    """Trial balance zero, and each control account equal to the sum of the lines' own balances."""
    uow.flush()
    balances = uow.journal.account_balances()
    sub = {a.value: v for a, v in uow.lines.sub_ledger_totals().items()}
    control = {a.value: balances.get(a, 0) for a in CONTROL_ACCOUNTS}
    sub = {a.value: sub.get(a.value, 0) for a in CONTROL_ACCOUNTS}
    trial = sum(balances.values())
    rec = ReconciliationRecord(business_date, trial, control, sub, trial == 0 and control == sub)
    uow.day_ends.reconcile(rec)
    return rec


HANDLERS: dict[type, Callable[..., Any]] = {
    c.SubmitApplication: submit_application,
    c.OpenLine: open_line,
    c.Purchase: purchase,
    c.Refund: refund,
    c.Repay: repay,
    c.RequestHardship: request_hardship,
    c.RunDayEnd: run_day_end,
}
