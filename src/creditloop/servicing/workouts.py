"""Restructuring money operations applied to the line's state: term extension, re-age, re-amortise, fee-rate
reduction, penalty waiver, payment holiday (settlement offers are ``settlement.py``). Their public face (commands
from loose parameters, previews, retries) is ``restructure.py``; these are the handlers ``registry.HANDLERS`` runs
for the typed commands.

Concessions are booked (Dr Expenses:Concessions); fees never recognised (unbilled) are forgone without an entry.
Every handler validates before it changes anything: a refusal leaves the line as it was.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from creditloop.core.dates import add_months
from creditloop.core.errors import DomainError, ValidationError
from creditloop.core.money import round_minor
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, entry
from creditloop.ledger.ids import escape_id
from creditloop.products.schedule import next_statement_on
from creditloop.servicing.commands import (
    FeeReduction,
    PaymentHoliday,
    PenaltyWaiver,
    Reage,
    Reamortise,
    TermExtension,
)
from creditloop.servicing.model import Installment, LineStatus, Plan, PlanKind
from creditloop.servicing.state import LineState


def _restructurable(line: LineState) -> None:
    if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN):
        raise DomainError(f"line {line.line_id} is {line.status.value}: cannot restructure", code="line_not_active")


def _periods(value: object, name: str = "periods") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 60:
        raise ValidationError(f"{name} must be an integer between 1 and 60, got {value!r}", field=name)
    return value


def _mark(line: LineState, on: date, freeze: bool) -> None:
    line.restructured_on = on
    if freeze and line.status is LineStatus.ACTIVE:
        # A workout closes the line to new spending (OCC 2003-1 "workout programs").
        line.status = LineStatus.FROZEN
        line.release_holds()
    line.archive_settled()


def _waive(line: LineState, request_id: str, on: date, amount: int) -> None:
    if amount <= 0:
        return
    line.penalty_minor -= amount
    line.post(
        entry(
            f"{escape_id(line.line_id)}/waive/{escape_id(request_id)}",
            EntryCode.CONCESSION,
            on,
            line.line_id,
            [(Account.EXPENSE_CONCESSIONS, amount)],
            [(Account.RECEIVABLE_PENALTY, amount)],
            frozenset({f"restructure:{request_id}"}),
        )
    )


def _consolidate(line: LineState) -> tuple[int, int, int]:
    """Close every installment at what was paid; return (unpaid principal, owed fees, owed interest) moved out."""
    principal, owed_fees, owed_interest = line.principal_minor, line.fee_minor, line.interest_minor
    for plan in line.plans:
        for inst in plan.installments:
            inst.principal_minor = inst.paid_principal_minor
            inst.fee_minor = inst.interest_minor = 0
            inst.carried_fee_minor = inst.paid_fee_minor
            inst.carried_interest_minor = inst.paid_interest_minor
            inst.billed = True
    return principal, owed_fees, owed_interest


def _consolidate_from(line: LineState, from_due: date) -> int:
    """Take the unpaid principal of unbilled installments due on or after ``from_due`` (their charges are
    forgone: they were never recognised)."""
    moved = 0
    for plan in line.plans:
        for inst in plan.installments:
            if not inst.billed and inst.due_on >= from_due and inst.unpaid_principal_minor:
                moved += inst.unpaid_principal_minor
                inst.principal_minor = inst.paid_principal_minor
                inst.fee_minor = inst.interest_minor = 0
    return moved


def _new_plan(
    line: LineState, request_id: str, on: date, principal: int, fee_bps: int, installments: list[Installment]
) -> Plan:
    plan = Plan(
        plan_id=f"{escape_id(line.line_id)}/plan/{line.plan_count + 1}",
        purchase_id=request_id,
        purchased_on=on,
        principal_minor=principal,
        periods=len(installments),
        monthly_fee_bps=fee_bps,
        installments=installments,
        kind=PlanKind.RESTRUCTURE,
    )
    line.plans.append(plan)
    return plan


def _statement_for(line: LineState, due_on: date) -> date:
    """The statement that bills an installment due on ``due_on``: the last statement day before it."""
    candidate = due_on.replace(day=line.statement_day)
    if candidate >= due_on:
        candidate = add_months(candidate, -1)
    return candidate


def _dates(start: date, periods: int, every: int, unit: str) -> list[date]:
    if unit == "months":
        return [add_months(start, k * every) for k in range(periods)]
    if unit == "days":
        return [start + timedelta(days=k * every) for k in range(periods)]
    raise ValidationError(f"unit must be 'months' or 'days', got {unit!r}", field="unit")


def split(total: int, parts: int, multiple: int) -> list[int]:
    """Equal parts rounded down to the multiple; the last absorbs the rest (Baitiao's and Fineract's convention)."""
    base = (total // parts) // max(1, multiple) * max(1, multiple)
    return [base] * (parts - 1) + [total - base * (parts - 1)]


def _clear_delinquency_if_current(line: LineState, on: date) -> None:
    if line.past_due_minor(on) == 0:
        line.delinquent_since, line.dpd = None, 0


def term_extension(line: LineState, cmd: TermExtension) -> None:
    """Consolidate unpaid principal (all of it, or that due from ``from_due_on``) into ``periods`` new monthly
    installments; owed fees and interest ride on the first one."""
    _restructurable(line)
    periods, fee_bps, on = _periods(cmd.periods), cmd.monthly_fee_bps, cmd.on
    if isinstance(fee_bps, bool) or not isinstance(fee_bps, int) or not 0 <= fee_bps <= 500:
        raise ValidationError("monthly_fee_bps must be an integer between 0 and 500", field="monthly_fee_bps")
    from_due = cmd.from_due_on
    first_due = cmd.first_due_on or from_due
    if first_due is not None and first_due <= on:
        raise ValidationError("the first new due date must be after the restructure date", field="first_due_on")
    if from_due is None:
        if line.principal_minor <= 0:
            raise DomainError("nothing to restructure: no unpaid principal", code="nothing_to_restructure")
        principal, owed_fees, owed_interest = _consolidate(line)
    else:
        principal, owed_fees, owed_interest = _consolidate_from(line, from_due), 0, 0
        if principal <= 0:
            raise DomainError(f"nothing due from {from_due} to extend", code="nothing_to_restructure")
    if first_due is None:
        first_statement = next_statement_on(on, line.statement_day)
        dues = [add_months(first_statement, k) + timedelta(days=line.due_days) for k in range(periods)]
    else:
        dues = [add_months(first_due, k) for k in range(periods)]
    fee = round_minor(Decimal(principal) * fee_bps / Decimal(10_000), line.product.rounding)
    amounts = split(principal, periods, 1)
    installments = [
        Installment(k + 1, _statement_for(line, due), due, amount, fee)
        for k, (due, amount) in enumerate(zip(dues, amounts, strict=True))
    ]
    installments[0].carried_fee_minor = owed_fees  # already recognised: carried, never billed again
    installments[0].carried_interest_minor = owed_interest
    _new_plan(line, cmd.id, on, principal, fee_bps, installments)
    if cmd.waive_penalty:
        _waive(line, cmd.id, on, line.penalty_minor)
    _clear_delinquency_if_current(line, on)
    _mark(line, on, cmd.freeze)


def reage(line: LineState, cmd: Reage) -> None:
    """Fineract-style re-age: unpaid principal of every plan spread over ``periods`` installments from ``start_on``."""
    _restructurable(line)
    periods, on, start = _periods(cmd.periods), cmd.on, cmd.start_on
    if start <= on:
        raise ValidationError("start_on must be after the re-age date", field="start_on")
    every = _periods(cmd.every, "every") if cmd.unit == "months" else int(cmd.every)
    if line.principal_minor <= 0:
        raise DomainError("nothing to re-age: no unpaid principal", code="nothing_to_restructure")
    dues = _dates(start, periods, every, cmd.unit)
    principal, owed_fees, owed_interest = _consolidate(line)
    amounts = split(principal, periods, int(cmd.multiple_minor))
    installments = [
        Installment(k + 1, _statement_for(line, due), due, amount, 0)
        for k, (due, amount) in enumerate(zip(dues, amounts, strict=True))
    ]
    installments[0].carried_fee_minor = owed_fees
    installments[0].carried_interest_minor = owed_interest
    _new_plan(line, cmd.id, on, principal, 0, installments)
    line.delinquent_since, line.dpd = None, 0
    _mark(line, on, cmd.freeze)


def reamortise(line: LineState, cmd: Reamortise) -> None:
    """Spread each plan's past-due principal over its remaining future installments, keeping the due dates."""
    _restructurable(line)
    on = cmd.on
    multiple = int(cmd.multiple_minor)
    work = []
    for plan in line.plans:  # validate every plan first: a refusal must leave the line untouched
        past = [i for i in plan.installments if i.billed and i.due_on < on and i.unpaid_principal_minor]
        future = [i for i in plan.installments if i.due_on >= on and not (i.billed and i.due_on < on)]
        amount = sum(i.unpaid_principal_minor for i in past)
        if not amount:
            continue
        if not future:
            raise DomainError(
                f"plan {plan.plan_id} has no future installment to re-amortise over", code="nothing_to_restructure"
            )
        work.append((past, future, amount))
    if not work:
        raise DomainError("nothing past due to re-amortise", code="nothing_to_restructure")
    for past, future, amount in work:
        for inst in past:
            inst.principal_minor = inst.paid_principal_minor
        # Fineract: the past-due amount joins the future installments, each rounded to the multiple.
        owed = amount + sum(i.unpaid_principal_minor for i in future)
        for inst, share in zip(future, split(owed, len(future), multiple), strict=True):
            inst.principal_minor = inst.paid_principal_minor + share
    _clear_delinquency_if_current(line, on)
    _mark(line, on, freeze=False)


def fee_reduction(line: LineState, cmd: FeeReduction) -> None:
    """Lower the monthly fee rate of every plan from now on; optionally also on billed, unpaid fees."""
    _restructurable(line)
    bps, on = cmd.monthly_fee_bps, cmd.on
    if isinstance(bps, bool) or not isinstance(bps, int) or bps < 0:
        raise ValidationError("monthly_fee_bps must be a non-negative integer", field="monthly_fee_bps")
    conceded = 0
    lowered = [(plan, _fee_at(line, plan, bps)) for plan in line.plans if bps < plan.monthly_fee_bps]
    if not any(_cuts(plan, fee, cmd.include_billed) for plan, fee in lowered):
        # A concession must concede something: no plan has a fee above the new rate still to bill (or owed).
        raise DomainError(
            f"monthly_fee_bps: no unbilled{' or owed' if cmd.include_billed else ''} fee above {bps} bps to reduce",
            code="nothing_to_concede",
            field="monthly_fee_bps",
        )
    for plan, new_fee in lowered:
        for inst in plan.installments:
            if not inst.billed and inst.fee_minor:
                inst.fee_minor = min(inst.fee_minor, new_fee)
            elif cmd.include_billed and inst.billed and inst.unpaid_fee_minor:
                cut = min(inst.unpaid_fee_minor, max(0, inst.fee_minor - new_fee))
                inst.fee_minor -= cut
                conceded += cut
        plan.monthly_fee_bps = bps
    if conceded:
        line.post(
            entry(
                f"{escape_id(line.line_id)}/fee-cut/{escape_id(cmd.id)}",
                EntryCode.CONCESSION,
                on,
                line.line_id,
                [(Account.EXPENSE_CONCESSIONS, conceded)],
                [(Account.RECEIVABLE_FEE, conceded)],
                frozenset({f"restructure:{cmd.id}"}),
            )
        )
    _mark(line, on, freeze=False)


def _fee_at(line: LineState, plan: Plan, bps: int) -> int:
    """A plan's monthly fee at ``bps`` (flat, on the plan's original principal, as it was priced)."""
    return round_minor(Decimal(plan.principal_minor) * bps / Decimal(10_000), line.product.rounding)


def _cuts(plan: Plan, new_fee: int, include_billed: bool) -> bool:
    """Whether lowering the plan's fee to ``new_fee`` changes any installment."""
    for inst in plan.installments:
        if not inst.billed and inst.fee_minor > new_fee:
            return True
        if include_billed and inst.billed and inst.unpaid_fee_minor and inst.fee_minor > new_fee:
            return True
    return False


def penalty_waiver(line: LineState, cmd: PenaltyWaiver) -> None:
    """Waive accrued penalty (all of it by default), booked as a concession."""
    _restructurable(line)
    if line.penalty_minor <= 0:
        raise DomainError(
            "penalty_minor: no accrued penalty to waive", code="nothing_to_concede", field="penalty_minor"
        )
    amount = line.penalty_minor if cmd.amount_minor is None else cmd.amount_minor
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError("amount_minor must be a positive integer", field="amount_minor")
    if amount > line.penalty_minor:
        raise DomainError(
            f"waiver {amount} exceeds the accrued penalty {line.penalty_minor}", code="waiver_exceeds_penalty"
        )
    _waive(line, cmd.id, cmd.on, amount)
    _mark(line, cmd.on, freeze=False)


def payment_holiday(line: LineState, cmd: PaymentHoliday) -> None:
    """Move every unbilled installment due on or after ``from_due_on`` later by ``months`` months.

    Without accrual the holiday is free: the same fees, paid later. With ``accrue`` each plan's monthly fee
    keeps running for the holiday's months on the principal it defers (``months`` x the plan's rate x the
    deferred principal), added to the first installment after the holiday and recognised when that bills —
    the plan is re-priced, so the service layer checks it against the pricing cap."""
    _restructurable(line)
    months, start = _periods(cmd.months, "months"), cmd.from_due_on
    moving = [(plan, [i for i in plan.installments if not i.billed and i.due_on >= start]) for plan in line.plans]
    if not any(insts for _, insts in moving):
        raise DomainError(
            f"from_due_on: no unbilled installment is due on or after {start}",
            code="nothing_to_restructure",
            field="from_due_on",
        )
    for plan, insts in moving:
        for inst in insts:
            inst.due_on = add_months(inst.due_on, months)
            inst.statement_on = add_months(inst.statement_on, months)
        if cmd.accrue and insts and plan.monthly_fee_bps:
            deferred = sum(i.unpaid_principal_minor for i in insts)
            monthly = round_minor(Decimal(deferred) * plan.monthly_fee_bps / Decimal(10_000), line.product.rounding)
            insts[0].fee_minor += months * monthly
    _mark(line, cmd.on, freeze=False)
