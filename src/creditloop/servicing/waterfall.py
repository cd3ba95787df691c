"""Repayments: the product's allocation waterfall, recoveries on a charged-off line, the credit balance an
overpayment leaves, and paying that credit back once the payments behind it cleared."""

from __future__ import annotations

from datetime import date

from creditloop.core.errors import DomainError
from creditloop.core.money import allocate as split_pro_rata
from creditloop.core.money import require_positive
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, entry
from creditloop.ledger.ids import escape_id
from creditloop.servicing.commands import RefundCredit, Repay
from creditloop.servicing.model import Installment, LineStatus, PlanKind, RepaymentResult, open_part
from creditloop.servicing.state import LineState

Allocation = tuple[int, list[tuple[str, int]], list[tuple[Account, int]]]  # left over, per atom, per account


def open_installments(line: LineState) -> list[Installment]:
    items = [i for p in line.plans for i in open_part(p) if i.unpaid_minor or i.unpaid_principal_minor]
    items.sort(key=lambda i: i.due_on)
    return items


def repay(line: LineState, cmd: Repay) -> RepaymentResult:
    payment_id, amount_minor, on = cmd.id, cmd.amount_minor, cmd.on
    require_positive(amount_minor, "amount_minor")
    if line.status is LineStatus.CLOSED:
        raise DomainError(f"line {line.line_id} is closed", code="line_closed")
    credits: list[tuple[Account, int]] = []
    allocation: list[tuple[str, int]] = []
    recovery = 0
    if line.status is LineStatus.CHARGED_OFF:
        recovery = min(amount_minor, line.charged_off_minor)
        line.charged_off_minor -= recovery
        credits.append((Account.INCOME_RECOVERIES, recovery))
        left = amount_minor - recovery
    else:
        left, allocation, credits = allocate(line, amount_minor, on)
    line.credit_balance_minor += left
    credits.append((Account.CUSTOMER_CREDIT, left))
    line.post(
        entry(
            f"{escape_id(line.line_id)}/pay/{escape_id(payment_id)}",
            EntryCode.RECOVERY if recovery else EntryCode.REPAYMENT,
            on,
            line.line_id,
            [(Account.CASH_CLEARING, amount_minor)],
            credits,
            frozenset({f"payment:{payment_id}"}),
        )
    )
    line.payments_since_cut_minor += amount_minor
    if line.statements and on <= line.statements[-1].due_on:
        st = line.statements[-1]
        st.paid_by_due_minor = min(st.total_due_minor, st.paid_by_due_minor + amount_minor)
    line.archive_settled()
    result = RepaymentResult(payment_id, on, amount_minor, tuple(allocation), left, recovery)
    line.results[payment_id] = result
    return result


def allocate(line: LineState, amount_minor: int, on: date) -> Allocation:
    """Walk the product's waterfall atom by atom (oldest installment first within an atom)."""
    left = amount_minor
    allocation: list[tuple[str, int]] = []
    paid = {
        Account.RECEIVABLE_PENALTY: 0,
        Account.RECEIVABLE_FEE: 0,
        Account.RECEIVABLE_INTEREST: 0,
        Account.RECEIVABLE_PRINCIPAL: 0,
    }
    installments = open_installments(line)
    product = line.product
    for atom in product.waterfall:
        if not left:
            break
        if atom == "PAST_DUE_PENALTY":
            took = min(left, line.penalty_minor)
            line.penalty_minor -= took
            paid[Account.RECEIVABLE_PENALTY] += took
        elif atom == "FUTURE_PRINCIPAL" and product.prepayment_allocation == "reamortise":
            took = prepay_evenly(line, installments, left)
            paid[Account.RECEIVABLE_PRINCIPAL] += took
        else:
            timing, _, part = atom.rpartition("_")
            ordered = installments
            if timing == "FUTURE" and product.prepayment_allocation == "last":
                ordered = list(reversed(installments))
            elif atom == "DUE_PRINCIPAL" and product.minimum_payment is not None:
                ordered = revolvable_last(line, installments)
            took = _pay_atom(ordered, timing, part, left, on, paid, product.early_settlement == "waive_unbilled")
        left -= took
        if took:
            allocation.append((atom, took))
    credits = [(acct, amt) for acct, amt in paid.items() if amt]
    return left, allocation, credits


def revolvable_last(line: LineState, installments: list[Installment]) -> list[Installment]:
    """Due principal on a product with a minimum payment: the installments' first, pay-next-month principal (what
    may revolve) last. The minimum is all of the former plus a share of the latter (statements.minimum_due), so a
    payment of the minimum leaves only principal that rolls over, and the line stays current (DPD counts from a
    missed minimum)."""
    may_revolve = {id(i) for p in line.plans if p.periods == 1 and p.kind is PlanKind.PURCHASE for i in p.installments}
    return sorted(installments, key=lambda i: id(i) in may_revolve)  # stable: oldest first within each group


def _pay_atom(
    ordered: list[Installment],
    timing: str,
    part: str,
    amount: int,
    on: date,
    paid: dict[Account, int],
    waive_unbilled: bool,
) -> int:
    """One waterfall atom (``<timing>_<part>``: PAST_DUE / DUE / FUTURE, FEE / INTEREST / PRINCIPAL) over the
    installments in order; returns what it took."""
    left = amount
    for inst in ordered:
        if not left:
            break
        if timing == "PAST_DUE" and not (inst.billed and inst.due_on < on):
            continue
        if timing == "DUE" and not (inst.billed and inst.due_on >= on):
            continue
        if timing == "FUTURE" and inst.billed:
            continue
        if part == "FEE":
            t = min(left, inst.unpaid_fee_minor)
            inst.paid_fee_minor += t
            paid[Account.RECEIVABLE_FEE] += t
        elif part == "INTEREST":
            t = min(left, inst.unpaid_interest_minor)
            inst.paid_interest_minor += t
            paid[Account.RECEIVABLE_INTEREST] += t
        else:
            t = min(left, inst.unpaid_principal_minor)
            inst.paid_principal_minor += t
            paid[Account.RECEIVABLE_PRINCIPAL] += t
            if timing == "FUTURE" and waive_unbilled and inst.unpaid_principal_minor == 0:
                # Prepaid in full before billing: its fee and interest are never charged.
                inst.fee_minor = inst.interest_minor = 0
        left -= t
    return amount - left


def prepay_evenly(line: LineState, installments: list[Installment], amount_minor: int) -> int:
    """Money for the future spread over every unbilled installment in proportion to what each owes."""
    future = [i for i in installments if not i.billed and i.unpaid_principal_minor]
    owed = sum(i.unpaid_principal_minor for i in future)
    take = min(amount_minor, owed)
    if take <= 0:
        return 0
    for inst, part in zip(future, split_pro_rata(take, [i.unpaid_principal_minor for i in future]), strict=True):
        inst.paid_principal_minor += part
        if inst.unpaid_principal_minor == 0 and line.product.early_settlement == "waive_unbilled":
            inst.fee_minor = inst.interest_minor = 0
    return take


def check_overpayment(line: LineState, amount_minor: int) -> None:
    """A payment may exceed what is owed by at most the credit limit (less credit already held): a bounced
    overpayment then never leaves more than a limit's worth of credit that may have been paid out."""
    principal, fee, interest = line.balances()
    owed = principal + fee + interest + line.penalty_minor + line.charged_off_minor
    cap = owed + max(0, line.limit_minor - line.credit_balance_minor)
    if amount_minor > cap:
        raise DomainError(
            f"amount_minor {amount_minor} exceeds what is owed ({owed}) plus the credit limit less credit "
            f"held ({cap - owed}): an overpayment may be at most the credit limit",
            code="overpayment_exceeds_limit",
        )


def check_cleared(line: LineState, amount_minor: int, on: date) -> None:
    """Credit a payment left is refunded only after the product's clearing period: the payment may bounce."""
    days = line.product.payment_clearing_days
    uncleared = sum(r.to_credit_balance_minor for r in line.results.values() if (on - r.paid_on).days < days)
    cleared = line.credit_balance_minor - min(line.credit_balance_minor, uncleared)
    if 0 < amount_minor <= line.credit_balance_minor and amount_minor > cleared:
        raise DomainError(
            f"refund {amount_minor} exceeds the cleared credit {cleared}: {uncleared} of the credit comes from "
            f"payments made less than {days} days ago (the product's payment_clearing_days) and may bounce",
            code="credit_not_cleared",
        )


def refund_credit(line: LineState, cmd: RefundCredit) -> None:
    amount_minor = cmd.amount_minor
    require_positive(amount_minor, "amount_minor")
    if amount_minor > line.credit_balance_minor:
        raise DomainError(
            f"refund {amount_minor} exceeds the credit balance {line.credit_balance_minor}",
            code="insufficient_credit_balance",
        )
    line.credit_balance_minor -= amount_minor
    line.post(
        entry(
            f"{escape_id(line.line_id)}/credit-refund/{escape_id(cmd.id)}",
            EntryCode.CREDIT_BALANCE_REFUND,
            cmd.on,
            line.line_id,
            [(Account.CUSTOMER_CREDIT, amount_minor)],
            [(Account.CASH_CLEARING, amount_minor)],
        )
    )
