"""The CreditLine aggregate: limit, plans, statements, repayments, penalty, delinquency, charge-off.

Every money movement is recorded as one balanced journal entry in ``pending_entries``; the unit of
work appends them to the journal together with the new state, so state and journal never drift.
The line is closed day by day (``close_through``): statement cut, penalty accrual, days past due,
charge-off. Commands on a business date first catch the line up to the day before, so a line never
misses a day and never processes one twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from creditloop.core.errors import DomainError, IdempotencyConflict, NotFound, ValidationError, require
from creditloop.core.money import require_positive
from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import EntryCode, JournalEntry, entry
from creditloop.products.penalty import accrue_penalty
from creditloop.products.schedule import flat_fee_schedule, next_statement_on
from creditloop.products.terms import Product
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

    @property
    def unpaid_principal_minor(self) -> int:
        return self.principal_minor - self.paid_principal_minor

    @property
    def unpaid_fee_minor(self) -> int:
        """Unpaid fee that is already owed (billed or carried); unbilled scheduled fees are not owed."""
        owed = self.carried_fee_minor + (self.fee_minor if self.billed else 0)
        return owed - self.paid_fee_minor

    @property
    def unpaid_minor(self) -> int:
        return self.unpaid_principal_minor + self.unpaid_fee_minor


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


@dataclass(frozen=True, slots=True)
class RepaymentResult:
    payment_id: str
    paid_on: date
    amount_minor: int
    allocation: tuple[tuple[str, int], ...]
    to_credit_balance_minor: int
    recovery_minor: int


def _settled(plan: Plan) -> bool:
    return all(
        i.unpaid_principal_minor == 0 and i.unpaid_fee_minor == 0 and (i.billed or i.fee_minor == 0)
        for i in plan.installments
    )


def fingerprint(*parts: object) -> str:
    """Stable hash of a command payload, to tell a retry from a conflicting reuse of an id."""
    return hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:16]


@dataclass(slots=True)
class CreditLine:
    line_id: str
    customer_id: str
    product: Product
    limit_minor: int
    opened_on: date
    status: LineStatus = LineStatus.ACTIVE
    plans: list[Plan] = field(default_factory=list)  # plans with something still owed or scheduled
    settled_plans: list[Plan] = field(default_factory=list)  # fully paid: kept for history, skipped by day-end
    penalty_minor: int = 0
    penalty_carry: Decimal = Decimal(0)
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

    # ----------------------------------------------------------------- creation

    @classmethod
    def open(cls, line_id: str, customer_id: str, product: Product, limit_minor: int, opened_on: date) -> CreditLine:
        require_positive(limit_minor, "limit_minor")
        if not line_id:
            raise ValidationError("line_id must not be empty", field="line_id")
        return cls(line_id, customer_id, product, limit_minor, opened_on, last_closed_on=opened_on - timedelta(days=1))

    # ----------------------------------------------------------------- balances

    @property
    def principal_minor(self) -> int:
        return sum(i.unpaid_principal_minor for p in self.plans for i in p.installments)

    @property
    def fee_minor(self) -> int:
        return sum(i.unpaid_fee_minor for p in self.plans for i in p.installments)

    @property
    def balance_minor(self) -> int:
        """Everything the customer owes now (principal incl. unbilled, owed fees, penalty)."""
        return self.principal_minor + self.fee_minor + self.penalty_minor

    @property
    def open_to_buy_minor(self) -> int:
        if self.status is not LineStatus.ACTIVE:
            return 0
        return max(0, self.limit_minor - self.principal_minor)

    @property
    def amount_due_minor(self) -> int:
        """What the customer must pay now to owe nothing billed: billed installments plus penalty to date."""
        return sum(i.unpaid_minor for i in self._installments() if i.billed) + self.penalty_minor

    def past_due_minor(self, on: date) -> int:
        """Unpaid principal and fees of installments due before ``on``."""
        return sum(i.unpaid_minor for i in self._installments() if i.billed and i.due_on < on and i.unpaid_minor)

    @property
    def plan_count(self) -> int:
        return len(self.plans) + len(self.settled_plans)

    def archive_settled(self) -> None:
        """Move fully paid plans out of the working set, so day-end cost follows what is still owed."""
        if any(_settled(p) for p in self.plans):
            self.settled_plans.extend(p for p in self.plans if _settled(p))
            self.plans = [p for p in self.plans if not _settled(p)]

    def _installments(self) -> list[Installment]:
        return [i for p in self.plans for i in p.installments]

    def _open_installments(self) -> list[Installment]:
        items = [i for p in self.plans for i in p.installments if i.unpaid_minor or i.unpaid_principal_minor]
        items.sort(key=lambda i: i.due_on)
        return items

    # ----------------------------------------------------------------- idempotency

    def _check_id(self, client_id: str, payload: str, field_name: str) -> bool:
        """True when this id was already applied with the same payload (a retry); raise on a conflict."""
        if not client_id:
            raise ValidationError(f"{field_name} must not be empty", field=field_name)
        known = self.seen_ids.get(client_id)
        if known is None:
            return False
        if known != payload:
            raise IdempotencyConflict(f"{field_name} {client_id!r} was already used with a different payload")
        return True

    def _require_business_date(self, on: date) -> None:
        if on < self.opened_on:
            raise ValidationError(f"date {on} is before the line opened on {self.opened_on}", field="on")
        if on <= self.last_closed_on:
            raise DomainError(
                f"business date {on} is already closed (closed through {self.last_closed_on}); "
                "back-dated events are not supported yet",
                code="date_already_closed",
            )
        self.close_through(on - timedelta(days=1))

    def _post(self, e: JournalEntry) -> None:
        self.pending_entries.append(e)

    def drain_entries(self) -> list[JournalEntry]:
        out, self.pending_entries = self.pending_entries, []
        return out

    # ----------------------------------------------------------------- commands

    def purchase(self, purchase_id: str, amount_minor: int, periods: int, on: date) -> Plan:
        payload = fingerprint("purchase", amount_minor, periods, on)
        if self._check_id(purchase_id, payload, "purchase_id"):
            return next(p for p in [*self.plans, *self.settled_plans] if p.purchase_id == purchase_id)
        require_positive(amount_minor, "amount_minor")
        option = self.product.option(periods)
        self._require_business_date(on)
        if self.status is not LineStatus.ACTIVE:
            raise DomainError(f"line {self.line_id} is {self.status.value}: purchases refused", code="line_not_active")
        if amount_minor > self.open_to_buy_minor:
            raise DomainError(
                f"amount {amount_minor} exceeds open-to-buy {self.open_to_buy_minor}", code="insufficient_open_to_buy"
            )
        first = next_statement_on(on, self.product.statement_day)
        schedule = flat_fee_schedule(
            amount_minor,
            periods,
            option.monthly_fee_bps,
            first,
            self.product.due_days_after_statement,
            self.product.rounding,
        )
        plan = Plan(
            plan_id=f"{self.line_id}/plan/{self.plan_count + 1}",
            purchase_id=purchase_id,
            purchased_on=on,
            principal_minor=amount_minor,
            periods=periods,
            monthly_fee_bps=option.monthly_fee_bps,
            installments=[
                Installment(s.seq, s.statement_on, s.due_on, s.principal_minor, s.fee_minor) for s in schedule
            ],
        )
        self.plans.append(plan)
        self.purchases_since_cut_minor += amount_minor
        self._post(
            entry(
                f"{self.line_id}/buy/{purchase_id}",
                EntryCode.PURCHASE,
                on,
                self.line_id,
                [(Account.RECEIVABLE_PRINCIPAL, amount_minor)],
                [(Account.MERCHANT_PAYABLE, amount_minor)],
                frozenset({plan.plan_id}),
            )
        )
        self.seen_ids[purchase_id] = payload
        self.version += 1
        return plan

    def refund(self, refund_id: str, purchase_id: str, amount_minor: int, on: date) -> int:
        """A merchant refund reduces the plan from its last installments; what was already paid becomes credit.

        Returns the amount that went to the customer's credit balance.
        """
        payload = fingerprint("refund", purchase_id, amount_minor, on)
        if self._check_id(refund_id, payload, "refund_id"):
            return 0
        require_positive(amount_minor, "amount_minor")
        plan = next((p for p in [*self.plans, *self.settled_plans] if p.purchase_id == purchase_id), None)
        if plan is None:
            raise NotFound(f"purchase {purchase_id!r} not found on line {self.line_id}", field="purchase_id")
        if amount_minor > plan.principal_minor - plan.refunded_minor:
            raise DomainError(
                f"refund {amount_minor} exceeds the refundable {plan.principal_minor - plan.refunded_minor}",
                code="refund_exceeds_purchase",
            )
        self._require_business_date(on)
        # What the customer still owes for the purchase shrinks first: its own plan, then (after a
        # restructure moved that debt) the restructured plans, last installments first.
        left = amount_minor
        sources = [plan, *[p for p in reversed([*self.settled_plans, *self.plans]) if p.kind == "restructure"]]
        for source in sources:
            for inst in reversed(source.installments):
                take = min(left, inst.unpaid_principal_minor)
                if take:
                    inst.principal_minor -= take
                    left -= take
                    if not inst.billed and inst.unpaid_principal_minor == 0:
                        inst.fee_minor = 0  # the refunded period's fee is no longer owed
        to_credit = left
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
                f"{self.line_id}/refund/{refund_id}",
                EntryCode.REFUND,
                on,
                self.line_id,
                [(Account.MERCHANT_PAYABLE, amount_minor)],
                [(Account.RECEIVABLE_PRINCIPAL, amount_minor - to_credit), (Account.CUSTOMER_CREDIT, to_credit)],
                frozenset({plan.plan_id}),
            )
        )
        self.seen_ids[refund_id] = payload
        self.archive_settled()
        self.version += 1
        return to_credit

    def repay(self, payment_id: str, amount_minor: int, on: date) -> RepaymentResult:
        payload = fingerprint("repay", amount_minor, on)
        if self._check_id(payment_id, payload, "payment_id"):
            return self.results[payment_id]
        require_positive(amount_minor, "amount_minor")
        self._require_business_date(on)
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
                f"{self.line_id}/pay/{payment_id}",
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
        self.seen_ids[payment_id] = payload
        self.results[payment_id] = result
        self.version += 1
        return result

    def _allocate(self, amount_minor: int, on: date) -> tuple[int, list[tuple[str, int]], list[tuple[Account, int]]]:
        """Walk the product's waterfall atom by atom (oldest installment first within an atom)."""
        left = amount_minor
        allocation: list[tuple[str, int]] = []
        paid = {Account.RECEIVABLE_PENALTY: 0, Account.RECEIVABLE_FEE: 0, Account.RECEIVABLE_PRINCIPAL: 0}
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
            else:
                timing, _, part = atom.rpartition("_")
                for inst in installments:
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
                    else:
                        t = min(left, inst.unpaid_principal_minor)
                        inst.paid_principal_minor += t
                        paid[Account.RECEIVABLE_PRINCIPAL] += t
                        if timing == "FUTURE" and inst.unpaid_principal_minor == 0:
                            inst.fee_minor = 0  # prepaid in full before billing: its fee is cancelled
                    left -= t
                    took += t
            if took:
                allocation.append((atom, took))
        credits = [(acct, amt) for acct, amt in paid.items() if amt]
        return left, allocation, credits

    # ----------------------------------------------------------------- line management

    def change_limit(self, limit_minor: int) -> None:
        require_positive(limit_minor, "limit_minor")
        self.limit_minor = limit_minor
        self.version += 1

    def freeze(self) -> None:
        if self.status is LineStatus.ACTIVE:
            self.status = LineStatus.FROZEN
            self.version += 1

    def unfreeze(self) -> None:
        if self.status is LineStatus.FROZEN:
            self.status = LineStatus.ACTIVE
            self.version += 1

    # ----------------------------------------------------------------- day-end

    def close_through(self, target: date) -> None:
        """Run day-end for every business date up to ``target`` not yet closed, in order, exactly once.

        Quiet stretches (nothing overdue, no statement) are skipped in one step: their day-end would
        change nothing but the closed date.
        """
        while self.last_closed_on < target:
            day = self.last_closed_on + timedelta(days=1)
            quiet_until = self._quiet_until(day)
            if quiet_until is not None and quiet_until >= day:
                self.last_closed_on = min(target, quiet_until)
                self.version += 1
                continue
            self._close_day(day)

    def _quiet_until(self, day: date) -> date | None:
        """Last date from ``day`` on whose day-end would change nothing, or None if ``day`` needs work."""
        if self.status is LineStatus.CLOSED:
            return date.max
        if self.status is LineStatus.CHARGED_OFF:
            return date.max  # DPD of a charged-off line is derived from delinquent_since, nothing accrues
        if self.delinquent_since is not None:
            return None
        horizon = next_statement_on(day - timedelta(days=1), self.product.statement_day) - timedelta(days=1)
        for inst in self._installments():
            if inst.billed and inst.unpaid_minor:
                horizon = min(horizon, inst.due_on)  # the day after the due date is DPD 1
        return horizon

    def _close_day(self, day: date) -> None:
        if day.day == self.product.statement_day:
            self._cut_statement(day)
        oldest = min(
            (i.due_on for i in self._installments() if i.billed and i.unpaid_minor and i.due_on < day), default=None
        )
        self.delinquent_since = oldest
        self.dpd = days_past_due(oldest, day)
        if self.dpd > self.product.penalty.grace_days:
            posted, self.penalty_carry = accrue_penalty(
                self.past_due_minor(day), self.product.penalty, self.penalty_carry
            )
            if posted:
                self.penalty_minor += posted
                self._post(
                    entry(
                        f"{self.line_id}/pen/{day.isoformat()}",
                        EntryCode.PENALTY_ACCRUAL,
                        day,
                        self.line_id,
                        [(Account.RECEIVABLE_PENALTY, posted)],
                        [(Account.INCOME_PENALTY, posted)],
                    )
                )
        elif self.dpd == 0:
            self.penalty_carry = Decimal(0)
        if self.dpd >= self.product.charge_off_dpd:
            self._charge_off(day)
        self.last_closed_on = day
        self.version += 1

    def _cut_statement(self, day: date) -> None:
        billed = [i for i in self._installments() if not i.billed and i.statement_on == day]
        past_due = self.past_due_minor(day + timedelta(days=1))
        for inst in billed:
            inst.billed = True
        fees = sum(i.fee_minor for i in billed)
        if fees:
            self._post(
                entry(
                    f"{self.line_id}/fee/{day.isoformat()}",
                    EntryCode.FEE,
                    day,
                    self.line_id,
                    [(Account.RECEIVABLE_FEE, fees)],
                    [(Account.INCOME_FEE, fees)],
                )
            )
        if self.credit_balance_minor:
            self._apply_credit_balance(day)
        due_now = sum(i.unpaid_minor for i in billed)
        total = past_due + due_now + self.penalty_minor
        self.statements.append(
            Statement(
                statement_on=day,
                due_on=day + timedelta(days=self.product.due_days_after_statement),
                new_purchases_minor=self.purchases_since_cut_minor,
                installments_principal_minor=sum(i.principal_minor for i in billed),
                installments_fee_minor=fees,
                past_due_minor=past_due,
                penalty_minor=self.penalty_minor,
                payments_minor=self.payments_since_cut_minor,
                total_due_minor=total,
                # Installment plans must be paid in full each cycle; revolving minimum payments come later.
                minimum_due_minor=total,
            )
        )
        self.purchases_since_cut_minor = 0
        self.payments_since_cut_minor = 0
        self.archive_settled()

    def _apply_credit_balance(self, day: date) -> None:
        """A credit balance pays what is owed at the statement, through the same waterfall."""
        amount = self.credit_balance_minor
        left, _allocation, credits = self._allocate(amount, day + timedelta(days=1))
        used = amount - left
        if used:
            self.credit_balance_minor = left
            self._post(
                entry(
                    f"{self.line_id}/credit-applied/{day.isoformat()}",
                    EntryCode.REPAYMENT,
                    day,
                    self.line_id,
                    [(Account.CUSTOMER_CREDIT, used)],
                    credits,
                )
            )

    def _charge_off(self, day: date) -> None:
        principal, fee, penalty = self.principal_minor, self.fee_minor, self.penalty_minor
        total = principal + fee + penalty
        for inst in self._installments():
            inst.principal_minor = inst.paid_principal_minor
            inst.fee_minor = 0
            inst.carried_fee_minor = inst.paid_fee_minor
            inst.billed = True
        self.penalty_minor = 0
        self.penalty_carry = Decimal(0)
        self.charged_off_minor += total
        self.charged_off_on = day
        self.status = LineStatus.CHARGED_OFF
        self.archive_settled()
        if total:
            self._post(
                entry(
                    f"{self.line_id}/chargeoff/{day.isoformat()}",
                    EntryCode.CHARGE_OFF,
                    day,
                    self.line_id,
                    [(Account.EXPENSE_CREDIT_LOSS, total)],
                    [
                        (Account.RECEIVABLE_PRINCIPAL, principal),
                        (Account.RECEIVABLE_FEE, fee),
                        (Account.RECEIVABLE_PENALTY, penalty),
                    ],
                )
            )

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
                        "paid_minor": inst.paid_principal_minor + inst.paid_fee_minor,
                        "billed": inst.billed,
                    }
                )
        return rows
