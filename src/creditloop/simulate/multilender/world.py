"""The multi-lender world: one seeded population, several member lenders, a month at a time.

Each month: incomes (with the scenario's shock and individual job losses) and savings, the month's applications
in date order (each decided by the lender's origination policy on what the applicant states and, with sharing on,
what the consortium answers), purchase wishes placed on the customer's open lines, bills and one repayment
decision per customer over all their member bills (``behaviour.repayment_intent``: capacity first, then
willingness), a loan-to-pay-loan application when the bills cannot be met, and the month end (missed bills,
default, write-off; with sharing on: contributions and the early-warning queries that freeze lines).

The world stream (population, shocks, incomes, application dates and lenders, purchase wishes) draws the same
numbers whatever the lenders decide, so sharing off and on see the same people and the same shock."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from creditloop.consortium.answers import ANSWER, Answer
from creditloop.consortium.bands import BUCKETS, band_named
from creditloop.core.dates import add_months, month_end
from creditloop.core.errors import ValidationError
from creditloop.simulate import behaviour as b
from creditloop.simulate import liquidity, strategic
from creditloop.simulate.config import MAX_MONTHS
from creditloop.simulate.customer import Customer
from creditloop.simulate.multilender.accounts import MIN_DRAW_MINOR, Account
from creditloop.simulate.multilender.member import CREDIT_APPLICATION, EARLY_WARNING, Consortium
from creditloop.simulate.multilender.params import (
    APPLICATION_DAYS,
    BAND_PAYMENT_MONTHS,
    CASH_PLAN_PERIODS,
    DISTRESS_GAP_MONTHS,
    FURTHER_LAG_MONTHS,
    LenderProfile,
    bucket_worse,
    lender_profiles,
)
from creditloop.simulate.population import generate_population
from creditloop.simulate.scenario import Scenario
from creditloop.strategy.idcard import IdProblem, parse_resident_id
from creditloop.strategy.origination import Applicant, decide, raw_limit_minor

MAX_CUSTOMERS = 200_000


@dataclass(frozen=True, slots=True)
class MultiConfig:
    customers: int
    months: int
    seed: int
    scenario: Scenario
    lenders: int = 3
    sharing: bool = False
    min_members: int = 2  # the consortium's threshold of other contributing members (the core's floor is 2)
    start_on: date = date(2024, 1, 1)
    # Applicants declare their open lines at other members (count, and this month's bills as debt payments): the
    # sensitivity to the default assumption that loans taken during the run go undeclared.
    declare_member_loans: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.customers <= MAX_CUSTOMERS:
            raise ValidationError(f"customers must be between 1 and {MAX_CUSTOMERS}", field="customers")
        if not 1 <= self.months <= MAX_MONTHS:
            raise ValidationError(f"months must be between 1 and {MAX_MONTHS}", field="months")
        if self.seed < 0:
            raise ValidationError("seed must not be negative", field="seed")
        lender_profiles(self.lenders)  # checks the count
        if not 2 <= self.min_members < self.lenders:
            raise ValidationError(
                "min_members must be at least 2 and below the number of lenders (the asker never counts)",
                field="min_members",
            )
        shock = self.scenario.shock
        if shock is not None and shock.start_month > self.months:
            raise ValidationError("the shock starts after the horizon", field="shock_month")


@dataclass
class LenderBook:
    profile: LenderProfile
    accounts: dict[int, Account] = field(default_factory=dict)  # customer -> the real line
    shadows: dict[int, Account] = field(default_factory=dict)  # customer -> the line refused (ground truth)
    applications: int = 0
    refused_by_consortium: int = 0
    refused_bad_id: int = 0
    decided_without_consortium: int = 0  # sharing on, but no consent or an insufficient answer
    distress_applications: int = 0
    last_application: dict[int, date] = field(default_factory=dict)


class World:
    def __init__(self, cfg: MultiConfig) -> None:
        self.cfg = cfg
        self.rng = np.random.default_rng(cfg.seed)
        pay_seq, shadow_seq, choice_seq = np.random.SeedSequence(cfg.seed).spawn(3)
        self.rng_pay = np.random.default_rng(pay_seq)
        self.rng_shadow = np.random.default_rng(shadow_seq)
        self.rng_choice = np.random.default_rng(choice_seq)
        self.customers: list[Customer] = generate_population(cfg.customers, cfg.months, self.rng, start_on=cfg.start_on)
        b.assign_shock(self.customers, cfg.scenario, self.rng)
        liquidity.assign_buffers(self.customers, liquidity.liquidity_stream(self.rng), liquidity.DEFAULT_LIQUIDITY)
        strategic.assign_walkaways(self.customers, cfg.seed)
        self.books = [LenderBook(p) for p in lender_profiles(cfg.lenders)]
        self.consortium = Consortium(cfg.lenders, cfg.seed, cfg.min_members)
        self.real: dict[int, list[Account]] = defaultdict(list)
        self.shadow: dict[int, list[Account]] = defaultdict(list)
        self.applied: dict[int, set[int]] = defaultdict(set)
        self.last_distress: dict[int, int] = {}
        self.schedule = self._schedule()
        self.income: list[int] = []

    def _schedule(self) -> dict[int, list[tuple[int, int, int]]]:
        """month -> (day, customer, lender): the first application at a random lender in the customer's application
        month, and one at each of min(lenders elsewhere, members - 1) further lenders a few months later."""
        n, k = self.cfg.customers, self.cfg.lenders
        first = self.rng.integers(0, k, size=n)
        order = np.argsort(self.rng.random((n, k)), axis=1)
        lags = np.sort(self.rng.integers(FURTHER_LAG_MONTHS[0], FURTHER_LAG_MONTHS[1] + 1, size=(n, k - 1)), axis=1)
        days = self.rng.integers(1, APPLICATION_DAYS + 1, size=(n, k))
        out: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for i, cu in enumerate(self.customers):
            out[cu.apply_month].append((int(days[i, 0]), i, int(first[i])))
            others = [int(x) for x in order[i] if x != first[i]][: min(cu.lenders_count, k - 1)]
            for j, lender in enumerate(others):
                month = cu.apply_month + int(lags[i, j])
                if month <= self.cfg.months:
                    out[month].append((int(days[i, j + 1]), i, lender))
        return out

    # ------------------------------------------------------------------ the month

    def run(self) -> World:
        for m in range(1, self.cfg.months + 1):
            self._month(m)
        return self

    def _month(self, m: int) -> None:
        first = add_months(self.cfg.start_on, m - 1)
        last = month_end(first)
        days = calendar.monthrange(first.year, first.month)[1]
        self.income = b.incomes_for_month(self.customers, m, self.cfg.scenario, self.rng)
        for cu, income in zip(self.customers, self.income, strict=True):
            if cu.buffer_minor:
                liquidity.month_start(cu, income, m)
            if cu.strategic:
                strategic.month_start(cu, m)
        for day, i, lender in sorted(self.schedule.pop(m, [])):
            self._apply(i, lender, first + timedelta(days=day - 1), m)
        for i, cu in enumerate(self.customers):
            if cu.apply_month > m:
                continue
            intents = b.purchase_intents(cu, self.income[i], days, self.rng)  # drawn for all: the world stream
            if intents and (i in self.real or i in self.shadow):
                self._place(i, intents)
        for i in sorted(set(self.real) | set(self.shadow)):
            self.settle(i, m, last)
        self._month_end(m, last)

    # ------------------------------------------------------------------ applications

    def _apply(self, i: int, lender: int, on: date, m: int) -> Account | None:
        """The lender's decision; the real line when approved, else None (a shadow line records the refusal)."""
        cu, book = self.customers[i], self.books[lender]
        if lender in self.applied[i]:
            return None  # already applied there (a loan-to-pay-loan application came first): not again
        book.applications += 1
        book.last_application[i] = on
        self.applied[i].add(lender)
        lenders, debt = cu.stated_lenders, cu.stated_debt_minor
        if self.cfg.declare_member_loans:
            held = [a for a in self.real.get(i, []) if a.open]
            lenders += len(held)
            debt += sum(next_bill_minor(a) for a in held)
        if isinstance(parse_resident_id(cu.id_number, on), IdProblem):
            book.refused_bad_id += 1  # identity checks refuse it whatever the consortium knows
            return None
        blocked = False
        if self.cfg.sharing:
            answer = self._ask_for_application(i, lender, on)
            if isinstance(answer, Answer) and answer.kind == ANSWER:
                lenders += answer.lenders_with_open_lines or 0
                debt += band_named(answer.total_balance_band or "0").floor // BAND_PAYMENT_MONTHS
                p = book.profile
                blocked = bucket_worse(answer.worst_bucket or "current", p.worst_bucket_accepted) or (
                    (answer.applications_30d or 0) > p.max_applications_30d
                )
            else:
                book.decided_without_consortium += 1
        applicant = Applicant(f"A-{lender}-{i}", cu.stated_age, cu.stated_income_minor, debt, lenders)
        decision = decide(applicant, book.profile.origination)
        approved = decision.approved and not blocked
        book.refused_by_consortium += int(decision.approved and blocked)
        policy = book.profile.origination
        limit = decision.limit_minor or min(
            max(raw_limit_minor(applicant, policy), policy.min_limit_minor), policy.max_limit_minor
        )
        account = Account(lender, i, limit, m, shadow=not approved)
        (book.accounts if approved else book.shadows)[i] = account
        (self.real if approved else self.shadow)[i].append(account)
        if self.cfg.sharing:
            self.consortium.report(lender, i, on, open_lines=int(approved), balance_minor=0, dpd=0, apps_30d=1)
        return account if approved else None

    def _ask_for_application(self, i: int, lender: int, on: date) -> Answer | str:
        cu = self.customers[i]
        names = self.consortium.pseudonyms(i, cu.id_number, on)
        if names is not None and cu.consent_sharing:
            self.consortium.consent(lender, i, names, on)  # given with this application, to this lender only
        return self.consortium.ask(lender, i, CREDIT_APPLICATION, on)

    def _distress(self, i: int, m: int, shortfall: int, on: date) -> int:
        """Loan-to-pay-loan: apply at a member not yet asked; the cash drawn on the new line (0 if refused)."""
        cu = self.customers[i]
        if cu.fraud or not cu.borrows_at_loss or m - self.last_distress.get(i, -99) < DISTRESS_GAP_MONTHS:
            return 0
        left = [k for k in range(self.cfg.lenders) if k not in self.applied[i]]
        if not left:
            return 0
        self.last_distress[i] = m
        lender = left[int(self.rng_choice.integers(0, len(left)))]
        self.books[lender].distress_applications += 1
        account = self._apply(i, lender, on, m)
        target = account if account is not None else self.books[lender].shadows.get(i)
        if target is None:
            return 0
        cash = min(target.open_to_buy_minor(), -(-shortfall // 100) * 100)
        if cash >= MIN_DRAW_MINOR:
            target.draw(cash, CASH_PLAN_PERIODS)
            return cash if account is not None else 0
        return 0

    # ------------------------------------------------------------------ spending and paying

    def _place(self, i: int, intents: list[b.PurchaseIntent]) -> None:
        """Each wish goes on the first real line with room, if the monthly bill stays affordable; a wish no real
        line takes goes on a shadow line (what the refused line would have carried)."""
        cu = self.customers[i]
        afford = b.affordable_bill_minor(cu, self.income[i])
        real, shadow = self.real.get(i, []), self.shadow.get(i, [])
        for intent in intents:
            placed = False
            for lines in (real, shadow):
                bill = sum(next_bill_minor(a) for a in real) + (
                    sum(next_bill_minor(a) for a in lines) if lines is shadow else 0
                )
                if bill + intent.amount_minor // intent.periods > afford:
                    break
                for account in lines:
                    amount = min(intent.amount_minor, account.open_to_buy_minor())
                    if amount >= MIN_DRAW_MINOR:
                        account.draw(amount, intent.periods)
                        placed = True
                        break
                if placed:
                    break

    def settle(self, i: int, m: int, on: date) -> None:
        """One repayment decision over all the customer's member bills, spread arrears first, then oldest line;
        shadow lines are paid from what is left, in the same proportion (they never change the real path)."""
        cu, income = self.customers[i], self.income[i]
        real = [a for a in self.real.get(i, []) if a.open]
        due = sum(a.bill() for a in real)
        paid = 0
        if due:
            if not b.stops_paying(cu):
                dpd = max(a.days_past_due() for a in real)
                intent = b.repayment_intent(cu, due, income, self.rng_pay, month=m, dpd=dpd)
                paid = min(due, intent.amount_minor) if intent is not None else 0
            if paid < due:
                paid += self._distress(i, m, due - paid, on)
            left = paid
            for account in sorted(real, key=lambda a: (-a.missed, a.opened_month, a.lender)):
                left -= account.pay(left)
        shadows = [a for a in self.shadow.get(i, []) if a.open]
        shadow_due = sum(a.bill() for a in shadows)
        if shadow_due:
            self._pay_shadows(i, m, shadows, shadow_due, due, paid)

    def _pay_shadows(self, i: int, m: int, shadows: list[Account], shadow_due: int, due: int, paid: int) -> None:
        cu, income = self.customers[i], self.income[i]
        if due:
            share = paid / due
            money = int(max(0, b.capacity_minor(cu, income) - paid) * share)
        else:  # no real bill: the customer's own decision on the shadow bill, their real state left as it was
            state = (cu.drift, cu.defaulted, cu.relapse_until, cu.savings_minor)  # a savings payment draws savings
            dpd = max(a.days_past_due() for a in shadows)
            intent = b.repayment_intent(cu, shadow_due, income, self.rng_shadow, month=m, dpd=dpd)
            money = intent.amount_minor if intent is not None else 0
            cu.drift, cu.defaulted, cu.relapse_until, cu.savings_minor = state
        for account in sorted(shadows, key=lambda a: (-a.missed, a.opened_month, a.lender)):
            money -= account.pay(money)

    # ------------------------------------------------------------------ month end

    def _month_end(self, m: int, last: date) -> None:
        for lines in (*self.real.values(), *self.shadow.values()):
            for account in lines:
                account.close_month(m)
        for lines in self.real.values():
            if sum(1 for a in lines if a.open) >= 2:
                for a in lines:
                    a.concurrent = a.concurrent or a.open
        if not self.cfg.sharing:
            return
        since = last - timedelta(days=30)
        for lender, book in enumerate(self.books):
            for i, account in book.accounts.items():
                recent = int(book.last_application.get(i, date.min) > since)
                self.consortium.report(
                    lender,
                    i,
                    last,
                    open_lines=1,  # a written-off line is still owed: it stays on the record, 91+
                    balance_minor=account.balance_minor,
                    dpd=account.days_past_due(),
                    apps_30d=recent,
                )
        for lender, book in enumerate(self.books):
            self._early_warning(lender, book, last)

    def _early_warning(self, lender: int, book: LenderBook, on: date) -> None:
        """Freeze a line whose customer is behind at other members by the lender's freeze bucket or more."""
        freeze_at = BUCKETS.index(book.profile.ewi_freeze_bucket)
        for i, account in book.accounts.items():
            if account.frozen or not account.open:
                continue
            answer = self.consortium.ask(lender, i, EARLY_WARNING, on)
            worst = answer.worst_bucket if isinstance(answer, Answer) and answer.kind == ANSWER else None
            if worst is not None and BUCKETS.index(worst) >= freeze_at:
                account.frozen = account.frozen_by_consortium = True


def next_bill_minor(account: Account) -> int:
    """What the line will bill next month if nothing is paid: the arrears and the next installments."""
    return account.due_minor + sum(
        p.unbilled_minor if p.periods_left <= 1 else min(p.installment_minor, p.unbilled_minor) for p in account.plans
    )


def run_world(cfg: MultiConfig) -> World:
    return World(cfg).run()
