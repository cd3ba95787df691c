"""Collections work queues (issue 15): which case an agent works next.

Each case gets a tier from the policy's conditions (the first that holds: a promise due, a promise broken
lately, the segment; lower tiers are worked first) and, within a tier, the amount at risk: balance x (1 -
self-cure likelihood), in fen through the one rounding function. Cases with an open dispute or complaint are
held out of the queue (no collection contact until closed); current cases are not queued unless an
early-warning alert referred them within the policy's ``referral_days`` (pre-delinquency outreach).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from creditloop.collections.segments import Behaviour, CollectionsPolicy, segment_of, self_cure
from creditloop.core.money import round_minor


@dataclass(frozen=True, slots=True)
class CaseSnapshot:
    line_id: str
    balance_minor: int
    behaviour: Behaviour
    promise_due_on: date | None = None  # the open promise's due date
    last_broken_on: date | None = None  # when a promise was last broken
    held: bool = False  # a dispute or complaint is open
    referred_on: date | None = None  # the latest open early-warning referral (collections_referral)


@dataclass(frozen=True, slots=True)
class QueueItem:
    line_id: str
    segment: str
    tier: int
    self_cure: float
    at_risk_minor: int
    reasons: tuple[str, ...]  # the conditions that held, the deciding one first
    dpd: int
    balance_minor: int


def conditions(case: CaseSnapshot, segment: str, on: date, policy: CollectionsPolicy) -> tuple[str, ...]:
    held = []
    if case.promise_due_on is not None and case.promise_due_on <= on:
        held.append("ptp_due")
    if case.last_broken_on is not None and on - case.last_broken_on <= timedelta(days=policy.broken_promise_days):
        held.append("ptp_broken")
    if referred(case, on, policy):
        held.append("ewi_referral")
    held.append(f"segment:{segment}")
    return tuple(held)


def referred(case: CaseSnapshot, on: date, policy: CollectionsPolicy) -> bool:
    """An early-warning referral within the policy's ``referral_days`` (and not dated after ``on``)."""
    r = case.referred_on
    return r is not None and policy.referral_days > 0 and 0 <= (on - r).days < policy.referral_days


def queue_item(case: CaseSnapshot, on: date, policy: CollectionsPolicy) -> QueueItem:
    b = case.behaviour
    segment = segment_of(b.dpd, b.charged_off, policy)
    found = conditions(case, segment, on, policy)
    tiers = [(tier, when) for when, tier in policy.tiers if when in found]
    tier, deciding = tiers[0] if tiers else (policy.default_tier, "default")
    cure = self_cure(b, policy)
    at_risk = round_minor(Decimal(case.balance_minor) * (Decimal(1) - Decimal(repr(cure))))
    reasons = (deciding, *(c for c in found if c != deciding))
    return QueueItem(case.line_id, segment, tier, cure, at_risk, reasons, b.dpd, case.balance_minor)


def build_queue(
    cases: Iterable[CaseSnapshot], on: date, policy: CollectionsPolicy
) -> tuple[list[QueueItem], list[str]]:
    """The queue in working order and the ids of the cases held out of it (dispute or complaint open)."""
    items, held = [], []
    for case in cases:
        if case.held:
            held.append(case.line_id)
        elif case.behaviour.dpd > 0 or case.behaviour.charged_off or referred(case, on, policy):
            items.append(queue_item(case, on, policy))
    items.sort(key=lambda i: (i.tier, -i.at_risk_minor, i.line_id))
    return items, sorted(held)
