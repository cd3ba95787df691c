"""The CreditLine aggregate: limit, plans, statements, repayments, penalty, delinquency, charge-off.

Every money movement is recorded as one balanced journal entry in ``pending_entries``; the unit of
work appends them to the journal together with the new state, so state and journal never drift.
The line is closed day by day (``close_through``): statement cut, penalty accrual, days past due,
charge-off. Commands on a business date first catch the line up to the day before, so a line never
misses a day and never processes one twice.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from json.encoder import encode_basestring_ascii
from typing import Any

from creditloop.core.errors import DomainError, IdempotencyConflict, NotFound, ValidationError, require
from creditloop.core.money import allocate, require_positive, round_minor
from creditloop.ledger.accounts import Account
from creditloop.ledger.bounds import MAX_BUSINESS_DATE, check_business_date
from creditloop.ledger.entries import EntryCode, JournalEntry, entry
from creditloop.ledger.ids import escape_id
from creditloop.products.penalty import accrue_penalty
from creditloop.products.schedule import ScheduledInstallment, next_statement_on
from creditloop.products.terms import Product
from creditloop.servicing.corrections import correction_entries
from creditloop.servicing.delinquency import bucket, days_past_due


class LineStatus(StrEnum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    CLOSED = "CLOSED"
    CHARGED_OFF = "CHARGED_OFF"


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
    kind: str = "purchase"  # purchase | restructure
    refunded_minor: int = 0
    # How many leading installments are billed and fully paid (``_open_part``); -1 while a command that may
    # reopen one runs. Derived, never stored.
    settled_upto: int = field(default=0, compare=False, repr=False)


def _open_part(plan: Plan) -> list[Installment]:
    """The plan's installments after its leading settled ones (billed, nothing owed: every balance, due and
    delinquency scan skips them), moving the plan's cursor on.

    Safe because nothing reopens a settled installment except commands outside ``_KEEP_CURSORS`` (restructures,
    refunds, corrections), and those run with the cursors off and reset them after; payments, billing,
    charge-off and revolving interest only settle installments or change unsettled ones (the stateful property
    test checks the prefix after every step)."""
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


def _reduce_evenly(plan: Plan, amount_minor: int) -> int:
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


def _settled(plan: Plan) -> bool:
    """Nothing owed and nothing left to bill (unpaid principal, fee and interest all zero; an unbilled
    installment must carry no scheduled fee or interest). Written out: it runs on every statement and payment."""
    for i in _open_part(plan):
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


@dataclass(slots=True)
class Hold:
    """A checkout authorisation: reserved open-to-buy, settled by capture, void or expiry exactly once."""

    hold_id: str
    amount_minor: int
    authorised_on: date
    expires_on: date
    remaining_minor: int = -1
    status: str = "ACTIVE"  # ACTIVE | CAPTURED | VOIDED | EXPIRED

    def __post_init__(self) -> None:
        if self.remaining_minor < 0:
            self.remaining_minor = self.amount_minor


RESTRUCTURE_KINDS = frozenset(
    {"term_extension", "reage", "reamortise", "fee_reduction", "penalty_waiver", "payment_holiday"}
)


_ONE_DAY = timedelta(days=1)
_REVERSAL_KINDS = ("reverse_payment", "return_payment")
MAX_HOLD_DAYS = 366  # a checkout authorisation reserves open-to-buy for a while, not for ever


def _statement_on(inst: Installment) -> date:
    return inst.statement_on


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _payload(ev: dict[str, Any]) -> str:
    return fingerprint(*sorted([(k, v) for k, v in ev.items() if k != "seq"]))


def fingerprint(*parts: object) -> str:
    """Stable hash of a command payload, to tell a retry from a conflicting reuse of an id.

    The hashed text is exactly ``json.dumps([str(p) for p in parts])`` (stored fingerprints depend on it), built
    from json's own string encoder without the general encoder's set-up: it runs for every command."""
    text = "[" + ", ".join([encode_basestring_ascii(str(p)) for p in parts]) + "]"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(slots=True)
class CreditLine:
    line_id: str
    customer_id: str
    product: Product
    limit_minor: int
    opened_on: date
    statement_day: int = 1  # per account; defaults to the product's
    due_days: int = 9  # days from statement to due date; defaults to the product's
    opened_limit_minor: int = 0
    status: LineStatus = LineStatus.ACTIVE
    plans: list[Plan] = field(default_factory=list)  # plans with something still owed or scheduled
    settled_plans: list[Plan] = field(default_factory=list)  # fully paid: kept for history, skipped by day-end
    penalty_minor: int = 0
    penalty_carry: Decimal = Decimal(0)
    revolving_carry: Decimal = Decimal(0)
    credit_balance_minor: int = 0
    charged_off_minor: int = 0
    charged_off_on: date | None = None
    delinquent_since: date | None = None  # due date of the oldest unpaid installment once it is past due
    dpd: int = 0
    last_closed_on: date = date.min
    restructured_on: date | None = None
    statements: list[Statement] = field(default_factory=list)
    seen_ids: dict[str, str] = field(default_factory=dict)  # client id -> payload fingerprint
    results: dict[str, RepaymentResult] = field(default_factory=dict)
    version: int = 0
    pending_entries: list[JournalEntry] = field(default_factory=list)
    purchases_since_cut_minor: int = 0
    payments_since_cut_minor: int = 0
    billed_since_cut_minor: list[int] = field(default_factory=lambda: [0, 0, 0])  # principal, fee, interest
    events: list[dict[str, Any]] = field(default_factory=list)  # the command log: the source of truth for replay
    holds: dict[str, Hold] = field(default_factory=dict)
    # (version, last closed date, status) -> next action date: a store asks every day for every line it holds
    _next_action_memo: tuple[int, date, LineStatus, date] | None = field(default=None, repr=False, compare=False)
    # No installment bills before this date (``_bill``); None: unknown. Reset by every command and correction.
    _next_bill_on: date | None = field(default=None, repr=False, compare=False)

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

    # ----------------------------------------------------------------- balances

    # The sums below are written as loops, not sum() over generators: they run for every line many times a day in
    # a simulation, and a plain loop is about twice as fast in CPython.

    @property
    def principal_minor(self) -> int:
        total = 0
        for p in self.plans:
            for i in _open_part(p):
                total += i.principal_minor - i.paid_principal_minor
        return total

    def balances(self) -> tuple[int, int, int]:
        """Unpaid principal, owed fees and owed interest in one pass (stores write all three at once)."""
        principal = fee = interest = 0
        for p in self.plans:
            for i in _open_part(p):  # Installment's unpaid_* properties, inlined
                principal += i.principal_minor - i.paid_principal_minor
                fee += i.carried_fee_minor - i.paid_fee_minor
                interest += i.carried_interest_minor - i.paid_interest_minor
                if i.billed:
                    fee += i.fee_minor
                    interest += i.interest_minor
        return principal, fee, interest

    @property
    def fee_minor(self) -> int:
        return sum(i.unpaid_fee_minor for p in self.plans for i in p.installments)

    @property
    def interest_minor(self) -> int:
        return sum(i.unpaid_interest_minor for p in self.plans for i in p.installments)

    @property
    def balance_minor(self) -> int:
        """Everything the customer owes now (principal incl. unbilled, owed fees, penalty)."""
        return self.principal_minor + self.fee_minor + self.interest_minor + self.penalty_minor

    @property
    def open_to_buy_minor(self) -> int:
        if self.status is not LineStatus.ACTIVE:
            return 0
        held = sum(h.remaining_minor for h in self.holds.values() if h.status == "ACTIVE")
        return max(0, self.limit_minor - self.principal_minor - held)

    @property
    def amount_due_minor(self) -> int:
        """What the customer must pay now to owe nothing billed: billed installments plus penalty to date."""
        total = self.penalty_minor
        for p in self.plans:
            for i in _open_part(p):
                if i.billed:
                    total += i.unpaid_minor
        return total

    def past_due_minor(self, on: date) -> int:
        """Unpaid principal and fees of installments due before ``on``."""
        total = 0
        for p in self.plans:
            for i in _open_part(p):
                if i.billed and i.due_on < on:
                    total += i.unpaid_minor
        return total

    @property
    def plan_count(self) -> int:
        return len(self.plans) + len(self.settled_plans)

    def archive_settled(self) -> None:
        """Move fully paid plans out of the working set, so day-end cost follows what is still owed."""
        settled = [_settled(p) for p in self.plans]
        if any(settled):
            self.settled_plans.extend(p for p, done in zip(self.plans, settled, strict=True) if done)
            self.plans = [p for p, done in zip(self.plans, settled, strict=True) if not done]

    def _installments(self) -> list[Installment]:
        return [i for p in self.plans for i in p.installments]

    def _open_installments(self) -> list[Installment]:
        items = [i for p in self.plans for i in _open_part(p) if i.unpaid_minor or i.unpaid_principal_minor]
        items.sort(key=lambda i: i.due_on)
        return items

    def _post(self, e: JournalEntry) -> None:
        self.pending_entries.append(e)

    def drain_entries(self) -> list[JournalEntry]:
        out, self.pending_entries = self.pending_entries, []
        return out

    # ----------------------------------------------------------------- command log

    def _run(self, ev: dict[str, Any], posted: Sequence[JournalEntry] | None = None) -> Any:
        """Apply a command on an open business date: idempotent by its client id, recorded in the event log.

        Every command is validated before anything changes, so a refused command leaves the line as it was
        (apart from catching up day-ends that were due anyway).
        """
        known = self._known(ev)
        if known:
            return self._retry_result(ev)
        on = _day(ev["on"])
        if on < self.opened_on:
            raise ValidationError(f"date {on} is before the line opened on {self.opened_on}", field="on")
        if on > MAX_BUSINESS_DATE:
            check_business_date(on, "on")
        if on <= self.last_closed_on:
            if posted is not None:
                return self.correct(ev, posted)
            raise DomainError(
                f"business date {on} is already closed (closed through {self.last_closed_on}); "
                "record it as a back-dated correction",
                code="date_already_closed",
            )
        self.close_through(on - timedelta(days=1))
        result = self._apply(ev)
        self._log(ev)
        self.version += 1
        return result

    def _known(self, ev: dict[str, Any]) -> bool:
        """True when this client id was already applied with the same payload (a retry); raise on a conflict."""
        client_id = ev["id"]
        if not isinstance(client_id, str) or not client_id:
            raise ValidationError("the command id must be a non-empty string", field="id")
        known = self.seen_ids.get(client_id)
        if known is None:
            return False
        if known != _payload(ev):
            raise IdempotencyConflict(f"id {client_id!r} was already used with a different payload")
        return True

    def _log(self, ev: dict[str, Any]) -> None:
        self.events.append({**ev, "seq": len(self.events) + 1})
        self.seen_ids[ev["id"]] = _payload(ev)

    def _retry_result(self, ev: dict[str, Any]) -> Any:
        if ev["kind"] == "repay":  # the payment's split as history now stands (docs/servicing.md "Retries")
            known = self.results.get(ev["id"])
            if known is None:  # reversed since, and history re-derived without it: it now moves nothing
                return RepaymentResult(ev["id"], _day(ev["on"]), ev["amount_minor"], (), 0, 0)
            return known
        if ev["kind"] in ("purchase", "capture"):
            return next(p for p in [*self.plans, *self.settled_plans] if p.purchase_id == ev["id"])
        return None

    def _apply(self, ev: dict[str, Any]) -> Any:
        kind = ev["kind"]
        handler = _APPLIERS.get(kind)
        if handler is None:
            from creditloop.servicing import restructure  # restructure builds on this module

            handler = restructure.APPLIERS.get(kind)
        if handler is None:
            raise ValidationError(f"unknown command kind {kind!r}", field="kind")
        self._next_action_memo = None  # a replay applies commands without new versions
        self._next_bill_on = None  # commands add, reschedule or rebuild installments
        if kind in _KEEP_CURSORS:
            return handler(self, ev)
        self._set_cursors(-1)
        try:
            return handler(self, ev)
        finally:
            self._set_cursors(0)

    def _set_cursors(self, value: int) -> None:
        for plan in self.plans:
            plan.settled_upto = value
        for plan in self.settled_plans:
            plan.settled_upto = value

    def correct(self, ev: dict[str, Any], posted: Sequence[JournalEntry]) -> Any:
        """Record a back-dated command, or a reversal, and re-derive everything after its value date.

        The line is rebuilt from its event log with the new event in place; the journal is corrected by
        reversing entries that changed or vanished and posting the new ones, so the journal stays
        append-only. ``posted`` is this line's journal so far (the unit of work flushes first).
        """
        require(not self.pending_entries, "flush the line's pending entries before a correction")
        if self._known(ev):
            return self._retry_result(ev)
        on = _day(ev["on"])
        if on < self.opened_on:
            raise ValidationError(f"date {on} is before the line opened on {self.opened_on}", field="on")
        events = [*self.events, {**ev, "seq": len(self.events) + 1}]
        fresh, result = self._rebuild(events, ev["id"])
        today = max(self.last_closed_on + timedelta(days=1), on)  # the open business date
        corrections = correction_entries(posted, fresh.drain_entries(), today)
        for name in _STATE_FIELDS:
            setattr(self, name, getattr(fresh, name))
        self._next_bill_on = None
        self.version += 1
        self.pending_entries = corrections
        return result

    def knows(self, ev: dict[str, Any]) -> bool:
        """True when ``ev`` is a retry of a command this line applied; raise on another payload under its id."""
        return self._known(ev)

    def as_before(self, client_id: str) -> CreditLine:
        """A copy of the line as it stood when ``client_id`` was applied (the events logged before it replayed,
        closed through the day before it): what a retry needs to give the answer it first gave."""
        target = next(e for e in self.events if e["id"] == client_id)
        earlier = [e for e in self.events if e["seq"] < target["seq"]]
        fresh, _ = self._rebuild(earlier, "", through=_day(target["on"]) - timedelta(days=1))
        fresh.pending_entries = []
        return fresh

    def _rebuild(
        self, events: list[dict[str, Any]], target_id: str, through: date | None = None
    ) -> tuple[CreditLine, Any]:
        """Replay the event log from opening: the one place where history is re-derived."""
        fresh = CreditLine.open(
            self.line_id,
            self.customer_id,
            self.product,
            self.opened_limit_minor,
            self.opened_on,
            statement_day=self.statement_day,
            due_days=self.due_days,
        )
        skipped = {e["target_id"] for e in events if e["kind"] in ("reverse_payment", "undo")}
        result: Any = None
        for ev in sorted(events, key=lambda e: (e["on"], e["seq"])):
            on = _day(ev["on"])
            fresh.close_through(on - timedelta(days=1))
            if ev["id"] not in skipped:
                try:
                    outcome = fresh._apply(ev)
                except DomainError as exc:
                    if ev["id"] == target_id:
                        raise
                    # The correction would make a later, already recorded event impossible: a person decides.
                    raise DomainError(
                        f"re-deriving history, {ev['kind']} {ev['id']!r} of {ev['on']} would be refused "
                        f"({exc.code}: {exc.message}); undo or reverse it first",
                        code="correction_conflict",
                    ) from exc
                if ev["id"] == target_id:
                    result = outcome
            fresh.events.append(ev)
            fresh.seen_ids[ev["id"]] = _payload(ev)
        fresh.close_through(self.last_closed_on if through is None else through)  # the open date stays open
        return fresh, result

    # ----------------------------------------------------------------- commands

    def purchase(
        self, purchase_id: str, amount_minor: int, periods: int, on: date, posted: Sequence[JournalEntry] | None = None
    ) -> Plan:
        """Buy on the line. ``posted`` (this line's journal) allows a back-dated purchase to be re-derived."""
        ev = {
            "kind": "purchase",
            "id": purchase_id,
            "on": on.isoformat(),
            "amount_minor": amount_minor,
            "periods": periods,
        }
        plan: Plan = self._run(ev, posted)
        return plan

    def authorise(self, hold_id: str, amount_minor: int, on: date, expires_on: date) -> Hold:
        """Reserve open-to-buy for a checkout; capture, void or expiry settle it exactly once."""
        hold: Hold = self._run(
            {
                "kind": "authorise",
                "id": hold_id,
                "on": on.isoformat(),
                "amount_minor": amount_minor,
                "expires_on": expires_on.isoformat(),
            }
        )
        return hold if hold is not None else self.holds[hold_id]

    def capture(
        self, capture_id: str, hold_id: str, amount_minor: int, periods: int, on: date, final: bool = True
    ) -> Plan:
        """Turn (part of) a hold into a purchase; a final capture releases what is left of the hold."""
        plan: Plan = self._run(
            {
                "kind": "capture",
                "id": capture_id,
                "hold_id": hold_id,
                "on": on.isoformat(),
                "amount_minor": amount_minor,
                "periods": periods,
                "final": final,
            }
        )
        return plan

    def void(self, void_id: str, hold_id: str, on: date) -> None:
        self._run({"kind": "void", "id": void_id, "hold_id": hold_id, "on": on.isoformat()})

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
        result = self._run(
            {
                "kind": "refund",
                "id": refund_id,
                "purchase_id": purchase_id,
                "on": on.isoformat(),
                "amount_minor": amount_minor,
            },
            posted,
        )
        return int(result or 0)

    def repay(
        self, payment_id: str, amount_minor: int, on: date, posted: Sequence[JournalEntry] | None = None
    ) -> RepaymentResult:
        """Pay through the waterfall. With ``posted``, a payment with an earlier value date is re-derived."""
        if payment_id not in self.seen_ids and amount_minor > self.limit_minor - self.credit_balance_minor:
            # Only a payment near the limit can break the cap. Checked here, for new payments only: a replay
            # re-applies payments recorded before the cap existed.
            self.close_through(on - _ONE_DAY)  # what is owed on the payment's date (the command catches up anyway)
            self._check_overpayment(amount_minor)
        result: RepaymentResult = self._run(
            {"kind": "repay", "id": payment_id, "on": on.isoformat(), "amount_minor": amount_minor}, posted
        )
        return result

    def _check_overpayment(self, amount_minor: int) -> None:
        """A payment may exceed what is owed by at most the credit limit (less credit already held): a bounced
        overpayment then never leaves more than a limit's worth of credit that may have been paid out."""
        principal, fee, interest = self.balances()
        owed = principal + fee + interest + self.penalty_minor + self.charged_off_minor
        cap = owed + max(0, self.limit_minor - self.credit_balance_minor)
        if amount_minor > cap:
            raise DomainError(
                f"amount_minor {amount_minor} exceeds what is owed ({owed}) plus the credit limit less credit "
                f"held ({cap - owed}): an overpayment may be at most the credit limit",
                code="overpayment_exceeds_limit",
            )

    def _check_cleared(self, amount_minor: int, on: date) -> None:
        """Credit a payment left is refunded only after the product's clearing period: the payment may bounce."""
        days = self.product.payment_clearing_days
        uncleared = sum(r.to_credit_balance_minor for r in self.results.values() if (on - r.paid_on).days < days)
        cleared = self.credit_balance_minor - min(self.credit_balance_minor, uncleared)
        if 0 < amount_minor <= self.credit_balance_minor and amount_minor > cleared:
            raise DomainError(
                f"refund {amount_minor} exceeds the cleared credit {cleared}: {uncleared} of the credit comes from "
                f"payments made less than {days} days ago (the product's payment_clearing_days) and may bounce",
                code="credit_not_cleared",
            )

    def refund_credit_balance(self, refund_id: str, amount_minor: int, on: date) -> None:
        """Pay a credit balance (overpayment, refund) back to the customer, once the payments it came from cleared."""
        if refund_id not in self.seen_ids:
            # Checked for new refunds only (a replay re-applies refunds recorded before the clearing period existed).
            self.close_through(on - _ONE_DAY)  # the credit left on that date (a statement may have applied some)
            self._check_cleared(amount_minor, on)
        self._run({"kind": "credit_refund", "id": refund_id, "on": on.isoformat(), "amount_minor": amount_minor})

    def change_limit(self, change_id: str, limit_minor: int, on: date) -> None:
        self._run({"kind": "limit", "id": change_id, "on": on.isoformat(), "limit_minor": limit_minor})

    def freeze(self, change_id: str, on: date) -> None:
        self._run({"kind": "freeze", "id": change_id, "on": on.isoformat()})

    def unfreeze(self, change_id: str, on: date) -> None:
        self._run({"kind": "unfreeze", "id": change_id, "on": on.isoformat()})

    def close(self, change_id: str, on: date) -> None:
        """Close a line that owes nothing and holds no credit or pending authorisation."""
        self._run({"kind": "close", "id": change_id, "on": on.isoformat()})

    def reverse_payment(self, reversal_id: str, payment_id: str, on: date, posted: Sequence[JournalEntry]) -> None:
        """A bounced payment: undo it and re-derive penalty, delinquency and allocations from its value date."""
        original = next((e for e in self.events if e["id"] == payment_id and e["kind"] == "repay"), None)
        if original is None:
            raise NotFound(f"payment {payment_id!r} not found on line {self.line_id}", field="payment_id")
        if on < _day(original["on"]):
            raise ValidationError(
                f"on {on} is before the payment's value date {original['on']}: a payment cannot bounce before it "
                "was made",
                field="on",
            )
        done = next((e for e in self.events if e["id"] == reversal_id), None)
        if done is not None and done["kind"] == "return_payment" and done.get("target_id") == payment_id:
            return  # a retry of a reversal booked as a returned payment
        reversed_before = any(e["kind"] in _REVERSAL_KINDS and e["target_id"] == payment_id for e in self.events)
        if reversed_before and done is None:
            raise DomainError(f"payment {payment_id!r} is already reversed", code="already_reversed")
        ev = {"kind": "reverse_payment", "id": reversal_id, "target_id": payment_id, "on": on.isoformat()}
        try:
            self.correct(ev, posted)
        except DomainError as exc:
            if exc.code != "correction_conflict":
                raise
            # History cannot be re-derived without the payment (its credit was paid out or used, the line was
            # closed or re-borrowed since...): the payment stands and the money that never arrived becomes a
            # returned-payment receivable, due at once. Every bounced payment is reversible.
            today = max(self.last_closed_on + timedelta(days=1), on)
            self._run({**ev, "kind": "return_payment", "on": today.isoformat(), "value_on": on.isoformat()})

    def undo(self, undo_id: str, request_id: str, on: date, posted: Sequence[JournalEntry]) -> None:
        """Undo a restructure while nothing has happened after it (later day-ends are re-derived)."""
        target = next((e for e in self.events if e["id"] == request_id), None)
        if target is None or target["kind"] not in RESTRUCTURE_KINDS:
            raise NotFound(f"restructure {request_id!r} not found on line {self.line_id}", field="request_id")
        if self.seen_ids.get(undo_id) is None and any(e["seq"] > target["seq"] for e in self.events):
            raise DomainError(f"restructure {request_id!r} cannot be undone: later events exist", code="not_undoable")
        self.correct({"kind": "undo", "id": undo_id, "target_id": request_id, "on": on.isoformat()}, posted)

    # ----------------------------------------------------------------- appliers (validate, then change)

    def _do_purchase(self, ev: dict[str, Any]) -> Plan:
        amount_minor, periods, on = ev["amount_minor"], ev["periods"], _day(ev["on"])
        require_positive(amount_minor, "amount_minor")
        self.product.option(periods)  # refuses an unknown option before anything changes
        if self.status is not LineStatus.ACTIVE:
            raise DomainError(f"line {self.line_id} is {self.status.value}: purchases refused", code="line_not_active")
        if amount_minor > self.open_to_buy_minor:
            raise DomainError(
                f"amount {amount_minor} exceeds open-to-buy {self.open_to_buy_minor}", code="insufficient_open_to_buy"
            )
        return self._book_purchase(ev["id"], amount_minor, periods, on)

    def _schedule(self, amount_minor: int, periods: int, on: date) -> list[ScheduledInstallment]:
        """Statement-cycle flat-fee plans by default; an option with its own terms (EMI, pay-in-4…) uses them."""
        from creditloop.products.pricing import option_schedule  # pricing builds on products.terms

        return option_schedule(self.product, periods, amount_minor, on, self.statement_day, self.due_days)

    def _book_purchase(self, purchase_id: str, amount_minor: int, periods: int, on: date) -> Plan:
        option = self.product.option(periods)
        schedule = self._schedule(amount_minor, periods, on)
        plan = Plan(
            plan_id=f"{escape_id(self.line_id)}/plan/{self.plan_count + 1}",
            purchase_id=purchase_id,
            purchased_on=on,
            principal_minor=amount_minor,
            periods=periods,
            monthly_fee_bps=option.monthly_fee_bps,
            installments=[
                Installment(
                    s.seq,
                    s.statement_on,
                    s.due_on,
                    s.principal_minor,
                    s.fee_minor,
                    interest_minor=s.interest_minor,
                    down_payment=s.is_down_payment,
                )
                for s in schedule
            ],
        )
        self.plans.append(plan)
        self.purchases_since_cut_minor += amount_minor
        self._post(
            entry(
                f"{escape_id(self.line_id)}/buy/{escape_id(purchase_id)}",
                EntryCode.PURCHASE,
                on,
                self.line_id,
                [(Account.RECEIVABLE_PRINCIPAL, amount_minor)],
                [(Account.MERCHANT_PAYABLE, amount_minor)],
                frozenset({plan.plan_id}),
            )
        )
        first = plan.installments[0]
        if first.down_payment and option.auto_down_payment:
            # Pay-in-4: the first quarter is collected at checkout, in the same command.
            first.billed = True
            first.paid_principal_minor = first.principal_minor
            self._post(
                entry(
                    f"{escape_id(self.line_id)}/buy/{escape_id(purchase_id)}/down-payment",
                    EntryCode.REPAYMENT,
                    on,
                    self.line_id,
                    [(Account.CASH_CLEARING, first.principal_minor)],
                    [(Account.RECEIVABLE_PRINCIPAL, first.principal_minor)],
                    frozenset({plan.plan_id}),
                )
            )
        return plan

    def _do_authorise(self, ev: dict[str, Any]) -> Hold:
        amount_minor, on, expires_on = ev["amount_minor"], _day(ev["on"]), _day(ev["expires_on"])
        require_positive(amount_minor, "amount_minor")
        if expires_on < on:
            raise ValidationError("expires_on must not be before the authorisation date", field="expires_on")
        if (expires_on - on).days > MAX_HOLD_DAYS:
            raise ValidationError(
                f"expires_on must be at most {MAX_HOLD_DAYS} days after the authorisation date, got {expires_on}",
                field="expires_on",
            )
        if self.status is not LineStatus.ACTIVE:
            raise DomainError(f"line {self.line_id} is {self.status.value}: purchases refused", code="line_not_active")
        if amount_minor > self.open_to_buy_minor:
            raise DomainError(
                f"amount {amount_minor} exceeds open-to-buy {self.open_to_buy_minor}", code="insufficient_open_to_buy"
            )
        hold = Hold(ev["id"], amount_minor, on, expires_on)
        self.holds[hold.hold_id] = hold
        return hold

    def _active_hold(self, hold_id: str) -> Hold:
        hold = self.holds.get(hold_id)
        if hold is None:
            raise NotFound(f"authorisation {hold_id!r} not found on line {self.line_id}", field="hold_id")
        if hold.status != "ACTIVE":
            raise DomainError(f"authorisation {hold_id!r} is {hold.status}", code="hold_not_active")
        return hold

    def _do_capture(self, ev: dict[str, Any]) -> Plan:
        hold = self._active_hold(ev["hold_id"])
        if self.status is not LineStatus.ACTIVE:
            raise DomainError(f"line {self.line_id} is {self.status.value}: captures refused", code="line_not_active")
        amount_minor, periods = ev["amount_minor"], ev["periods"]
        require_positive(amount_minor, "amount_minor")
        self.product.option(periods)
        if amount_minor > hold.remaining_minor:
            raise DomainError(
                f"capture {amount_minor} exceeds the authorised {hold.remaining_minor}", code="capture_exceeds_hold"
            )
        hold.remaining_minor -= amount_minor  # the reserved amount becomes principal: open-to-buy is unchanged
        if ev["final"] or hold.remaining_minor == 0:
            hold.status = "CAPTURED"
            hold.remaining_minor = 0
        return self._book_purchase(ev["id"], amount_minor, periods, _day(ev["on"]))

    def _do_void(self, ev: dict[str, Any]) -> None:
        hold = self._active_hold(ev["hold_id"])
        hold.status = "VOIDED"
        hold.remaining_minor = 0

    def _do_refund(self, ev: dict[str, Any]) -> int:
        purchase_id, on = ev["purchase_id"], _day(ev["on"])
        amount_minor: int = ev["amount_minor"]
        require_positive(amount_minor, "amount_minor")
        plan = next(
            (p for p in [*self.plans, *self.settled_plans] if p.purchase_id == purchase_id and p.kind == "purchase"),
            None,
        )
        if plan is None:
            raise NotFound(f"purchase {purchase_id!r} not found on line {self.line_id}", field="purchase_id")
        if amount_minor > plan.principal_minor - plan.refunded_minor:
            raise DomainError(
                f"refund {amount_minor} exceeds the refundable {plan.principal_minor - plan.refunded_minor}",
                code="refund_exceeds_purchase",
            )
        if self.status is LineStatus.CHARGED_OFF:
            raise DomainError("refunds on a charged-off line are handled as recoveries", code="line_charged_off")
        # What the customer still owes for the purchase shrinks first: its own plan, then (after a
        # restructure moved that debt) the restructured plans, last installments first.
        left = amount_minor
        sources = [plan, *[p for p in reversed([*self.settled_plans, *self.plans]) if p.kind == "restructure"]]
        rule = self.product.refund_allocation
        if rule == "reamortise":
            left = _reduce_evenly(plan, left)
        for source in sources:
            ordered = source.installments if rule == "next" else list(reversed(source.installments))
            for inst in ordered:
                take = min(left, inst.unpaid_principal_minor)
                if take:
                    inst.principal_minor -= take
                    left -= take
                    if not inst.billed and inst.unpaid_principal_minor == 0:
                        inst.fee_minor = inst.interest_minor = 0  # the refunded period owes no charges
        to_credit = left
        if left:
            # A term extension pools every purchase's debt into one plan, so an earlier refund of another
            # purchase may have taken this one's share of it; the rest of this refund is then principal the
            # customer paid, on the purchase's plans first and then, newest first, on the line's other plans.
            # Total principal across plans always covers what is still refundable, so the refund is placed.
            sources += [p for p in reversed([*self.settled_plans, *self.plans]) if all(p is not q for q in sources)]
        for source in sources:
            for inst in reversed(source.installments):
                # Principal already repaid is refunded too: the installment shrinks, the money becomes credit.
                take = min(left, inst.paid_principal_minor)
                inst.principal_minor -= take
                inst.paid_principal_minor -= take
                left -= take
        require(left == 0, f"refund of {amount_minor} on {plan.plan_id} could not be placed")
        plan.refunded_minor += amount_minor
        self.credit_balance_minor += to_credit
        self._post(
            entry(
                f"{escape_id(self.line_id)}/refund/{escape_id(ev['id'])}",
                EntryCode.REFUND,
                on,
                self.line_id,
                [(Account.MERCHANT_PAYABLE, amount_minor)],
                [(Account.RECEIVABLE_PRINCIPAL, amount_minor - to_credit), (Account.CUSTOMER_CREDIT, to_credit)],
                frozenset({plan.plan_id}),
            )
        )
        self.archive_settled()
        return to_credit

    def _do_repay(self, ev: dict[str, Any]) -> RepaymentResult:
        payment_id, amount_minor, on = ev["id"], ev["amount_minor"], _day(ev["on"])
        require_positive(amount_minor, "amount_minor")
        if self.status is LineStatus.CLOSED:
            raise DomainError(f"line {self.line_id} is closed", code="line_closed")
        credits: list[tuple[Account, int]] = []
        allocation: list[tuple[str, int]] = []
        recovery = 0
        if self.status is LineStatus.CHARGED_OFF:
            recovery = min(amount_minor, self.charged_off_minor)
            self.charged_off_minor -= recovery
            credits.append((Account.INCOME_RECOVERIES, recovery))
            left = amount_minor - recovery
        else:
            left, allocation, credits = self._allocate(amount_minor, on)
        self.credit_balance_minor += left
        credits.append((Account.CUSTOMER_CREDIT, left))
        self._post(
            entry(
                f"{escape_id(self.line_id)}/pay/{escape_id(payment_id)}",
                EntryCode.RECOVERY if recovery else EntryCode.REPAYMENT,
                on,
                self.line_id,
                [(Account.CASH_CLEARING, amount_minor)],
                credits,
                frozenset({f"payment:{payment_id}"}),
            )
        )
        self.payments_since_cut_minor += amount_minor
        if self.statements and on <= self.statements[-1].due_on:
            st = self.statements[-1]
            st.paid_by_due_minor = min(st.total_due_minor, st.paid_by_due_minor + amount_minor)
        self.archive_settled()
        result = RepaymentResult(payment_id, on, amount_minor, tuple(allocation), left, recovery)
        self.results[payment_id] = result
        return result

    def _do_credit_refund(self, ev: dict[str, Any]) -> None:
        amount_minor = ev["amount_minor"]
        require_positive(amount_minor, "amount_minor")
        if amount_minor > self.credit_balance_minor:
            raise DomainError(
                f"refund {amount_minor} exceeds the credit balance {self.credit_balance_minor}",
                code="insufficient_credit_balance",
            )
        self.credit_balance_minor -= amount_minor
        self._post(
            entry(
                f"{escape_id(self.line_id)}/credit-refund/{escape_id(ev['id'])}",
                EntryCode.CREDIT_BALANCE_REFUND,
                _day(ev["on"]),
                self.line_id,
                [(Account.CUSTOMER_CREDIT, amount_minor)],
                [(Account.CASH_CLEARING, amount_minor)],
            )
        )

    def _do_limit(self, ev: dict[str, Any]) -> None:
        require_positive(ev["limit_minor"], "limit_minor")
        if self.status in (LineStatus.CLOSED, LineStatus.CHARGED_OFF):
            raise DomainError(f"line {self.line_id} is {self.status.value}", code="line_not_active")
        self.limit_minor = ev["limit_minor"]

    def _do_freeze(self, ev: dict[str, Any]) -> None:
        if self.status is not LineStatus.ACTIVE:
            raise DomainError(f"line {self.line_id} is {self.status.value}, not ACTIVE", code="line_not_active")
        self.status = LineStatus.FROZEN
        self._release_holds()

    def _release_holds(self) -> None:
        """A line that stops lending releases its authorisations: nothing can be captured any more."""
        for hold in self.holds.values():
            if hold.status == "ACTIVE":
                hold.status, hold.remaining_minor = "VOIDED", 0

    def _do_unfreeze(self, ev: dict[str, Any]) -> None:
        if self.status is not LineStatus.FROZEN:
            raise DomainError(f"line {self.line_id} is {self.status.value}, not FROZEN", code="line_not_frozen")
        if self.restructured_on is not None:
            raise DomainError("a line under a workout plan stays frozen", code="line_restructured")
        self.status = LineStatus.ACTIVE

    def _do_close(self, ev: dict[str, Any]) -> None:
        if self.status in (LineStatus.CLOSED, LineStatus.CHARGED_OFF):
            raise DomainError(f"line {self.line_id} is {self.status.value}", code="line_not_active")
        if self.balance_minor or self.credit_balance_minor or self.principal_minor:
            raise DomainError(
                f"line {self.line_id} still owes {self.balance_minor} and holds credit {self.credit_balance_minor}",
                code="line_not_settled",
            )
        if any(h.status == "ACTIVE" for h in self.holds.values()):
            raise DomainError("void or capture the open authorisations first", code="open_authorisations")
        self.status = LineStatus.CLOSED

    def _do_return_payment(self, ev: dict[str, Any]) -> None:
        """A bounced payment whose history cannot be re-derived: the payment stands and what never arrived is
        taken back from the credit it left, if still held, and the rest is owed again at once, as a
        one-installment plan past due from the next day (so it ages, bears penalty and is collected like any
        overdue amount). A bounced recovery is written off again."""
        on = _day(ev["on"])
        result = self.results[ev["target_id"]]
        recovered = result.recovery_minor
        owed = result.amount_minor - recovered
        from_credit = min(self.credit_balance_minor, owed)
        self.credit_balance_minor -= from_credit
        rest = owed - from_credit
        debits = [(Account.INCOME_RECOVERIES, recovered), (Account.CUSTOMER_CREDIT, from_credit)]
        if self.status is LineStatus.CHARGED_OFF:
            self.charged_off_minor += recovered + rest  # nothing is collected through the waterfall any more
            debits.append((Account.EXPENSE_CREDIT_LOSS, rest))
        else:
            self.charged_off_minor += recovered
            if rest:
                plan_id = f"{escape_id(self.line_id)}/plan/{self.plan_count + 1}"
                item = Installment(1, on, on, rest, 0, billed=True)
                self.plans.append(Plan(plan_id, ev["id"], on, rest, 1, 0, [item], kind="returned_payment"))
                debits.append((Account.RECEIVABLE_PRINCIPAL, rest))
                if self.status is LineStatus.CLOSED:
                    self.status = LineStatus.FROZEN  # owes again, lends no more
        self._post(
            entry(
                f"{escape_id(self.line_id)}/returned/{escape_id(ev['id'])}",
                EntryCode.RETURNED_PAYMENT,
                on,
                self.line_id,
                debits,
                [(Account.CASH_CLEARING, result.amount_minor)],
                frozenset({f"payment:{ev['target_id']}", f"value_on:{ev['value_on']}"}),
            )
        )

    def _do_nothing(self, ev: dict[str, Any]) -> None:
        """Reversals and undos take effect through the replay, which skips their target."""

    def _allocate(self, amount_minor: int, on: date) -> tuple[int, list[tuple[str, int]], list[tuple[Account, int]]]:
        """Walk the product's waterfall atom by atom (oldest installment first within an atom)."""
        left = amount_minor
        allocation: list[tuple[str, int]] = []
        paid = {
            Account.RECEIVABLE_PENALTY: 0,
            Account.RECEIVABLE_FEE: 0,
            Account.RECEIVABLE_INTEREST: 0,
            Account.RECEIVABLE_PRINCIPAL: 0,
        }
        installments = self._open_installments()
        for atom in self.product.waterfall:
            if not left:
                break
            took = 0
            if atom == "PAST_DUE_PENALTY":
                took = min(left, self.penalty_minor)
                self.penalty_minor -= took
                paid[Account.RECEIVABLE_PENALTY] += took
                left -= took
            elif atom == "FUTURE_PRINCIPAL" and self.product.prepayment_allocation == "reamortise":
                took = self._prepay_evenly(installments, left)
                paid[Account.RECEIVABLE_PRINCIPAL] += took
                left -= took
            else:
                timing, _, part = atom.rpartition("_")
                ordered = installments
                if timing == "FUTURE" and self.product.prepayment_allocation == "last":
                    ordered = list(reversed(installments))
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
                        if (
                            timing == "FUTURE"
                            and inst.unpaid_principal_minor == 0
                            and self.product.early_settlement == "waive_unbilled"
                        ):
                            # Prepaid in full before billing: its fee and interest are never charged.
                            inst.fee_minor = inst.interest_minor = 0
                    left -= t
                    took += t
            if took:
                allocation.append((atom, took))
        credits = [(acct, amt) for acct, amt in paid.items() if amt]
        return left, allocation, credits

    # ----------------------------------------------------------------- day-end

    def close_through(self, target: date) -> None:
        """Run day-end for every business date up to ``target`` not yet closed, in order, exactly once.

        Quiet stretches (nothing overdue, no statement) are skipped in one step: their day-end would
        change nothing but the closed date.
        """
        while self.last_closed_on < target:
            day = self.last_closed_on + timedelta(days=1)
            next_action = self.next_action_on  # memoised: most calls find the line quiet
            if next_action > day:
                # Nothing changes on quiet days, so the line is not dirtied: a store may keep the older
                # closed date and the next command catches up through the same quiet stretch.
                self.last_closed_on = target if next_action == date.max else min(target, next_action - _ONE_DAY)
                continue
            self._close_day(day)

    @property
    def next_action_on(self) -> date:
        """The first business date whose day-end would change this line (stores index it for day-end)."""
        memo = self._next_action_memo
        # The answer holds while nothing changed (same version and status) and the closed date has not reached
        # it: a quiet stretch ends at the same date whichever of its days the line was last closed through.
        if (
            memo is not None
            and memo[0] == self.version
            and memo[2] is self.status
            and memo[1] <= self.last_closed_on < memo[3]
        ):
            return memo[3]
        day = self.last_closed_on + timedelta(days=1)
        quiet_until = self._quiet_until(day)
        if quiet_until is None or quiet_until < day:
            result = day
        else:
            result = quiet_until if quiet_until == date.max else quiet_until + timedelta(days=1)
        self._next_action_memo = (self.version, self.last_closed_on, self.status, result)
        return result

    def _quiet_until(self, day: date) -> date | None:
        """Last date from ``day`` on whose day-end would change nothing, or None if ``day`` needs work."""
        if self.status is LineStatus.CLOSED:
            return date.max
        if self.status is LineStatus.CHARGED_OFF:
            return date.max  # DPD of a charged-off line is derived from delinquent_since, nothing accrues
        if self.delinquent_since is not None:
            return None
        horizon = next_statement_on(day - _ONE_DAY, self.statement_day) - _ONE_DAY
        for hold in self.holds.values():
            if hold.status == "ACTIVE" and hold.expires_on < horizon:
                horizon = hold.expires_on  # it expires at the end of the day after
        # One pass over the working installments (this runs for every line a store asks about). A plan bills
        # its installments in order, so its first unbilled one is the earliest still to bill and ends the scan.
        for plan in self.plans:
            for inst in _open_part(plan):
                if not inst.billed:
                    if inst.statement_on <= horizon:
                        horizon = inst.statement_on - _ONE_DAY  # billed at that day's close
                    break
                if inst.revolving and inst.principal_minor != inst.paid_principal_minor:
                    return None  # revolving interest accrues every day
                if inst.due_on < horizon and inst.unpaid_minor:
                    horizon = inst.due_on  # the day after the due date is DPD 1
        return horizon

    def _close_day(self, day: date) -> None:
        for hold in self.holds.values():
            if hold.status == "ACTIVE" and hold.expires_on < day:
                hold.status, hold.remaining_minor = "EXPIRED", 0
        self._roll_over(day)
        self._bill(day)
        if day.day == self.statement_day:
            self._cut_statement(day)
        oldest, past_due = self._past_due(day)
        self.delinquent_since = oldest
        self.dpd = days_past_due(oldest, day)
        if self.dpd > self.product.penalty.grace_days:
            posted, self.penalty_carry = accrue_penalty(past_due, self.product.penalty, self.penalty_carry)
            if posted:
                self.penalty_minor += posted
                self._post(
                    entry(
                        f"{escape_id(self.line_id)}/pen/{day.isoformat()}",
                        EntryCode.PENALTY_ACCRUAL,
                        day,
                        self.line_id,
                        [(Account.RECEIVABLE_PENALTY, posted)],
                        [(Account.INCOME_PENALTY, posted)],
                    )
                )
        elif self.dpd == 0:
            self.penalty_carry = Decimal(0)
        if self.dpd == 0:
            self._accrue_revolving(day)  # a delinquent balance bears penalty instead
        if self.dpd >= self.product.charge_off_dpd:
            self._charge_off(day)
        self.last_closed_on = day
        self.version += 1

    def _past_due(self, day: date) -> tuple[date | None, int]:
        """Due date of the oldest unpaid installment due before ``day``, and what those installments owe
        (``past_due_minor``) in one pass: it runs every day for every delinquent line. Billed installments
        come first in a plan, so the first unbilled one ends its scan."""
        oldest: date | None = None
        owed = 0
        for plan in self.plans:
            for inst in _open_part(plan):
                if not inst.billed:
                    break
                if inst.due_on < day:
                    unpaid = inst.unpaid_minor
                    if unpaid:
                        owed += unpaid
                        if oldest is None or inst.due_on < oldest:
                            oldest = inst.due_on
        return oldest, owed

    def _bill(self, day: date) -> None:
        """Installments whose billing date has come become owed; their fees and interest are recognised."""
        upcoming = self._next_bill_on
        if upcoming is not None and day < upcoming:
            return  # a delinquent line is closed every day; most of those days bill nothing
        billed: list[Installment] = []
        upcoming = date.max
        for plan in self.plans:
            # A plan's installments are in billing order and its billed ones come first: the installments up to
            # ``day`` are a prefix, and there is something to bill only if the prefix's last one is unbilled.
            insts = plan.installments
            k = bisect_right(insts, day, key=_statement_on)
            if k and not insts[k - 1].billed:
                billed.extend(i for i in insts[:k] if not i.billed)
            if k < len(insts) and insts[k].statement_on < upcoming:
                upcoming = insts[k].statement_on  # no later billing date comes first: never after the true next
        self._next_bill_on = upcoming
        if not billed:
            return
        for inst in billed:
            inst.billed = True
        fees = sum(i.fee_minor for i in billed)
        interest = sum(i.interest_minor for i in billed)
        if fees:
            self._post(
                entry(
                    f"{escape_id(self.line_id)}/fee/{day.isoformat()}",
                    EntryCode.FEE,
                    day,
                    self.line_id,
                    [(Account.RECEIVABLE_FEE, fees)],
                    [(Account.INCOME_FEE, fees)],
                )
            )
        if interest:
            self._post(
                entry(
                    f"{escape_id(self.line_id)}/interest/{day.isoformat()}",
                    EntryCode.INTEREST,
                    day,
                    self.line_id,
                    [(Account.RECEIVABLE_INTEREST, interest)],
                    [(Account.INCOME_INTEREST, interest)],
                )
            )
        self.billed_since_cut_minor = [
            self.billed_since_cut_minor[0] + sum(i.principal_minor for i in billed),
            self.billed_since_cut_minor[1] + fees,
            self.billed_since_cut_minor[2] + interest,
        ]

    def _cut_statement(self, day: date) -> None:
        if self.credit_balance_minor:
            self._apply_credit_balance(day)
        past_due = self.past_due_minor(day)
        due_now = sum(i.unpaid_minor for i in self._installments() if i.billed and i.due_on >= day)
        total = past_due + due_now + self.penalty_minor
        principal, fees, interest = self.billed_since_cut_minor
        self.statements.append(
            Statement(
                statement_on=day,
                due_on=day + timedelta(days=self.due_days),
                new_purchases_minor=self.purchases_since_cut_minor,
                installments_principal_minor=principal,
                installments_fee_minor=fees,
                past_due_minor=past_due,
                penalty_minor=self.penalty_minor,
                payments_minor=self.payments_since_cut_minor,
                total_due_minor=total,
                minimum_due_minor=self._minimum_due(day, total),
                installments_interest_minor=interest,
            )
        )
        self.purchases_since_cut_minor = 0
        self.payments_since_cut_minor = 0
        self.billed_since_cut_minor = [0, 0, 0]
        self.archive_settled()

    def _prepay_evenly(self, installments: list[Installment], amount_minor: int) -> int:
        """Money for the future spread over every unbilled installment in proportion to what each owes."""
        future = [i for i in installments if not i.billed and i.unpaid_principal_minor]
        owed = sum(i.unpaid_principal_minor for i in future)
        take = min(amount_minor, owed)
        if take <= 0:
            return 0
        for inst, part in zip(future, allocate(take, [i.unpaid_principal_minor for i in future]), strict=True):
            inst.paid_principal_minor += part
            if inst.unpaid_principal_minor == 0 and self.product.early_settlement == "waive_unbilled":
                inst.fee_minor = inst.interest_minor = 0
        return take

    def _minimum_due(self, day: date, total: int) -> int:
        """Everything owed except what may revolve: a share of the pay-next-month principal (product rule)."""
        rule = self.product.minimum_payment
        if rule is None:
            return total
        revolvable = sum(
            i.unpaid_principal_minor
            for p in self.plans
            if p.periods == 1 and p.kind == "purchase"
            for i in p.installments
            if i.billed and i.due_on >= day
        )
        if not revolvable:
            return total
        share = round_minor(Decimal(revolvable) * rule.percent_bps / Decimal(10_000), self.product.rounding)
        keep = max(share, min(rule.floor_minor, revolvable))
        return total - revolvable + keep

    def _roll_over(self, day: date) -> None:
        """The day after a due date: if the statement's minimum was paid, unpaid pay-next-month principal
        revolves to the next cycle instead of falling past due."""
        if self.product.minimum_payment is None or not self.statements:
            return
        st = self.statements[-1]
        if day != st.due_on + timedelta(days=1) or st.paid_by_due_minor < st.minimum_due_minor:
            return
        next_statement = next_statement_on(st.statement_on, self.statement_day)
        for plan in self.plans:
            if plan.periods != 1 or plan.kind != "purchase":
                continue
            for inst in plan.installments:
                if inst.billed and inst.due_on == st.due_on and inst.unpaid_minor:
                    inst.revolving = True
                    inst.statement_on = next_statement
                    inst.due_on = next_statement + timedelta(days=self.due_days)

    def _accrue_revolving(self, day: date) -> None:
        rule = self.product.minimum_payment
        if rule is None:
            return  # runs every day for every line in good standing: leave before looking at installments
        revolving = [i for i in self._installments() if i.revolving and i.unpaid_principal_minor]
        if not revolving:
            return
        exact = Decimal(sum(i.unpaid_principal_minor for i in revolving)) * rule.revolving_daily_rate
        total = exact + self.revolving_carry
        posted = int(total)
        self.revolving_carry = total - posted
        if posted:
            revolving[0].carried_interest_minor += posted
            self._post(
                entry(
                    f"{escape_id(self.line_id)}/revolving/{day.isoformat()}",
                    EntryCode.INTEREST,
                    day,
                    self.line_id,
                    [(Account.RECEIVABLE_INTEREST, posted)],
                    [(Account.INCOME_INTEREST, posted)],
                )
            )

    def _apply_credit_balance(self, day: date) -> None:
        """A credit balance pays what is owed at the statement, through the same waterfall."""
        amount = self.credit_balance_minor
        left, _allocation, credits = self._allocate(amount, day + timedelta(days=1))
        used = amount - left
        if used:
            self.credit_balance_minor = left
            self._post(
                entry(
                    f"{escape_id(self.line_id)}/credit-applied/{day.isoformat()}",
                    EntryCode.REPAYMENT,
                    day,
                    self.line_id,
                    [(Account.CUSTOMER_CREDIT, used)],
                    credits,
                )
            )

    def _charge_off(self, day: date) -> None:
        principal, fee, penalty = self.principal_minor, self.fee_minor, self.penalty_minor
        interest = self.interest_minor
        total = principal + fee + interest + penalty
        for inst in self._installments():
            inst.principal_minor = inst.paid_principal_minor
            inst.fee_minor = inst.interest_minor = 0
            inst.carried_fee_minor = inst.paid_fee_minor
            inst.carried_interest_minor = inst.paid_interest_minor
            inst.billed = True
        self.penalty_minor = 0
        self.penalty_carry = Decimal(0)
        self.charged_off_minor += total
        self.charged_off_on = day
        self.status = LineStatus.CHARGED_OFF
        self._release_holds()
        self.archive_settled()
        if total:
            self._post(
                entry(
                    f"{escape_id(self.line_id)}/chargeoff/{day.isoformat()}",
                    EntryCode.CHARGE_OFF,
                    day,
                    self.line_id,
                    [(Account.EXPENSE_CREDIT_LOSS, total)],
                    [
                        (Account.RECEIVABLE_PRINCIPAL, principal),
                        (Account.RECEIVABLE_FEE, fee),
                        (Account.RECEIVABLE_INTEREST, interest),
                        (Account.RECEIVABLE_PENALTY, penalty),
                    ],
                )
            )

    def payoff_minor(self) -> int:
        """Early settlement: what pays the line off today under the product's fee rule."""
        unbilled_charges = 0
        if self.product.early_settlement == "charge_remaining":
            unbilled_charges = sum(i.fee_minor + i.interest_minor for i in self._installments() if not i.billed)
        return max(0, self.balance_minor + unbilled_charges - self.credit_balance_minor)

    @property
    def delinquent_days(self) -> int:
        """DPD less the product's delinquency grace: what delinquency classification uses."""
        return max(0, self.dpd - self.product.delinquency_grace_days)

    def dpd_on(self, day: date) -> int:
        """DPD as of a closed business date, also for charged-off lines (the clock keeps running)."""
        return days_past_due(self.delinquent_since, day)

    @property
    def bucket(self) -> str:
        return bucket(self.dpd)

    # ----------------------------------------------------------------- views

    def sub_ledger(self) -> dict[Account, int]:
        """Balances this line's state implies, signed as the journal signs them (debit positive)."""
        return {
            Account.RECEIVABLE_PRINCIPAL: self.principal_minor,
            Account.RECEIVABLE_FEE: self.fee_minor,
            Account.RECEIVABLE_PENALTY: self.penalty_minor,
            Account.RECEIVABLE_INTEREST: self.interest_minor,
            Account.CUSTOMER_CREDIT: -self.credit_balance_minor,
        }

    def schedule_rows(self) -> list[dict[str, Any]]:
        rows = []
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


_APPLIERS: dict[str, Callable[[CreditLine, dict[str, Any]], Any]] = {
    "purchase": CreditLine._do_purchase,
    "authorise": CreditLine._do_authorise,
    "capture": CreditLine._do_capture,
    "void": CreditLine._do_void,
    "refund": CreditLine._do_refund,
    "repay": CreditLine._do_repay,
    "credit_refund": CreditLine._do_credit_refund,
    "limit": CreditLine._do_limit,
    "freeze": CreditLine._do_freeze,
    "unfreeze": CreditLine._do_unfreeze,
    "close": CreditLine._do_close,
    "reverse_payment": CreditLine._do_nothing,
    "return_payment": CreditLine._do_return_payment,
    "undo": CreditLine._do_nothing,
}

# Everything a replay re-derives (identity, product and the pending/version bookkeeping stay).
# Commands that never reopen a settled installment (they add plans, pay, or leave installments alone), so the
# plans' settled cursors (``_open_part``) stay valid across them; every other command resets the cursors.
_KEEP_CURSORS = frozenset({"purchase", "capture", "repay", "authorise", "void", "limit", "freeze", "unfreeze"})

_STATE_FIELDS = tuple(
    f.name
    for f in fields(CreditLine)
    if f.name
    not in {
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
    }
)
