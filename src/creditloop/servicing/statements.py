"""Statements: the cycle's cut (what is due and the minimum), a credit balance applied at the cut, and unpaid
pay-next-month principal rolled over after a minimum payment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from creditloop.core.money import round_minor
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, entry
from creditloop.ledger.ids import escape_id
from creditloop.products.schedule import next_statement_on
from creditloop.servicing.model import PlanKind, Statement
from creditloop.servicing.state import LineState
from creditloop.servicing.waterfall import allocate


def cut_statement(line: LineState, day: date) -> None:
    if line.credit_balance_minor:
        apply_credit_balance(line, day)
    past_due = line.past_due_minor(day)
    due_now = sum(i.unpaid_minor for i in line.installments() if i.billed and i.due_on >= day)
    total = past_due + due_now + line.penalty_minor
    principal, fees, interest = line.billed_since_cut_minor
    line.statements.append(
        Statement(
            statement_on=day,
            due_on=day + timedelta(days=line.due_days),
            new_purchases_minor=line.purchases_since_cut_minor,
            installments_principal_minor=principal,
            installments_fee_minor=fees,
            past_due_minor=past_due,
            penalty_minor=line.penalty_minor,
            payments_minor=line.payments_since_cut_minor,
            total_due_minor=total,
            minimum_due_minor=minimum_due(line, day, total),
            installments_interest_minor=interest,
        )
    )
    line.purchases_since_cut_minor = 0
    line.payments_since_cut_minor = 0
    line.billed_since_cut_minor = [0, 0, 0]
    line.archive_settled()


def minimum_due(line: LineState, day: date, total: int) -> int:
    """Everything owed except what may revolve: a share of the pay-next-month principal (product rule)."""
    rule = line.product.minimum_payment
    if rule is None:
        return total
    revolvable = sum(
        i.unpaid_principal_minor
        for p in line.plans
        if p.periods == 1 and p.kind is PlanKind.PURCHASE
        for i in p.installments
        if i.billed and i.due_on >= day
    )
    if not revolvable:
        return total
    share = round_minor(Decimal(revolvable) * rule.percent_bps / Decimal(10_000), line.product.rounding)
    keep = max(share, min(rule.floor_minor, revolvable))
    return total - revolvable + keep


def roll_over(line: LineState, day: date) -> None:
    """The day after a due date: if the statement's minimum was paid, unpaid pay-next-month principal
    revolves to the next cycle instead of falling past due."""
    if line.product.minimum_payment is None or not line.statements:
        return
    st = line.statements[-1]
    if day != st.due_on + timedelta(days=1) or st.paid_by_due_minor < st.minimum_due_minor:
        return
    next_statement = next_statement_on(st.statement_on, line.statement_day)
    for plan in line.plans:
        if plan.periods != 1 or plan.kind is not PlanKind.PURCHASE:
            continue
        for inst in plan.installments:
            if inst.billed and inst.due_on == st.due_on and inst.unpaid_minor:
                inst.revolving = True
                inst.statement_on = next_statement
                inst.due_on = next_statement + timedelta(days=line.due_days)


def apply_credit_balance(line: LineState, day: date) -> None:
    """A credit balance pays what is owed at the statement, through the same waterfall."""
    amount = line.credit_balance_minor
    left, _allocation, credits = allocate(line, amount, day + timedelta(days=1))
    used = amount - left
    if used:
        line.credit_balance_minor = left
        line.post(
            entry(
                f"{escape_id(line.line_id)}/credit-applied/{day.isoformat()}",
                EntryCode.REPAYMENT,
                day,
                line.line_id,
                [(Account.CUSTOMER_CREDIT, used)],
                credits,
            )
        )
