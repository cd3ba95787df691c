"""A member lender's line to one customer, billed monthly: installment plans, arrears, default, write-off.

Coarser than the ledger the single-lender simulator drives (a month is the step, no fees or penalty interest): the
multi-lender question is who lends to whom and who is repaid, so a line keeps the drawn plans, the billed amount
not yet paid and the count of bills missed in a row. A **shadow** line is the ground truth for a refused
application: the line the lender would have opened, drawn and paid with what the customer had left after the real
lines (so it never changes the customer's real path); it says whether the refused customer would have defaulted."""

from __future__ import annotations

from dataclasses import dataclass, field

from creditloop.simulate.multilender.params import CHARGE_OFF_MISSES, DEFAULT_MISSES

MIN_DRAW_MINOR = 1_000  # purchases under 10 yuan are not made on the line (as in the single-lender runner)


@dataclass(slots=True)
class Plan:
    unbilled_minor: int
    installment_minor: int
    periods_left: int  # the last one bills whatever is left, so the parts sum to the amount exactly


@dataclass(slots=True)
class Account:
    lender: int
    customer: int  # index in the population
    limit_minor: int
    opened_month: int
    shadow: bool = False
    plans: list[Plan] = field(default_factory=list)
    due_minor: int = 0  # billed and not yet paid
    missed: int = 0  # bills missed in a row (30 days past due each)
    frozen: bool = False
    frozen_by_consortium: bool = False
    defaulted_month: int = 0  # first month at 90+ days past due (0: never)
    charged_off_month: int = 0
    loss_minor: int = 0
    drawn_minor: int = 0
    paid_minor: int = 0
    concurrent: bool = False  # the customer held another real member line open at the same time

    @property
    def balance_minor(self) -> int:
        return self.due_minor + sum(p.unbilled_minor for p in self.plans)

    @property
    def open(self) -> bool:
        return not self.charged_off_month

    def open_to_buy_minor(self) -> int:
        if self.frozen or self.missed or self.charged_off_month:
            return 0
        return max(0, self.limit_minor - self.balance_minor) // 100 * 100

    def draw(self, amount_minor: int, periods: int) -> None:
        """A purchase (or cash) on the line, repaid in ``periods`` equal monthly installments (the last takes the
        rest, so the parts sum to the amount exactly)."""
        self.plans.append(Plan(amount_minor, amount_minor // periods, periods))
        self.drawn_minor += amount_minor

    def bill(self) -> int:
        """This month's installments move to the amount due; returns the amount due after billing."""
        for p in self.plans:
            part = p.unbilled_minor if p.periods_left <= 1 else min(p.installment_minor, p.unbilled_minor)
            p.unbilled_minor -= part
            p.periods_left -= 1
            self.due_minor += part
        self.plans = [p for p in self.plans if p.unbilled_minor]
        return self.due_minor

    def pay(self, amount_minor: int) -> int:
        """Pay up to the amount due; returns what was taken."""
        taken = min(amount_minor, self.due_minor)
        self.due_minor -= taken
        self.paid_minor += taken
        return taken

    def close_month(self, month: int) -> None:
        """Count a missed bill, mark default at 90+ days and write off at 180 (the loss is the balance)."""
        if self.charged_off_month:
            return
        self.missed = self.missed + 1 if self.due_minor else 0
        if self.missed >= DEFAULT_MISSES and not self.defaulted_month:
            self.defaulted_month = month
        if self.missed >= CHARGE_OFF_MISSES:
            self.charged_off_month = month
            self.loss_minor = self.balance_minor

    def horizon_loss_minor(self) -> int:
        """Written off, or in default at the horizon and provisioned in full (no recoveries are modelled)."""
        if self.charged_off_month:
            return self.loss_minor
        return self.balance_minor if self.missed >= DEFAULT_MISSES else 0

    def days_past_due(self) -> int:
        return 30 * self.missed
