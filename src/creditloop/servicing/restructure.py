"""Restructuring money operations. The first: a term extension that re-ages the line.

All unpaid principal (past due and future) is consolidated into one new plan over more periods, owed
fees are carried into its first installment, unbilled fees of the old plans are cancelled (forgone, not
booked: they were never recognised) and accrued penalty may be waived as a booked concession. Nothing
is past due afterwards, so days past due restart from zero — which is what re-aging means.
Hardship *decisions* (who gets which offer) live in ``creditloop.collections``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from creditloop.core.errors import DomainError, ValidationError
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, entry
from creditloop.products.schedule import ScheduledInstallment, flat_fee_schedule, next_statement_on
from creditloop.servicing.credit_line import CreditLine, Installment, LineStatus, Plan, fingerprint


@dataclass(frozen=True, slots=True)
class TermExtensionPreview:
    line_id: str
    on: date
    periods: int
    principal_minor: int
    carried_fee_minor: int
    penalty_waived_minor: int
    forgone_fee_minor: int
    schedule: tuple[ScheduledInstallment, ...]

    @property
    def installment_minor(self) -> int:
        return max(s.total_minor for s in self.schedule)


def preview_term_extension(
    line: CreditLine, on: date, periods: int, monthly_fee_bps: int = 0, waive_penalty: bool = True
) -> TermExtensionPreview:
    """What a term extension would do, without doing it."""
    if periods < 1 or periods > 60:
        raise ValidationError(f"periods must be between 1 and 60, got {periods}", field="periods")
    if monthly_fee_bps < 0:
        raise ValidationError("monthly_fee_bps must not be negative", field="monthly_fee_bps")
    if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN):
        raise DomainError(f"line {line.line_id} is {line.status.value}: cannot restructure", code="line_not_active")
    principal = line.principal_minor
    if principal <= 0:
        raise DomainError("nothing to restructure: no unpaid principal", code="nothing_to_restructure")
    carried = line.fee_minor
    forgone = sum(i.fee_minor for p in line.plans for i in p.installments if not i.billed and i.unpaid_principal_minor)
    first = next_statement_on(on, line.product.statement_day)
    schedule = flat_fee_schedule(
        principal, periods, monthly_fee_bps, first, line.product.due_days_after_statement, line.product.rounding
    )
    return TermExtensionPreview(
        line.line_id,
        on,
        periods,
        principal,
        carried,
        line.penalty_minor if waive_penalty else 0,
        forgone,
        tuple(schedule),
    )


def apply_term_extension(
    line: CreditLine, request_id: str, on: date, periods: int, monthly_fee_bps: int = 0, waive_penalty: bool = True
) -> TermExtensionPreview:
    payload = fingerprint("term_extension", on, periods, monthly_fee_bps, waive_penalty)
    if line._check_id(request_id, payload, "request_id"):
        raise DomainError(f"request {request_id!r} was already applied", code="already_applied")
    line._require_business_date(on)
    preview = preview_term_extension(line, on, periods, monthly_fee_bps, waive_penalty)
    for plan in line.plans:
        for inst in plan.installments:
            # Close the old installment at what was paid; its owed fee moves to the new plan.
            inst.principal_minor = inst.paid_principal_minor
            inst.fee_minor = 0
            inst.carried_fee_minor = inst.paid_fee_minor
    new_installments = [
        Installment(s.seq, s.statement_on, s.due_on, s.principal_minor, s.fee_minor) for s in preview.schedule
    ]
    new_installments[0].carried_fee_minor = preview.carried_fee_minor
    line.plans.append(
        Plan(
            plan_id=f"{line.line_id}/plan/{line.plan_count + 1}",
            purchase_id=request_id,
            purchased_on=on,
            principal_minor=preview.principal_minor,
            periods=periods,
            monthly_fee_bps=monthly_fee_bps,
            installments=new_installments,
            kind="restructure",
        )
    )
    if preview.penalty_waived_minor:
        line.penalty_minor -= preview.penalty_waived_minor
        line._post(
            entry(
                f"{line.line_id}/waive/{request_id}",
                EntryCode.CONCESSION,
                on,
                line.line_id,
                [(Account.EXPENSE_CONCESSIONS, preview.penalty_waived_minor)],
                [(Account.RECEIVABLE_PENALTY, preview.penalty_waived_minor)],
                frozenset({f"restructure:{request_id}"}),
            )
        )
    line.archive_settled()
    # A workout closes the line to new spending (OCC 2003-1 "workout programs"); it stays frozen.
    line.status = LineStatus.FROZEN
    line.delinquent_since = None
    line.dpd = 0
    line.restructured_on = on
    line.seen_ids[request_id] = payload
    line.version += 1
    return preview
