"""Settlement with a discount (issue 15): the customer agrees to pay ``amount_minor`` by ``due_on``; when payments
made from the offer on reach it in time, the rest of the balance is forgiven and the line closes settled; if not,
the offer lapses at the close of ``due_on`` and nothing is forgiven.

Only seriously delinquent lines (``SETTLEMENT_MIN_DPD`` days past due) and charged-off lines are eligible: OCC
2003-1 lists settlements among workout tools for balances unlikely to be repaid in full (DOMAIN.md §6.1), and
90 DPD is where an exposure is non-performing (the 2023 asset-classification floor, DOMAIN.md §4, VERIFY).

Journal: nothing moves when the offer is made. On completion one CONCESSION entry ``<line>/settle/<request id>``:
on a line still on the books, Dr Expenses:Concessions / Cr each receivable that is left (principal, fee,
interest, penalty); on a charged-off line the receivables were already written off to Expenses:CreditLoss, so
the forgiven memo balance is reclassified, Dr Expenses:Concessions / Cr Expenses:CreditLoss — every settlement
discount then shows in Expenses:Concessions whatever the line's status, and Expenses:CreditLoss keeps what was
lost without an agreement. Unbilled fees and interest were never recognised: they are forgone without an entry.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from creditloop.core.errors import DomainError, ValidationError
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, entry
from creditloop.ledger.ids import escape_id
from creditloop.servicing import waterfall
from creditloop.servicing.commands import Repay, Settlement
from creditloop.servicing.events import SettlementCompleted, SettlementLapsed
from creditloop.servicing.model import LineStatus, RepaymentResult, SettlementOffer, SettlementStatus
from creditloop.servicing.state import LineState

SETTLEMENT_MIN_DPD = 90  # seriously delinquent: non-performing from 90 days past due
MAX_OFFER_DAYS = 366  # a settlement is paid soon or not at all; a longer plan is a term extension or re-age


def owed_minor(line: LineState) -> int:
    """What settles the line in full today: the charged-off memo balance, or the payoff under the product's
    early-settlement rule (unbilled fees waived or charged), net of the customer's credit."""
    if line.status is LineStatus.CHARGED_OFF:
        return max(0, line.charged_off_minor - line.credit_balance_minor)
    return line.payoff_minor()


def check_eligible(line: LineState, cmd: Settlement) -> int:
    """Refuse an offer the line cannot take; returns what is owed today (the offer's discount base)."""
    if isinstance(cmd.amount_minor, bool) or not isinstance(cmd.amount_minor, int) or cmd.amount_minor < 1:
        raise ValidationError(
            f"amount_minor must be a positive integer, got {cmd.amount_minor!r}", field="amount_minor"
        )
    if not cmd.on <= cmd.due_on <= cmd.on + timedelta(days=MAX_OFFER_DAYS):
        raise ValidationError(
            f"due_on must be between the offer date {cmd.on} and {MAX_OFFER_DAYS} days later, got {cmd.due_on}",
            field="due_on",
        )
    charged_off = line.status is LineStatus.CHARGED_OFF
    if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN) and not charged_off:
        raise DomainError(f"line {line.line_id} is {line.status.value}: nothing to settle", code="line_not_active")
    if not charged_off and line.dpd < SETTLEMENT_MIN_DPD:
        raise DomainError(
            f"dpd: a settlement needs a charged-off line or at least {SETTLEMENT_MIN_DPD} days past due, "
            f"the line is {line.dpd} days past due",
            code="settlement_not_eligible",
            field="dpd",
        )
    if line.settlement is not None and line.settlement.status is SettlementStatus.OPEN:
        raise DomainError(
            f"settlement {line.settlement.request_id!r} is open until {line.settlement.due_on}",
            code="settlement_open",
            field="kind",
        )
    owed = owed_minor(line)
    if cmd.amount_minor > owed:
        raise DomainError(
            f"amount_minor {cmd.amount_minor} exceeds what is owed {owed}",
            code="settlement_exceeds_balance",
            field="amount_minor",
        )
    return owed


def offer(line: LineState, cmd: Settlement) -> None:
    """Record the offer; nothing is booked until it is paid (or it lapses)."""
    check_eligible(line, cmd)
    line.settlement = SettlementOffer(cmd.id, cmd.on, cmd.amount_minor, cmd.due_on)
    line.restructured_on = cmd.on


def repay(line: LineState, cmd: Repay) -> RepaymentResult:
    """A payment through the waterfall (or as a recovery); it counts toward an open settlement offer."""
    result = waterfall.repay(line, cmd)
    o = line.settlement
    if o is not None and o.status is SettlementStatus.OPEN and o.offered_on <= cmd.on <= o.due_on:
        o.paid_minor += cmd.amount_minor
        if o.paid_minor >= o.amount_minor:
            _complete(line, o, cmd.on)
    return result


def lapse_if_due(line: LineState, day: date) -> None:
    """Day-end: an offer not paid by the close of its due date lapses; nothing is forgiven."""
    o = line.settlement
    if o is not None and o.status is SettlementStatus.OPEN and day >= o.due_on:
        o.status, o.closed_on = SettlementStatus.LAPSED, day
        if line.new_events is not None:
            line.new_events.append(SettlementLapsed(line.line_id, day, o.request_id, o.paid_minor))


def _complete(line: LineState, o: SettlementOffer, on: date) -> None:
    """Forgive what is left, book it, close the line (frozen instead if it still holds credit to pay back)."""
    entry_id = f"{escape_id(line.line_id)}/settle/{escape_id(o.request_id)}"
    links = frozenset({f"restructure:{o.request_id}", f"settlement:{o.request_id}"})
    if line.status is LineStatus.CHARGED_OFF:
        forgiven = line.charged_off_minor
        line.charged_off_minor = 0
        credits = [(Account.EXPENSE_CREDIT_LOSS, forgiven)]
    else:
        principal, fee, interest = line.balances()
        penalty = line.penalty_minor
        forgiven = principal + fee + interest + penalty
        for inst in line.installments():  # closed at what was paid; unbilled charges are forgone
            inst.principal_minor = inst.paid_principal_minor
            inst.fee_minor = inst.interest_minor = 0
            inst.carried_fee_minor, inst.carried_interest_minor = inst.paid_fee_minor, inst.paid_interest_minor
            inst.billed = True
        line.penalty_minor = 0
        credits = [
            (Account.RECEIVABLE_PRINCIPAL, principal),
            (Account.RECEIVABLE_FEE, fee),
            (Account.RECEIVABLE_INTEREST, interest),
            (Account.RECEIVABLE_PENALTY, penalty),
        ]
    if forgiven:
        debits = [(Account.EXPENSE_CONCESSIONS, forgiven)]
        line.post(entry(entry_id, EntryCode.CONCESSION, on, line.line_id, debits, credits, links))
    line.penalty_carry = Decimal(0)
    line.delinquent_since, line.dpd = None, 0
    o.status, o.forgiven_minor, o.closed_on = SettlementStatus.SETTLED, forgiven, on
    if line.new_events is not None:
        line.new_events.append(SettlementCompleted(line.line_id, on, o.request_id, forgiven))
    line.release_holds()
    line.status = LineStatus.CLOSED if line.credit_balance_minor == 0 else LineStatus.FROZEN
    line.archive_settled()
