"""Plans and their schedules: purchases (and captures) booked as installment plans, merchant refunds, and a
returned payment owed again as a one-installment plan."""

from __future__ import annotations

from datetime import date

from creditloop.core.errors import DomainError, NotFound, require
from creditloop.core.money import require_positive
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, entry
from creditloop.ledger.ids import escape_id
from creditloop.products.pricing import option_schedule
from creditloop.servicing.commands import Purchase, Refund, ReturnPayment
from creditloop.servicing.model import Installment, LineStatus, Plan, PlanKind, SettlementStatus, reduce_evenly
from creditloop.servicing.state import LineState


def purchase(line: LineState, cmd: Purchase) -> Plan:
    amount_minor, periods = cmd.amount_minor, cmd.periods
    require_positive(amount_minor, "amount_minor")
    line.product.option(periods)  # refuses an unknown option before anything changes
    if line.status is not LineStatus.ACTIVE:
        raise DomainError(f"line {line.line_id} is {line.status.value}: purchases refused", code="line_not_active")
    if amount_minor > line.open_to_buy_minor:
        raise DomainError(
            f"amount {amount_minor} exceeds open-to-buy {line.open_to_buy_minor}", code="insufficient_open_to_buy"
        )
    return book_purchase(line, cmd.id, amount_minor, periods, cmd.on)


def book_purchase(line: LineState, purchase_id: str, amount_minor: int, periods: int, on: date) -> Plan:
    """A new plan on the product's schedule (statement-cycle flat fee by default; an option with its own terms,
    EMI or pay-in-4, uses them), booked Dr principal / Cr merchant payable."""
    option = line.product.option(periods)
    schedule = option_schedule(line.product, periods, amount_minor, on, line.statement_day, line.due_days)
    plan = Plan(
        plan_id=f"{escape_id(line.line_id)}/plan/{line.plan_count + 1}",
        purchase_id=purchase_id,
        purchased_on=on,
        principal_minor=amount_minor,
        periods=periods,
        monthly_fee_bps=option.monthly_fee_bps,
        installments=[
            Installment(
                s.seq,
                s.statement_on,
                s.due_on,
                s.principal_minor,
                s.fee_minor,
                interest_minor=s.interest_minor,
                down_payment=s.is_down_payment,
            )
            for s in schedule
        ],
    )
    line.plans.append(plan)
    line.purchases_since_cut_minor += amount_minor
    line.post(
        entry(
            f"{escape_id(line.line_id)}/buy/{escape_id(purchase_id)}",
            EntryCode.PURCHASE,
            on,
            line.line_id,
            [(Account.RECEIVABLE_PRINCIPAL, amount_minor)],
            [(Account.MERCHANT_PAYABLE, amount_minor)],
            frozenset({plan.plan_id}),
        )
    )
    first = plan.installments[0]
    if first.down_payment and option.auto_down_payment:
        # Pay-in-4: the first quarter is collected at checkout, in the same command.
        first.billed = True
        first.paid_principal_minor = first.principal_minor
        line.post(
            entry(
                f"{escape_id(line.line_id)}/buy/{escape_id(purchase_id)}/down-payment",
                EntryCode.REPAYMENT,
                on,
                line.line_id,
                [(Account.CASH_CLEARING, first.principal_minor)],
                [(Account.RECEIVABLE_PRINCIPAL, first.principal_minor)],
                frozenset({plan.plan_id}),
            )
        )
    return plan


def find_plan(line: LineState, purchase_id: str) -> Plan | None:
    return next((p for p in [*line.plans, *line.settled_plans] if p.purchase_id == purchase_id), None)


def _refunded_plan(line: LineState, cmd: Refund) -> Plan:
    """The purchase's plan, once the refund is known to fit it (validated before anything changes)."""
    require_positive(cmd.amount_minor, "amount_minor")
    plan = next(
        (
            p
            for p in [*line.plans, *line.settled_plans]
            if p.purchase_id == cmd.purchase_id and p.kind is PlanKind.PURCHASE
        ),
        None,
    )
    if plan is None:
        raise NotFound(f"purchase {cmd.purchase_id!r} not found on line {line.line_id}", field="purchase_id")
    if cmd.amount_minor > plan.principal_minor - plan.refunded_minor:
        raise DomainError(
            f"refund {cmd.amount_minor} exceeds the refundable {plan.principal_minor - plan.refunded_minor}",
            code="refund_exceeds_purchase",
        )
    if line.status is LineStatus.CHARGED_OFF:
        raise DomainError("refunds on a charged-off line are handled as recoveries", code="line_charged_off")
    if line.settlement is not None and line.settlement.status is SettlementStatus.SETTLED:
        # The settlement closed what was owed (the rest forgiven): the line has no debt left for the goods to
        # reduce, and what the customer paid was an agreed sum, not this purchase's principal.
        raise DomainError(
            "refunds on a settled line are handled outside it: the settlement already closed what was owed",
            code="line_settled",
        )
    return plan


def refund(line: LineState, cmd: Refund) -> int:
    """A merchant refund reduces the plan from its last installments; what was already paid becomes credit.
    Returns the amount that went to the customer's credit balance."""
    plan = _refunded_plan(line, cmd)
    amount_minor = cmd.amount_minor
    # What the customer still owes for the purchase shrinks first: its own plan, then (after a
    # restructure moved that debt) the restructured plans, last installments first.
    left = amount_minor
    restructured = [p for p in reversed([*line.settled_plans, *line.plans]) if p.kind is PlanKind.RESTRUCTURE]
    sources = [plan, *restructured]
    rule = line.product.refund_allocation
    if rule == "reamortise":
        left = reduce_evenly(plan, left)
    for source in sources:
        ordered = source.installments if rule == "next" else list(reversed(source.installments))
        for inst in ordered:
            take = min(left, inst.unpaid_principal_minor)
            if take:
                inst.principal_minor -= take
                left -= take
                if not inst.billed and inst.unpaid_principal_minor == 0:
                    inst.fee_minor = inst.interest_minor = 0  # the refunded period owes no charges
    to_credit = left
    if left:
        # A term extension pools every purchase's debt into one plan, so an earlier refund of another
        # purchase may have taken this one's share of it; the rest of this refund is then principal the
        # customer paid, on the purchase's plans first and then, newest first, on the line's other plans.
        # Total principal across plans always covers what is still refundable, so the refund is placed.
        sources += [p for p in reversed([*line.settled_plans, *line.plans]) if all(p is not q for q in sources)]
    for source in sources:
        for inst in reversed(source.installments):
            # Principal already repaid is refunded too: the installment shrinks, the money becomes credit.
            take = min(left, inst.paid_principal_minor)
            inst.principal_minor -= take
            inst.paid_principal_minor -= take
            left -= take
    require(left == 0, f"refund of {amount_minor} on {plan.plan_id} could not be placed")
    plan.refunded_minor += amount_minor
    line.credit_balance_minor += to_credit
    line.post(
        entry(
            f"{escape_id(line.line_id)}/refund/{escape_id(cmd.id)}",
            EntryCode.REFUND,
            cmd.on,
            line.line_id,
            [(Account.MERCHANT_PAYABLE, amount_minor)],
            [(Account.RECEIVABLE_PRINCIPAL, amount_minor - to_credit), (Account.CUSTOMER_CREDIT, to_credit)],
            frozenset({plan.plan_id}),
        )
    )
    line.archive_settled()
    return to_credit


def return_payment(line: LineState, cmd: ReturnPayment) -> None:
    """A bounced payment whose history cannot be re-derived: the payment stands and what never arrived is
    taken back from the credit it left, if still held, and the rest is owed again at once, as a
    one-installment plan past due from the next day (so it ages, bears penalty and is collected like any
    overdue amount). A bounced recovery is written off again."""
    on = cmd.on
    result = line.results[cmd.target_id]
    recovered = result.recovery_minor
    owed = result.amount_minor - recovered
    from_credit = min(line.credit_balance_minor, owed)
    line.credit_balance_minor -= from_credit
    rest = owed - from_credit
    debits = [(Account.INCOME_RECOVERIES, recovered), (Account.CUSTOMER_CREDIT, from_credit)]
    if line.status is LineStatus.CHARGED_OFF:
        line.charged_off_minor += recovered + rest  # nothing is collected through the waterfall any more
        debits.append((Account.EXPENSE_CREDIT_LOSS, rest))
    else:
        line.charged_off_minor += recovered
        if rest:
            plan_id = f"{escape_id(line.line_id)}/plan/{line.plan_count + 1}"
            item = Installment(1, on, on, rest, 0, billed=True)
            line.plans.append(Plan(plan_id, cmd.id, on, rest, 1, 0, [item], kind=PlanKind.RETURNED_PAYMENT))
            debits.append((Account.RECEIVABLE_PRINCIPAL, rest))
            if line.status is LineStatus.CLOSED:
                line.status = LineStatus.FROZEN  # owes again, lends no more
    line.post(
        entry(
            f"{escape_id(line.line_id)}/returned/{escape_id(cmd.id)}",
            EntryCode.RETURNED_PAYMENT,
            on,
            line.line_id,
            debits,
            [(Account.CASH_CLEARING, result.amount_minor)],
            frozenset({f"payment:{cmd.target_id}", f"value_on:{cmd.value_on.isoformat()}"}),
        )
    )
