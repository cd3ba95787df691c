"""Day-end close: for each business date, in order and exactly once, holds expire, installments bill, the
statement is cut, days past due and penalty accrue, revolving interest accrues and a line charges off.

Quiet stretches (nothing overdue, no statement, no billing) are skipped in one step (``next_action_on``): their
day-end would change nothing but the closed date. Everything here runs for every line on every day of a
simulation: no indirection per installment or per day.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from decimal import Decimal
from typing import cast

from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, entry
from creditloop.ledger.ids import escape_id
from creditloop.products.penalty import accrue_penalty
from creditloop.servicing.delinquency import bucket, days_past_due
from creditloop.servicing.events import BucketChanged, ChargedOff, DomainEvent, DueMissed
from creditloop.servicing.model import ONE_DAY, HoldStatus, Installment, LineStatus, open_part, statement_on_of
from creditloop.servicing.settlement import lapse_if_due
from creditloop.servicing.state import LineState
from creditloop.servicing.statements import cut_statement, roll_over


def close_through(line: LineState, target: date) -> None:
    """Run day-end for every business date up to ``target`` not yet closed, in order, exactly once."""
    while line.last_closed_on < target:
        day = line.last_closed_on + ONE_DAY
        next_action = line.next_action_on  # memoised: most calls find the line quiet
        if next_action > day:
            # Nothing changes on quiet days, so the line is not dirtied: a store may keep the older
            # closed date and the next command catches up through the same quiet stretch.
            line.last_closed_on = target if next_action == date.max else min(target, next_action - ONE_DAY)
            continue
        close_day(line, day)


def close_day(line: LineState, day: date) -> None:
    if line.status is LineStatus.CHARGED_OFF:
        # Quiet for ever (``next_action_on``) unless a settlement offer is open: it may lapse, nothing else runs.
        lapse_if_due(line, day)
        line.last_closed_on = day
        line.version += 1
        return
    for hold in line.holds.values():
        if hold.status is HoldStatus.ACTIVE and hold.expires_on < day:
            hold.status, hold.remaining_minor = HoldStatus.EXPIRED, 0
    roll_over(line, day)
    bill(line, day)
    if day.day == line.statement_day:
        cut_statement(line, day)
    oldest, past_due = _past_due(line, day)
    line.delinquent_since = oldest
    before = line.dpd
    line.dpd = days_past_due(oldest, day)
    if line.new_events is not None and line.dpd != before:
        _record_ageing(line, day, before, past_due)
    if line.dpd > line.product.penalty.grace_days:
        posted, line.penalty_carry = accrue_penalty(past_due, line.product.penalty, line.penalty_carry)
        if posted:
            line.penalty_minor += posted
            line.post(
                entry(
                    f"{escape_id(line.line_id)}/pen/{day.isoformat()}",
                    EntryCode.PENALTY_ACCRUAL,
                    day,
                    line.line_id,
                    [(Account.RECEIVABLE_PENALTY, posted)],
                    [(Account.INCOME_PENALTY, posted)],
                )
            )
    elif line.dpd == 0:
        line.penalty_carry = Decimal(0)
    if line.dpd == 0:
        _accrue_revolving(line, day)  # a delinquent balance bears penalty instead
    if line.dpd >= line.product.charge_off_dpd:
        charge_off(line, day)
    if line.settlement is not None:
        lapse_if_due(line, day)
    line.last_closed_on = day
    line.version += 1


def _record_ageing(line: LineState, day: date, before: int, past_due: int) -> None:
    """A line falling past due, and moving between delinquency buckets (recorded only while someone listens)."""
    events = cast(list[DomainEvent], line.new_events)
    if before == 0 and line.delinquent_since is not None:
        events.append(DueMissed(line.line_id, day, line.delinquent_since, past_due))
    old, new = bucket(before), bucket(line.dpd)
    if old != new:
        events.append(BucketChanged(line.line_id, day, old, new, line.dpd))


def _past_due(line: LineState, day: date) -> tuple[date | None, int]:
    """Due date of the oldest unpaid installment due before ``day``, and what those installments owe
    (``past_due_minor``) in one pass: it runs every day for every delinquent line. Billed installments
    come first in a plan, so the first unbilled one ends its scan."""
    oldest: date | None = None
    owed = 0
    for plan in line.plans:
        for inst in open_part(plan):
            if not inst.billed:
                break
            if inst.due_on < day:
                unpaid = inst.unpaid_minor
                if unpaid:
                    owed += unpaid
                    if oldest is None or inst.due_on < oldest:
                        oldest = inst.due_on
    return oldest, owed


def bill(line: LineState, day: date) -> None:
    """Installments whose billing date has come become owed; their fees and interest are recognised."""
    upcoming = line._next_bill_on
    if upcoming is not None and day < upcoming:
        return  # a delinquent line is closed every day; most of those days bill nothing
    billed: list[Installment] = []
    upcoming = date.max
    for plan in line.plans:
        # A plan's installments are in billing order and its billed ones come first: the installments up to
        # ``day`` are a prefix, and there is something to bill only if the prefix's last one is unbilled.
        insts = plan.installments
        k = bisect_right(insts, day, key=statement_on_of)
        if k and not insts[k - 1].billed:
            billed.extend(i for i in insts[:k] if not i.billed)
        if k < len(insts) and insts[k].statement_on < upcoming:
            upcoming = insts[k].statement_on  # no later billing date comes first: never after the true next
    line._next_bill_on = upcoming
    if not billed:
        return
    for inst in billed:
        inst.billed = True
    fees = sum(i.fee_minor for i in billed)
    interest = sum(i.interest_minor for i in billed)
    prefix = escape_id(line.line_id)
    if fees:
        line.post(
            entry(
                f"{prefix}/fee/{day.isoformat()}",
                EntryCode.FEE,
                day,
                line.line_id,
                [(Account.RECEIVABLE_FEE, fees)],
                [(Account.INCOME_FEE, fees)],
            )
        )
    if interest:
        line.post(
            entry(
                f"{prefix}/interest/{day.isoformat()}",
                EntryCode.INTEREST,
                day,
                line.line_id,
                [(Account.RECEIVABLE_INTEREST, interest)],
                [(Account.INCOME_INTEREST, interest)],
            )
        )
    principal_before, fees_before, interest_before = line.billed_since_cut_minor
    line.billed_since_cut_minor = [
        principal_before + sum(i.principal_minor for i in billed),
        fees_before + fees,
        interest_before + interest,
    ]


def _accrue_revolving(line: LineState, day: date) -> None:
    rule = line.product.minimum_payment
    if rule is None:
        return  # runs every day for every line in good standing: leave before looking at installments
    revolving = [i for i in line.installments() if i.revolving and i.unpaid_principal_minor]
    if not revolving:
        return
    exact = Decimal(sum(i.unpaid_principal_minor for i in revolving)) * rule.revolving_daily_rate
    total = exact + line.revolving_carry
    posted = int(total)
    line.revolving_carry = total - posted
    if posted:
        revolving[0].carried_interest_minor += posted
        line.post(
            entry(
                f"{escape_id(line.line_id)}/revolving/{day.isoformat()}",
                EntryCode.INTEREST,
                day,
                line.line_id,
                [(Account.RECEIVABLE_INTEREST, posted)],
                [(Account.INCOME_INTEREST, posted)],
            )
        )


def charge_off(line: LineState, day: date) -> None:
    principal, fee, penalty = line.principal_minor, line.fee_minor, line.penalty_minor
    interest = line.interest_minor
    total = principal + fee + interest + penalty
    for inst in line.installments():
        inst.principal_minor = inst.paid_principal_minor
        inst.fee_minor = inst.interest_minor = 0
        inst.carried_fee_minor = inst.paid_fee_minor
        inst.carried_interest_minor = inst.paid_interest_minor
        inst.billed = True
    line.penalty_minor = 0
    line.penalty_carry = Decimal(0)
    line.charged_off_minor += total
    line.charged_off_on = day
    line.status = LineStatus.CHARGED_OFF
    line.release_holds()
    line.archive_settled()
    if line.new_events is not None:
        line.new_events.append(ChargedOff(line.line_id, day, total))
    if total:
        line.post(
            entry(
                f"{escape_id(line.line_id)}/chargeoff/{day.isoformat()}",
                EntryCode.CHARGE_OFF,
                day,
                line.line_id,
                [(Account.EXPENSE_CREDIT_LOSS, total)],
                [
                    (Account.RECEIVABLE_PRINCIPAL, principal),
                    (Account.RECEIVABLE_FEE, fee),
                    (Account.RECEIVABLE_INTEREST, interest),
                    (Account.RECEIVABLE_PENALTY, penalty),
                ],
            )
        )
