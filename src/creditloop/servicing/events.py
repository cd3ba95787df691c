"""Domain events: facts the CreditLine aggregate records as it changes, for whoever subscribes.

The line records them in ``new_events`` while a unit of work that has subscribers holds it (``None`` otherwise:
then every recording site costs one comparison and nothing is built). The unit of work collects them from the
lines it saw (``collect_new_events``) and the message bus (``app/bus.py``) hands each to the subscribers
registered for its type in ``bootstrap.py``. Events are never stored and never replayed: a correction that
re-derives history records only what the correction itself did (a returned payment), not the replay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class DomainEvent:
    line_id: str
    on: date  # the business date it happened on


@dataclass(frozen=True, slots=True)
class LineOpened(DomainEvent):
    customer_id: str
    limit_minor: int


@dataclass(frozen=True, slots=True)
class PurchaseBooked(DomainEvent):
    purchase_id: str
    plan_id: str
    amount_minor: int
    periods: int


@dataclass(frozen=True, slots=True)
class PaymentApplied(DomainEvent):
    payment_id: str
    amount_minor: int
    to_credit_balance_minor: int
    recovery_minor: int


@dataclass(frozen=True, slots=True)
class PaymentReturned(DomainEvent):
    """A bounced payment: reversed (history re-derived without it) or, when that is impossible, owed again."""

    payment_id: str
    reversal_id: str
    owed_again: bool


@dataclass(frozen=True, slots=True)
class DueMissed(DomainEvent):
    """The first day past due (DPD 1) of a line that was current."""

    due_on: date
    past_due_minor: int


@dataclass(frozen=True, slots=True)
class BucketChanged(DomainEvent):
    """The line moved between delinquency buckets (M0..M7) at a day-end."""

    old: str
    new: str
    dpd: int


@dataclass(frozen=True, slots=True)
class ChargedOff(DomainEvent):
    amount_minor: int


@dataclass(frozen=True, slots=True)
class RestructureBooked(DomainEvent):
    request_id: str
    kind: str


@dataclass(frozen=True, slots=True)
class SettlementCompleted(DomainEvent):
    """A settlement offer paid in full: the rest (``forgiven_minor``) forgiven, the line closed (or frozen)."""

    request_id: str
    forgiven_minor: int


@dataclass(frozen=True, slots=True)
class SettlementLapsed(DomainEvent):
    """A settlement offer not paid by the close of its due date: nothing forgiven, the debt stands."""

    request_id: str
    paid_minor: int


ALL_EVENTS: tuple[type[DomainEvent], ...] = (
    LineOpened,
    PurchaseBooked,
    PaymentApplied,
    PaymentReturned,
    DueMissed,
    BucketChanged,
    ChargedOff,
    RestructureBooked,
    SettlementCompleted,
    SettlementLapsed,
)
