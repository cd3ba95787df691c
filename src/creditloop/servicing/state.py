"""The state of one credit line and the balances derived from it: what every part of the aggregate shares.

``CreditLine`` (``credit_line.py``) adds the commands, the command log and day-end on top; the parts
(``plans``, ``holds``, ``waterfall``, ``statements``, ``dayend``, ``workouts``) are functions over this state.
The sums are written as loops, not sum() over generators: they run for every line many times a day in a
simulation, and a plain loop is about twice as fast in CPython.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from creditloop.ledger.accounts import Account
from creditloop.ledger.entries import JournalEntry
from creditloop.products.schedule import next_statement_on
from creditloop.products.terms import Product
from creditloop.servicing.commands import Record
from creditloop.servicing.delinquency import bucket, days_past_due
from creditloop.servicing.events import DomainEvent, LineOpened
from creditloop.servicing.model import (
    ONE_DAY,
    Hold,
    HoldStatus,
    Installment,
    LineStatus,
    Plan,
    RepaymentResult,
    SettlementOffer,
    SettlementStatus,
    Statement,
    open_part,
    settled,
)


@dataclass(slots=True)
class LineState:
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
    settlement: SettlementOffer | None = None  # the latest settlement offer, open or done (``settlement.py``)
    statements: list[Statement] = field(default_factory=list)
    seen_ids: dict[str, str] = field(default_factory=dict)  # client id -> payload fingerprint
    results: dict[str, RepaymentResult] = field(default_factory=dict)
    version: int = 0
    pending_entries: list[JournalEntry] = field(default_factory=list)
    purchases_since_cut_minor: int = 0
    payments_since_cut_minor: int = 0
    billed_since_cut_minor: list[int] = field(default_factory=lambda: [0, 0, 0])  # principal, fee, interest
    # The command log as stored (the source of truth for replay); ``commands.parse`` gives the typed command.
    events: list[Record] = field(default_factory=list)
    holds: dict[str, Hold] = field(default_factory=dict)
    # Domain events recorded since the unit of work last collected them (``events.py``); never stored. None
    # while nobody listens: every recording site then costs one comparison and builds nothing.
    new_events: list[DomainEvent] | None = field(default=None, repr=False, compare=False)
    # (version, last closed date, status) -> next action date: a store asks every day for every line it holds
    _next_action_memo: tuple[int, date, LineStatus, date] | None = field(default=None, repr=False, compare=False)
    # No installment bills before this date (``dayend.bill``); None: unknown. Reset by every command and correction.
    _next_bill_on: date | None = field(default=None, repr=False, compare=False)

    # ----------------------------------------------------------------- balances

    @property
    def principal_minor(self) -> int:
        total = 0
        for p in self.plans:
            for i in open_part(p):
                total += i.principal_minor - i.paid_principal_minor
        return total

    def balances(self) -> tuple[int, int, int]:
        """Unpaid principal, owed fees and owed interest in one pass (stores write all three at once)."""
        principal = fee = interest = 0
        for p in self.plans:
            for i in open_part(p):  # Installment's unpaid_* properties, inlined
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
        held = sum(h.remaining_minor for h in self.holds.values() if h.status is HoldStatus.ACTIVE)
        return max(0, self.limit_minor - self.principal_minor - held)

    @property
    def amount_due_minor(self) -> int:
        """What the customer must pay now to owe nothing billed: billed installments plus penalty to date."""
        total = self.penalty_minor
        for p in self.plans:
            for i in open_part(p):
                if i.billed:
                    total += i.unpaid_minor
        return total

    def past_due_minor(self, on: date) -> int:
        """Unpaid principal and fees of installments due before ``on``."""
        total = 0
        for p in self.plans:
            for i in open_part(p):
                if i.billed and i.due_on < on:
                    total += i.unpaid_minor
        return total

    @property
    def plan_count(self) -> int:
        return len(self.plans) + len(self.settled_plans)

    def payoff_minor(self) -> int:
        """Early settlement: what pays the line off today under the product's fee rule."""
        unbilled_charges = 0
        if self.product.early_settlement == "charge_remaining":
            unbilled_charges = sum(i.fee_minor + i.interest_minor for i in self.installments() if not i.billed)
        return max(0, self.balance_minor + unbilled_charges - self.credit_balance_minor)

    @property
    def delinquent_days(self) -> int:
        """DPD less the product's delinquency grace: what delinquency classification uses."""
        return max(0, self.dpd - self.product.delinquency_grace_days)

    def dpd_on(self, day: date) -> int:
        """DPD as of a closed business date. On a charged-off line the clock stops on the charge-off day, as
        ``dpd`` (and ``line show``) does: the debt has left the books and is reported 'B', not aged further
        (issue 16: month-end snapshots kept counting to 477 while ``line show`` said 180)."""
        stop = day if self.charged_off_on is None else min(day, self.charged_off_on)
        return days_past_due(self.delinquent_since, stop)

    @property
    def bucket(self) -> str:
        return bucket(self.dpd)

    def sub_ledger(self) -> dict[Account, int]:
        """Balances this line's state implies, signed as the journal signs them (debit positive)."""
        return {
            Account.RECEIVABLE_PRINCIPAL: self.principal_minor,
            Account.RECEIVABLE_FEE: self.fee_minor,
            Account.RECEIVABLE_PENALTY: self.penalty_minor,
            Account.RECEIVABLE_INTEREST: self.interest_minor,
            Account.CUSTOMER_CREDIT: -self.credit_balance_minor,
        }

    # ----------------------------------------------------------------- day-end index

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
        day = self.last_closed_on + ONE_DAY
        quiet_until = self._quiet_until(day)
        offer = self.settlement
        if offer is not None and quiet_until is not None and offer.status is SettlementStatus.OPEN:
            quiet_until = min(quiet_until, offer.due_on - ONE_DAY)  # an open settlement lapses at its due date's close
        if quiet_until is None or quiet_until < day:
            result = day
        else:
            result = quiet_until if quiet_until == date.max else quiet_until + ONE_DAY
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
        horizon = next_statement_on(day - ONE_DAY, self.statement_day) - ONE_DAY
        for hold in self.holds.values():
            if hold.status is HoldStatus.ACTIVE and hold.expires_on < horizon:
                horizon = hold.expires_on  # it expires at the end of the day after
        # One pass over the working installments (this runs for every line a store asks about). A plan bills
        # its installments in order, so its first unbilled one is the earliest still to bill and ends the scan.
        for plan in self.plans:
            for inst in open_part(plan):
                if not inst.billed:
                    if inst.statement_on <= horizon:
                        horizon = inst.statement_on - ONE_DAY  # billed at that day's close
                    break
                if inst.revolving and inst.principal_minor != inst.paid_principal_minor:
                    return None  # revolving interest accrues every day
                if inst.due_on < horizon and inst.unpaid_minor:
                    horizon = inst.due_on  # the day after the due date is DPD 1
        return horizon

    # ----------------------------------------------------------------- shared steps

    def installments(self) -> list[Installment]:
        return [i for p in self.plans for i in p.installments]

    def archive_settled(self) -> None:
        """Move fully paid plans out of the working set, so day-end cost follows what is still owed."""
        done = [settled(p) for p in self.plans]
        if any(done):
            self.settled_plans.extend(p for p, d in zip(self.plans, done, strict=True) if d)
            self.plans = [p for p, d in zip(self.plans, done, strict=True) if not d]

    def post(self, e: JournalEntry) -> None:
        """Stage a balanced journal entry; the unit of work appends it together with the new state."""
        self.pending_entries.append(e)

    def drain_entries(self) -> list[JournalEntry]:
        out, self.pending_entries = self.pending_entries, []
        return out

    def start_recording(self, sink: list[DomainEvent] | None = None, *, opened: bool = False) -> None:
        """Record domain events from now on (a unit of work with subscribers took the line in); ``opened``: the
        line is new, so its opening is the first event. ``sink``: a list shared by every line of the unit of
        work, which then collects in O(events) instead of visiting every line it holds."""
        if self.new_events is None:
            self.new_events = [] if sink is None else sink
            if opened:
                self.new_events.append(LineOpened(self.line_id, self.opened_on, self.customer_id, self.limit_minor))

    def collect_events(self) -> list[DomainEvent]:
        """The domain events recorded since the last collection (recording goes on)."""
        out = self.new_events
        if not out:
            return []
        self.new_events = []
        return out

    def release_holds(self) -> None:
        """A line that stops lending releases its authorisations: nothing can be captured any more."""
        for hold in self.holds.values():
            if hold.status is HoldStatus.ACTIVE:
                hold.status, hold.remaining_minor = HoldStatus.VOIDED, 0
