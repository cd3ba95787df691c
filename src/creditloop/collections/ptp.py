"""Promises to pay (issue 15): a customer's promise of an amount by a date, settled at day-end.

A promise is **kept** at the first day-end on or before its due date at which the payments since it was made
reach the promised amount, and **broken** at the day-end of its due date if they do not. A newer promise on the
same case supersedes an open one (``cancelled``). Pure: the caller counts the payments from the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from creditloop.core.errors import DomainError, ValidationError

STATUSES = ("open", "kept", "broken", "cancelled")


@dataclass(frozen=True, slots=True)
class Promise:
    promise_id: str
    line_id: str
    amount_minor: int
    made_on: date
    due_on: date
    status: str = "open"
    settled_on: date | None = None
    paid_minor: int = 0  # paid between made_on and the settling day-end

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def new_promise(
    promise_id: str, line_id: str, amount_minor: int, made_on: date, due_on: date, max_days: int
) -> Promise:
    """A promise checked against the policy's horizon; bad input is a ValidationError naming the field."""
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValidationError(
            f"amount_minor must be a positive number of fen, got {amount_minor!r}", field="amount_minor"
        )
    if due_on < made_on:
        raise ValidationError(f"due_on {due_on} is before the promise was made ({made_on})", field="due_on")
    if due_on > made_on + timedelta(days=max_days):
        raise DomainError(
            f"due_on {due_on} is more than {max_days} days after {made_on} (ptp.horizon)",
            code="ptp_too_far",
            field="due_on",
        )
    return Promise(promise_id, line_id, amount_minor, made_on, due_on)


def settle(promise: Promise, paid_minor: int, on: date) -> Promise:
    """The promise after the day-end of ``on`` given ``paid_minor`` paid since it was made; unchanged when it is
    not open, or still running and not yet met."""
    if not promise.is_open or on < promise.made_on:
        return promise
    if paid_minor >= promise.amount_minor:
        return replace(promise, status="kept", settled_on=on, paid_minor=paid_minor)
    if on >= promise.due_on:
        return replace(promise, status="broken", settled_on=on, paid_minor=paid_minor)
    return promise


def supersede(promise: Promise, on: date) -> Promise:
    return replace(promise, status="cancelled", settled_on=on) if promise.is_open else promise
