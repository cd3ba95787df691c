"""The simulation loop: a seeded population lives through a scenario, driving the real system.

Everything that moves money goes through the message bus with the same commands the CLI and API send;
the simulator only decides what customers *want* to do. A month of commands is one transaction. After
each month an independent auditor checks the ledger against the simulator's own tally of what
customers bought and paid.
"""

from __future__ import annotations

import calendar
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from creditloop.app import commands as c
from creditloop.app.bus import MessageBus
from creditloop.core.dates import add_months, month_end, month_key
from creditloop.core.errors import DomainError, InvariantViolation, ValidationError
from creditloop.ledger import checks
from creditloop.monitoring.ewi import default_rule
from creditloop.reporting.credit_record import monthly_status
from creditloop.servicing.credit_line import CreditLine, LineStatus
from creditloop.servicing.delinquency import bucket
from creditloop.servicing.events import BucketChanged, DomainEvent, DueMissed, PaymentReturned, RestructureBooked
from creditloop.simulate import behaviour as b
from creditloop.simulate import liquidity, strategic
from creditloop.simulate.collections_step import CollectionsStep
from creditloop.simulate.collector import paced_collector
from creditloop.simulate.config import (
    BLOCK_SIZE,
    MAX_CUSTOMERS,
    MAX_MONTHS,
    Outcome,
    PayInFull,
    SimConfig,
    SimResult,
    Tally,
    block_entropy,
)
from creditloop.simulate.ewi_step import EwiStep, single_rule_warning
from creditloop.simulate.hardship_flow import HardshipFlow
from creditloop.simulate.hardship_outreach import hardship_outreach
from creditloop.simulate.impulse import CHECKOUT_PLANS, Checkout
from creditloop.simulate.lender import SimLender
from creditloop.simulate.outputs import OutputWriter, statement_minimum
from creditloop.simulate.population import Customer, generate_population
from creditloop.strategy.limit_management import LimitAction, LimitRule, LineReview

log = logging.getLogger(__name__)

# SimConfig and friends live in simulate/config.py; importing them from here keeps working.
__all__ = [
    "BLOCK_SIZE",
    "MAX_CUSTOMERS",
    "MAX_MONTHS",
    "SimConfig",
    "SimResult",
    "Simulation",
    "Tally",
    "block_entropy",
]

Progress = Callable[[int, int], None]


# What a simulated day holds: an application, a purchase wish, or a refund / repayment command.
Event = Customer | tuple[Customer, b.PurchaseIntent] | c.Refund | c.Repay | PayInFull

LOOKBACK_DEFAULT = 6


class Simulation:
    def __init__(self, config: SimConfig, bus: MessageBus, out_dir: Path, *, block: int | None = None) -> None:
        """One block of the population (all of it when it fits in one block), on its own ledger."""
        if block is None:
            if config.blocks > 1:
                raise ValidationError(
                    f"{config.customers} customers make {config.blocks} blocks of {config.block_size}: run them "
                    "with creditloop.simulate.parallel.run_simulation, or name the block",
                    field="customers",
                )
            block = 0
        self.cfg = config
        self.bus = bus
        self.block = block
        # Failures name the block too when there are several (each has its own streams and ledger).
        self._where = f", block {block} of {config.blocks}" if config.blocks > 1 else ""
        self.out = OutputWriter(out_dir)
        # Three seeded streams: the world (population, shocks, incomes, applications, purchase wishes) draws the
        # same numbers whatever the lender does; customers' payment decisions and their answers to the lender
        # (reminders, limit changes, hardship offers) have their own, so strategies compare the same world.
        entropy = block_entropy(config.seed, block)
        self.rng = np.random.default_rng(entropy)
        pay_seq, answer_seq = np.random.SeedSequence(entropy).spawn(2)
        self.rng_pay = np.random.default_rng(pay_seq)
        self.rng_answer = np.random.default_rng(answer_seq)
        self.strategy = config.strategy
        if self.strategy.origination is not None:  # the strategy's origination policy decides applications
            self.bus.policies = replace(self.bus.policies, origination=self.strategy.origination)
        indices = config.block_customers(block)
        first, start = indices.start, config.start_on
        self.customers = generate_population(
            len(indices), config.months, self.rng, first_index=first, start_on=start, packaging=config.income_packaging
        )
        for cu, i in zip(self.customers, indices, strict=True):
            cu.customer_id = f"C{i + 1:07d}"  # ids and identity keys run on across blocks
            cu.identity_key = f"K{indices.start + int(cu.identity_key[1:]):07d}"
        b.assign_shock(self.customers, config.scenario, self.rng)
        liquidity.assign_buffers(self.customers, liquidity.liquidity_stream(self.rng), config.liquidity)
        strategic.assign_walkaways(self.customers, config.seed)
        self.by_id = {cu.customer_id: cu for cu in self.customers}
        self.line_of: dict[str, str] = {}
        self.events: dict[date, list[Event]] = defaultdict(list)
        self.income: dict[str, int] = {}
        self.tally = Tally()
        self.paid_in_month: dict[str, int] = defaultdict(int)
        self.hardship_rows: list[dict[str, Any]] = []
        self.rule = default_rule()
        self._open_tx: ExitStack | None = None
        self.opening_limit: dict[str, int] = {}
        self.dpd_history: dict[str, list[int]] = defaultdict(list)  # month-end DPD by line
        self.alert_months: dict[str, list[int]] = defaultdict(list)
        self.pay_pending_until: dict[str, date] = {}  # latest day a planned payment is still to come
        self.action_counts: dict[str, int] = defaultdict(int)
        rule = self.strategy.limit_rule
        self.lookback = rule.lookback_months if rule is not None else LOOKBACK_DEFAULT
        self.cut_rule = rule or LimitRule("ewi-cut", "1")
        # Lines that may be past due, told by the lines' domain events instead of a scan of every line: a line
        # joins when it misses a due date (or a payment bounces, or it is restructured) and leaves when a day-end
        # finds it current. A superset: the passes that use it still check each line's DPD. (An undo or a back-dated
        # correction re-derives history without events; the runner sends neither, tests/simulation checks it.)
        self.maybe_delinquent: set[str] = set()
        self.lender = SimLender(self.strategy, bus, self.out, block)
        plan = CHECKOUT_PLANS[self.strategy.checkout] if self.strategy.checkout else None
        self.checkout = None if plan is None else Checkout(plan, config.seed, block)  # issue 16: impulse buyers
        self.ewi = EwiStep.of(self)  # issue 14's behaviour-v1 early warning; None: the single rule only, as always
        self.flow = HardshipFlow(bus, self.tally.refused) if self.strategy.hardship_path == "workflow" else None
        self.coll = CollectionsStep.of(self)  # issue 15: collections cases and contacts; None: no collections
        if self.coll is not None:
            self.bus.policies = replace(self.bus.policies, collections=self.coll.plan.policy)
        for kind in (DueMissed, BucketChanged, PaymentReturned, RestructureBooked):
            bus.subscribe(kind, self._on_line_event)

    # ----------------------------------------------------------------- helpers

    def _on_line_event(self, event: DomainEvent) -> None:
        if isinstance(event, BucketChanged) and event.new == "M0":
            self.maybe_delinquent.discard(event.line_id)
        else:
            self.maybe_delinquent.add(event.line_id)

    def _line(self, line_id: str) -> CreditLine:
        return self.bus.uow.lines.get(line_id)

    def _submit(self, command: object) -> Any:
        try:
            return self.bus.handle(command)
        except DomainError as exc:
            self.tally.refused[exc.code] += 1
            return None

    # ----------------------------------------------------------------- month

    def run(self, progress: Progress | None = None) -> SimResult:
        m = 0
        try:
            with paced_collector() as month_end:
                for m in range(1, self.cfg.months + 1):
                    self._month(m)
                    month_end()
                    if progress is not None:
                        progress(m, self.cfg.months)
                return self._finish()
        except InvariantViolation:
            raise  # the auditor's message already names the month and the seed
        except Exception as exc:
            # Any failure names the seed (and the month), so the run can be reproduced exactly.
            raise InvariantViolation(
                f"simulation failed in month {m} (seed {self.cfg.seed}{self._where}, scenario "
                f"{self.cfg.scenario.name}): {type(exc).__name__}: {exc}"
            ) from exc

    def run_until(self, month: int) -> None:
        """The first ``month`` months only, no outputs: the learning lender's pooled first phase (parallel.py)."""
        with paced_collector() as month_end:
            for m in range(1, month + 1):
                self._month(m)
                month_end()

    def _month(self, m: int) -> None:
        first = add_months(self.cfg.start_on, m - 1)
        last = month_end(first)
        days = calendar.monthrange(first.year, first.month)[1]
        incomes = b.incomes_for_month(self.customers, m, self.cfg.scenario, self.rng)
        for cu, income in zip(self.customers, incomes, strict=True):
            self.income[cu.customer_id] = income
            if cu.buffer_minor:  # nothing to do for a customer without savings (most of the time, cheap)
                liquidity.month_start(cu, income, m)
            if cu.strategic:
                strategic.month_start(cu, m)
            if cu.apply_month == m:
                drawn = int(self.rng.integers(0, 28))  # drawn for everyone: the world stream stays the same
                self.events[first + timedelta(days=drawn if cu.apply_day < 0 else cu.apply_day)].append(cu)
        self._plan_purchases(first, days, m)
        self.paid_in_month.clear()
        product = self.bus.policies.product
        strategy = self.strategy
        with self._transaction(m):
            day = first
            while day <= last:
                self._run_events(day, m)
                if self.ewi is not None and self.ewi.pending and day.day == self.ewi.action_day(product):
                    self.ewi.act(day, m)  # before the day end: a freeze is dated today
                if self.coll is not None:
                    self.coll.work(day, m)  # before the day end: contacts are made during the day
                if day.day == self.cfg.hardship_day and strategy.hardship_outreach:
                    hardship_outreach(self, day, m)
                self._submit(c.RunDayEnd(day, reconcile=day == last))
                if self.flow is not None:
                    self.flow.day_end(day)  # plan tracking, the broken-plan rule
                if self.coll is not None:
                    self.coll.day_end(day)  # promises to pay settled
                if day.day == product.statement_day:
                    self._plan_repayments(day, m)
                if day.day == product.statement_day + product.due_days_after_statement + 1:
                    single_rule_warning(self, day, m)
                    if strategy.reminders:
                        self._remind(day, m)
                if day.day == self.cfg.limit_review_day and strategy.reviewer is not None:
                    self._review_limits(day, m)
                day += timedelta(days=1)
            self._snapshot(m, last)
            self._audit(m, last)
            self.lender.month_end(m)

    @contextmanager
    def _transaction(self, m: int) -> Iterator[None]:
        """The month's commands join the open transaction; it commits after its last month (audited monthly)."""
        if self._open_tx is None:
            self._open_tx = ExitStack()
            self._open_tx.enter_context(self.bus.batch())
        try:
            yield
        except BaseException as exc:
            stack, self._open_tx = self._open_tx, None
            stack.__exit__(type(exc), exc, exc.__traceback__)  # rolls back
            raise
        if m % self.cfg.months_per_transaction == 0 or m == self.cfg.months:
            stack, self._open_tx = self._open_tx, None
            stack.close()  # commits

    def _plan_purchases(self, first: date, days: int, m: int) -> None:
        for cu in self.customers:
            if cu.apply_month > m:
                continue
            for intent in b.purchase_intents(cu, self.income[cu.customer_id], days, self.rng):
                on = first + timedelta(days=intent.day - 1)
                self.events[on].append((cu, intent))

    def _run_events(self, day: date, m: int) -> None:
        for event in self.events.pop(day, []):
            if isinstance(event, Customer):
                self._apply(event, day, m)
            elif isinstance(event, tuple):
                self._buy(event, day)
            elif isinstance(event, PayInFull):
                line = self._line(event.line_id)
                line.close_through(day - timedelta(days=1))
                if line.amount_due_minor > 0:
                    self._pay(c.Repay(event.ref, event.line_id, line.amount_due_minor, day))
            elif isinstance(event, c.Refund):
                if self._submit(event) is not None:
                    self.tally.refunded_minor += event.amount_minor
            else:
                self._pay(event)

    def _schedule_pay(self, line_id: str, on: date, event: Event) -> None:
        self.events[on].append(event)
        if on > self.pay_pending_until.get(line_id, date.min):
            self.pay_pending_until[line_id] = on

    def _pay(self, command: c.Repay) -> None:
        if self._submit(command) is not None:
            self.tally.paid_minor += command.amount_minor
            self.paid_in_month[command.line_id] += command.amount_minor
            self.out.event(command.on, command.line_id, "repayment", command.amount_minor, command.payment_id)
            if self.ewi is not None:
                self.ewi.monitor.payment(command.line_id, command.amount_minor, command.on)

    def _apply(self, cu: Customer, day: date, m: int) -> None:
        application_id = f"A-{cu.customer_id}"
        row = self.lender.decide(cu, application_id, day, self._submit)
        if row is None:
            return
        if row.decision == "approve":
            self.line_of[cu.customer_id] = f"L-{cu.customer_id}"
            self.opening_limit[f"L-{cu.customer_id}"] = row.limit_minor
        self.out.application(application_id, cu, day, m, row)

    def _buy(self, item: tuple[Customer, b.PurchaseIntent], day: date) -> None:
        cu, intent = item
        line_id = self.line_of.get(cu.customer_id)
        if line_id is None:
            return
        line = self._line(line_id)
        line.close_through(day - timedelta(days=1))
        if line.status is not LineStatus.ACTIVE or line.dpd > 0:
            return  # the checkout would decline: no attempt is made
        amount = min(intent.amount_minor, line.open_to_buy_minor // 100 * 100)
        if amount < 1_000:
            return
        bill = line.statements[-1].total_due_minor if line.statements else 0
        prudent = bill + amount // intent.periods <= b.affordable_bill_minor(cu, self.income[cu.customer_id])
        if self.checkout is None and not prudent:
            return  # most customers hold back when the monthly bill would outgrow their spare money
        if self.checkout is not None and not self.checkout.allows(cu, line, amount, intent.periods, day, prudent):
            return  # impulse buyers do not hold back; the checkout nudge may stop them (simulate/impulse.py)
        purchase_id = f"P-{cu.customer_id}-{day.isoformat()}-{len(line.plans) + 1}"
        if self._submit(c.Purchase(purchase_id, line_id, amount, intent.periods, day)) is None:
            return
        self.tally.purchased_minor += amount
        self.out.event(day, line_id, "purchase", amount, purchase_id)
        if self.ewi is not None:
            self.ewi.monitor.purchase(line_id, amount, day)
        if intent.refund_after_days:
            refund_on = day + timedelta(days=intent.refund_after_days)
            self.events[refund_on].append(c.Refund(f"R-{purchase_id}", line_id, purchase_id, amount, refund_on))

    def _plan_repayments(self, day: date, m: int) -> None:
        """On statement day each customer looks at the bill and decides what to pay, and when."""
        for customer_id, line_id in self.line_of.items():
            line = self._line(line_id)
            cu = self.by_id[customer_id]
            income = self.income[customer_id]
            if line.status is LineStatus.CHARGED_OFF:
                if line.charged_off_minor and not cu.fraud and self.rng_pay.random() < 0.05 * cu.willingness:
                    amount = min(line.charged_off_minor, max(1_000, b.capacity_minor(cu, income) // 2 // 100 * 100))
                    if amount > 0:
                        pay_on = day + timedelta(days=9)
                        self.events[pay_on].append(c.Repay(f"Y-{line_id}-{day}", line_id, amount, pay_on))
                continue
            if not line.statements or line.statements[-1].statement_on != day:
                continue
            st = line.statements[-1]
            if b.stops_paying(cu):
                continue  # strategic default: able to pay, chooses not to
            due, minimum = st.total_due_minor, st.minimum_due_minor  # minimum = due: the product has none
            intent = b.repayment_intent(cu, due, income, self.rng_pay, month=m, dpd=line.dpd, min_due_minor=minimum)
            if intent is None:
                continue
            pay_on = max(day + timedelta(days=1), st.due_on + timedelta(days=intent.days_after_due))
            ref = f"Y-{line_id}-{day}"
            if intent.amount_minor >= st.total_due_minor:
                self._schedule_pay(line_id, pay_on, PayInFull(line_id, ref))  # the app shows the amount due that day
            else:
                self._schedule_pay(line_id, pay_on, c.Repay(ref, line_id, intent.amount_minor, pay_on))

    def _remind(self, day: date, m: int) -> None:
        """The day after the due date: a reminder to every line that missed it and has no payment on the way."""
        maybe = self.maybe_delinquent
        for customer_id, line_id in self.line_of.items():
            if line_id not in maybe or self.pay_pending_until.get(line_id, date.min) > day:
                continue
            line = self._line(line_id)
            if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN):
                continue
            line.close_through(day)
            if line.dpd > 0:
                self._remind_line(line, self.by_id[customer_id], day, m, "MISSED_DUE_DATE")

    def _remind_line(self, line: CreditLine, cu: Customer, day: date, m: int, reason: str) -> None:
        self._action(line.line_id, day, m, "reminder", line.limit_minor, line.limit_minor, reason)
        spare = b.capacity_minor(cu, self.income[cu.customer_id]) - self.paid_in_month.get(line.line_id, 0)
        u, days_u = self.rng_answer.random(2)
        intent = b.reminder_response(cu, line.amount_due_minor, spare, float(u), float(days_u))
        if intent is None:
            return
        pay_on = day + timedelta(days=intent.days_after_due)
        ref = f"M-{line.line_id}-{day}"
        if intent.mode == "full":
            self._schedule_pay(line.line_id, pay_on, PayInFull(line.line_id, ref))
        else:
            self._schedule_pay(line.line_id, pay_on, c.Repay(ref, line.line_id, intent.amount_minor, pay_on))

    def _review_of(self, line: CreditLine, m: int) -> LineReview:
        opened = line.opened_on
        last = month_end(add_months(self.cfg.start_on, m - 1))
        history = self.dpd_history.get(line.line_id, [])[-self.lookback :]
        return LineReview(
            line_id=line.line_id,
            months_on_book=(last.year - opened.year) * 12 + last.month - opened.month + 1,
            status=line.status,
            limit_minor=line.limit_minor,
            principal_minor=line.principal_minor,
            dpd=line.dpd,
            worst_dpd_recent=max(history, default=0),
            alerts_recent=sum(1 for a in self.alert_months.get(line.line_id, ()) if a > m - self.lookback),
            restructured=line.restructured_on is not None,
        )

    def _review_limits(self, day: date, m: int) -> None:
        """The strategy's limit management: raises, cuts and unfreezes, sent as ``ChangeLine`` commands."""
        reviewer = self.strategy.reviewer
        assert reviewer is not None
        for customer_id, line_id in self.line_of.items():
            line = self._line(line_id)
            if line.status not in (LineStatus.ACTIVE, LineStatus.FROZEN):
                continue
            line.close_through(day - timedelta(days=1))
            action = reviewer(self._review_of(line, m))
            if action is not None:
                self._change(line, self.by_id[customer_id], action, day, m)

    def _change(self, line: CreditLine, cu: Customer, action: LimitAction, day: date, m: int) -> None:
        old = line.limit_minor
        command = c.ChangeLine(
            f"LC-{line.line_id}-{day.isoformat()}", line.line_id, action.action, day, action.limit_minor
        )
        try:
            self.bus.handle(command)  # returns nothing: success is the absence of a refusal
        except DomainError as exc:
            self.tally.refused[exc.code] += 1
            return
        new = line.limit_minor
        self._action(line.line_id, day, m, action.action, old, new, action.reason)
        if action.action == "limit":
            b.respond_to_limit_change(
                cu, new, self.opening_limit.get(line.line_id, old), cut=new < old, u=float(self.rng_answer.random())
            )

    def _action(self, line_id: str, day: date, m: int, action: str, old: int, new: int, reason: str) -> None:
        self.action_counts[action] += 1
        self.out.action(
            {
                "line_id": line_id,
                "acted_on": day,
                "month_index": m,
                "action": action,
                "limit_before_minor": old,
                "limit_after_minor": new,
                "reason_code": reason,
                "strategy": self.strategy.name,
            }
        )

    # ----------------------------------------------------------------- month end

    def _snapshot(self, m: int, last: date) -> None:
        for customer_id, line_id in self.line_of.items():
            line = self._line(line_id)
            principal, fee, interest = line.balances()  # one pass over the installments
            balance = principal + fee + interest + line.penalty_minor
            charged_off = line.status is LineStatus.CHARGED_OFF
            owed = line.charged_off_minor if charged_off else balance
            dpd = line.dpd_on(last) if charged_off else line.dpd  # stops at the charge-off day
            if owed == 0:
                dpd = 0
            st = line.statements[-1] if line.statements else None
            st = st if st is not None and st.statement_on.month == last.month else None
            opened = line.opened_on
            mob = (last.year - opened.year) * 12 + last.month - opened.month + 1
            history = self.dpd_history[line_id]
            if history and history[-1] > 30 and dpd == 0 and not charged_off:
                self.by_id[customer_id].relapse_until = m + b.RELAPSE_MONTHS  # cured from 30+: relapse risk
            history.append(dpd)
            row = {
                "month_index": m,
                "month_end_on": last,
                "line_id": line_id,
                "customer_id": customer_id,
                "vintage": month_key(opened),
                "mob": mob,
                "status": line.status.value,
                "limit_minor": line.limit_minor,
                "principal_minor": principal,
                "fee_minor": fee,
                "penalty_minor": line.penalty_minor,
                "balance_minor": balance,
                "past_due_minor": line.past_due_minor(last + timedelta(days=1)),
                "dpd": dpd,
                "bucket": bucket(dpd),
                "credit_status": monthly_status(dpd, owed, line.status is LineStatus.CLOSED, charged_off=charged_off),
                "restructured": line.restructured_on is not None,
                "statement_due_minor": st.total_due_minor if st else 0,
                "paid_minor": self.paid_in_month.get(line_id, 0),
                "charged_off_minor": line.charged_off_minor,
                "statement_min_due_minor": statement_minimum(line, st),
                "other_lenders": liquidity.consortium_lenders(self.by_id[customer_id], m),
            }
            self.out.snapshot(row)
            if self.ewi is not None:
                self.ewi.observe(row, m)
        if self.ewi is not None:
            self.ewi.close_month(m)

    def _audit(self, m: int, last: date) -> None:
        """Independent check: the ledger holds exactly what the simulator says customers did."""
        self.bus.uow.flush()
        bal, t = self.bus.uow.journal.account_balances(), self.tally
        problems = checks.messages(
            [
                *checks.trial_balance(bal),
                *checks.cash_equals_paid(bal, t.paid_minor),
                *checks.merchant_payable_equals_purchases(bal, t.purchased_minor, t.refunded_minor),
            ]
        )
        rec = self.bus.uow.day_ends.reconciliation(last)
        if rec is None or not rec.ok:
            problems.append(f"reconciliation on {last} failed: {rec}")
        if problems:
            raise InvariantViolation(f"auditor, month {m}, seed {self.cfg.seed}{self._where}: " + "; ".join(problems))

    def _finish(self) -> SimResult:
        final: dict[str, Outcome] = {}
        with self.bus.uow:
            for line_id in self.line_of.values():
                line = self.bus.uow.lines.get(line_id)
                if line.status is LineStatus.CHARGED_OFF:
                    final[line_id] = Outcome.CHARGED_OFF
                elif line.balance_minor == 0:
                    final[line_id] = Outcome.REPAID
                elif line.dpd > 0:
                    final[line_id] = Outcome.DELINQUENT
                else:
                    final[line_id] = Outcome.CURRENT
            balances = self.bus.uow.journal.account_balances()
        for row in self.hardship_rows:
            outcome = Outcome.NOT_OFFERED if not row["accepted"] and not row["eligible"] else final[row["line_id"]]
            row["outcome"] = outcome.value  # the plain string in the Parquet output
        self.out.hardship(self.hardship_rows)
        extra: dict[str, Any] = {}
        if self.flow is not None:
            plans = self.flow.plan_rows()
            self.out.extend("hardship_plans", plans)
            extra["hardship_workflow"] = self.flow.summary(plans)
        if self.coll is not None:
            self.out.extend("contacts", self.coll.rows)
            extra.update(self.coll.summary())
        self.out.ground_truth(self.customers)
        summary = {
            "seed": self.cfg.seed,
            "customers": self.cfg.customers,
            "months": self.cfg.months,
            "scenario": self.cfg.scenario.name,
            "strategy": self.strategy.name,
            **({"learning": self.lender.learning} if self.strategy.learning else {}),
            **(self.checkout.summary(self.customers) if self.checkout is not None else {}),
            **(self.ewi.summary() if self.ewi is not None else {}),
            "lender_actions": dict(sorted(self.action_counts.items())),
            "shock_month": self.cfg.scenario.shock.start_month if self.cfg.scenario.shock else None,
            "start_on": self.cfg.start_on.isoformat(),
            "lines_opened": len(self.line_of),
            "purchased_minor": self.tally.purchased_minor,
            "refunded_minor": self.tally.refunded_minor,
            "paid_minor": self.tally.paid_minor,
            "refused": dict(sorted(self.tally.refused.items())),
            **extra,
            "journal_balanced": sum(balances.values()) == 0,
            "trial_balance": {a.value: v for a, v in sorted(balances.items(), key=lambda kv: kv[0].value)},
        }
        self.out.close(summary)
        return SimResult(self.out.dir, summary)
