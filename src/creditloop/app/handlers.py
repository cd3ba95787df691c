"""Handlers: one plain function per command. They load aggregates, call the domain, record audits.

Handlers never commit and never swallow errors; the message bus owns the transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from creditloop.app import commands as c
from creditloop.app.panel_rows import is_month_end, mark_month, panel_store, write_month_rows
from creditloop.app.ports import AuditRecord, DayEndRecord, ReconciliationRecord, UnitOfWork
from creditloop.app.views import ReversalResult, pending_dates, reversal_result
from creditloop.collections.hardship import (
    HardshipAssessment,
    HardshipCase,
    HardshipPolicy,
    TermExtensionOffer,
    assess,
)
from creditloop.core.errors import IdempotencyConflict, ValidationError
from creditloop.ledger import checks
from creditloop.ledger.accounts import CONTROL_ACCOUNTS
from creditloop.ledger.entries import JournalEntry
from creditloop.products.apr import flows_of
from creditloop.products.caps import check_cap, check_restructured, clearly_within_cap
from creditloop.products.catalog import catalog_product
from creditloop.products.disclosure import Disclosure, disclose_schedule
from creditloop.products.pricing import PricingMethod, option_schedule
from creditloop.products.terms import Product
from creditloop.servicing import restructure
from creditloop.servicing.credit_line import CreditLine, Hold, LineStatus, Plan, RepaymentResult, fingerprint
from creditloop.servicing.restructure import RestructurePreview, apply_term_extension
from creditloop.strategy.origination import Decision, OriginationPolicy, decide, inputs_hash


@dataclass(frozen=True, slots=True)
class Policies:
    """The versioned documents the handlers decide with."""

    product: Product
    origination: OriginationPolicy
    hardship: HardshipPolicy
    cap_regime: str | None = "cn_licensed"  # the pricing cap every plan must respect; None: no cap
    underwriting: Any = None  # app.underwriting.Underwriting; None: the packaged arms (built on first use)
    hardship_options: Any = None  # collections.options_policy.OptionsPolicy; None: the packaged one (issue 15)
    reason_classifier: Any = None  # collections.hardship_requests.ReasonClassifier; None: the packaged text model
    collections: Any = None  # collections.segments.CollectionsPolicy for contact planning; None: the packaged one


@lru_cache(maxsize=8192)
def _option_checked(product: Product, periods: int, regime: str, on: date, statement_day: int, due_days: int) -> None:
    """The rate of the schedule the line will bill for a purchase on ``on`` (it depends on the day of the
    cycle, not on the amount: fees are proportional), against the cap in force that day."""
    option = product.option(periods)
    if option.monthly_fee_bps or option.terms is not None:
        schedule = option_schedule(product, periods, 1_000_000, on, statement_day, due_days)
        flows = flows_of(on, 1_000_000, [(i.due_on, i.total_minor) for i in schedule])
        if clearly_within_cap(flows, on, regime):
            return  # a float screen; the exact Decimal rate decides whenever the plan is near the cap
        rate = disclose_schedule(1_000_000, on, PricingMethod.FLAT_MONTHLY_FEE, schedule).rate
        check_cap(rate, on, regime)


# Checks already passed, keyed by the product object's identity: hashing a Product (a frozen dataclass of nested
# terms) for the cache above costs several microseconds on every purchase. Each entry holds its product, so the
# id cannot be reused by another object while the entry exists; the value is compared by identity.
_PASSED: dict[tuple[int, int, str, date, int, int], Product] = {}
_PASSED_MAX = 8192


def check_pricing_cap(policies: Policies, line: CreditLine, periods: int, on: date) -> None:
    """Refuse a plan whose annualised cost breaks the cap in force (the error shows the rate and the cap)."""
    regime, product = policies.cap_regime, line.product  # the terms the line was opened on
    if regime is None:
        return
    key = (id(product), periods, regime, on, line.statement_day, line.due_days)
    if _PASSED.get(key) is product:
        return
    _option_checked(product, periods, regime, on, line.statement_day, line.due_days)  # raises on a breach
    if len(_PASSED) >= _PASSED_MAX:
        _PASSED.clear()
    _PASSED[key] = product


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


def decide_application(cmd: c.DecideApplication, uow: UnitOfWork, policies: Policies) -> Any:
    from creditloop.app.underwriting import decide
    from creditloop.app.underwriting_setup import default_underwriting

    return decide(cmd, uow, policies.underwriting or default_underwriting(), policies.product)


def decide_applications(cmd: c.DecideApplications, uow: UnitOfWork, policies: Policies) -> list[Any]:
    from creditloop.app.underwriting_batch import decide_many
    from creditloop.app.underwriting_setup import default_underwriting

    return decide_many(cmd.items, uow, policies.underwriting or default_underwriting(), policies.product)


def open_line(cmd: c.OpenLine, uow: UnitOfWork, policies: Policies) -> CreditLine:
    product = policies.product if cmd.product is None else catalog_product(cmd.product)
    line = CreditLine.open(
        cmd.line_id,
        cmd.customer_id,
        product,
        cmd.limit_minor,
        cmd.opened_on,
        statement_day=cmd.statement_day,
        due_days=cmd.due_days,
    )
    try:
        uow.lines.add(line)
    except IdempotencyConflict:
        existing = uow.lines.get(cmd.line_id)
        if not _same_opening(existing, line):
            raise IdempotencyConflict(
                f"line {cmd.line_id} already exists with a different customer, limit, date, cycle or product"
            ) from None
        return existing  # a retry of the same request: the original result
    return line


def _same_opening(existing: CreditLine, requested: CreditLine) -> bool:
    """The request that opened ``existing``, compared field by field (its limit as opened, not as changed since)."""
    return (
        existing.customer_id,
        existing.opened_limit_minor,
        existing.opened_on,
        existing.statement_day,
        existing.due_days,
        existing.product.key,
    ) == (
        requested.customer_id,
        requested.limit_minor,
        requested.opened_on,
        requested.statement_day,
        requested.due_days,
        requested.product.key,
    )


def _posted(uow: UnitOfWork, line: CreditLine, on: date) -> list[JournalEntry] | None:
    """The line's journal, when a command's value date is already closed and history must be re-derived."""
    if on > line.last_closed_on:
        return None
    last = uow.day_ends.last_done()
    if last is not None and last > line.last_closed_on:
        # A line day-end skipped (nothing due) lags the book: catch it up (a quiet stretch posts nothing) so the
        # correction is booked on the book's open business date, not inside days already closed.
        line.close_through(last)
    uow.flush()
    return uow.journal.line_entries(line.line_id)


def purchase(cmd: c.Purchase, uow: UnitOfWork, policies: Policies) -> Plan:
    line = uow.lines.get(cmd.line_id)
    if cmd.purchase_id not in line.seen_ids:  # a retry is answered by the line, not priced again
        check_pricing_cap(policies, line, cmd.periods, cmd.on)
    return line.purchase(cmd.purchase_id, cmd.amount_minor, cmd.periods, cmd.on, posted=_posted(uow, line, cmd.on))


def refund(cmd: c.Refund, uow: UnitOfWork, policies: Policies) -> int:
    line = uow.lines.get(cmd.line_id)
    return line.refund(cmd.refund_id, cmd.purchase_id, cmd.amount_minor, cmd.on, posted=_posted(uow, line, cmd.on))


def repay(cmd: c.Repay, uow: UnitOfWork, policies: Policies) -> RepaymentResult:
    line = uow.lines.get(cmd.line_id)
    return line.repay(cmd.payment_id, cmd.amount_minor, cmd.on, posted=_posted(uow, line, cmd.on))


def authorise(cmd: c.Authorise, uow: UnitOfWork, policies: Policies) -> Hold:
    return uow.lines.get(cmd.line_id).authorise(cmd.hold_id, cmd.amount_minor, cmd.on, cmd.expires_on)


def capture(cmd: c.Capture, uow: UnitOfWork, policies: Policies) -> Plan:
    line = uow.lines.get(cmd.line_id)
    if cmd.capture_id not in line.seen_ids:  # a retry is answered by the line, not priced again
        check_pricing_cap(policies, line, cmd.periods, cmd.on)
    return line.capture(cmd.capture_id, cmd.hold_id, cmd.amount_minor, cmd.periods, cmd.on, cmd.final)


def void(cmd: c.Void, uow: UnitOfWork, policies: Policies) -> None:
    uow.lines.get(cmd.line_id).void(cmd.void_id, cmd.hold_id, cmd.on)


def reverse_payment(cmd: c.ReversePayment, uow: UnitOfWork, policies: Policies) -> ReversalResult:
    line = uow.lines.get(cmd.line_id)
    uow.flush()
    line.reverse_payment(cmd.reversal_id, cmd.payment_id, cmd.on, posted=uow.journal.line_entries(line.line_id))
    return reversal_result(line, cmd.reversal_id, cmd.payment_id)  # re-derived, or booked as a returned payment


def refund_credit_balance(cmd: c.RefundCreditBalance, uow: UnitOfWork, policies: Policies) -> None:
    uow.lines.get(cmd.line_id).refund_credit_balance(cmd.refund_id, cmd.amount_minor, cmd.on)


def change_line(cmd: c.ChangeLine, uow: UnitOfWork, policies: Policies) -> None:
    line = uow.lines.get(cmd.line_id)
    if cmd.action == "limit":
        if cmd.limit_minor is None:
            raise ValidationError("a limit change needs limit_minor", field="limit_minor")
        line.change_limit(cmd.change_id, cmd.limit_minor, cmd.on)
    elif cmd.action == "freeze":
        line.freeze(cmd.change_id, cmd.on)
    elif cmd.action == "unfreeze":
        line.unfreeze(cmd.change_id, cmd.on)
    elif cmd.action == "close":
        line.close(cmd.change_id, cmd.on)
    else:
        raise ValidationError(f"action must be limit, freeze, unfreeze or close, got {cmd.action!r}", field="action")


def restructure_line(cmd: c.Restructure, uow: UnitOfWork, policies: Policies) -> RestructurePreview | None:
    line = uow.lines.get(cmd.line_id)
    ev = restructure.event(cmd.kind, cmd.request_id, cmd.on, dict(cmd.params))
    if line.knows(ev):  # a retry (another payload raises): the first answer, never previewed or capped again
        return with_disclosure(restructure.original(line, ev))
    preview = restructure.preview(line, ev)
    shown = _disclosures(preview)
    if policies.cap_regime is not None:
        check_restructured(shown, cmd.on, policies.cap_regime)  # exactly the plans the customer is shown
    if cmd.preview:
        return _with(preview, shown)
    return _with(restructure.apply(line, ev), shown)


def _disclosures(result: RestructurePreview) -> tuple[Disclosure, ...]:
    """The plans the restructure created or re-priced, each disclosed over its own contract (PBoC method).

    Only these are checked against the cap: a concession (waiver, fee cut, holiday without accrual, settlement)
    never raises what the customer pays, and annualising the rest of an existing plan from the restructure date
    charged a whole period's fee to a stub of days (issue 15: a penalty waiver refused at "40.03%")."""
    return tuple(
        disclose_schedule(p.amount_minor, p.start_on, PricingMethod.FLAT_MONTHLY_FEE, list(p.installments))
        for p in result.priced
        if p.amount_minor > 0
    )


def _with(result: RestructurePreview, shown: tuple[Disclosure, ...]) -> RestructurePreview:
    if not shown:
        return result
    docs = tuple(d.to_dict() for d in shown)
    return replace(result, disclosure=docs[0], disclosures=docs)


def with_disclosure(result: RestructurePreview) -> RestructurePreview:
    """The new or re-priced plans' annualised cost (PBoC method), as a customer must be shown it."""
    return _with(result, _disclosures(result))


def undo_restructure(cmd: c.UndoRestructure, uow: UnitOfWork, policies: Policies) -> None:
    line = uow.lines.get(cmd.line_id)
    uow.flush()
    line.undo(cmd.undo_id, cmd.request_id, cmd.on, posted=uow.journal.line_entries(line.line_id))


def request_hardship(cmd: c.RequestHardship, uow: UnitOfWork, policies: Policies) -> HardshipResult:
    """Assess a line for a term extension and apply it if accepted; idempotent by ``request_id``."""
    decision_id = f"hardship/{cmd.request_id}"
    command = fingerprint(asdict(cmd))
    known = uow.audit.get(decision_id)
    if known is not None:  # a retry returns the decision already made; another payload is refused
        if not known.trace or known.trace[0].get("command") != command:
            raise IdempotencyConflict(f"hardship request {cmd.request_id!r} was already decided on another payload")
        offer = TermExtensionOffer(**known.trace[1]) if len(known.trace) > 1 else None
        return HardshipResult(HardshipAssessment(known.outcome == "eligible", known.reasons, offer), None)
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
    applied = None
    if assessment.eligible and assessment.offer is not None and cmd.accept:
        offer = assessment.offer
        if offer.fee_bps_per_month and policies.cap_regime is not None:
            shown = _disclosures(
                restructure.preview(
                    line,
                    restructure.event(
                        "term_extension",
                        cmd.request_id,
                        cmd.on,
                        {
                            "periods": offer.periods,
                            "monthly_fee_bps": offer.fee_bps_per_month,
                            "waive_penalty": offer.waive_penalty,
                        },
                    ),
                )
            )
            check_restructured(shown, cmd.on, policies.cap_regime)
        applied = with_disclosure(
            apply_term_extension(
                line, cmd.request_id, cmd.on, offer.periods, offer.fee_bps_per_month, offer.waive_penalty
            )
        )
    uow.audit.record(
        AuditRecord(
            decision_id=decision_id,
            kind="hardship",
            subject_id=line.line_id,
            decided_on=cmd.on,
            policy_id=policies.hardship.policy_id,
            policy_version=policies.hardship.version,
            inputs_hash=fingerprint(asdict(case)),
            outcome="eligible" if assessment.eligible else "ineligible",
            reasons=assessment.reasons,
            trace=({"command": command}, *((asdict(assessment.offer),) if assessment.offer else ())),
        )
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
        store = panel_store(uow)
        if store is not None and is_month_end(day):  # the month's behaviour rows for ``ewi run`` (issue 14)
            ids = uow.lines.ids()
            mark_month(store, day, *write_month_rows(uow, store, day, ids))
        uow.day_ends.mark(DayEndRecord(day, "DONE", closed))
    rec = reconcile(uow, cmd.business_date) if cmd.reconcile and dates else None
    return DayEndResult(dates, closed, rec)


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
    ok = not (checks.trial_balance(balances) or checks.control_equals_lines(control, sub))
    rec = ReconciliationRecord(business_date, trial, control, sub, ok)
    uow.day_ends.reconcile(rec)
    return rec


HANDLERS: dict[type, Callable[..., Any]] = {
    c.SubmitApplication: submit_application,
    c.DecideApplication: decide_application,
    c.DecideApplications: decide_applications,
    c.OpenLine: open_line,
    c.Purchase: purchase,
    c.Refund: refund,
    c.Repay: repay,
    c.Authorise: authorise,
    c.Capture: capture,
    c.Void: void,
    c.ReversePayment: reverse_payment,
    c.RefundCreditBalance: refund_credit_balance,
    c.ChangeLine: change_line,
    c.Restructure: restructure_line,
    c.UndoRestructure: undo_restructure,
    c.RequestHardship: request_hardship,
    c.RunDayEnd: run_day_end,
}
