"""Education at checkout (issue 16, item 5): an installment purchase behind an affordability check, with the cost
in plain words and reminders before the due date.

``CheckoutPurchase`` is the optional step in front of ``Purchase`` (its ``checkout_id`` becomes the purchase id):

1. The customer's month (``CustomerMeans``: income, living costs, known debt payments elsewhere) and this lender's
   installments still running on every line of the customer (the customer index) are set against the new plan's
   installment by the checkout policy (``strategy.checkout_policy``, packaged ``checkout_v1``): pass / nudge /
   cool-off / decline. The first decision is audited (``checkout/<id>``, kind ``checkout``, with its trace and the
   instant it was taken); a retry reads it back, another amount or plan under the same id is refused.
2. ``pass`` buys at once; ``nudge`` buys once the customer confirms having read the cost (``confirmed``);
   ``cool_off`` buys only on a confirmation at least ``cool_off_hours`` after the decision; ``decline`` never buys.
3. A purchase queues the reminders before the plan's first due date (``message/due_reminder/...``, outbound
   messages zh/en, as the early-warning reminders are) and is audited as ``checkout/<id>/purchased``.

``preview=True`` computes everything and writes nothing (``creditloop checkout check``). ``QueueDueReminders``
queues the reminders before a line's next due date (the early-warning ``next_due_on``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from creditloop.app import commands as c
from creditloop.app.checkout_text import CostInWords, cost_in_words, decision_text, due_reminder, penalty_for
from creditloop.app.ewi_handlers import next_due_on
from creditloop.app.handlers import Policies, purchase
from creditloop.app.ports import AuditRecord, UnitOfWork
from creditloop.core.errors import IdempotencyConflict, ValidationError
from creditloop.products.disclosure import disclose_option
from creditloop.reporting.record_rules import rule_book
from creditloop.servicing.credit_line import CreditLine
from creditloop.servicing.model import Plan
from creditloop.strategy.checkout_policy import (
    CheckoutDecision,
    CheckoutFacts,
    CheckoutPolicy,
    decide,
    packaged_checkout_policy,
)


@dataclass(frozen=True, slots=True)
class CustomerMeans:
    """The customer's month in fen, as stated at checkout or on file (0 allowed; never logged)."""

    monthly_income_minor: int
    living_costs_minor: int
    other_debts_minor: int = 0

    def __post_init__(self) -> None:
        for name in ("monthly_income_minor", "living_costs_minor", "other_debts_minor"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= 10**13:
                raise ValidationError(f"{name} must be a whole number of fen from 0, got {value!r}", field=name)


@dataclass(frozen=True, slots=True)
class CheckoutPurchase:
    checkout_id: str  # also the purchase id
    line_id: str
    amount_minor: int
    periods: int
    on: date
    at: datetime  # the instant of this step (the cool-off clock), UTC-aware
    means: CustomerMeans
    confirmed: bool = False  # the customer has read the cost in plain words and confirms
    preview: bool = False  # check and explain only: nothing written
    policy: CheckoutPolicy | None = None  # None: the packaged checkout_v1


@dataclass(frozen=True, slots=True)
class QueueDueReminders:
    line_id: str
    on: date
    policy: CheckoutPolicy | None = None


@dataclass(frozen=True, slots=True)
class CheckoutResult:
    checkout_id: str
    status: str  # purchased | needs_confirmation | cooling_off | declined | preview
    decision: CheckoutDecision
    cost: CostInWords
    message: dict[str, str]  # the decision in one sentence, zh and en
    confirm_after: datetime | None
    plan: Plan | None
    reminders: tuple[str, ...]  # send dates of the reminders queued

    def to_dict(self) -> dict[str, Any]:
        return {
            "checkout_id": self.checkout_id, "status": self.status, "outcome": self.decision.outcome,
            "ratio_bps": self.decision.ratio_bps, "reason": self.decision.reason,
            "confirm_after": None if self.confirm_after is None else self.confirm_after.isoformat(),
            "plan_id": None if self.plan is None else self.plan.plan_id, "reminders": list(self.reminders),
            "message": self.message, "cost": self.cost.to_dict(),
        }  # fmt: skip


def lender_installments_minor(lines: list[CreditLine], on: date) -> int:
    """This lender's monthly installments still running: per plan, its next installment not fully paid."""
    total = 0
    for line in lines:
        for plan in line.plans:
            for i in plan.installments:
                owed = i.principal_minor + i.fee_minor + i.interest_minor
                if i.due_on >= on and owed > i.paid_principal_minor + i.paid_fee_minor + i.paid_interest_minor:
                    total += owed
                    break
    return total


def _check(cmd: CheckoutPurchase) -> None:
    if cmd.at.tzinfo is None:
        raise ValidationError("at must be a UTC-aware instant", field="at")
    if not isinstance(cmd.periods, int) or cmd.periods < 1:
        raise ValidationError(f"periods must be 1 or more, got {cmd.periods!r}", field="periods")


def checkout_purchase(cmd: CheckoutPurchase, uow: UnitOfWork, policies: Policies) -> CheckoutResult:
    _check(cmd)
    policy = cmd.policy or packaged_checkout_policy()
    line = uow.lines.get(cmd.line_id)
    disclosure = disclose_option(line.product, cmd.periods, cmd.amount_minor, cmd.on)
    cost = cost_in_words(disclosure, line.product.penalty, policy.late_days_example)
    own = [uow.lines.get(i) for i in uow.lines.customer_line_ids(line.customer_id)]
    m = cmd.means
    facts = CheckoutFacts(cost.installment_minor, lender_installments_minor(own, cmd.on), m.other_debts_minor,
                          m.monthly_income_minor, m.living_costs_minor, cmd.periods)  # fmt: skip
    decision = decide(policy, facts)
    if cmd.preview:
        return _result(cmd, "preview", decision, cost, None, None, ())
    decided_at = _decided(uow, cmd, policy, decision)
    stored = uow.audit.get(f"checkout/{cmd.checkout_id}")
    assert stored is not None  # recorded just above
    decision = CheckoutDecision(stored.outcome, stored.trace[0].get("ratio_bps"), stored.trace[0]["cool_off_hours"],
                                stored.reasons[0], stored.trace[0])  # fmt: skip
    confirm_after = decided_at + timedelta(hours=decision.cool_off_hours) if decision.outcome == "cool_off" else None
    if decision.outcome == "decline":
        return _result(cmd, "declined", decision, cost, None, None, ())
    if decision.outcome == "nudge" and not cmd.confirmed:
        return _result(cmd, "needs_confirmation", decision, cost, None, None, ())
    if confirm_after is not None and (not cmd.confirmed or cmd.at < confirm_after):
        return _result(cmd, "cooling_off", decision, cost, confirm_after, None, ())
    made = uow.audit.get(f"checkout/{cmd.checkout_id}/purchased")
    plan = purchase(c.Purchase(cmd.checkout_id, cmd.line_id, cmd.amount_minor, cmd.periods, cmd.on), uow, policies)
    if made is not None:  # a retry: the recorded purchase (its row holds the first request's instant, not this one)
        return _result(cmd, "purchased", decision, cost, confirm_after, plan, tuple(made.trace[0].get("reminders", ())))
    sent = queue_reminders(uow, line, cost.first_due_on, cost.installment_minor, policy, cmd.on)
    _audit(uow, f"checkout/{cmd.checkout_id}/purchased", line.line_id, cmd.on, policy, "purchased", decision.reason,
           {"at": cmd.at.isoformat(), "plan_id": plan.plan_id, "reminders": list(sent)})  # fmt: skip
    return _result(cmd, "purchased", decision, cost, confirm_after, plan, sent)


def _decided(uow: UnitOfWork, cmd: CheckoutPurchase, policy: CheckoutPolicy, decision: CheckoutDecision) -> datetime:
    """The instant of the checkout's first decision: recorded now, or read back (a different purchase refused)."""
    key = f"checkout/{cmd.checkout_id}"
    stored = uow.audit.get(key)
    if stored is None:
        trace = {**decision.trace, "amount_minor": cmd.amount_minor, "cool_off_hours": decision.cool_off_hours,
                 "decided_at": cmd.at.isoformat()}  # fmt: skip
        _audit(uow, key, cmd.line_id, cmd.on, policy, decision.outcome, decision.reason, trace)
        return cmd.at
    first = stored.trace[0]
    if (stored.subject_id, first["amount_minor"], first["periods"]) != (cmd.line_id, cmd.amount_minor, cmd.periods):
        raise IdempotencyConflict(f"checkout {cmd.checkout_id!r} was decided for another line, amount or plan")
    return datetime.fromisoformat(str(first["decided_at"]))


def _audit(uow: UnitOfWork, key: str, line_id: str, on: date, policy: CheckoutPolicy, outcome: str, reason: str,
           trace: dict[str, Any]) -> None:  # fmt: skip
    inputs = hashlib.sha256(repr(sorted(trace.items())).encode()).hexdigest()[:32]
    uow.audit.record(
        AuditRecord(
            key, "checkout", line_id, on, policy.policy_id, policy.version, inputs, outcome, (reason,), (trace,)
        )
    )


def _result(
    cmd: CheckoutPurchase, status: str, decision: CheckoutDecision, cost: CostInWords, confirm_after: datetime | None,
    plan: Plan | None, reminders: tuple[str, ...],
) -> CheckoutResult:  # fmt: skip
    message = {lang: decision_text(decision.outcome, decision.ratio_bps, decision.cool_off_hours, lang)
               for lang in ("zh", "en")}  # fmt: skip
    return CheckoutResult(cmd.checkout_id, status, decision, cost, message, confirm_after, plan, reminders)


def queue_reminders(
    uow: UnitOfWork, line: CreditLine, due_on: date, due_minor: int, policy: CheckoutPolicy, on: date
) -> tuple[str, ...]:
    """Queue the reminders before ``due_on`` (each ``reminder_days_before_due``, none before ``on``); once each."""
    per_day = penalty_for(due_minor, line.product.penalty, line.product.penalty.grace_days + 1)
    texts = due_reminder(due_on, due_minor, per_day, rule_book().retention.retention_years)
    sent = []
    for days in sorted(policy.reminder_days_before_due, reverse=True):
        send_on = due_on - timedelta(days=days)
        key = f"message/due_reminder/{line.line_id}/{due_on.isoformat()}/{days}"
        if send_on < on or uow.audit.get(key) is not None:
            continue
        message = {"send_on": send_on.isoformat(), "due_on": due_on.isoformat(), "due_minor": due_minor, **texts}
        inputs = hashlib.sha256(f"{line.line_id}|{due_on}|{due_minor}".encode()).hexdigest()[:32]
        uow.audit.record(AuditRecord(key, "outbound_message", line.line_id, on, policy.policy_id, policy.version,
                                     inputs, "queued", ("checkout.due_reminder",), (message,)))  # fmt: skip
        sent.append(send_on.isoformat())
    return tuple(sent)


def queue_due_reminders(cmd: QueueDueReminders, uow: UnitOfWork, policies: Policies) -> tuple[str, ...]:
    """The reminders before the line's next due date (what its nearest statement asks, else its amount due)."""
    line = uow.lines.get(cmd.line_id)
    due_on = next_due_on(line, cmd.on)
    if due_on is None:
        return ()
    ahead = [s for s in line.statements if s.due_on == due_on]
    due = sum(s.total_due_minor - s.paid_by_due_minor for s in ahead) if ahead else line.amount_due_minor
    if due <= 0:
        return ()
    return queue_reminders(uow, line, due_on, due, cmd.policy or packaged_checkout_policy(), cmd.on)


CHECKOUT_HANDLERS: dict[type, Any] = {CheckoutPurchase: checkout_purchase, QueueDueReminders: queue_due_reminders}
