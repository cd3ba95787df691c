"""The line's value objects and entities: installments, plans, statements, holds, repayment results, statuses.

Plain data with the few derived amounts every part of the aggregate reads. The inlined loops here run for every
installment in every day-end, so they are written out rather than composed from the properties.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from json.encoder import encode_basestring_ascii

from creditloop.core.money import allocate


class LineStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"
    CHARGED_OFF = "CHARGED_OFF"


class HoldStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


class PlanKind(StrEnum):
    PURCHASE = "purchase"
    RESTRUCTURE = "restructure"
    RETURNED_PAYMENT = "returned_payment"  # a bounced payment owed again (``plans.return_payment``)


ONE_DAY = timedelta(days=1)
MAX_HOLD_DAYS = 366  # a checkout authorisation reserves open-to-buy for a while, not for ever


@dataclass(slots=True)
class Installment:
    seq: int
    statement_on: date
    due_on: date
    principal_minor: int
    fee_minor: int
    carried_fee_minor: int = 0  # fee recognised before (carried in by a restructure), not billed again
    paid_principal_minor: int = 0
    paid_fee_minor: int = 0
    billed: bool = False
    interest_minor: int = 0  # scheduled interest (EMI, equal principal), recognised when billed
    carried_interest_minor: int = 0  # interest already recognised: carried in, or revolving interest accrued
    paid_interest_minor: int = 0
    down_payment: bool = False
    revolving: bool = False  # pay-next-month principal rolled over after a minimum payment

    @property
    def unpaid_principal_minor(self) -> int:
        return self.principal_minor - self.paid_principal_minor

    @property
    def unpaid_fee_minor(self) -> int:
        """Unpaid fee that is already owed (billed or carried); unbilled scheduled fees are not owed."""
        owed = self.carried_fee_minor + (self.fee_minor if self.billed else 0)
        return owed - self.paid_fee_minor

    @property
    def unpaid_interest_minor(self) -> int:
        owed = self.carried_interest_minor + (self.interest_minor if self.billed else 0)
        return owed - self.paid_interest_minor

    @property
    def unpaid_minor(self) -> int:
        # The three properties above, inlined: this runs for every installment in every day-end loop.
        owed = self.principal_minor + self.carried_fee_minor + self.carried_interest_minor
        if self.billed:
            owed += self.fee_minor + self.interest_minor
        return owed - self.paid_principal_minor - self.paid_fee_minor - self.paid_interest_minor


@dataclass(slots=True)
class Plan:
    plan_id: str
    purchase_id: str
    purchased_on: date
    principal_minor: int
    periods: int
    monthly_fee_bps: int
    installments: list[Installment]
    kind: PlanKind = PlanKind.PURCHASE
    refunded_minor: int = 0
    # How many leading installments are billed and fully paid (``open_part``); -1 while a command that may
    # reopen one runs. Derived, never stored.
    settled_upto: int = field(default=0, compare=False, repr=False)


def open_part(plan: Plan) -> list[Installment]:
    """The plan's installments after its leading settled ones (billed, nothing owed: every balance, due and
    delinquency scan skips them), moving the plan's cursor on.

    Safe because nothing reopens a settled installment except commands outside ``registry.KEEP_CURSORS``
    (restructures, refunds, corrections), and those run with the cursors off and reset them after; payments,
    billing, charge-off and revolving interest only settle installments or change unsettled ones (the stateful
    property test checks the prefix after every step)."""
    insts = plan.installments
    k = plan.settled_upto
    if k < 0:
        return insts
    n = len(insts)
    while k < n:
        i = insts[k]
        if (
            not i.billed
            or i.principal_minor != i.paid_principal_minor
            or i.carried_fee_minor + i.fee_minor != i.paid_fee_minor
            or i.carried_interest_minor + i.interest_minor != i.paid_interest_minor
        ):
            break
        k += 1
    plan.settled_upto = k
    return insts[k:] if k else insts


def settled(plan: Plan) -> bool:
    """Nothing owed and nothing left to bill (unpaid principal, fee and interest all zero; an unbilled
    installment must carry no scheduled fee or interest). Written out: it runs on every statement and payment."""
    for i in open_part(plan):
        if i.principal_minor != i.paid_principal_minor:
            return False
        fee, interest = i.carried_fee_minor, i.carried_interest_minor
        if i.billed:
            fee += i.fee_minor
            interest += i.interest_minor
        elif i.fee_minor or i.interest_minor:
            return False
        if fee != i.paid_fee_minor or interest != i.paid_interest_minor:
            return False
    return True


def reduce_evenly(plan: Plan, amount_minor: int) -> int:
    """Spread a refund over the plan's unbilled installments in proportion to what each still owes."""
    future = [i for i in plan.installments if not i.billed and i.unpaid_principal_minor]
    owed = sum(i.unpaid_principal_minor for i in future)
    if not future or owed == 0:
        return amount_minor
    take = min(amount_minor, owed)
    for inst, part in zip(future, allocate(take, [i.unpaid_principal_minor for i in future]), strict=True):
        inst.principal_minor -= part
        if inst.unpaid_principal_minor == 0:
            inst.fee_minor = inst.interest_minor = 0
    return amount_minor - take


def statement_on_of(inst: Installment) -> date:
    return inst.statement_on


@dataclass(slots=True)
class Statement:
    statement_on: date
    due_on: date
    new_purchases_minor: int
    installments_principal_minor: int
    installments_fee_minor: int
    past_due_minor: int
    penalty_minor: int
    payments_minor: int
    total_due_minor: int
    minimum_due_minor: int
    paid_by_due_minor: int = 0
    installments_interest_minor: int = 0


@dataclass(frozen=True, slots=True)
class RepaymentResult:
    payment_id: str
    paid_on: date
    amount_minor: int
    allocation: tuple[tuple[str, int], ...]
    to_credit_balance_minor: int
    recovery_minor: int


@dataclass(slots=True)
class Hold:
    """A checkout authorisation: reserved open-to-buy, settled by capture, void or expiry exactly once."""

    hold_id: str
    amount_minor: int
    authorised_on: date
    expires_on: date
    remaining_minor: int = -1
    status: HoldStatus = HoldStatus.ACTIVE

    def __post_init__(self) -> None:
        if self.remaining_minor < 0:
            self.remaining_minor = self.amount_minor


class SettlementStatus(StrEnum):
    OPEN = "open"  # waiting for payments to reach the agreed amount by the due date
    SETTLED = "settled"  # paid in time: the rest was forgiven and the line closed
    LAPSED = "lapsed"  # not paid in time: nothing forgiven, the full balance stands


@dataclass(slots=True)
class SettlementOffer:
    """A discounted settlement (``servicing.settlement``): payments from ``offered_on`` reaching ``amount_minor``
    by ``due_on`` settle the line, the rest is forgiven."""

    request_id: str
    offered_on: date
    amount_minor: int
    due_on: date
    paid_minor: int = 0
    status: SettlementStatus = SettlementStatus.OPEN
    forgiven_minor: int = 0
    closed_on: date | None = None  # the day it settled or lapsed


def fingerprint(*parts: object) -> str:
    """Stable hash of a command payload, to tell a retry from a conflicting reuse of an id.

    The hashed text is exactly ``json.dumps([str(p) for p in parts])`` (stored fingerprints depend on it), built
    from json's own string encoder without the general encoder's set-up: it runs for every command."""
    text = "[" + ", ".join([encode_basestring_ascii(str(p)) for p in parts]) + "]"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def payload_fingerprint(record: Mapping[str, object]) -> str:
    """The fingerprint of a logged command's stored record, its sequence number left out."""
    return fingerprint(*[(k, record[k]) for k in sorted(record) if k != "seq"])
