"""Checkout authorisations (holds): reserve open-to-buy, then capture, void or expire exactly once."""

from __future__ import annotations

from creditloop.core.errors import DomainError, NotFound, ValidationError
from creditloop.core.money import require_positive
from creditloop.servicing.commands import Authorise, Capture, Void
from creditloop.servicing.model import MAX_HOLD_DAYS, Hold, HoldStatus, LineStatus, Plan
from creditloop.servicing.plans import book_purchase
from creditloop.servicing.state import LineState


def authorise(line: LineState, cmd: Authorise) -> Hold:
    amount_minor, on, expires_on = cmd.amount_minor, cmd.on, cmd.expires_on
    require_positive(amount_minor, "amount_minor")
    if expires_on < on:
        raise ValidationError("expires_on must not be before the authorisation date", field="expires_on")
    if (expires_on - on).days > MAX_HOLD_DAYS:
        raise ValidationError(
            f"expires_on must be at most {MAX_HOLD_DAYS} days after the authorisation date, got {expires_on}",
            field="expires_on",
        )
    if line.status is not LineStatus.ACTIVE:
        raise DomainError(f"line {line.line_id} is {line.status.value}: purchases refused", code="line_not_active")
    if amount_minor > line.open_to_buy_minor:
        raise DomainError(
            f"amount {amount_minor} exceeds open-to-buy {line.open_to_buy_minor}", code="insufficient_open_to_buy"
        )
    hold = Hold(cmd.id, amount_minor, on, expires_on)
    line.holds[hold.hold_id] = hold
    return hold


def active_hold(line: LineState, hold_id: str) -> Hold:
    hold = line.holds.get(hold_id)
    if hold is None:
        raise NotFound(f"authorisation {hold_id!r} not found on line {line.line_id}", field="hold_id")
    if hold.status is not HoldStatus.ACTIVE:
        raise DomainError(f"authorisation {hold_id!r} is {hold.status.value}", code="hold_not_active")
    return hold


def capture(line: LineState, cmd: Capture) -> Plan:
    hold = active_hold(line, cmd.hold_id)
    if line.status is not LineStatus.ACTIVE:
        raise DomainError(f"line {line.line_id} is {line.status.value}: captures refused", code="line_not_active")
    amount_minor, periods = cmd.amount_minor, cmd.periods
    require_positive(amount_minor, "amount_minor")
    line.product.option(periods)
    if amount_minor > hold.remaining_minor:
        raise DomainError(
            f"capture {amount_minor} exceeds the authorised {hold.remaining_minor}", code="capture_exceeds_hold"
        )
    hold.remaining_minor -= amount_minor  # the reserved amount becomes principal: open-to-buy is unchanged
    if cmd.final or hold.remaining_minor == 0:
        hold.status = HoldStatus.CAPTURED
        hold.remaining_minor = 0
    return book_purchase(line, cmd.id, amount_minor, periods, cmd.on)


def void(line: LineState, cmd: Void) -> None:
    hold = active_hold(line, cmd.hold_id)
    hold.status = HoldStatus.VOIDED
    hold.remaining_minor = 0
