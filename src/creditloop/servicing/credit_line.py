"""The CreditLine aggregate: the one consistency boundary of a credit line.

Every money movement is recorded as one balanced journal entry in ``pending_entries``; the unit of work appends
them to the journal together with the new state, so state and journal never drift. Each public method builds a
typed command (``commands.py``) and ``execute`` applies it: idempotent by its client id, on an open business date
(the line first catches up day-end to the day before, ``dayend.close_through``), through the handler the public
registry names for it (``registry.HANDLERS``: plans, holds, waterfall, lifecycle, workouts), then logged. A
command dated on a closed day is a correction: the line is rebuilt from its command log (``correct``).

The parts own one job each and work on the line's state (``state.LineState``); this class owns the command log.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields
from datetime import date, timedelta
from typing import cast

from creditloop.core.errors import DomainError, IdempotencyConflict, NotFound, ValidationError, require
from creditloop.core.money import require_positive
from creditloop.ledger.bounds import MAX_BUSINESS_DATE, check_business_date
from creditloop.ledger.entries import JournalEntry
from creditloop.products.terms import Product
from creditloop.servicing import commands as c
from creditloop.servicing import dayend
from creditloop.servicing.commands import Record
from creditloop.servicing.corrections import correction_entries
from creditloop.servicing.delinquency import bucket
from creditloop.servicing.events import (
    DomainEvent,
    PaymentApplied,
    PaymentReturned,
    PurchaseBooked,
    RestructureBooked,
)
from creditloop.servicing.model import (
    MAX_HOLD_DAYS,
    ONE_DAY,
    Hold,
    HoldStatus,
    Installment,
    LineStatus,
    Plan,
    PlanKind,
    RepaymentResult,
    Statement,
    fingerprint,
    payload_fingerprint,
)
from creditloop.servicing.plans import find_plan
from creditloop.servicing.registry import HANDLERS, KEEP_CURSORS
from creditloop.servicing.state import LineState
from creditloop.servicing.waterfall import check_cleared, check_overpayment

__all__ = [
    "MAX_HOLD_DAYS",
    "CreditLine",
    "Hold",
    "HoldStatus",
    "Installment",
    "LineStatus",
    "Plan",
    "PlanKind",
    "RepaymentResult",
    "Statement",
    "fingerprint",
]

_REVERSAL_KINDS = (c.ReversePayment.kind, c.ReturnPayment.kind)
_SKIPPING_KINDS = (c.ReversePayment.kind, c.Undo.kind)  # replays skip their target

# Everything a replay re-derives (identity, product and the pending/version bookkeeping stay).
_KEPT_FIELDS = frozenset(
    {
        "line_id",
        "customer_id",
        "product",
        "opened_on",
        "statement_day",
        "due_days",
        "opened_limit_minor",
        "version",
        "pending_entries",
        "_next_action_memo",
        "_next_bill_on",
        "new_events",  # a correction records what it did, not what the replay re-derived
    }
)


_STATE_FIELDS = tuple(f.name for f in fields(LineState) if f.name not in _KEPT_FIELDS)


def _logged_on(record: Record) -> tuple[str, int]:
    """Replay order: value date (ISO text sorts as the date does), then the order commands were logged."""
    return c.text(record, "on"), c.seq_of(record)


class CreditLine(LineState):
    __slots__ = ()

    # Day-end is a part of its own; bound here without a wrapper, it runs for every line on every day.
    close_through = dayend.close_through

    # ----------------------------------------------------------------- creation

    @classmethod
    def open(
        cls,
        line_id: str,
        customer_id: str,
        product: Product,
        limit_minor: int,
        opened_on: date,
        *,
        statement_day: int | None = None,
        due_days: int | None = None,
    ) -> CreditLine:
        require_positive(limit_minor, "limit_minor")
        if not line_id:
            raise ValidationError("line_id must not be empty", field="line_id")
        check_business_date(opened_on, "opened_on")  # schedules and ageing must stay inside the calendar
        day = product.statement_day if statement_day is None else statement_day
        if not 1 <= day <= 28:
            raise ValidationError(f"statement_day must be between 1 and 28, got {day}", field="statement_day")
        days = product.due_days_after_statement if due_days is None else due_days
        if not 0 <= days <= 27:
            raise ValidationError(f"due_days must be between 0 and 27, got {days}", field="due_days")
        return cls(
            line_id,
            customer_id,
            product,
            limit_minor,
            opened_on,
            statement_day=day,
            due_days=days,
            opened_limit_minor=limit_minor,
            last_closed_on=opened_on - timedelta(days=1),
        )

    # ----------------------------------------------------------------- command log

    def execute(self, cmd: c.LineCommand, posted: Sequence[JournalEntry] | None = None) -> object:
        """Apply a command on an open business date: idempotent by its client id, recorded in the command log.

        Every command is validated before anything changes, so a refused command leaves the line as it was
        (apart from catching up day-ends that were due anyway). With ``posted`` (this line's journal), a command
        dated on a closed day is recorded as a correction (``correct``).
        """
        if self._known(cmd):
            return self._retry_result(cmd)
        on = cmd.on
        if on < self.opened_on:
            raise ValidationError(f"date {on} is before the line opened on {self.opened_on}", field="on")
        if on > MAX_BUSINESS_DATE:
            check_business_date(on, "on")
        if on <= self.last_closed_on:
            if posted is not None:
                return self.correct(cmd, posted)
            raise DomainError(
                f"business date {on} is already closed (closed through {self.last_closed_on}); "
                "record it as a back-dated correction",
                code="date_already_closed",
            )
        self.close_through(on - ONE_DAY)
        result = self._apply(cmd)
        record = cmd.record(len(self.events) + 1)
        self.events.append(record)
        self.seen_ids[cmd.id] = payload_fingerprint(record)
        self.version += 1
        if self.new_events is not None:
            self._record_applied(cmd, result)
        return result

    def _record_applied(self, cmd: c.LineCommand, result: object) -> None:
        """The domain event a newly applied command stands for, if any (``events.py``)."""
        new_events = cast(list[DomainEvent], self.new_events)
        if isinstance(result, Plan) and isinstance(cmd, c.Purchase | c.Capture):
            new_events.append(
                PurchaseBooked(self.line_id, cmd.on, cmd.id, result.plan_id, cmd.amount_minor, cmd.periods)
            )
        elif isinstance(result, RepaymentResult):
            new_events.append(
                PaymentApplied(
                    self.line_id,
                    result.paid_on,
                    result.payment_id,
                    result.amount_minor,
                    result.to_credit_balance_minor,
                    result.recovery_minor,
                )
            )
        elif isinstance(cmd, c.RESTRUCTURES):
            new_events.append(RestructureBooked(self.line_id, cmd.on, cmd.id, cmd.kind))
        elif isinstance(cmd, c.ReturnPayment):
            new_events.append(PaymentReturned(self.line_id, cmd.on, cmd.target_id, cmd.id, owed_again=True))

    def _known(self, cmd: c.LineCommand) -> bool:
        """True when this client id was already applied with the same payload (a retry); raise on a conflict."""
        client_id = cmd.id
        if not isinstance(client_id, str) or not client_id:
            raise ValidationError("the command id must be a non-empty string", field="id")
        known = self.seen_ids.get(client_id)
        if known is None:
            return False
        if known != payload_fingerprint(cmd.record()):
            raise IdempotencyConflict(f"id {client_id!r} was already used with a different payload")
        return True

    def knows(self, cmd: c.LineCommand) -> bool:
        """True when ``cmd`` is a retry of a command this line applied; raise on another payload under its id."""
        return self._known(cmd)

    def _retry_result(self, cmd: c.LineCommand) -> object:
        if isinstance(cmd, c.Repay):  # the payment's split as history now stands (docs/servicing.md "Retries")
            known = self.results.get(cmd.id)
            if known is None:  # reversed since, and history re-derived without it: it now moves nothing
                return RepaymentResult(cmd.id, cmd.on, cmd.amount_minor, (), 0, 0)
            return known
        if isinstance(cmd, c.Purchase | c.Capture):
            return find_plan(self, cmd.id)
        return None

    def _apply(self, cmd: c.LineCommand) -> object:
        kind = type(cmd)
        handler = HANDLERS.get(kind)
        if handler is None:
            raise ValidationError(f"unknown command kind {cmd.kind!r}", field="kind")
        self._next_action_memo = None  # a replay applies commands without new versions
        self._next_bill_on = None  # commands add, reschedule or rebuild installments
        if kind in KEEP_CURSORS:
            return handler(self, cmd)
        self._set_cursors(-1)
        try:
            return handler(self, cmd)
        finally:
            self._set_cursors(0)

    def _set_cursors(self, value: int) -> None:
        for plan in self.plans:
            plan.settled_upto = value
        for plan in self.settled_plans:
            plan.settled_upto = value

    def correct(self, cmd: c.LineCommand, posted: Sequence[JournalEntry]) -> object:
        """Record a back-dated command, or a reversal, and re-derive everything after its value date.

        The line is rebuilt from its command log with the new command in place; the journal is corrected by
        reversing entries that changed or vanished and posting the new ones, so the journal stays
        append-only. ``posted`` is this line's journal so far (the unit of work flushes first).
        """
        require(not self.pending_entries, "flush the line's pending entries before a correction")
        if self._known(cmd):
            return self._retry_result(cmd)
        if cmd.on < self.opened_on:
            raise ValidationError(f"date {cmd.on} is before the line opened on {self.opened_on}", field="on")
        records = [*self.events, cmd.record(len(self.events) + 1)]
        fresh, result = self._rebuild(records, cmd.id)
        today = max(self.last_closed_on + ONE_DAY, cmd.on)  # the open business date
        corrections = correction_entries(posted, fresh.drain_entries(), today)
        for name in _STATE_FIELDS:
            setattr(self, name, getattr(fresh, name))
        self._next_bill_on = None
        self.version += 1
        self.pending_entries = corrections
        return result

    def as_before(self, client_id: str) -> CreditLine:
        """A copy of the line as it stood when ``client_id`` was applied (the commands logged before it replayed,
        closed through the day before it): what a retry needs to give the answer it first gave."""
        target = next(r for r in self.events if r["id"] == client_id)
        earlier = [r for r in self.events if c.seq_of(r) < c.seq_of(target)]
        through = date.fromisoformat(c.text(target, "on")) - ONE_DAY
        fresh, _ = self._rebuild(earlier, "", through=through)
        fresh.pending_entries = []
        return fresh

    def _rebuild(self, records: list[Record], target_id: str, through: date | None = None) -> tuple[CreditLine, object]:
        """Replay the command log from opening: the one place where history is re-derived."""
        fresh = CreditLine.open(
            self.line_id,
            self.customer_id,
            self.product,
            self.opened_limit_minor,
            self.opened_on,
            statement_day=self.statement_day,
            due_days=self.due_days,
        )
        skipped = {r["target_id"] for r in records if r["kind"] in _SKIPPING_KINDS}
        result: object = None
        for record in sorted(records, key=_logged_on):
            cmd = c.parse(record)
            fresh.close_through(cmd.on - ONE_DAY)
            if cmd.id not in skipped:
                outcome = fresh._replay(cmd, target_id)
                if cmd.id == target_id:
                    result = outcome
            fresh.events.append(record)
            fresh.seen_ids[cmd.id] = payload_fingerprint(record)
        fresh.close_through(self.last_closed_on if through is None else through)  # the open date stays open
        return fresh, result

    def at_ends_of(self, days: Sequence[date]) -> Iterator[tuple[date, CreditLine]]:
        """The line as it stood at the end of each of ``days`` (ascending), re-derived from the command log as
        ``_rebuild`` does: a point-in-time view for reports (the early-warning panel). The one copy yielded is
        moved on after each day, so read it before the next; it is never saved and posts nothing."""
        fresh = CreditLine.open(
            self.line_id, self.customer_id, self.product, self.opened_limit_minor, self.opened_on,
            statement_day=self.statement_day, due_days=self.due_days,
        )  # fmt: skip
        skipped = {r["target_id"] for r in self.events if r["kind"] in _SKIPPING_KINDS}
        todo = list(days)
        k = 0
        for record in sorted(self.events, key=_logged_on):
            cmd = c.parse(record)
            while k < len(todo) and todo[k] < cmd.on:
                fresh.close_through(todo[k])
                fresh.pending_entries.clear()
                yield todo[k], fresh
                k += 1
            fresh.close_through(cmd.on - ONE_DAY)
            if cmd.id not in skipped:
                fresh._replay(cmd, "")
            fresh.events.append(record)
            fresh.seen_ids[cmd.id] = payload_fingerprint(record)
        for day in todo[k:]:
            fresh.close_through(day)
            fresh.pending_entries.clear()
            yield day, fresh

    def _replay(self, cmd: c.LineCommand, target_id: str) -> object:
        try:
            return self._apply(cmd)
        except DomainError as exc:
            if cmd.id == target_id:
                raise
            # The correction would make a later, already recorded command impossible: a person decides.
            raise DomainError(
                f"re-deriving history, {cmd.kind} {cmd.id!r} of {cmd.on.isoformat()} would be refused "
                f"({exc.code}: {exc.message}); undo or reverse it first",
                code="correction_conflict",
            ) from exc

    # ----------------------------------------------------------------- commands

    def purchase(
        self, purchase_id: str, amount_minor: int, periods: int, on: date, posted: Sequence[JournalEntry] | None = None
    ) -> Plan:
        """Buy on the line. ``posted`` (this line's journal) allows a back-dated purchase to be re-derived."""
        return cast(Plan, self.execute(c.Purchase(purchase_id, on, amount_minor, periods), posted))

    def authorise(self, hold_id: str, amount_minor: int, on: date, expires_on: date) -> Hold:
        """Reserve open-to-buy for a checkout; capture, void or expiry settle it exactly once."""
        hold = self.execute(c.Authorise(hold_id, on, amount_minor, expires_on))
        return hold if isinstance(hold, Hold) else self.holds[hold_id]

    def capture(
        self, capture_id: str, hold_id: str, amount_minor: int, periods: int, on: date, final: bool = True
    ) -> Plan:
        """Turn (part of) a hold into a purchase; a final capture releases what is left of the hold."""
        return cast(Plan, self.execute(c.Capture(capture_id, on, hold_id, amount_minor, periods, final)))

    def void(self, void_id: str, hold_id: str, on: date) -> None:
        self.execute(c.Void(void_id, on, hold_id))

    def refund(
        self,
        refund_id: str,
        purchase_id: str,
        amount_minor: int,
        on: date,
        posted: Sequence[JournalEntry] | None = None,
    ) -> int:
        """A merchant refund reduces the plan from its last installments; what was already paid becomes credit.

        Returns the amount that went to the customer's credit balance.
        """
        result = self.execute(c.Refund(refund_id, on, purchase_id, amount_minor), posted)
        return result if isinstance(result, int) else 0

    def repay(
        self, payment_id: str, amount_minor: int, on: date, posted: Sequence[JournalEntry] | None = None
    ) -> RepaymentResult:
        """Pay through the waterfall. With ``posted``, a payment with an earlier value date is re-derived."""
        if payment_id not in self.seen_ids and amount_minor > self.limit_minor - self.credit_balance_minor:
            # Only a payment near the limit can break the cap. Checked here, for new payments only: a replay
            # re-applies payments recorded before the cap existed.
            self.close_through(on - ONE_DAY)  # what is owed on the payment's date (the command catches up anyway)
            check_overpayment(self, amount_minor)
        cmd = c.Repay(payment_id, on, amount_minor)
        late = self._late_payment(cmd)
        if late is not None:
            return late  # a retry of a late payment booked on the open date
        try:
            return cast(RepaymentResult, self.execute(cmd, posted))
        except DomainError as exc:
            if exc.code != "correction_conflict":
                raise
        # The money arrived: a payment is never refused because its value date cannot be re-derived (a later
        # restructure, refund or purchase would no longer be possible). It is booked on the open business date
        # instead, keeping its value date in the command (docs/servicing.md "Back-dated events and reversals").
        booked = c.Repay(payment_id, self.last_closed_on + ONE_DAY, amount_minor, value_on=on)
        return cast(RepaymentResult, self.execute(booked))

    def _late_payment(self, cmd: c.Repay) -> RepaymentResult | None:
        """The answer to a retry of a payment that was booked on a later open date than its value date."""
        if cmd.id not in self.seen_ids:
            return None  # a new payment (the common case: no scan)
        done = next((r for r in self.events if r["id"] == cmd.id and "value_on" in r), None)
        if done is None or done["kind"] != c.Repay.kind:
            return None
        if (done["value_on"], done["amount_minor"]) != (cmd.on.isoformat(), cmd.amount_minor):
            raise IdempotencyConflict(f"id {cmd.id!r} was already used with a different payload")
        return cast(RepaymentResult, self._retry_result(c.parse(done)))

    def refund_credit_balance(self, refund_id: str, amount_minor: int, on: date) -> None:
        """Pay a credit balance (overpayment, refund) back to the customer, once the payments it came from cleared."""
        if refund_id not in self.seen_ids:
            # Checked for new refunds only (a replay re-applies refunds recorded before the clearing period existed).
            self.close_through(on - ONE_DAY)  # the credit left on that date (a statement may have applied some)
            check_cleared(self, amount_minor, on)
        self.execute(c.RefundCredit(refund_id, on, amount_minor))

    def change_limit(self, change_id: str, limit_minor: int, on: date) -> None:
        self.execute(c.ChangeLimit(change_id, on, limit_minor))

    def freeze(self, change_id: str, on: date) -> None:
        self.execute(c.Freeze(change_id, on))

    def unfreeze(self, change_id: str, on: date) -> None:
        self.execute(c.Unfreeze(change_id, on))

    def close(self, change_id: str, on: date) -> None:
        """Close a line that owes nothing and holds no credit or pending authorisation."""
        self.execute(c.Close(change_id, on))

    def reverse_payment(self, reversal_id: str, payment_id: str, on: date, posted: Sequence[JournalEntry]) -> None:
        """A bounced payment: undo it and re-derive penalty, delinquency and allocations from its value date."""
        original = next((r for r in self.events if r["id"] == payment_id and r["kind"] == c.Repay.kind), None)
        if original is None:
            raise NotFound(f"payment {payment_id!r} not found on line {self.line_id}", field="payment_id")
        if on < date.fromisoformat(c.text(original, "on")):
            raise ValidationError(
                f"on {on} is before the payment's value date {original['on']}: a payment cannot bounce before it "
                "was made",
                field="on",
            )
        done = next((r for r in self.events if r["id"] == reversal_id), None)
        if done is not None and done["kind"] == c.ReturnPayment.kind and done.get("target_id") == payment_id:
            return  # a retry of a reversal booked as a returned payment
        reversed_before = any(r["kind"] in _REVERSAL_KINDS and r["target_id"] == payment_id for r in self.events)
        if reversed_before and done is None:
            raise DomainError(f"payment {payment_id!r} is already reversed", code="already_reversed")
        try:
            retry = reversal_id in self.seen_ids
            self.correct(c.ReversePayment(reversal_id, on, payment_id), posted)
            if self.new_events is not None and not retry:
                self.new_events.append(PaymentReturned(self.line_id, on, payment_id, reversal_id, owed_again=False))
        except DomainError as exc:
            if exc.code != "correction_conflict":
                raise
            # History cannot be re-derived without the payment (its credit was paid out or used, the line was
            # closed or re-borrowed since...): the payment stands and the money that never arrived becomes a
            # returned-payment receivable, due at once. Every bounced payment is reversible.
            today = max(self.last_closed_on + ONE_DAY, on)
            self.execute(c.ReturnPayment(reversal_id, today, payment_id, on))

    def undo(self, undo_id: str, request_id: str, on: date, posted: Sequence[JournalEntry]) -> None:
        """Undo a restructure while nothing has happened after it (later day-ends are re-derived)."""
        target = next((r for r in self.events if r["id"] == request_id), None)
        if target is None or target["kind"] not in c.RESTRUCTURE_KINDS:
            raise NotFound(f"restructure {request_id!r} not found on line {self.line_id}", field="request_id")
        later = any(c.seq_of(r) > c.seq_of(target) for r in self.events)
        if self.seen_ids.get(undo_id) is None and later:
            raise DomainError(f"restructure {request_id!r} cannot be undone: later events exist", code="not_undoable")
        self.correct(c.Undo(undo_id, on, request_id), posted)

    # ----------------------------------------------------------------- views

    def schedule_rows(self) -> list[dict[str, str | int | bool]]:
        rows: list[dict[str, str | int | bool]] = []
        for plan in sorted([*self.settled_plans, *self.plans], key=lambda p: p.purchased_on):
            for inst in plan.installments:
                rows.append(
                    {
                        "plan_id": plan.plan_id,
                        "seq": inst.seq,
                        "statement_on": inst.statement_on.isoformat(),
                        "due_on": inst.due_on.isoformat(),
                        "principal_minor": inst.principal_minor,
                        "fee_minor": inst.fee_minor + inst.carried_fee_minor,
                        "interest_minor": inst.interest_minor + inst.carried_interest_minor,
                        "paid_minor": inst.paid_principal_minor + inst.paid_fee_minor + inst.paid_interest_minor,
                        "billed": inst.billed,
                    }
                )
        return rows

    def installment_delinquency(self, on: date) -> list[tuple[str, int, int, str]]:
        """Per unpaid billed installment past due on ``on``: (plan_id, seq, DPD, bucket) — no grace at this level."""
        out = []
        for plan in self.plans:
            for inst in plan.installments:
                if inst.billed and inst.unpaid_minor and inst.due_on < on:
                    dpd = (on - inst.due_on).days
                    out.append((plan.plan_id, inst.seq, dpd, bucket(dpd)))
        return out
