"""The service side of the hardship options (issue 15): the case a line presents, each option previewed through
the ``Restructure`` command, and the payments a plan is tracked against.

The pure generator, valuation and ranking are in ``collections.options``; this module only reads the line and
runs the previews (which never change it: ``servicing.restructure.preview`` works on a copy).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from creditloop.app import commands as c
from creditloop.app.ewi_handlers import short_id
from creditloop.app.handlers import Policies, restructure_line
from creditloop.app.hardship_store import StoredRequest
from creditloop.app.ports import UnitOfWork
from creditloop.collections.options import REAGING_KINDS, Candidate, OptionsCase, OptionValue, PlanFacts
from creditloop.core.errors import DomainError
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import Side
from creditloop.products.apr import eu_rate, flows_of
from creditloop.products.pricing import option_schedule
from creditloop.servicing.credit_line import CreditLine, LineStatus
from creditloop.servicing.model import PlanKind
from creditloop.servicing.restructure import RestructurePreview


def options_case(line: CreditLine, request: StoredRequest, on: date) -> OptionsCase:
    """The line as of the close of the day before ``on`` (the line is caught up to it first)."""
    line.close_through(on - timedelta(days=1))
    upcoming = [i.due_on for i in line.installments() if not i.billed and i.due_on > on]
    charged_off = line.status is LineStatus.CHARGED_OFF
    # A charged-off line's balance is its memo balance (the receivable was written off), as a settlement sees it.
    balance = max(0, line.charged_off_minor - line.credit_balance_minor) if charged_off else line.balance_minor
    return OptionsCase(
        line_id=line.line_id,
        on=on,
        dpd=line.dpd,
        balance_minor=balance,
        penalty_minor=line.penalty_minor,
        charged_off=charged_off,
        disposable_income_minor=max(0, request.monthly_income_minor - request.monthly_expenses_minor),
        next_due_on=min(upcoming, default=None),
        disaster=request.category == "disaster",
        reaged_on=tuple(
            date.fromisoformat(str(r["on"])) for r in line.events if r.get("kind") in (*REAGING_KINDS, "reage")
        ),
    )


def _refusal(exc: DomainError) -> str:
    """A stable reason for an option the servicing layer refused (the unknown kind or parameter named)."""
    if exc.code == "invalid_input" and exc.field == "kind":
        return "kind_not_supported"
    if exc.code == "invalid_input" and exc.field:
        return f"invalid_param:{exc.field}"
    return exc.code


def preview_facts(
    uow: UnitOfWork, policies: Policies, case: OptionsCase, candidate: Candidate, request_id: str, *, apply: bool
) -> tuple[PlanFacts, RestructurePreview | None]:
    """Run the candidate through the ``Restructure`` command (a preview, or the real thing when ``apply``); a
    refusal (the pricing cap, a kind the servicing layer does not know) becomes ``PlanFacts.refused`` on a
    preview and propagates when applying."""
    cmd = c.Restructure(request_id, case.line_id, candidate.kind, case.on, candidate.params, preview=not apply)
    try:
        result = restructure_line(cmd, uow, policies)
    except DomainError as exc:
        if apply:
            raise
        return PlanFacts(refused=_refusal(exc)), None
    if result is None:  # restructure_line always answers; a None would be a wiring mistake
        return PlanFacts(refused="no_preview"), None
    return plan_facts(case, candidate, result), result


def plan_facts(case: OptionsCase, candidate: Candidate, result: RestructurePreview) -> PlanFacts:
    """The payments the customer owes under the plan and what the plan gives up."""
    if candidate.kind == "settlement":
        params = dict(candidate.params)
        amount, due_on = int(str(params["amount_minor"])), date.fromisoformat(str(params["due_on"]))
        return PlanFacts(((due_on, amount),), max(_given_up(result), case.balance_minor - amount), result.disclosure)
    waived_penalty = sum(
        p.amount_minor
        for e in result.entries
        for p in e.postings
        if p.account is Account.RECEIVABLE_PENALTY and p.side is Side.CREDIT
    )
    # What fell due before the plan starts is owed at its start: the plan is tracked from there.
    payments = [
        (max(r["due_on"], case.on), r["principal_minor"] + r["fee_minor"] + r["interest_minor"]) for r in result.after
    ]
    penalty_left = case.penalty_minor - waived_penalty
    if penalty_left > 0:  # penalty stays owed now, outside the installments
        payments.append((case.on, penalty_left))
    by_day: dict[date, int] = {}
    for day, amount in payments:
        by_day[day] = by_day.get(day, 0) + amount
    schedule = tuple(sorted((d, a) for d, a in by_day.items() if a > 0))
    return PlanFacts(schedule, _given_up(result), result.disclosure)


def _given_up(result: RestructurePreview) -> int:
    """Booked concessions and forgone fees, net of any charges the restructure adds (a new plan's fees, a
    holiday's accrual) where the preview reports them apart (``added_charges_minor``; absent: already netted)."""
    added = int(getattr(result, "added_charges_minor", 0))
    return max(0, result.concession_minor + result.forgone_fee_minor - added)


def current_payments(line: CreditLine, case: OptionsCase) -> tuple[tuple[date, int], ...]:
    """The status quo: the open installments as they stand (principal, fees and interest still to pay), and the
    penalty owed now."""
    rows = [
        (i.due_on, i.unpaid_minor + (0 if i.billed else i.fee_minor + i.interest_minor)) for i in line.installments()
    ]
    if case.penalty_minor:
        rows.append((case.on, case.penalty_minor))
    return tuple(sorted((d, a) for d, a in rows if a > 0))


def original_eir(line: CreditLine) -> Decimal | None:
    """The line's original effective rate, for the EU diminished-obligation test (EBA/GL/2016/07 §51: the NPV
    before and after is discounted at the original effective interest rate): each purchase plan's EU APRC on its
    schedule as first booked (the principal advanced on the purchase date, every installment's principal, fee and
    interest on its due date), weighted by the plan's principal. None when the line holds no purchase plan."""
    weighted, total = Decimal(0), 0
    for plan in (*line.settled_plans, *line.plans):
        if plan.kind is not PlanKind.PURCHASE or plan.principal_minor <= 0:
            continue
        rows = option_schedule(
            line.product, plan.periods, plan.principal_minor, plan.purchased_on, line.statement_day, line.due_days
        )
        flows = flows_of(plan.purchased_on, plan.principal_minor,
                         [(r.due_on, r.principal_minor + r.fee_minor + r.interest_minor) for r in rows])  # fmt: skip
        weighted += eu_rate(flows).effective * plan.principal_minor
        total += plan.principal_minor
    return weighted / total if total else None


def line_payments(line: CreditLine, since: date, through: date) -> list[tuple[date, int]]:
    """Payments on the line dated ``since``..``through``, less those reversed or returned since."""
    undone = {r.get("target_id") for r in line.events if r.get("kind") in ("reverse_payment", "return_payment")}
    out: list[tuple[date, int]] = []
    for r in line.events:
        if r.get("kind") != "repay" or r.get("id") in undone:
            continue
        on = date.fromisoformat(str(r["on"]))
        if since <= on <= through:
            out.append((on, int(str(r["amount_minor"]))))
    return sorted(out)


def plan_id_of(request_id: str, option_id: str) -> str:
    """The plan's id, also the ``Restructure`` command's request id: the same request and option, the same id."""
    return short_id("HP", request_id, option_id)


def preview_id_of(request_id: str, option_id: str, on: date) -> str:
    return short_id("HV", request_id, option_id, on)


def option_dict(v: OptionValue, rank: int | None) -> dict[str, Any]:
    """An option as stored on the request and printed by ``--json`` (dates as ISO strings)."""
    out = asdict(v)
    out["params"] = {k: (x.isoformat() if isinstance(x, date) else x) for k, x in v.params}
    out["rank"] = rank
    return out
